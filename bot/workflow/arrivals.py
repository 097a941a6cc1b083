"""Why a ticket is where it is: the line on top of its card in the holder's chat.

A ticket that reaches a unit — 上报 or 转派 to it, or back to it after a department's 退回, a
manager's 驳回, the resident's 不满意 or 还没解决 — says, for as long as the unit holds it this
time, who sent it there and why, in their own words; after a reopening, the resident's words
follow as soon as they give them. Without it a worker sees a card edited back to 已派单 with a
new deadline and has to guess what went wrong.

Read from the audit trail, not stored twice: every such move sets `assigned_at` and writes its
event (holder `unit`, the reason as `note`, `data.from_unit`) at that moment, so the events of
this round are those at or after `assigned_at`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bot import texts
from bot.jurisdiction.tree import current as tree_of_units
from bot.models import Status, Ticket, TicketEvent
from bot.nlp import pii

ARRIVALS = ("escalated", "transferred", "returned", "rejected", "reopened")
_READ = ARRIVALS + ("commented",)
_WORDS = 80  # of a reason on the card; the whole of it is in /history


async def line_for(ticket: Ticket) -> str | None:
    """The card's first line for this ticket, or None (filed here, or nothing to say)."""
    return (await lines_for([ticket])).get(ticket.id)


async def lines_for(tickets: Iterable[Ticket]) -> dict[int, str]:
    """The same for many tickets in one query (the sweep edits cards by the hundred)."""
    wanted = {t.id: t for t in tickets if _in_round(t)}
    if not wanted:
        return {}
    since = min(t.assigned_at for t in wanted.values())
    rows = await (TicketEvent.filter(ticket_id__in=list(wanted), action__in=_READ, created_at__gte=since)
                  .order_by("id"))
    by_ticket: dict[int, list[TicketEvent]] = defaultdict(list)
    for row in rows:
        if row.created_at >= wanted[row.ticket_id].assigned_at:
            by_ticket[row.ticket_id].append(row)
    tree = await tree_of_units() if by_ticket else None
    lines = {}
    for ticket_id, events in by_ticket.items():
        line = _render(wanted[ticket_id], events, tree)
        if line:
            lines[ticket_id] = line
    return lines


def _in_round(ticket: Ticket) -> bool:
    return (ticket.status in (Status.ASSIGNED, Status.ACCEPTED) and ticket.unit_id is not None
            and ticket.assigned_at is not None)


def _render(ticket: Ticket, events: list[TicketEvent], tree) -> str | None:
    arrived = next((e for e in reversed(events) if e.action in ARRIVALS and e.unit_id == ticket.unit_id), None)
    if arrived is None:
        return None
    data = arrived.data or {}
    sender = tree.name(data.get("from_unit")) if data.get("from_unit") else ""
    who = arrived.actor_name or ""
    keep = not ticket.anonymous  # as on the card (cards.phones_shown; cards imports this module)
    reason = _words(arrived.note, keep)
    if arrived.action == "reopened":
        said = next((e.note for e in events if e.action == "commented" and e.id > arrived.id and e.note), None)
        template = texts.ARRIVED_UNSATISFIED if data.get("rating") == "unsatisfied" else texts.ARRIVED_NOT_FIXED
        line = template.format(
            resolution=texts.ARRIVED_LAST_RESULT.format(note=_words(data.get("resolution"), keep)) if data.get("resolution") else "")
        if sender and data.get("from_unit") != ticket.unit_id:
            line += texts.ARRIVED_REOPENED_UP.format(unit=sender)
        return line + (texts.ARRIVED_RESIDENT_SAID.format(words=_words(said, keep)) if said else texts.ARRIVED_RESIDENT_WORDS_LATER)
    if arrived.action == "rejected":
        sender = tree.name(data.get("by_unit")) if data.get("by_unit") else ""
    template = {"escalated": texts.ARRIVED_ESCALATED, "transferred": texts.ARRIVED_TRANSFERRED,
                "returned": texts.ARRIVED_RETURNED, "rejected": texts.ARRIVED_REJECTED}[arrived.action]
    return template.format(unit=sender or texts.ARRIVED_SOMEONE, name=who,
                           reason=reason or texts.ARRIVED_NO_REASON)


def _words(note: str | None, keep_phones: bool) -> str:
    """A person's words as the holder's card shows them (names people give and ID numbers masked;
    the phone stays, as on the card)."""
    text = " ".join(pii.mask(note or "", keep_phones=keep_phones).split())
    return text if len(text) <= _WORDS else text[:_WORDS] + "…"
