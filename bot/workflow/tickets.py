"""A ticket's life: the moves it may make (each a conditional update on its status, so two
workers pressing 接单 at once cannot both win), who may act on it, and the event row every
change writes (the audit trail). Filing is in filing.py, the moves people make in moves.py and
ladder.py, the card in cards.py; a move, its events and its messages commit together.
"""

from __future__ import annotations

import datetime as dt


from bot import texts, timetext
from bot.models import (
    CategoryExample, Resident, Staff, Status, Ticket, UrgencyExample,
    Unit,
)
from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla import clocks
from bot.sla.policy import describe
from bot.workflow import sql
from bot.workflow.cards import shorten
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import SYSTEM, Actor

# Each move: the statuses it may start from and the status it leads to. Written once.

_WORKING = frozenset({Status.ASSIGNED, Status.ACCEPTED})


MOVES: dict[str, tuple[frozenset[Status], Status]] = {
    "assign": (frozenset({Status.TRIAGE}), Status.ASSIGNED),  # triage picks the grid
    "accept": (frozenset({Status.ASSIGNED}), Status.ACCEPTED),  # 接单
    "resolve": (_WORKING, Status.RESOLVED),  # 办结
    "rate": (frozenset({Status.RESOLVED}), Status.CLOSED),  # 满意 / 基本满意
    "auto_close": (frozenset({Status.RESOLVED}), Status.CLOSED),  # 默认满意
    "reopen": (frozenset({Status.RESOLVED, Status.CLOSED}), Status.ASSIGNED),  # 不满意
    "reject": (frozenset({Status.RESOLVED}), Status.ASSIGNED),  # a manager's 驳回
    "escalate": (_WORKING, Status.ASSIGNED),  # 上报 to the unit above
    "transfer": (_WORKING, Status.ASSIGNED),  # 转派 to a department
    "return": (_WORKING, Status.ASSIGNED),  # 退回 to whoever sent it
    "consult": (_WORKING | {Status.TRIAGE}, Status.ASSIGNED),  # 部门会商, led by a department
    "merge": (_WORKING | {Status.TRIAGE}, Status.MERGED),  # a duplicate folds into another
}


ACTION_WORDS = {"assign": "派单", "accept": "接单", "resolve": "办结", "rate": "评价",
                "auto_close": "关闭", "reopen": "重新处理", "reject": "驳回", "escalate": "上报",
                "transfer": "转派", "return": "退回", "consult": "发起会商", "merge": "合并"}


async def move(ticket: Ticket, action: str, now: dt.datetime, **changes) -> Status:
    """Change the status if, and only if, the ticket is still where the move may start."""
    _, to = MOVES[action]
    before = ticket.status
    check_move(ticket, action)
    updated = await Ticket.filter(id=ticket.id, status=before).update(status=to, updated_at=now, **changes)
    if not updated:  # someone else moved it a moment ago
        await reload(ticket)
        raise Refused(texts.ILLEGAL_MOVE.format(
            number=ticket.number, status=texts.STATUS_WORDS[str(ticket.status)], action=ACTION_WORDS[action]))
    await reload(ticket)
    return before


async def reload(ticket: Ticket) -> None:
    """Refresh the row and forget related objects Tortoise cached on the instance: after a
    move, `await ticket.unit` must be the new holder, not the one loaded before."""
    await ticket.refresh_from_db()
    for name in ticket._meta.fk_fields:
        ticket.__dict__.pop(f"_{name}", None)


def check_move(ticket: Ticket, action: str) -> None:
    """Raise Refused now if the ticket's status does not allow the move."""
    allowed_from, _ = MOVES[action]
    if ticket.status not in allowed_from:
        raise Refused(texts.ILLEGAL_MOVE.format(
            number=ticket.number, status=texts.STATUS_WORDS[str(ticket.status)], action=ACTION_WORDS[action]))


async def may_act(ticket: Ticket, staff: Staff) -> bool:
    """The holding unit's staff, the staff of any unit above it, and the command centre.
    Department staff act only on what is transferred to their department."""
    if not staff.active:
        return False
    if staff.role == "command":
        return True
    if ticket.unit_id is None:
        return False
    if staff.unit_id == ticket.unit_id:
        return True
    holder = await ticket.unit
    return any(u.id == staff.unit_id for u in await directory.ancestors(holder))


async def require_holder(ticket: Ticket, staff: Staff) -> None:
    if not await may_act(ticket, staff):
        raise Refused(texts.NOT_ALLOWED)


async def tell_resident(ticket: Ticket, text: str) -> list[Outgoing]:
    """The resident who reported it, and those whose duplicate reports were merged into it."""
    ids = [ticket.resident_id] if ticket.resident_id else []
    ids += await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).values_list("resident_id", flat=True)
    user_ids = await Resident.filter(id__in=set(ids)).values_list("user_id", flat=True)
    return [Outgoing(user_id, text) for user_id in sorted(set(user_ids))]


RATING_PREFIX = "rate:"  # the rating asked at 办结: rate:<ticket>:<reopenings so far>


def rating_ref(ticket: Ticket) -> str:
    """Each 办结 asks anew: a ref shared by two messages would make the second an edit of the first."""
    return f"{RATING_PREFIX}{ticket.id}:{ticket.reopen_count}"


async def rating_over(ticket: Ticket, outcome: str) -> list[Outgoing]:
    """The rating asked at this 办结, as it stays once the ticket leaves 待评价 (rated, sent back,
    驳回, closed as 默认满意): its words and what came of it, no buttons. Made before the move,
    while the ticket still holds its resolution."""
    if ticket.status != Status.RESOLVED or not ticket.resident_id:
        return []
    user_id = await Resident.filter(id=ticket.resident_id).values_list("user_id", flat=True)
    if not user_id:
        return []
    return [outbox.edit_only(user_id[0], rating_ref(ticket), texts.NOTIFY_RESOLVED_DONE.format(
        number=ticket.number, note=shorten(ticket.resolution_note or "", 200), outcome=outcome))]


