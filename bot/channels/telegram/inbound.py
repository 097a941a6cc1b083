"""Telegram updates in GridBot's words: `Inbound` for a message, `Press` for a button.

What Telegram sends that is nobody's business is dropped here: edits of old messages (a typo
fixed must not file the report twice), service messages (someone joined the group), channel
posts, and commands addressed to another bot ("/stats@OtherBot").
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, PhotoSize, Update
from telegram.constants import ChatType, MessageEntityType

from bot.channels.port import GROUP, PRIVATE, Inbound, Photo, Press

CHANNEL = "telegram"
_CHAT_KINDS = {ChatType.PRIVATE: PRIVATE, ChatType.GROUP: GROUP, ChatType.SUPERGROUP: GROUP}


def best_photo(sizes: Sequence[PhotoSize], limit: int) -> PhotoSize:
    """The largest size Telegram offers that is within `limit`. Telegram sends each photo in
    several sizes, so an oversized original costs nothing: a smaller copy is kept instead, and
    the resident is never asked to send it again. The smallest is kept if none says it fits."""
    fitting = [size for size in sizes if size.file_size is None or size.file_size <= limit]
    return fitting[-1] if fitting else sizes[0]


def parse(update: Update, *, bot_username: str, max_photo_bytes: int) -> Inbound | Press | None:
    if update.callback_query is not None:
        return _press(update)
    message = update.message
    if message is None or message.from_user is None or message.from_user.is_bot:
        return None
    kind = _CHAT_KINDS.get(message.chat.type)
    if kind is None:
        return None
    command, args = _command(message, bot_username)
    if command == "":  # addressed to another bot
        return None
    photo = best_photo(message.photo, max_photo_bytes) if message.photo else None
    location = (message.location.latitude, message.location.longitude) if message.location else None
    text = message.text if message.text is not None else message.caption
    other = _other(message) if text is None and photo is None and location is None else None
    if other is None and text is None and photo is None and location is None:
        return None  # a service message: someone joined, the title changed …
    replied = message.reply_to_message
    user = message.from_user
    return Inbound(
        channel=CHANNEL, user_id=user.id, chat_id=message.chat.id, chat_kind=kind,
        display_name=user.full_name, username=user.username,
        text=text[len(text.split(None, 1)[0]):].strip() if command else text,
        photo=Photo(photo.file_id, photo.file_unique_id) if photo else None, location=location,
        command=command, args=args,
        reply_to=replied.message_id if replied else None,
        replied_text=(replied.text or replied.caption) if replied else None,
        other=other,
    )


def _press(update: Update) -> Press | None:
    query = update.callback_query
    message = query.message
    if message is None or query.from_user is None:
        return None  # a button under an inline-mode message: GridBot posts none
    kind = _CHAT_KINDS.get(message.chat.type)
    if kind is None:
        return None
    return Press(channel=CHANNEL, user_id=query.from_user.id, chat_id=message.chat.id, chat_kind=kind,
                 data=query.data or "", message_id=message.message_id,
                 display_name=query.from_user.full_name, username=query.from_user.username)


def _command(message: Message, bot_username: str) -> tuple[str | None, tuple[str, ...]]:
    """("stats", ("month",)) for "/stats@GridBot month"; (None, ()) when it is no command;
    ("", ()) when it is another bot's."""
    text = message.text or ""
    entity = next(iter(message.entities or ()), None)
    if entity is None or entity.type != MessageEntityType.BOT_COMMAND or entity.offset != 0:
        return None, ()
    name, _, addressee = text[1:entity.length].partition("@")
    if addressee and addressee.lower() != bot_username.lower():
        return "", ()
    return name.lower(), tuple(text[entity.length:].split())


def _other(message: Message) -> str | None:
    if message.sticker is not None:
        return "sticker"
    if message.voice is not None or message.audio is not None or message.video_note is not None:
        return "voice"
    if (message.video or message.document or message.contact or message.animation or message.poll
            or message.venue or message.dice):
        return "unsupported"
    return None
