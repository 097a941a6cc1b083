"""Sending outbox rows through the Telegram Bot API (python-telegram-bot).

A text message, the bulk of what goes out, is posted as the Bot API's own JSON through
`Bot.do_api_request`: PTB's transport, timeouts, rate limiter and errors as for every call, but
no PTB objects built for the keyboard and the reply, and no Message parsed from the answer when
the message id is all delivery keeps. In bench/intake.py those were 1.4 ms of PTB per send
against the bare bot's 0.4. Photos, files and edits go through PTB's methods.
"""

from __future__ import annotations

import mimetypes
import warnings

from telegram import (
    Bot, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity,
    ReplyKeyboardMarkup, User,
)
from telegram import error as tg
from telegram.constants import MessageEntityType
from telegram.warnings import PTBUserWarning

from bot.channels.port import FetchedFile, RetryLater, Sent, TargetMissing, TooLarge, Transient, Undeliverable


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)  # the bot's messages never need a link's preview

# do_api_request asks, for a method PTB has, that the method be used: here it is on purpose (above).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


def keyboard(buttons: list | dict | None) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | ForceReply | None:
    """Inline buttons (a list of rows), a persistent reply keyboard ({"reply_keyboard": …}), or
    a question for one person ({"force_reply": …}: their client opens a reply to it, which
    privacy mode lets the bot see)."""
    if not buttons:
        return None
    if isinstance(buttons, dict):
        if "force_reply" in buttons:
            return ForceReply(selective=True,
                              input_field_placeholder=buttons["force_reply"].get("placeholder"))
        return ReplyKeyboardMarkup(buttons["reply_keyboard"], resize_keyboard=True,
                                   is_persistent=bool(buttons.get("persistent")))
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b["text"], callback_data=b["data"]) for b in row] for row in buttons]
    )


def markup_json(buttons: list | dict | None) -> dict | None:
    """`keyboard(buttons)` as the Bot API's JSON: inline buttons written out directly (nearly
    every message has some), the rarer markups through PTB's objects."""
    if not buttons:
        return None
    if isinstance(buttons, dict):
        return keyboard(buttons).to_dict()
    return {"inline_keyboard": [[{"text": b["text"], "callback_data": b["data"]} for b in row] for row in buttons]}


def message_json(chat_id: int, text: str | None, buttons: list | dict | None, reply_to: int | None) -> dict:
    """sendMessage's parameters, as PTB's send_message would post them for the same arguments."""
    data: dict = {"chat_id": chat_id, "text": text, "link_preview_options": {"is_disabled": True}}
    markup = markup_json(buttons)
    if markup is not None:
        data["reply_markup"] = markup
    entities = mention(text, buttons)
    if entities:
        data["entities"] = [entity.to_dict() for entity in entities]
    if reply_to is not None:
        data["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
    return data


def mention(text: str | None, buttons: list | dict | None) -> list[MessageEntity] | None:
    """A question for one person names them (a text mention needs no @username): ForceReply's
    `selective` shows the reply box to the people a message mentions."""
    if not text or not isinstance(buttons, dict) or "force_reply" not in buttons:
        return None
    who = buttons["force_reply"].get("mention") or {}
    name, user_id = who.get("name"), who.get("user_id")
    if not name or not user_id or name not in text:
        return None
    start = text.index(name)
    offset = len(text[:start].encode("utf-16-le")) // 2
    length = len(name.encode("utf-16-le")) // 2
    return [MessageEntity(MessageEntityType.TEXT_MENTION, offset, length,
                          user=User(int(user_id), name, is_bot=False))]


class TelegramSender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id, *, text, buttons, photo, reply_to) -> Sent:
        async with _translated():
            if photo:
                msg = await self.bot.send_photo(
                    chat_id, photo, caption=text, reply_markup=keyboard(buttons),
                    reply_to_message_id=reply_to, allow_sending_without_reply=True,
                )
                return Sent(msg.message_id)
            sent = await self.bot.do_api_request("sendMessage",
                                                 api_kwargs=message_json(chat_id, text, buttons, reply_to))
        return Sent(sent["message_id"])

    async def send_file(self, chat_id, *, kind, data, file_name, caption, reply_to) -> Sent:
        """A photo or a document uploaded from bytes (multipart), with an optional caption."""
        async with _translated():
            if kind == "photo":
                msg = await self.bot.send_photo(
                    chat_id, bytes(data), filename=file_name, caption=caption,
                    reply_to_message_id=reply_to, allow_sending_without_reply=True,
                )
            else:
                msg = await self.bot.send_document(
                    chat_id, bytes(data), filename=file_name, caption=caption,
                    reply_to_message_id=reply_to, allow_sending_without_reply=True,
                )
        return Sent(msg.message_id)

    async def edit(self, chat_id, message_id, *, text, buttons) -> Sent:
        try:
            async with _translated():
                await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id,
                    reply_markup=None if isinstance(buttons, dict) else keyboard(buttons),  # edits take inline buttons only
                    link_preview_options=NO_PREVIEW,
                )
        except _NotModified:
            pass
        return Sent(message_id)


    async def fetch_file(self, file_id: str, *, limit: int) -> FetchedFile:
        """Through the bot (the file's URL carries the token: it never leaves this process)."""
        async with _translated():
            found = await self.bot.get_file(file_id)
            if (found.file_size or 0) > limit:
                raise TooLarge(f"{found.file_size} bytes")
            data = await found.download_as_bytearray()
        content_type = mimetypes.guess_type(found.file_path or "")[0] or "image/jpeg"
        return FetchedFile(bytes(data), content_type)

    async def check(self) -> None:
        async with _translated():
            await self.bot.get_me()


class _NotModified(Exception):
    pass


class _translated:
    """Turn python-telegram-bot's exceptions into the delivery loop's vocabulary."""

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        if exc is None:
            return False
        if isinstance(exc, tg.RetryAfter):
            with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta in 23
                warnings.simplefilter("ignore")
                seconds = exc.retry_after
            seconds = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
            raise RetryLater(seconds) from exc
        if isinstance(exc, tg.Forbidden):
            raise Undeliverable(str(exc), "forbidden") from exc
        if isinstance(exc, tg.ChatMigrated):
            raise Undeliverable(f"chat migrated to {exc.new_chat_id}", "chat_migrated") from exc
        if isinstance(exc, tg.BadRequest):
            text = str(exc).lower()
            if "not modified" in text:
                raise _NotModified() from exc
            if "message to edit not found" in text or "message can't be edited" in text:
                raise TargetMissing(str(exc)) from exc
            raise Undeliverable(str(exc), "chat_not_found" if "chat not found" in text else "bad_request") from exc
        if isinstance(exc, tg.TelegramError):
            # Timeouts, network errors, 5xx, an invalid-token answer (a proxy in front of the
            # Bot API answers oddly during an outage), anything not known to be final: retried.
            raise Transient(f"{type(exc).__name__}: {exc}") from exc
        return False
