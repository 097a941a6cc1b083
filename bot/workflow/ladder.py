"""The ladder: 上报 to the unit above, 转派 to a department, 退回 to whoever sent it, a
manager's 驳回, 部门会商 and 合并. Clocks keep running: moving a case does not buy time."""

from __future__ import annotations



from bot import texts
from bot.models import (
    Consultation, Level, Role, Staff, Status, Ticket,
    TicketEvent, Unit,
)
from bot.nlp.classify import categories as nlp_categories
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla import clocks
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import tickets
from bot.workflow.cards import refresh_card
from bot.workflow.tickets import ACTION_WORDS, check_move, event, move, require_holder, tell_resident
from bot.jurisdiction.people import Actor

# Each move: the statuses it may start from and the status it leads to. Written once.


async def upper_unit(unit: Unit) -> Unit | None:
    """Next rung up: grid → community → street → district; a department answers to the
    district command centre."""
    if unit.level == Level.DEPARTMENT:
        return await directory.command_unit()
    if unit.parent_id is None:
        return None
    return await Unit.get(id=unit.parent_id)


async def return_target(ticket: Ticket) -> Unit | None:
    """Who gets a 退回: the unit that handed the ticket to its holder (a department returns to
    whoever transferred it), else the unit above."""
    holder = await Unit.get(id=ticket.unit_id)
    handed = (
        await TicketEvent.filter(ticket_id=ticket.id, unit_id=holder.id,
                                 action__in=["escalated", "transferred", "consulted"])
        .order_by("-id").first()
    )
    if handed is not None and handed.data.get("from_unit"):
        sender = await Unit.get_or_none(id=handed.data["from_unit"], active=True)
        if sender is not None and sender.id != holder.id:
            return sender
    return await upper_unit(holder)


async def escalate(rt: Runtime, ticket: Ticket, staff: Staff, reason: str) -> Unit:
    await require_holder(ticket, staff)
    target = await upper_unit(await Unit.get(id=ticket.unit_id)) if ticket.unit_id else None
    if target is None or target.id == ticket.unit_id:
        raise Refused(texts.ALREADY_TOP.format(number=ticket.number))
    await _hand_over(rt, ticket, Actor.of_staff(staff), "escalate", "escalated", target, reason,
                     texts.NOTIFY_ESCALATED)
    return target


async def transfer(rt: Runtime, ticket: Ticket, staff: Staff, department: Unit, reason: str | None = None) -> None:
    """转派. A department that handles exactly one category (jurisdiction file `categories:`, e.g.
    环卫 → sanitation) says what the case is: sending it there changes the category to that one,
    recorded like a 改类别 (source "transfer"). A department with several categories, or none
    listed, implies nothing: its staff use 改类别 on the card if the category is wrong."""
    await require_holder(ticket, staff)
    if department.level != Level.DEPARTMENT or not department.active or department.id == ticket.unit_id:
        raise Refused(texts.NOT_A_DEPARTMENT)
    check_move(ticket, "transfer")  # before the category changes: a refused transfer changes nothing
    implied = implied_category(department)
    told = []
    if implied is not None and implied != ticket.category:
        told = await tickets.recategorise(rt, ticket, implied, staff, "transfer", rt.clock.now())
    await _hand_over(rt, ticket, Actor.of_staff(staff), "transfer", "transferred", department, reason,
                     texts.NOTIFY_TRANSFERRED)
    await outbox.enqueue(told, now=rt.clock.now(), ticket=ticket)


def implied_category(department: Unit) -> str | None:
    """The one category a department handles, if it lists exactly one that the rules know."""
    listed = [c for c in (department.categories or []) if c in dict(nlp_categories())]
    return listed[0] if len(listed) == 1 else None


async def return_up(rt: Runtime, ticket: Ticket, staff: Staff, reason: str) -> Unit:
    await require_holder(ticket, staff)
    target = await return_target(ticket) if ticket.unit_id else None
    if target is None:
        raise Refused(texts.NO_RETURN_TARGET.format(number=ticket.number))
    await _hand_over(rt, ticket, Actor.of_staff(staff), "return", "returned", target, reason,
                     texts.NOTIFY_RETURNED)
    return target


