"""The resident's word on a fix: a rating, then an optional comment."""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Draft, Resident, Status, Ticket
from bot.runtime import Runtime
from bot.services import outbox, tickets
from bot.services.outbox import Outgoing
from bot.services.people import Actor

RATINGS = ("satisfied", "basic", "unsatisfied")
# A closed ticket can be reopened by its resident for this long: "it broke again" a week on is
# still the same case; later it is a new one.
REOPEN_WINDOW = dt.timedelta(days=7)


def may_reopen(ticket: Ticket, now: dt.datetime) -> bool:
    return (ticket.status == Status.CLOSED and ticket.closed_at is not None
            and now - ticket.closed_at <= REOPEN_WINDOW)


async def not_fixed(rt: Runtime, user_id: int, ticket_id: int) -> str:
    """The resident says a closed ticket is not fixed after all: it reopens to its unit."""
    async with in_transaction():
        resident = await Resident.get_or_none(channel="telegram", user_id=user_id)
        ticket = await Ticket.get_or_none(id=ticket_id)
        if resident is None or ticket is None or ticket.resident_id != resident.id:
            return texts.NOT_ALLOWED
        if not may_reopen(ticket, rt.clock.now()):
            return texts.REOPEN_TOO_LATE
        await tickets.reopen(rt, ticket, Actor.of_resident(resident), reason=texts.NOT_FIXED_REASON)
        return texts.REOPENED_TOAST


async def rate(rt: Runtime, user_id: int, chat_id: int, ticket_id: int, rating: str) -> str | None:
    """Returns a toast when the press is refused; otherwise the answer goes to the chat."""
    if rating not in RATINGS:
        return texts.STALE_BUTTON
    async with in_transaction():
        resident = await Resident.get_or_none(channel="telegram", user_id=user_id)
        ticket = await Ticket.get_or_none(id=ticket_id)
        if resident is None or ticket is None or ticket.resident_id != resident.id:
            return texts.NOT_ALLOWED
        try:
            await tickets.rate(rt, ticket, resident, rating)
        except (tickets.IllegalMove, tickets.NotAllowed) as exc:
            return str(exc)
        now = rt.clock.now()
        await Draft.filter(channel="telegram", chat_id=chat_id, user_id=user_id).delete()
        await Draft.create(chat_id=chat_id, user_id=user_id, kind="comment", step="comment",
                           data={"ticket_id": ticket.id}, created_at=now, updated_at=now)
        if rating != "unsatisfied":
            await outbox.enqueue([Outgoing(chat_id, texts.RATE_THANKS,
                                           buttons=[[(texts.BTN_SKIP, f"c:skip:{ticket.id}")]])],
                                 now=now)
        return None


async def take_comment(rt: Runtime, draft: Draft, text: str) -> None:
    """The resident's words after rating go on the ticket (and into its history)."""
    ticket = await Ticket.get_or_none(id=draft.data.get("ticket_id"))
    await draft.delete()
    if ticket is None:
        return
    comment = text[:2000]
    await Ticket.filter(id=ticket.id).update(rating_comment=comment)
    await tickets.record_note(rt, ticket, "commented", comment)
    await outbox.enqueue([Outgoing(draft.chat_id, texts.COMMENT_THANKS)], now=rt.clock.now())


async def skip_comment(rt: Runtime, user_id: int, chat_id: int) -> None:
    async with in_transaction():
        await Draft.filter(channel="telegram", chat_id=chat_id, user_id=user_id, kind="comment").delete()
