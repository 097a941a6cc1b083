"""A ticket's card that can never reach its chat: the command centre is told.

Delivery (bot/messaging/delivery.py) ends a message only on a permanent answer (the bot was removed from
the group, the chat is gone, the request was refused). For most messages a metric and a log line
say so; a ticket's card is different: without it the unit may never see the ticket. So the
command centre's chat gets a short note naming the ticket, the chat and the reason, queued in
the same transaction that records the card as undeliverable (the note is written once, or not
at all). One note per card and chat: a card whose every later edit fails too is not announced
again at each edit.
"""

from __future__ import annotations

import datetime as dt

from tortoise.backends.base.client import BaseDBAsyncClient

from bot import texts
from bot.models import ChatBinding, Outbox, OutboxStatus, Ticket
from bot.jurisdiction import directory
from bot.messaging import outbox

CARD_PREFIX = "card:"


def ticket_of_card(ref: str | None) -> int | None:
    """The ticket id a card's ref names ("card:<id>"), or None for any other message."""
    if not ref or not ref.startswith(CARD_PREFIX):
        return None
    tail = ref[len(CARD_PREFIX):]
    return int(tail) if tail.isdigit() else None


async def note_for_card(row: Outbox, reason: str, *, now: dt.datetime,
                        using_db: BaseDBAsyncClient) -> bool:
    """Queue the note for `row` (a card that ended undeliverable) in the caller's transaction;
    False when there is nothing to say or nowhere to say it."""
    ticket_id = ticket_of_card(row.ref)
    if ticket_id is None:
        return False
    command_chat = await directory.command_chat()
    if command_chat is None or command_chat == row.chat_id:  # the note could not get through either
        return False
    told_before = await (Outbox.filter(chat_id=row.chat_id, ref=row.ref, status=OutboxStatus.DEAD)
                         .exclude(id=row.id).using_db(using_db).exists())
    if told_before:
        return False
    ticket = await Ticket.filter(id=ticket_id).using_db(using_db).first()
    if ticket is None:
        return False
    text = texts.CARD_UNDELIVERED.format(
        number=ticket.number, chat=await _chat_words(row.channel, row.chat_id),
        reason=texts.UNDELIVERED_REASONS.get(reason, texts.UNDELIVERED_REASONS["bad_request"]))
    await outbox.enqueue([outbox.Outgoing(command_chat, text)], now=now, ticket=ticket, using_db=using_db)
    return True


async def _chat_words(channel: str, chat_id: int) -> str:
    binding = await ChatBinding.filter(channel=channel, chat_id=chat_id).select_related("unit").order_by("id").first()
    if binding is not None:
        return texts.UNDELIVERED_CHAT_OF_UNIT.format(unit=binding.unit.name)
    return texts.UNDELIVERED_CHAT_PRIVATE if chat_id > 0 else texts.UNDELIVERED_CHAT_GROUP
