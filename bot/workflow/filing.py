"""Filing a ticket: its number, its deadlines, its first events, the card in the holding
unit's chat (or the command centre's triage card) and the resident's receipt, together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot import texts
from bot.models import (
    Attachment, Resident, Status, Ticket,
    TicketCounter, Unit,
)
from bot.runtime import Runtime
from bot.sla import clocks
from bot.workflow import cards, whereabouts
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow.cards import card_body, post_card
from bot.workflow import sql
from bot.workflow.tickets import event_values
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import SYSTEM, Actor

# Each move: the statuses it may start from and the status it leads to. Written once.


@dataclass
class NewTicket:
    text: str
    category: str
    confidence: float
    reasons: list[str]
    urgent: bool
    resident: Resident | None
    anonymous: bool
    grid: Unit | None
    location_text: str | None
    lat: float | None
    lon: float | None
    followups: list[dict]
    photos: list[dict]  # [{"file_id": ..., "file_unique_id": ...}]
    triage_reason: str | None  # why it waits at the command centre, or None
    source: str = "resident"
    unit: Unit | None = None  # holds it when no grid does: the community a resident left the grid to
    open311_client_id: int | None = None  # the Open311 client that filed it


async def file_ticket(rt: Runtime, new: NewTicket, *, actor: Actor,
                      resident_chat: int | None, before: Sequence[Outgoing] = ()) -> Ticket:
    """Create the ticket, its first events, its card and the resident's receipt, together;
    `before`, the caller's messages to go first in the same write (the summary just confirmed,
    its buttons taken away). Call inside a transaction."""
    now = rt.clock.now()
    subcategory = rt.sla.subcategory_for(new.category, new.text)
    deadlines = rt.sla.deadlines(new.category, new.urgent, now, calendar=rt.calendar, tz=rt.tz,
                                 subcategory=subcategory)
    holder = (new.grid or new.unit) if new.triage_reason is None else None
    ticket = await sql.insert_ticket(dict(
        number=await next_number(rt, now),
        source=new.source,
        resident_id=new.resident.id if new.resident else None,
        anonymous=new.anonymous,
        text=new.text[: rt.limits.max_text_chars],
        category=new.category,
        confidence=new.confidence,
        reasons=new.reasons,
        urgent=new.urgent,
        location_text=new.location_text,
        lat=new.lat,
        lon=new.lon,
        followups=new.followups,
        grid_id=new.grid.id if new.grid else None,
        unit_id=holder.id if holder else None,
        level=holder.level if holder else None,
        status=Status.ASSIGNED if holder else Status.TRIAGE,
        created_at=now,
        updated_at=now,
        assigned_at=now if holder else None,
        yellow_at=deadlines.yellow_at,
        red_at=deadlines.red_at,
        due_at=deadlines.due_at,
        due_workdays=deadlines.due_workdays,
        due_hours=deadlines.due_hours,
        due_work_hours=deadlines.due_work_hours,
        subcategory=subcategory,
        open311_client_id=new.open311_client_id,
    ))
    if new.resident is not None:
        ticket.resident = new.resident  # in hand, as the ORM's create left it: the receipt need not fetch it
    await clocks.after_move(rt, ticket, now)  # the steps model's clocks for where it starts
    for photo in new.photos:
        await Attachment.create(ticket=ticket, kind="report", file_id=photo["file_id"],
                                file_unique_id=photo.get("file_unique_id"), created_at=now)
    photo_ids = [photo["file_id"] for photo in new.photos]
    events = [event_values(ticket, actor, "submitted", None, Status.TRIAGE if not holder else Status.ASSIGNED,
                           now, note=new.triage_reason)]
    if holder:
        events.append(event_values(ticket, SYSTEM, "assigned", Status.TRIAGE, Status.ASSIGNED, now, unit=holder))
    await sql.insert_events(events)  # one INSERT; ids in this order
    messages: list[Outgoing] = list(before)
    promised = rt.sla.describe_due(deadlines)
    if holder:
        messages += await post_card(rt, ticket, holder, with_photos=True, new_photos=photo_ids)
        if resident_chat is not None:
            messages.append(Outgoing(resident_chat, texts.SUBMITTED.format(
                number=ticket.number, unit=holder.name, due=promised)))
    else:
        messages += await _post_triage_card(rt, ticket, new.triage_reason, photo_ids)
        if resident_chat is not None:
            messages.append(Outgoing(resident_chat, texts.SUBMITTED_TRIAGE.format(
                number=ticket.number, due=promised)))
    if new.urgent:
        messages += await urgent_alerts(rt, ticket, holder)
    await outbox.enqueue(messages, now=now, ticket=ticket)
    if resident_chat is not None and new.resident is not None and whereabouts.needs_asking(ticket):
        await whereabouts.ask(rt, ticket, new.resident, resident_chat)  # after the receipt
    return ticket


async def next_number(rt: Runtime, now: dt.datetime) -> str:
    prefix = await directory.ticket_prefix() or "GB"
    key = f"{prefix}-{now.astimezone(rt.tz):%Y%m%d}"
    value = None
    for _ in range(3):
        value = await _count_up(key)
        if value is not None:
            break
        try:
            async with in_transaction():  # a savepoint: a lost race must not spoil the caller
                await TicketCounter.create(key=key, value=1)
            value = 1
            break
        except IntegrityError:
            continue
    if value is None:
        value = (await TicketCounter.get(key=key)).value
    return f"{key}-{value:04d}"


async def _count_up(key: str) -> int | None:
    """The day's counter plus one, as this transaction made it (one statement, RETURNING);
    None when the day has no counter yet."""
    db = TicketCounter._meta.db  # the caller's transaction
    mark = "$1" if db.capabilities.dialect == "postgres" else "?"
    rows = await db.execute_query_dict(
        f'UPDATE "{TicketCounter._meta.db_table}" SET "value"="value"+1 WHERE "key"={mark} RETURNING "value"', [key])
    return int(rows[0]["value"]) if rows else None


async def _post_triage_card(rt: Runtime, ticket: Ticket, why: str | None, new_photos: list[str]) -> list[Outgoing]:
    chat_id = await directory.command_chat()
    if chat_id is None:
        return []
    body = await card_body(rt, ticket, photo_count=len(new_photos), reporters=1)
    messages = [cards.card_message(chat_id, ticket, body, triage_note=why)]
    messages += cards.photo_messages(chat_id, ticket, new_photos)
    return messages


async def urgent_alerts(rt: Runtime, ticket: Ticket, holder: Unit | None) -> list[Outgoing]:
    """An urgent ticket is also shown to the command centre at once (the holder has the card):
    when filed, and when staff mark it urgent later (bot/workflow/moves.py `change_urgency`)."""
    command = await directory.command_chat()
    if command is None or holder is None:
        return []  # without a holder the triage card already sits in the command chat
    return [cards.card_message(command, ticket, cards.for_onlookers(await card_body(rt, ticket)), command_view=True)]
