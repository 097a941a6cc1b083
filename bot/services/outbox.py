"""Messages to send are rows, written in the transaction that caused them.

A state change and the messages it causes commit together or not at all; the delivery loop
(bot/delivery.py) sends them afterwards. A crash between commit and send loses nothing.
Rows are channel-neutral: a chat id, text, buttons as (label, data) pairs, a photo file id, and
`ref`, the name of a message that is edited in place on later rows (a ticket's card).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

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


def card_ref(ticket_id: int) -> str:
    return f"card:{ticket_id}"


def encode_buttons(buttons: Buttons | None) -> list | None:
    if buttons is None:
        return None
    return [[{"text": label, "data": data} for label, data in row] for row in buttons]


async def enqueue(
    messages: Iterable[Outgoing],
    *,
    now: dt.datetime,
    ticket: Ticket | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> list[Outbox]:
    rows = []
    for msg in messages:
        rows.append(
            await Outbox.create(
                chat_id=msg.chat_id,
                text=msg.text,
                buttons=encode_buttons(msg.buttons),
                photo=msg.photo,
                ref=msg.ref,
                reply_to_ref=msg.reply_to_ref,
                ticket=ticket,
                available_at=now,
                created_at=now,
                using_db=using_db,
            )
        )
    return rows


async def say(chat_id: int, text: str, *, now: dt.datetime, buttons: Buttons | None = None) -> None:
    """A plain reply, queued like every other message, then delivered at once."""
    await enqueue([Outgoing(chat_id, text, buttons=buttons)], now=now)
    wake_delivery()
