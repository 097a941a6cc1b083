"""一键求助, the yellow ribbon in chat: a vulnerable resident presses 需要帮助 once and their
grid worker hears at once, in private and in the grid's group, as an urgent ticket with a short
on-site clock. No classification, no questions first."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.handlers import pending
from bot.models import Level, OPEN_STATUSES, Resident, Role, Staff, Status, Ticket, TicketEvent, Unit
from bot.models_care import VulnerableResident
from bot.runtime import Runtime
from bot.workflow import cards
from bot.messaging import outbox
from bot.workflow import relay
from bot.jurisdiction import scope
from bot.workflow import tickets
from bot.workflow import filing
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import Actor, masked_name
from bot.nlp.textin import clean
from bot.care.wishes import policy

HELP_CATEGORY = "safety"
AGAIN = "help_again"  # the event of a press while the request is open


def help_keyboard() -> dict:
    """A persistent reply keyboard (not an inline button): always there under the text box."""
    return {"reply_keyboard": [[texts.BTN_NEED_HELP]], "persistent": True}


async def mark(rt: Runtime, staff: Staff, user_id: int, kind: str, grid_code: str | None) -> str:
    """Staff mark a resident as needing care; the resident gets the 需要帮助 button.

    A person registers and changes only residents of grids they answer for (bot/jurisdiction/
    scope.py): a worker their grid, community staff the community's grids, street staff the
    street's, the command centre all. Moving a resident held by another grid needs someone who
    answers for both grids (the community between its grids, the street between its
    communities …), and both grids' workers are told: nobody loses a resident silently. Only
    a resident the bot has already met can be registered: an unknown id gets no record and no
    message."""
    if staff.role not in scope.TREE_ROLES:
        return texts.CARE_NOT_ALLOWED
    kind = clean(kind).strip()[:32]
    if not kind:
        return texts.CARE_USAGE
    if grid_code:
        grid = await Unit.get_or_none(code=grid_code[:64], level=Level.GRID, active=True)
        if grid is None:
            return texts.CARE_NO_SUCH_GRID.format(code=clean(grid_code)[:64])
    else:
        grid = await Unit.get(id=staff.unit_id)
        if grid.level != Level.GRID:
            return texts.CARE_NEED_GRID
    if not await scope.covers(staff, grid.id):
        return texts.CARE_GRID_NOT_YOURS.format(grid=grid.name)
    now = rt.clock.now()
    async with in_transaction():
        resident = await Resident.get_or_none(channel=channels.DEFAULT, user_id=user_id)
        if resident is None:
            return texts.CARE_UNKNOWN_RESIDENT
        existing = await VulnerableResident.filter(resident_id=resident.id).select_for_update().first()
        held_by = None
        if existing is not None and existing.active and existing.grid_id != grid.id:
            held_by = await Unit.get(id=existing.grid_id)
            if not await scope.covers(staff, held_by.id):
                decider = await scope.lowest_common(held_by.id, grid.id)
                return texts.CARE_HELD_ELSEWHERE.format(grid=held_by.name, unit=decider.name if decider else "")
        if existing:
            existing.kind, existing.grid_id, existing.active = kind, grid.id, True
            existing.marked_by = staff.user_id
            await existing.save()
        else:
            await VulnerableResident.create(resident=resident, kind=kind, grid=grid, marked_by=staff.user_id,
                                            created_at=now)
        messages = [Outgoing(user_id, texts.CARE_ENROLLED.format(grid=grid.name), buttons=help_keyboard())]
        messages += await _tell_grids(staff, resident, kind, grid, held_by)
        await outbox.enqueue(messages, now=now)
    outbox.wake_delivery()
    return texts.CARE_MARKED.format(grid=grid.name)


async def _tell_grids(staff: Staff, resident: Resident, kind: str, grid: Unit, held_by: Unit | None) -> list[Outgoing]:
    """The grid that lost the resident hears where they went (name masked); the grid that
    now holds them hears whom to look after, unless its own worker registered them."""
    who = f"{staff.name}（{texts.ROLE_WORDS.get(str(staff.role), '')}）"
    messages = []
    if held_by is not None:
        for worker in await Staff.filter(unit_id=held_by.id, active=True, role=Role.WORKER):
            messages.append(Outgoing(worker.user_id, texts.CARE_MOVED_OUT.format(
                name=masked_name(resident.display_name), kind=kind, who=who, grid=grid.name)))
    if staff.unit_id != grid.id:
        for worker in await Staff.filter(unit_id=grid.id, active=True, role=Role.WORKER):
            messages.append(Outgoing(worker.user_id, texts.CARE_ASSIGNED.format(
                who=who, name=resident.display_name or masked_name(""), kind=kind, grid=grid.name)))
    return messages


async def vulnerable(user_id: int, channel: str = channels.DEFAULT) -> VulnerableResident | None:
    return await (VulnerableResident.filter(resident__channel=channel, resident__user_id=user_id, active=True)
                  .first())


async def raise_help(rt: Runtime, care: VulnerableResident, display_name: str) -> Ticket:
    """One press: an urgent ticket held by the resident's grid, the card in the group, every
    worker of the grid told in private (with the name: they must find the person), and the
    resident told help is coming. Their next words go to the worker through the relay.

    A resident has one open help request at a time: a press while it is open (a minute or an
    hour later) is a line in its history, the resident is reassured, and the chat holding it
    hears at most one short note per `help.repeat_note_minutes` — never a second ticket."""
    now = rt.clock.now()
    async with in_transaction():
        # The care row is the lock two presses at once queue on (PostgreSQL; SQLite has one
        # writer), so the second sees the first one's ticket.
        await VulnerableResident.filter(id=care.id).select_for_update().first()
        resident = await Resident.get(id=care.resident_id)
        ticket = await (Ticket.filter(source="help", resident_id=resident.id, status__in=OPEN_STATUSES)
                        .order_by("-id").first())
        if ticket is not None:
            await _pressed_again(rt, ticket, resident, now)
        else:
            ticket = await _new_help_ticket(rt, care, resident, display_name, now)
        await _answers_go_to(ticket, resident, now)
    outbox.wake_delivery()
    return ticket


async def _new_help_ticket(rt: Runtime, care: VulnerableResident, resident: Resident, display_name: str,
                           now) -> Ticket:
    grid = await Unit.get(id=care.grid_id)
    ticket = await Ticket.create(
        number=await filing.next_number(rt, now), source="help", resident=resident, anonymous=True,
        text=texts.HELP_TICKET_TEXT.format(kind=care.kind), category=HELP_CATEGORY, confidence=1.0,
        reasons=[texts.BTN_NEED_HELP], urgent=True, grid_id=grid.id, unit_id=grid.id, level=Level.GRID,
        status=Status.ASSIGNED, created_at=now, updated_at=now, assigned_at=now,
        yellow_at=now + policy().help_yellow, red_at=now + policy().help_red,
        due_at=now + policy().help_red, due_hours=policy().help_red.total_seconds() / 3600,
    )
    actor = Actor.of_resident(resident)
    await tickets.event(ticket, actor, "submitted", None, Status.ASSIGNED, now, unit=grid, note=care.kind)
    await tickets.event(ticket, actor, "assigned", None, Status.ASSIGNED, now, unit=grid)
    messages = await cards.refresh_card(rt, ticket)
    name = display_name or masked_name(resident.display_name)
    for worker in await Staff.filter(unit_id=grid.id, active=True):
        messages.append(Outgoing(worker.user_id, texts.HELP_PRIVATE_ALERT.format(
            name=name, kind=care.kind, number=ticket.number), buttons=cards.card_buttons(ticket)))
    messages.append(Outgoing(resident.user_id, texts.HELP_ON_THE_WAY.format(grid=grid.name)))
    await outbox.enqueue(messages, now=now, ticket=ticket)
    return ticket


async def _pressed_again(rt: Runtime, ticket: Ticket, resident: Resident, now) -> None:
    window = policy().help_repeat_note
    recent = await TicketEvent.filter(ticket_id=ticket.id, action=AGAIN, created_at__gt=now - window)
    note_due = not any(e.data.get("noted") for e in recent)
    await tickets.event(ticket, Actor.of_resident(resident), AGAIN, ticket.status, ticket.status, now,
                        data={"noted": True} if note_due else {})
    messages = [Outgoing(resident.user_id, texts.HELP_AGAIN_RESIDENT.format(number=ticket.number))]
    holder_chat = await cards.holder_chat(ticket)
    if note_due and holder_chat is not None:
        presses = 1 + await TicketEvent.filter(ticket_id=ticket.id, action=AGAIN).count()
        messages.append(Outgoing(holder_chat, texts.HELP_AGAIN_NOTE.format(number=ticket.number, count=presses),
                                 reply_to_ref=outbox.card_ref(ticket.id)))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def _answers_go_to(ticket: Ticket, resident: Resident, now) -> None:
    """What the resident writes next reaches the chat holding the request (the relay)."""
    await pending.open_pending(relay.ANSWER, channel=resident.channel, chat_id=resident.user_id,
                               user_id=resident.user_id, now=now, subject=ticket.id, data={"ticket_id": ticket.id})
