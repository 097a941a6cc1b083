"""The moves on a ticket in its unit: 接单, 办结, the resident's rating, reopening, closing what
nobody rated, triage's grid and a changed category."""

from __future__ import annotations


from tortoise.transactions import in_transaction

from bot import texts, timetext
from bot.models import (
    Attachment, Level, Light, Resident, Staff, Status, Ticket,
    Unit,
)
from bot.nlp.classify import categories as nlp_categories
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla import clocks
from bot.workflow import cards, filing, relay
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow.buttons import RATE
from bot.workflow import tickets
from bot.workflow.cards import refresh_card
from bot.workflow.ladder import upper_unit
from bot.workflow.tickets import check_move, event, move, require_holder, tell_resident
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import SYSTEM, Actor

# The statuses in which a ticket's clocks run: a sub-category chosen later changes nothing.
CLOCKS_RUN = (Status.TRIAGE, Status.ASSIGNED, Status.ACCEPTED)


async def accept(rt: Runtime, ticket: Ticket, staff: Staff) -> None:
    await require_holder(ticket, staff)
    now = rt.clock.now()
    before = await move(ticket, "accept", now, accepted_at=now, accepted_by_id=staff.id)
    await clocks.after_move(rt, ticket, now)
    await event(ticket, Actor.of_staff(staff), "accepted", before, ticket.status, now, unit=await ticket.unit)
    messages = await refresh_card(rt, ticket)
    messages += await tell_resident(ticket, texts.NOTIFY_ACCEPTED.format(number=ticket.number))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def resolve(rt: Runtime, ticket: Ticket, staff: Staff, note: str, photos: list[dict]) -> None:
    await require_holder(ticket, staff)
    now = rt.clock.now()
    before = await move(ticket, "resolve", now, resolved_at=now, resolution_note=note[:2000],
                         accepted_by_id=ticket.accepted_by_id or staff.id)
    await clocks.after_move(rt, ticket, now)
    for photo in photos:
        await Attachment.create(ticket=ticket, kind="resolution", file_id=photo["file_id"],
                                file_unique_id=photo.get("file_unique_id"), created_at=now)
    await event(ticket, Actor.of_staff(staff), "resolved", before, ticket.status, now,
                 unit=await ticket.unit, note=note)
    messages = await refresh_card(rt, ticket)
    resident = await ticket.resident
    if resident is not None:
        messages += await relay.questions_over(ticket)
        messages.append(Outgoing(
            resident.user_id,
            texts.NOTIFY_RESOLVED.format(number=ticket.number, note=cards.shorten(note, 200),
                                         days=rt.sla.rating_timeout_days),
            buttons=[[(texts.RATINGS[code], RATE.data(ticket.id, code))
                      for code in ("satisfied", "basic", "unsatisfied")]],
            ref=tickets.rating_ref(ticket),
        ))
        messages += [Outgoing(resident.user_id, photo=p["file_id"], text=ticket.number) for p in photos]
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def rate(rt: Runtime, ticket: Ticket, resident: Resident, rating: str) -> None:
    """满意 / 基本满意 close the ticket; 不满意 sends it back to the unit that resolved it."""
    if ticket.resident_id != resident.id:
        raise Refused(texts.NOT_ALLOWED)
    if ticket.status != Status.RESOLVED:
        raise Refused(texts.RATED_ALREADY)
    now = rt.clock.now()
    actor = Actor.of_resident(resident)
    if rating == "unsatisfied":
        await reopen(rt, ticket, actor, reason=texts.RATINGS[rating], rating=rating)
        return
    retired = await tickets.rating_over(ticket, texts.RATED_OUTCOME.format(rating=texts.RATINGS[rating]))
    before = await move(ticket, "rate", now, rating=rating, rated_at=now, closed_at=now)
    await clocks.after_move(rt, ticket, now)
    await event(ticket, actor, "rated", before, ticket.status, now, note=texts.RATINGS[rating],
                 data={"rating": rating})
    await outbox.enqueue([*retired, *await refresh_card(rt, ticket)], now=now, ticket=ticket)