async def event(ticket: Ticket, actor: Actor, action: str, before, after, now: dt.datetime, *,
                 unit: Unit | None = None, note: str | None = None, data: dict | None = None) -> None:
    await sql.insert_events([event_values(ticket, actor, action, before, after, now, unit=unit, note=note, data=data)])


def event_values(ticket: Ticket, actor: Actor, action: str, before, after, now: dt.datetime, *,
                 unit: Unit | None = None, note: str | None = None, data: dict | None = None) -> dict:
    """The event's columns, not written yet: several written together go in one INSERT
    (bot/workflow/sql.py)."""
    return dict(
        ticket_id=ticket.id, created_at=now, actor_kind=actor.kind, actor_id=actor.user_id,
        actor_name=actor.name, actor_role=actor.role, action=action,
        from_status=str(before) if before else None, to_status=str(after) if after else None,
        unit_id=unit.id if unit else None, note=note, data=data or {},
    )


async def record_note(rt: Runtime, ticket: Ticket, action: str, note: str, actor: Actor | None = None) -> None:
    """A remark that changes no status (a resident's comment) still belongs in the history."""
    if actor is None:
        resident = await ticket.resident
        actor = Actor.of_resident(resident) if resident else SYSTEM
    await event(ticket, actor, action, ticket.status, ticket.status, rt.clock.now(), note=note)


async def recategorise(rt: Runtime, ticket: Ticket, category: str, staff: Staff, source: str,
                       now: dt.datetime) -> list[Outgoing]:
    """A new category: the card's 依据, the sub-category the resident's words pick in it, the
    labelled example the rules learn from, and the clocks recounted with its limits."""
    old, old_sub = ticket.category, ticket.subcategory
    # The card's 依据: the resident's words for the new category, if the rules see any; else who chose it.
    words = Classifier.default().evidence(normalise(ticket.text)).words(category)[:4]
    reasons = words or [texts.REASONS_BY_STAFF.format(name=staff.name)]
    sub = rt.sla.subcategory_for(category, ticket.text)
    await Ticket.filter(id=ticket.id).update(category=category, subcategory=sub, reasons=reasons, updated_at=now)
    await reload(ticket)
    data = {"from": old, "to": category, "source": source}
    if old_sub or sub:
        data.update(sub_from=old_sub, sub_to=sub)
    await event(ticket, Actor.of_staff(staff), "recategorised", ticket.status, ticket.status, now, data=data)
    await CategoryExample.create(ticket=ticket, text=ticket.text, from_category=old, to_category=category,
                                 source=source, staff_user_id=staff.user_id, created_at=now)
    return await reclock(rt, ticket, Actor.of_staff(staff), now)


async def set_urgency(rt: Runtime, ticket: Ticket, urgent: bool, staff: Staff, source: str,
                      now: dt.datetime) -> list[Outgoing]:
    """标为紧急 / 不算紧急: the verdict kept as a labelled example the danger model is refitted
    on, and the clocks recounted with the urgent limits, or without them."""
    was = ticket.urgent
    await Ticket.filter(id=ticket.id).update(urgent=urgent, updated_at=now)
    await reload(ticket)
    await event(ticket, Actor.of_staff(staff), "marked_urgent" if urgent else "unmarked_urgent", ticket.status,
                ticket.status, now, data={"source": source})
    await UrgencyExample.create(ticket=ticket, text=ticket.text, from_urgent=was, to_urgent=urgent, source=source,
                                staff_user_id=staff.user_id, created_at=now)
    notice = texts.NOTIFY_NOW_URGENT if urgent else texts.NOTIFY_NOT_URGENT
    return await reclock(rt, ticket, Actor.of_staff(staff), now, notice=notice)


async def set_subcategory(rt: Runtime, ticket: Ticket, code: str | None, staff: Staff,
                          now: dt.datetime) -> list[Outgoing]:
    """A sub-category chosen by staff (None: the category's own limits), and the clocks recounted."""
    old = ticket.subcategory
    await Ticket.filter(id=ticket.id).update(subcategory=code, updated_at=now)
    await reload(ticket)
    sub = rt.sla.subcategory(ticket.category, code)
    await event(ticket, Actor.of_staff(staff), "subcategorised", ticket.status, ticket.status, now,
                note=sub.label if sub else texts.SUBCATEGORY_NONE, data={"from": old, "to": code})
    return await reclock(rt, ticket, actor=Actor.of_staff(staff), now=now)


async def reclock(rt: Runtime, ticket: Ticket, actor: Actor, now: dt.datetime, *,
                  notice: str = texts.NOTIFY_DUE_CHANGED) -> list[Outgoing]:
    """The clocks with the limits of the ticket's kind now; the change written down if any.
    Returns what the residents are told (`notice`) when the resolution deadline they were
    promised moved."""
    moved = await clocks.reclock(rt, ticket, now)
    if moved is None:
        return []
    before, after = moved
    limit = describe(ticket.due_workdays, ticket.due_hours, ticket.due_work_hours)
    note = texts.RECLOCKED_NOTE.format(before=timetext.deadline(before, rt.tz), after=timetext.deadline(after, rt.tz),
                                       limit=limit)
    await event(ticket, actor, "reclocked", ticket.status, ticket.status, now, note=note,
                data={"due_from": before.isoformat() if before else None, "due_to": after.isoformat()})
    if before == after:
        return []  # only a light's moment moved: the resident's promise is the same
    return await tell_resident(ticket, notice.format(
        number=ticket.number, limit=limit, due=timetext.deadline(after, rt.tz)))
