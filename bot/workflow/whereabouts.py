"""Where is it? An urgent report is filed at once, without the usual questions; when nothing in it
says where, the ticket waits at the command centre with "地点：未能确定", and someone must run.
So right after filing the resident is asked where (text, or a location), and the answer goes
on the ticket: its card shows the place, and a place the gazetteer puts in a grid sends the
ticket straight to that grid, as an urgent report with a place would have gone."""

from __future__ import annotations

import datetime as dt

from bot import texts
from bot.channels.port import Inbound
from bot.handlers import pending
from bot.handlers.pending import PendingKind
from bot.jurisdiction import routing
from bot.jurisdiction.people import SYSTEM, Actor
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Level, Pending, Resident, Status, Ticket, Unit
from bot.runtime import Runtime
from bot.sla import clocks
from bot.workflow import cards, relay, tickets

# Within the urgent clock: after two hours someone is (or should be) on site anyway.
WHERE = PendingKind("urgent_place", dt.timedelta(hours=2))
PLACE_CHARS = 200


def needs_asking(ticket: Ticket) -> bool:
    """Urgent, filed for a resident, and nothing says where."""
    return (ticket.urgent and ticket.resident_id is not None and ticket.grid_id is None
            and ticket.lat is None and ticket.status == Status.TRIAGE)


async def ask(rt: Runtime, ticket: Ticket, resident: Resident, chat_id: int) -> None:
    """The question, in the resident's chat, after the receipt (call inside the filing's transaction)."""
    await pending.open_pending(WHERE, channel=resident.channel, chat_id=chat_id, user_id=resident.user_id,
                               now=rt.clock.now(), subject=ticket.id, data={"ticket_id": ticket.id},
                               prompt=Outgoing(chat_id, texts.ASK_URGENT_PLACE.format(number=ticket.number)))


async def take(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """The answer: a place in words or a location. A photo meanwhile goes to the ticket's unit
    (through the relay, like any answer) and the question waits on."""
    ticket = await _own_ticket(row, inbound)
    if ticket is None:
        await pending.close(row)
        return
    if inbound.photo is not None and inbound.location is None and not (inbound.text or "").strip():
        await relay.answer(rt, ticket, inbound.user_id, photo=inbound.photo.file_id, quiet=inbound.quiet)
        await pending.touch(row, rt.clock.now())
        return
    await pending.close(row)
    resident = await Resident.get(id=ticket.resident_id)
    if inbound.location is not None:
        lat, lon = inbound.location
        await locate(rt, ticket, Actor.of_resident(resident), words=None, lat=lat, lon=lon,
                     grid=await routing.grid_for_location(lat, lon))
        return
    words = " ".join((inbound.text or "").split())[:PLACE_CHARS]
    found = await routing.grid_for_text(words)
    grid = found[0] if found is not None and found[0].level == Level.GRID else None
    await locate(rt, ticket, Actor.of_resident(resident), words=words, lat=None, lon=None, grid=grid)


async def locate(rt: Runtime, ticket: Ticket, actor: Actor, *, words: str | None, lat: float | None,
                 lon: float | None, grid: Unit | None) -> None:
    """The place goes on the ticket and its card; a grid found sends a ticket still waiting in
    triage straight there."""
    now = rt.clock.now()
    changes: dict = {"updated_at": now}
    if words:
        changes["location_text"] = "，".join(p for p in (ticket.location_text, words) if p)[:PLACE_CHARS]
    if lat is not None:
        changes.update(lat=lat, lon=lon)
    await Ticket.filter(id=ticket.id).update(**changes)
    await tickets.reload(ticket)
    said = words or texts.PLACE_AS_LOCATION.format(lat=lat, lon=lon)
    await tickets.event(ticket, actor, "located", ticket.status, ticket.status, now, note=said)
    if grid is not None and ticket.status == Status.TRIAGE:
        before = await tickets.move(ticket, "assign", now, grid_id=grid.id, unit_id=grid.id, level=Level.GRID,
                                    assigned_at=now)
        await clocks.after_move(rt, ticket, now)
        await tickets.event(ticket, SYSTEM, "assigned", before, ticket.status, now, unit=grid)
        messages = await cards.refresh_card(rt, ticket, elsewhere_note=texts.TRIAGE_DONE.format(unit=grid.name))
        messages += await tickets.tell_resident(ticket, texts.PLACE_THANKS_ASSIGNED.format(
            number=ticket.number, unit=grid.name))
    else:
        # The unit holding it (the command centre, in triage) sees the place on the card, and
        # hears of it under the card: an edit alone is easily missed.
        messages = await cards.refresh_card(rt, ticket)
        holder = await cards.holder_chat(ticket)
        if holder is not None:
            messages.append(Outgoing(holder, texts.RELAY_PLACE.format(number=ticket.number, place=said),
                                     reply_to_ref=outbox.card_ref(ticket.id)))
        messages += await tickets.tell_resident(ticket, texts.PLACE_THANKS.format(number=ticket.number))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    """No answer: nothing to say; the command centre has the card and may 追问."""
    return []


async def _own_ticket(row: Pending, inbound: Inbound) -> Ticket | None:
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id") or 0)
    resident = await Resident.get_or_none(channel=inbound.channel, user_id=inbound.user_id)
    if ticket is None or resident is None or ticket.resident_id != resident.id:
        return None
    return ticket
