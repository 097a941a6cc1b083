"""The resident's word on a fix: a rating, then an optional comment."""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from bot.refusals import Refused
from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers import pending
from bot.handlers.pending import PendingKind
from bot.models import Pending, Resident, Status, Ticket
from bot.runtime import Runtime
from bot.messaging import outbox
from bot.nlp import pii
from bot.workflow import cards
from bot.workflow import tickets
from bot.workflow import moves
from bot.workflow.buttons import SKIP_COMMENT
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import Actor

RATINGS = ("satisfied", "basic", "unsatisfied")
# A closed ticket can be reopened by its resident for this long: "it broke again" a week on is
# still the same case; later it is a new one.
REOPEN_WINDOW = dt.timedelta(days=7)
# After a rating the bot waits half an hour for a comment. The rating already stands, so the
# wait ends without a word: telling the resident "no comment came" would only be noise.
COMMENT = PendingKind("comment", dt.timedelta(minutes=30))


def may_reopen(ticket: Ticket, now: dt.datetime) -> bool:
    return (ticket.status == Status.CLOSED and ticket.closed_at is not None
            and now - ticket.closed_at <= REOPEN_WINDOW)


async def _own(press: Press, ticket_id: int) -> tuple[Resident, Ticket] | None:
    resident = await Resident.get_or_none(channel=press.channel, user_id=press.user_id)
    ticket = await Ticket.get_or_none(id=ticket_id)
    if resident is None or ticket is None or ticket.resident_id != resident.id:
        return None
    return resident, ticket


async def not_fixed(rt: Runtime, press: Press, ticket_id: int) -> str:
    """The resident says a closed ticket is not fixed after all: it reopens to its unit."""
    async with in_transaction():
        found = await _own(press, ticket_id)
        if found is None:
            return texts.NOT_ALLOWED
        resident, ticket = found
        if not may_reopen(ticket, rt.clock.now()):
            return texts.REOPEN_TOO_LATE
        await moves.reopen(rt, ticket, Actor.of_resident(resident), reason=texts.NOT_FIXED_REASON)
        await _ask_what_is_wrong(rt, press, ticket)
        return texts.REOPENED_TOAST


async def rate(rt: Runtime, press: Press, ticket_id: int, rating: str) -> str | None:
    """Returns a toast when the press is refused; otherwise the answer goes to the chat."""
    if rating not in RATINGS:
        return texts.STALE_BUTTON
    async with in_transaction():
        found = await _own(press, ticket_id)
        if found is None:
            return texts.NOT_ALLOWED
        resident, ticket = found
        try:
            await moves.rate(rt, ticket, resident, rating)
        except Refused as exc:
            return str(exc)
        if rating == "unsatisfied":
            await _ask_what_is_wrong(rt, press, ticket)
            return None
        prompt = Outgoing(press.chat_id, texts.RATE_THANKS, buttons=[[(texts.BTN_SKIP, SKIP_COMMENT.data(ticket.id))]])
        await pending.open_pending(COMMENT, channel=press.channel, chat_id=press.chat_id, user_id=press.user_id,
                                   now=rt.clock.now(), subject=ticket.id, data={"ticket_id": ticket.id},
                                   prompt=prompt)
        return None


async def _ask_what_is_wrong(rt: Runtime, press: Press, ticket: Ticket) -> None:
    """After 不满意 or 还没解决: the resident's own words are what the unit needs to try again."""
    await pending.open_pending(COMMENT, channel=press.channel, chat_id=press.chat_id, user_id=press.user_id,
                               now=rt.clock.now(), subject=ticket.id, data={"ticket_id": ticket.id},
                               prompt=Outgoing(press.chat_id, texts.ASK_WHAT_IS_WRONG,
                                               buttons=[[(texts.BTN_SKIP, SKIP_COMMENT.data(ticket.id))]]))


async def take_comment(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """The resident's words after rating go on the ticket (and into its history)."""
    await pending.close(row)
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id"))
    if ticket is None:
        return
    messages = [Outgoing(row.chat_id, texts.COMMENT_THANKS), *await words_on(rt, ticket, inbound.text or "")]
    await outbox.enqueue(messages, now=rt.clock.now(), ticket=ticket)


async def words_on(rt: Runtime, ticket: Ticket, words: str) -> list[Outgoing]:
    """The resident's words on a ticket they rated or sent back: kept in its history; on one back
    in work (不满意, 还没解决) the unit hears them under the card, and the card shows them; on a
    closed one the card shows what the resident thought of it."""
    words = words[:2000]
    if ticket.status == Status.CLOSED:  # a comment on the rating; words after 不满意 are the history's
        await Ticket.filter(id=ticket.id).update(rating_comment=words)
        await tickets.reload(ticket)
    await tickets.record_note(rt, ticket, "commented", words)
    if ticket.status not in (Status.ASSIGNED, Status.ACCEPTED, Status.CLOSED):
        return []
    messages = await cards.refresh_card(rt, ticket)
    holder = await cards.holder_chat(ticket) if ticket.status != Status.CLOSED else None
    if holder is not None:
        messages.append(Outgoing(holder, texts.RELAY_RESIDENT_SAYS.format(
            number=ticket.number, words=pii.mask(words, keep_phones=cards.phones_shown(ticket))), reply_to_ref=outbox.card_ref(ticket.id)))
    return messages


async def skip_comment(rt: Runtime, press: Press, ticket_id: int) -> str:
    await Pending.filter(channel=press.channel, chat_id=press.chat_id, user_id=press.user_id,
                       kind=COMMENT.name, subject=str(ticket_id)).delete()
    return texts.COMMENT_THANKS
