"""What a resident can read about their own tickets, in plain words and without staff names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import channels
from bot import texts
from bot.models import Resident, Ticket, TicketEvent
from bot.nlp.classify import label_of
from bot.workflow import feedback
from bot.workflow.buttons import MY_TICKET, NOT_FIXED
from bot import timetext
from bot.workflow.cards import place_of, shorten

MY_LIMIT = 10


async def my_tickets(user_id: int, channel: str = channels.DEFAULT) -> tuple[str, list]:
    resident = await Resident.get_or_none(channel=channel, user_id=user_id)
    if resident is None:
        return texts.MY_EMPTY, []
    rows = await Ticket.filter(resident_id=resident.id).order_by("-created_at").limit(MY_LIMIT)
    if not rows:
        return texts.MY_EMPTY, []
    lines = [texts.MY_HEADER.format(count=len(rows))]
    buttons = []
    for t in rows:
        lines.append(texts.MY_ROW.format(number=t.number, category=label_of(t.category),
                                         status=texts.STATUS_WORDS[str(t.status)]))
        buttons.append([(t.number, MY_TICKET.data(t.id))])
    return "\n".join(lines), buttons


async def ticket_for_resident(user_id: int, ticket_id: int, tz: ZoneInfo, now=None, *,
                              channel: str = channels.DEFAULT) -> tuple[str, list] | None:
    """The ticket in plain words, and a 还没解决 button while a closed ticket may still be
    reopened. None when the ticket is not theirs: residents only see their own."""
    resident = await Resident.get_or_none(channel=channel, user_id=user_id)
    ticket = await Ticket.get_or_none(id=ticket_id)
    if resident is None or ticket is None or ticket.resident_id != resident.id:
        return None
    events = await TicketEvent.filter(ticket_id=ticket.id).order_by("created_at", "id")
    history = "\n".join(
        texts.HISTORY_ROW.format(time=timetext.moment(e.created_at, tz), what=texts.EVENT_WORDS[e.action])
        for e in events if e.action in texts.EVENT_WORDS
    )
    grid = await ticket.grid
    text = texts.TICKET_FOR_RESIDENT.format(
        number=ticket.number, category=label_of(ticket.category),
        place=place_of(ticket, grid.name if grid else None),
        status=texts.STATUS_WORDS[str(ticket.status)], text=shorten(ticket.text, 300), history=history,
    )
    buttons = []
    if now is not None and feedback.may_reopen(ticket, now):
        buttons = [[(texts.BTN_NOT_FIXED, NOT_FIXED.data(ticket.id))]]
    return text, buttons
