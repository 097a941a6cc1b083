"""一键求助, the yellow ribbon in chat: a vulnerable resident presses 需要帮助 once and their
grid worker hears at once, in private and in the grid's group, as an urgent ticket with a short
on-site clock. No classification, no questions first."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Pending, Level, Resident, Staff, Status, Ticket, Unit
from bot.models_care import VulnerableResident
from bot.runtime import Runtime
from bot.handlers import pending
from bot.services import cards, outbox, relay, tickets
from bot.services.outbox import Outgoing
from bot.services.people import Actor, masked_name, resident_for
from bot.services.wishes import policy

HELP_CATEGORY = "safety"


def help_keyboard() -> dict:
    """A persistent reply keyboard (not an inline button): always there under the text box."""
    return {"reply_keyboard": [[texts.BTN_NEED_HELP]], "persistent": True}


async def mark(rt: Runtime, staff: Staff, user_id: int, kind: str, grid_code: str | None) -> str:
    """Staff mark a resident as needing care; the resident gets the 需要帮助 button."""
    if staff.role not in ("worker", "community", "street", "command"):
        return texts.NOT_ALLOWED
    grid = await Unit.get_or_none(code=grid_code, level=Level.GRID, active=True) if grid_code else None
    if grid is None:
        grid = await Unit.get(id=staff.unit_id)
        if grid.level != Level.GRID:
            return texts.CARE_NEED_GRID
    now = rt.clock.now()
    async with in_transaction():
        resident = await Resident.get_or_none(channel="telegram", user_id=user_id)
        if resident is None:
            resident = await resident_for(user_id, display_name="", username=None, now=now)
        existing = await VulnerableResident.get_or_none(resident_id=resident.id)
        if existing:
            existing.kind, existing.grid_id, existing.active = kind[:32], grid.id, True
            await existing.save()
        else:
            await VulnerableResident.create(resident=resident, kind=kind[:32], grid=grid, marked_by=staff.user_id,
                                            created_at=now)
        await outbox.enqueue([Outgoing(user_id, texts.CARE_ENROLLED.format(grid=grid.name),
                                       buttons=help_keyboard())], now=now)
    outbox.wake_delivery()
    return texts.CARE_MARKED.format(grid=grid.name)


async def vulnerable(user_id: int) -> VulnerableResident | None:
    return await (VulnerableResident.filter(resident__channel="telegram", resident__user_id=user_id, active=True)
                  .first())


async def raise_help(rt: Runtime, care: VulnerableResident, display_name: str) -> Ticket:
    """One press: an urgent ticket held by the resident's grid, the card in the group, every
    worker of the grid told in private (with the name: they must find the person), and the
    resident told help is coming. Their next words go to the worker through the relay."""
    now = rt.clock.now()
    resident = await Resident.get(id=care.resident_id)
    grid = await Unit.get(id=care.grid_id)
    async with in_transaction():
        ticket = await Ticket.create(
            number=await tickets._next_number(rt, now), source="help", resident=resident, anonymous=True,
            text=texts.HELP_TICKET_TEXT.format(kind=care.kind), category=HELP_CATEGORY, confidence=1.0,
            reasons=[texts.BTN_NEED_HELP], urgent=True, grid_id=grid.id, unit_id=grid.id, level=Level.GRID,
            status=Status.ASSIGNED, created_at=now, updated_at=now, assigned_at=now,
            yellow_at=now + policy().help_yellow, red_at=now + policy().help_red,
            due_at=now + policy().help_red, due_hours=policy().help_red.total_seconds() / 3600,
        )
        actor = Actor.of_resident(resident)
        await tickets.event(ticket, actor, "submitted", None, Status.ASSIGNED, now, unit=grid, note=care.kind)
        await tickets.event(ticket, actor, "assigned", None, Status.ASSIGNED, now, unit=grid)
        messages = await tickets.refresh_card(rt, ticket)
        name = display_name or masked_name(resident.display_name)
        for worker in await Staff.filter(unit_id=grid.id, active=True):
            messages.append(Outgoing(worker.user_id, texts.HELP_PRIVATE_ALERT.format(
                name=name, kind=care.kind, number=ticket.number), buttons=cards.card_buttons(ticket)))
        messages.append(Outgoing(resident.user_id, texts.HELP_ON_THE_WAY.format(grid=grid.name)))
        await pending.open_pending(relay.ANSWER, channel=resident.channel, chat_id=resident.user_id,
                                   user_id=resident.user_id, now=now, subject=ticket.id,
                                   data={"ticket_id": ticket.id})
        await outbox.enqueue(messages, now=now, ticket=ticket)
    outbox.wake_delivery()
    return ticket
