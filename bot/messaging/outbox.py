"""Messages to send are rows, written in the transaction that caused them.

A state change and the messages it causes commit together or not at all; the delivery loop
(bot/messaging/delivery.py) sends them afterwards. A crash between commit and send loses nothing.
Rows are channel-neutral: a chat id, text, buttons as (label, data) pairs, a photo file id, and
`ref`, the name of a message that is edited in place on later rows (a ticket's card). A file
the bot made itself (a chart, a workbook) travels as bytes in the row (`file_data`, see
`upload()`): it commits with the rest and any instance can send it; delivery drops the bytes
once the row is done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from bot.messaging import sql
from bot.models import Outbox, Ticket

Buttons = Sequence[Sequence[tuple[str, str]]]

_listeners: list[Callable[[], None]] = []


def on_new_messages(callback: Callable[[], None]) -> Callable[[], None]:
    """Register a wake-up (the delivery loop's); returns a function that unregisters it."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback)


def wake_delivery() -> None:
    """Call after a commit that queued messages, so they go out now rather than at next poll."""
    for callback in list(_listeners):
        callback()


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    text: str | None = None
    buttons: Buttons | None = None
    photo: str | None = None
    ref: str | None = None
    reply_to_ref: str | None = None
    file_data: bytes | None = None  # bytes to upload; `text` becomes the caption
    file_name: str | None = None
    file_kind: str | None = None  # FILE_PHOTO | FILE_DOCUMENT


FILE_PHOTO = "photo"
FILE_DOCUMENT = "document"
# A row that only edits the message its ref names (a question's buttons taken away once it is
# answered): if that message was never sent, or is gone, nothing is sent in its place.
EDIT_ONLY = "edit-only"
CAPTION_LIMIT = 1024  # Telegram's, for the text that goes with a file


def upload(chat_id: int, data: bytes, file_name: str, *, kind: str = FILE_DOCUMENT,
           caption: str | None = None) -> Outgoing:
    """A file to send from bytes: a photo (PNG, JPEG) or a document (anything, e.g. .xlsx)."""
    if kind not in (FILE_PHOTO, FILE_DOCUMENT):
        raise ValueError(f"file kind must be {FILE_PHOTO!r} or {FILE_DOCUMENT!r}, not {kind!r}")
    if caption is not None and len(caption) > CAPTION_LIMIT:
        caption = caption[: CAPTION_LIMIT - 1] + "…"
    return Outgoing(chat_id, caption, file_data=bytes(data), file_name=file_name, file_kind=kind)


def edit_only(chat_id: int, ref: str, text: str) -> Outgoing:
    """The message `ref` names, edited to `text` without buttons; never sent anew."""
    return Outgoing(chat_id, text, ref=ref, file_kind=EDIT_ONLY)


def ask_one(user_id: int, name: str, placeholder: str | None = None) -> dict:
    """Markup for a question put to one person in a group: their client opens a reply to it
    (Telegram's selective ForceReply; the text must name them, which the channel turns into
    a mention). Replies reach the bot under privacy mode, and nobody else is prompted."""
    return {"force_reply": {"placeholder": placeholder, "mention": {"user_id": user_id, "name": name}}}


DEFAULT_CHANNEL = Outbox._meta.fields_map["channel"].default  # rows name no channel yet

CARD_PREFIX = "card:"


def card_ref(ticket_id: int) -> str:
    return f"{CARD_PREFIX}{ticket_id}"


def encode_buttons(buttons: Buttons | dict | None) -> list | dict | None:
    if buttons is None or isinstance(buttons, dict):  # a reply keyboard or a question's markup, kept as is
        return buttons
    return [[{"text": label, "data": data} for label, data in row] for row in buttons]


async def enqueue(
    messages: Iterable[Outgoing],
    *,
    now: dt.datetime,
    ticket: Ticket | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> None:
    """Queue messages in the caller's transaction, in one INSERT (rows keep their order: ids
    follow the VALUES list, and delivery sends each chat's rows by id)."""
    ticket_id = ticket.id if ticket is not None else None
    rows = [sql.queued_values(channel=DEFAULT_CHANNEL, chat_id=msg.chat_id, text=msg.text,
                              buttons=encode_buttons(msg.buttons), photo=msg.photo, file_data=msg.file_data,
                              file_name=msg.file_name, file_kind=msg.file_kind, ref=msg.ref,
                              reply_to_ref=msg.reply_to_ref, ticket_id=ticket_id, now=now)
            for msg in messages]
    if rows:
        await sql.queue(rows, using_db=using_db)


async def say(chat_id: int, text: str, *, now: dt.datetime, buttons: Buttons | None = None) -> None:
    """A plain reply, queued like every other message, then delivered at once."""
    await enqueue([Outgoing(chat_id, text, buttons=buttons)], now=now)
    wake_delivery()