async def reject(rt: Runtime, ticket: Ticket, staff: Staff, reason: str) -> Unit:
    """A manager's 驳回: the resolution is not accepted, the holder works on."""
    check_move(ticket, "reject")
    if not staff.active:
        raise Refused(texts.NOT_ALLOWED)
    holder = await Unit.get(id=ticket.unit_id)
    managers = {u.id for u in await directory.ancestors(holder)}
    if not (staff.role == Role.COMMAND or staff.unit_id in managers):
        raise Refused(texts.REJECT_ONLY_MANAGERS)
    now = rt.clock.now()
    resolution = ticket.resolution_note
    retired = await tickets.rating_over(ticket, texts.REJECTED_OUTCOME)
    before = await move(ticket, "reject", now, resolved_at=None, resolution_note=None, assigned_at=now,
                        accepted_at=None, accepted_by_id=None, reopen_count=ticket.reopen_count + 1)
    await clocks.after_move(rt, ticket, now)
    await event(ticket, Actor.of_staff(staff), "rejected", before, ticket.status, now, unit=holder, note=reason,
                data={"by_unit": staff.unit_id, "resolution": resolution})
    # Back in the holder's chat as a new card saying who rejected it and why.
    messages = retired + await refresh_card(rt, ticket, arrived=True)
    messages += await tell_resident(ticket, texts.NOTIFY_REJECTED.format(number=ticket.number, unit=holder.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)
    return holder


async def consult(rt: Runtime, ticket: Ticket, staff: Staff, departments: list[Unit]) -> None:
    """部门会商: the first department leads and holds the ticket; the others help. The deadline
    becomes the cross-department one, counted from when the clock started: filing, or the last
    reopening (from filing, a ticket reopened weeks later would reach its departments overdue)."""
    if staff.role != Role.COMMAND or not staff.active:
        raise Refused(texts.CONSULT_ONLY_COMMAND)
    departments = list({d.id: d for d in departments}.values())  # each once, the lead first
    if len(departments) < 2 or any(d.level != Level.DEPARTMENT or not d.active for d in departments):
        raise Refused(texts.CONSULT_NEED_TWO)
    now = rt.clock.now()
    lead = departments[0]
    started = await clocks.clock_start(ticket)
    deadlines = rt.sla.deadlines(ticket.category, ticket.urgent, started, cross_department=True,
                                 calendar=rt.calendar, tz=rt.tz, subcategory=ticket.subcategory)
    old_holder = ticket.unit_id or (await directory.command_unit()).id
    before = await move(ticket, "consult", now, unit_id=lead.id, level=Level.DEPARTMENT, assigned_at=now,
                        accepted_at=None, accepted_by_id=None, due_at=deadlines.due_at,
                        due_workdays=deadlines.due_workdays, due_hours=deadlines.due_hours,
                        due_work_hours=deadlines.due_work_hours, due_notified_at=None)
    await clocks.after_move(rt, ticket, now, cross_department=True)
    await Consultation.filter(ticket_id=ticket.id).delete()
    for i, department in enumerate(departments):
        await Consultation.create(ticket=ticket, department=department, lead=i == 0, created_at=now)
    note = texts.CARD_CONSULT_LEAD.format(lead=lead.name, others="、".join(d.name for d in departments[1:]))
    await event(ticket, Actor.of_staff(staff), "consulted", before, ticket.status, now, unit=lead, note=note,
                data={"from_unit": old_holder, "departments": [d.id for d in departments]})
    messages = await refresh_card(rt, ticket, elsewhere_note=note)
    messages += await tell_resident(ticket, texts.NOTIFY_CONSULT.format(
        number=ticket.number, due=rt.sla.describe_due(deadlines)))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def merge(rt: Runtime, duplicate: Ticket, main: Ticket, staff: Staff) -> None:
    """The same problem reported twice: the duplicate closes into the main ticket, and its
    resident hears of the main ticket's progress from now on."""
    if duplicate.id == main.id:
        raise Refused(texts.CANNOT_MERGE_SELF)
    await require_holder(duplicate, staff)
    if main.status in (Status.MERGED, Status.CANCELLED):
        raise Refused(texts.ILLEGAL_MOVE.format(number=main.number, status=texts.STATUS_WORDS[str(main.status)], action="合并"))
    now = rt.clock.now()
    before = await move(duplicate, "merge", now, merged_into_id=main.id, closed_at=now)
    await clocks.after_move(rt, duplicate, now)
    actor = Actor.of_staff(staff)
    await event(duplicate, actor, "merged", before, duplicate.status, now, note=main.number, data={"into": main.id})
    await event(main, actor, "merged", main.status, main.status, now, note=duplicate.number, data={"from": duplicate.id})
    messages = await refresh_card(rt, duplicate, elsewhere_note=texts.CARD_MERGED.format(number=main.number))
    messages += await tell_resident(duplicate, texts.NOTIFY_MERGED.format(number=main.number))
    await outbox.enqueue(messages, now=now, ticket=duplicate)


async def _hand_over(rt: Runtime, ticket: Ticket, actor: Actor, move_name: str, action: str, target: Unit,
                     reason: str | None, resident_text: str) -> None:
    """Give the ticket to another unit: its card appears in their chat with their buttons; the
    old card says where it went. Clocks keep running: moving a case does not buy time."""
    now = rt.clock.now()
    old_holder = ticket.unit_id
    before = await move(ticket, move_name, now, unit_id=target.id, level=target.level, assigned_at=now,
                        accepted_at=None, accepted_by_id=None)
    await clocks.after_move(rt, ticket, now)
    await event(ticket, actor, action, before, ticket.status, now, unit=target, note=reason,
                data={"from_unit": old_holder})
    # The receiving chat gets the card at the bottom, with who sent it and why on top.
    messages = await refresh_card(rt, ticket, arrived=True, elsewhere_note=texts.CARD_MOVED.format(
        action=ACTION_WORDS[move_name], unit=target.name))
    messages += await tell_resident(ticket, resident_text.format(number=ticket.number, unit=target.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)