async def reopen(rt: Runtime, ticket: Ticket, actor: Actor, *, reason: str, rating: str | None = None) -> None:
    """Back to the unit that resolved it, with fresh clocks; the reopening counts against the
    unit. A second reopening goes one level up: the same hands failed twice."""
    check_move(ticket, "reopen")
    now = rt.clock.now()
    deadlines = rt.sla.deadlines(ticket.category, ticket.urgent, now, calendar=rt.calendar, tz=rt.tz,
                                 subcategory=ticket.subcategory)
    resolved_by = await Unit.get(id=ticket.unit_id)
    retired = await tickets.rating_over(ticket, texts.REOPENED_OUTCOME)
    unit = resolved_by
    if ticket.reopen_count + 1 >= 2:
        unit = await upper_unit(unit) or unit
    before = await move(
        ticket, "reopen", now, rating=rating, rated_at=now if rating else None, rating_comment=None, resolved_at=None,
        accepted_at=None, accepted_by_id=None, reopen_count=ticket.reopen_count + 1,
        light=Light.GREEN, yellow_at=deadlines.yellow_at, red_at=deadlines.red_at,
        due_at=deadlines.due_at, due_workdays=deadlines.due_workdays, due_hours=deadlines.due_hours,
        due_work_hours=deadlines.due_work_hours,
        yellow_notified_at=None, red_notified_at=None, due_notified_at=None, assigned_at=now,
        unit_id=unit.id, level=unit.level, closed_at=None,
    )
    await clocks.after_move(rt, ticket, now, reset=True)
    data = {"from_unit": resolved_by.id, "resolution": ticket.resolution_note}
    await event(ticket, actor, "reopened", before, ticket.status, now, unit=unit, note=reason,
                 data={**data, "rating": rating} if rating else data)
    # A new card at the bottom of the unit's chat says it came back and why; the old one points
    # down to it (or, if a unit above takes it, says where it went).
    moved = texts.CARD_REOPENED_ELSEWHERE.format(unit=unit.name) if unit.id != resolved_by.id else None
    messages = retired + await refresh_card(rt, ticket, arrived=True, elsewhere_note=moved)
    messages += await tell_resident(ticket, texts.NOTIFY_REOPENED_BY_YOU.format(
        number=ticket.number, unit=unit.name if unit else texts.SUMMARY_TRIAGE_UNIT))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def auto_close_unrated(rt: Runtime) -> int:
    """Tickets resolved longer ago than the rating window close as 默认满意."""
    now = rt.clock.now()
    cutoff = now - rt.sla.rating_timeout
    closed = 0
    for ticket_id in await Ticket.filter(status=Status.RESOLVED, resolved_at__lte=cutoff).values_list("id", flat=True):
        async with in_transaction():
            ticket = await Ticket.get(id=ticket_id)
            retired = await tickets.rating_over(ticket, texts.AUTO_CLOSED_OUTCOME.format(days=rt.sla.rating_timeout_days))
            try:
                before = await move(ticket, "auto_close", now, rating="default", rated_at=now, closed_at=now)
            except Refused:
                continue  # rated or reopened meanwhile, or another instance got there first
            await clocks.after_move(rt, ticket, now)
            await event(ticket, SYSTEM, "auto_closed", before, ticket.status, now, note=texts.RATINGS["default"])
            messages = retired + await refresh_card(rt, ticket)
            messages += await tell_resident(ticket, texts.AUTO_CLOSED.format(
                number=ticket.number, days=rt.sla.rating_timeout_days))
            await outbox.enqueue(messages, now=now, ticket=ticket)
            closed += 1
    if closed:
        outbox.wake_delivery()
    return closed


async def assign_from_triage(rt: Runtime, ticket: Ticket, grid: Unit, staff: Staff) -> None:
    """The command centre picks the grid for a ticket that had none (or an unsure category)."""
    if staff.role != "command" or not staff.active:
        raise Refused(texts.NOT_ALLOWED)
    if grid.level != Level.GRID or not grid.active:
        raise Refused(texts.STALE_BUTTON)
    now = rt.clock.now()
    before = await move(ticket, "assign", now, grid_id=grid.id, unit_id=grid.id, level=Level.GRID,
                         assigned_at=now)
    await clocks.after_move(rt, ticket, now)
    await event(ticket, Actor.of_staff(staff), "triaged", before, ticket.status, now, unit=grid)
    messages = await refresh_card(rt, ticket, elsewhere_note=texts.TRIAGE_DONE.format(unit=grid.name))
    messages += await tell_resident(ticket, texts.NOTIFY_ASSIGNED.format(number=ticket.number, unit=grid.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def change_category(rt: Runtime, ticket: Ticket, category: str, staff: Staff, *,
                          source: str = "card") -> None:
    """改类别 by the unit holding the ticket (`source` "card", or "triage" at the command centre).
    The text and both categories are kept as a labelled example the rules learn from; the
    clocks still running take the new category's limits (bot/sla/clocks.py `reclock`)."""
    await require_holder(ticket, staff)
    if category not in dict(nlp_categories()):
        raise Refused(texts.STALE_BUTTON)
    if category == ticket.category:
        return
    now = rt.clock.now()
    told = await tickets.recategorise(rt, ticket, category, staff, source, now)
    await outbox.enqueue(await refresh_card(rt, ticket) + told, now=now, ticket=ticket)


async def change_urgency(rt: Runtime, ticket: Ticket, urgent: bool, staff: Staff) -> None:
    """标为紧急 / 不算紧急 by staff who may act on the ticket, while it is open. The verdict is
    kept as a labelled example the danger model is refitted on (`gridbot rules train-urgency`);
    the clocks take the urgent limits, or drop them, and the resident hears the new promise. A
    ticket marked urgent is shown to the command centre, as one filed urgent is."""
    await require_holder(ticket, staff)
    _require_clocks_running(ticket, texts.URGENCY_ACTION)
    if urgent == ticket.urgent:
        return
    now = rt.clock.now()
    source = "triage" if ticket.status == Status.TRIAGE else "card"
    told = await tickets.set_urgency(rt, ticket, urgent, staff, source, now)
    messages = await refresh_card(rt, ticket)
    if urgent and await directory.command_chat() not in {m.chat_id for m in messages}:
        messages += await filing.urgent_alerts(rt, ticket, await ticket.unit)
    messages += await _urgency_note(rt, ticket, staff)
    await outbox.enqueue(messages + told, now=now, ticket=ticket)


async def _urgency_note(rt: Runtime, ticket: Ticket, staff: Staff) -> list[Outgoing]:
    """When someone of another unit changed it, the holder's chat hears that the ticket is urgent
    now, or no longer, in a note under the card: an edited card makes no sound."""
    holder, unit = await cards.holder_chat(ticket), await staff.unit
    if holder is None or holder == await directory.chat_for_unit(unit):
        return []
    note = texts.MARKED_URGENT_NOTE if ticket.urgent else texts.UNMARKED_URGENT_NOTE
    return [Outgoing(holder, note.format(number=ticket.number, unit=unit.name if unit else "", name=staff.name,
                                         due=timetext.deadline(ticket.due_at, rt.tz)),
                     reply_to_ref=outbox.card_ref(ticket.id))]


def _require_clocks_running(ticket: Ticket, action: str) -> None:
    if ticket.status not in CLOCKS_RUN:
        raise Refused(texts.ILLEGAL_MOVE.format(number=ticket.number, status=texts.STATUS_WORDS[str(ticket.status)],
                                                action=action))


async def change_subcategory(rt: Runtime, ticket: Ticket, code: str | None, staff: Staff) -> None:
    """改细类: staff who may act on the ticket choose one of its category's sub-categories in
    sla.yaml (None: the category's own limits) while its clocks run; they recount from when
    each started, as after 改类别."""
    await require_holder(ticket, staff)
    if code is not None and rt.sla.subcategory(ticket.category, code) is None:
        raise Refused(texts.STALE_BUTTON)  # a picker left from before a change of category
    _require_clocks_running(ticket, texts.SUBCATEGORY_ACTION)
    if code == ticket.subcategory:
        return
    now = rt.clock.now()
    told = await tickets.set_subcategory(rt, ticket, code, staff, now)
    await outbox.enqueue(await refresh_card(rt, ticket) + told, now=now, ticket=ticket)
