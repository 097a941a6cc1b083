"""Tickets: filing, the moves a ticket makes, and the messages each move causes.

Every move is a conditional update on the ticket's status (so two workers pressing 接单 at
once cannot both win), an event row (the audit trail), and outbox rows, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bot import texts
from bot.models import (
    Attachment, CategoryExample, Consultation, Level, Light, Resident, Role, Staff, Status, Ticket,
    TicketCounter, TicketEvent, Unit,
)
from bot.nlp.classify import Classifier, categories as nlp_categories
from bot.nlp.normalise import normalise
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.workflow import cards
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow.buttons import RATE
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
    open311_client_id: int | None = None  # the Open311 client that filed it


# --- filing ---------------------------------------------------------------------------------

async def file_ticket(rt: Runtime, new: NewTicket, *, actor: Actor,
                      resident_chat: int | None) -> Ticket:
    """Create the ticket, its first events, its card and the resident's receipt, together.
    Call inside a transaction."""
    now = rt.clock.now()
    deadlines = rt.sla.deadlines(new.category, new.urgent, now, calendar=rt.calendar, tz=rt.tz)
    holder = new.grid if new.triage_reason is None else None
    ticket = await Ticket.create(
        number=await _next_number(rt, now),
        source=new.source,
        resident=new.resident,
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
        level=Level.GRID if holder else None,
        status=Status.ASSIGNED if holder else Status.TRIAGE,
        created_at=now,
        updated_at=now,
        assigned_at=now if holder else None,
        yellow_at=deadlines.yellow_at,
        red_at=deadlines.red_at,
        due_at=deadlines.due_at,
        due_workdays=deadlines.due_workdays,
        due_hours=deadlines.due_hours,
        open311_client_id=new.open311_client_id,
    )
    for photo in new.photos:
        await Attachment.create(ticket=ticket, kind="report", file_id=photo["file_id"],
                                file_unique_id=photo.get("file_unique_id"), created_at=now)
    photo_ids = [photo["file_id"] for photo in new.photos]
    await event(ticket, actor, "submitted", None, Status.TRIAGE if not holder else Status.ASSIGNED,
                 now, note=new.triage_reason)
    messages: list[Outgoing] = []
    due_words = rt.sla.describe_due(deadlines)
    if holder:
        await event(ticket, SYSTEM, "assigned", Status.TRIAGE, Status.ASSIGNED, now, unit=holder)
        messages += await post_card(rt, ticket, holder, with_photos=True, new_photos=photo_ids)
        if resident_chat is not None:
            messages.append(Outgoing(resident_chat, texts.SUBMITTED.format(
                number=ticket.number, unit=holder.name, due=due_words)))
    else:
        messages += await _post_triage_card(rt, ticket, new.triage_reason, photo_ids)
        if resident_chat is not None:
            messages.append(Outgoing(resident_chat, texts.SUBMITTED_TRIAGE.format(
                number=ticket.number, due=due_words)))
    if new.urgent:
        messages += await _urgent_alerts(rt, ticket, holder)
    await outbox.enqueue(messages, now=now, ticket=ticket)
    return ticket


async def _next_number(rt: Runtime, now: dt.datetime) -> str:
    prefix = await directory.ticket_prefix() or "GB"
    key = f"{prefix}-{now.astimezone(rt.tz):%Y%m%d}"
    for _ in range(3):
        if await TicketCounter.filter(key=key).update(value=F("value") + 1):
            break
        try:
            async with in_transaction():  # a savepoint: a lost race must not spoil the caller
                await TicketCounter.create(key=key, value=1)
            break
        except IntegrityError:
            continue
    counter = await TicketCounter.get(key=key)
    return f"{key}-{counter.value:04d}"


# --- moves ----------------------------------------------------------------------------------

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


async def accept(rt: Runtime, ticket: Ticket, staff: Staff) -> None:
    await require_holder(ticket, staff)
    now = rt.clock.now()
    before = await move(ticket, "accept", now, accepted_at=now, accepted_by_id=staff.id)
    await event(ticket, Actor.of_staff(staff), "accepted", before, ticket.status, now, unit=await ticket.unit)
    messages = await refresh_card(rt, ticket)
    messages += await tell_resident(ticket, texts.NOTIFY_ACCEPTED.format(number=ticket.number))
    await outbox.enqueue(messages, now=now, ticket=ticket)


def check_move(ticket: Ticket, action: str) -> None:
    """Raise Refused now if the ticket's status does not allow the move."""
    allowed_from, _ = MOVES[action]
    if ticket.status not in allowed_from:
        raise Refused(texts.ILLEGAL_MOVE.format(
            number=ticket.number, status=texts.STATUS_WORDS[str(ticket.status)], action=ACTION_WORDS[action]))


async def resolve(rt: Runtime, ticket: Ticket, staff: Staff, note: str, photos: list[dict]) -> None:
    await require_holder(ticket, staff)
    now = rt.clock.now()
    before = await move(ticket, "resolve", now, resolved_at=now, resolution_note=note[:2000],
                         accepted_by_id=ticket.accepted_by_id or staff.id)
    for photo in photos:
        await Attachment.create(ticket=ticket, kind="resolution", file_id=photo["file_id"],
                                file_unique_id=photo.get("file_unique_id"), created_at=now)
    await event(ticket, Actor.of_staff(staff), "resolved", before, ticket.status, now,
                 unit=await ticket.unit, note=note)
    messages = await refresh_card(rt, ticket)
    resident = await ticket.resident
    if resident is not None:
        messages.append(Outgoing(
            resident.user_id,
            texts.NOTIFY_RESOLVED.format(number=ticket.number, note=cards.shorten(note, 200),
                                         days=rt.sla.rating_timeout_days),
            buttons=[[(texts.RATINGS[code], RATE.data(ticket.id, code))
                      for code in ("satisfied", "basic", "unsatisfied")]],
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
    before = await move(ticket, "rate", now, rating=rating, rated_at=now, closed_at=now)
    await event(ticket, actor, "rated", before, ticket.status, now, note=texts.RATINGS[rating],
                 data={"rating": rating})
    await outbox.enqueue(await refresh_card(rt, ticket), now=now, ticket=ticket)


async def reopen(rt: Runtime, ticket: Ticket, actor: Actor, *, reason: str, rating: str | None = None) -> None:
    """Back to the unit that resolved it, with fresh clocks; the reopening counts against the
    unit. A second reopening goes one level up: the same hands failed twice."""
    check_move(ticket, "reopen")
    now = rt.clock.now()
    deadlines = rt.sla.deadlines(ticket.category, ticket.urgent, now, calendar=rt.calendar, tz=rt.tz)
    unit = await Unit.get(id=ticket.unit_id)
    if ticket.reopen_count + 1 >= 2:
        unit = await upper_unit(unit) or unit
    before = await move(
        ticket, "reopen", now, rating=rating, rated_at=now if rating else None, resolved_at=None,
        accepted_at=None, accepted_by_id=None, reopen_count=ticket.reopen_count + 1,
        light=Light.GREEN, yellow_at=deadlines.yellow_at, red_at=deadlines.red_at,
        due_at=deadlines.due_at, due_workdays=deadlines.due_workdays, due_hours=deadlines.due_hours,
        yellow_notified_at=None, red_notified_at=None, due_notified_at=None, assigned_at=now,
        unit_id=unit.id, level=unit.level, closed_at=None,
    )
    await event(ticket, actor, "reopened", before, ticket.status, now, unit=unit, note=reason,
                 data={"rating": rating} if rating else {})
    messages = await refresh_card(rt, ticket)
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
            try:
                before = await move(ticket, "auto_close", now, rating="default", rated_at=now, closed_at=now)
            except Refused:
                continue  # rated or reopened meanwhile, or another instance got there first
            await event(ticket, SYSTEM, "auto_closed", before, ticket.status, now, note=texts.RATINGS["default"])
            messages = await refresh_card(rt, ticket)
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
    await event(ticket, Actor.of_staff(staff), "triaged", before, ticket.status, now, unit=grid)
    messages = await refresh_card(rt, ticket, elsewhere_note=texts.TRIAGE_DONE.format(unit=grid.name))
    messages += await tell_resident(ticket, texts.NOTIFY_ASSIGNED.format(number=ticket.number, unit=grid.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def change_category(rt: Runtime, ticket: Ticket, category: str, staff: Staff, *,
                          source: str = "card") -> None:
    """改类别 by the unit holding the ticket (`source` "card", or "triage" at the command centre).
    The text and both categories are kept as a labelled example the rules learn from."""
    await require_holder(ticket, staff)
    if category not in dict(nlp_categories()):
        raise Refused(texts.STALE_BUTTON)
    if category == ticket.category:
        return
    now = rt.clock.now()
    await _recategorise(ticket, category, staff, source, now)
    await outbox.enqueue(await refresh_card(rt, ticket), now=now, ticket=ticket)


async def _recategorise(ticket: Ticket, category: str, staff: Staff, source: str, now: dt.datetime) -> None:
    old = ticket.category
    # The card's 依据: the resident's words for the new category, if the rules see any; else who chose it.
    words = Classifier.default().evidence(normalise(ticket.text)).words(category)[:4]
    reasons = words or [texts.REASONS_BY_STAFF.format(name=staff.name)]
    await Ticket.filter(id=ticket.id).update(category=category, reasons=reasons, updated_at=now)
    await reload(ticket)
    await event(ticket, Actor.of_staff(staff), "recategorised", ticket.status, ticket.status, now,
                data={"from": old, "to": category, "source": source})
    await CategoryExample.create(ticket=ticket, text=ticket.text, from_category=old, to_category=category,
                                 source=source, staff_user_id=staff.user_id, created_at=now)


# --- who may act ----------------------------------------------------------------------------

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


# --- messages -------------------------------------------------------------------------------

async def _card_body(rt: Runtime, ticket: Ticket, *, photo_count: int | None = None,
                     reporters: int | None = None) -> str:
    """The card's text; a ticket just filed passes what it knows (its photos, one reporter)."""
    if photo_count is None:
        photo_count = await Attachment.filter(ticket_id=ticket.id, kind="report").count()
    due_words = _due_words(rt, ticket)
    if reporters is None:
        reporters = 1 + await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).count()
    return await cards.card_text(ticket, tz=rt.tz, text_limit=rt.limits.card_text_chars,
                                 photo_count=photo_count, due_words=due_words, reporters=reporters)


def _due_words(rt: Runtime, ticket: Ticket) -> str:
    if ticket.due_workdays is not None:
        return texts.DUE_WORKDAYS.format(days=ticket.due_workdays)
    if ticket.due_hours is not None:
        return texts.DUE_HOURS.format(hours=f"{ticket.due_hours:g}")
    return ""


async def post_card(rt: Runtime, ticket: Ticket, unit: Unit, *, with_photos: bool,
                    new_photos: list[str] | None = None) -> list[Outgoing]:
    """The card in the unit's chat. `new_photos`: a ticket just filed, whose photos (file ids)
    and single reporter are known without asking the database."""
    chat_id = await directory.chat_for_unit(unit)
    if chat_id is None:
        return []
    known = {} if new_photos is None else {"photo_count": len(new_photos), "reporters": 1}
    messages = [cards.card_message(chat_id, ticket, await _card_body(rt, ticket, **known))]
    if with_photos:
        file_ids = new_photos if new_photos is not None else await _report_photos(ticket)
        messages += cards.photo_messages(chat_id, ticket, list(file_ids))
    return messages


async def _post_triage_card(rt: Runtime, ticket: Ticket, why: str | None, new_photos: list[str]) -> list[Outgoing]:
    chat_id = await directory.command_chat()
    if chat_id is None:
        return []
    body = await _card_body(rt, ticket, photo_count=len(new_photos), reporters=1)
    messages = [cards.card_message(chat_id, ticket, body, triage_note=why)]
    messages += cards.photo_messages(chat_id, ticket, new_photos)
    return messages


async def refresh_card(rt: Runtime, ticket: Ticket, *, elsewhere_note: str | None = None) -> list[Outgoing]:
    """The card as the ticket is now, in every chat that shows it.

    The holder's chat gets it with buttons (posted with the photos the first time it holds the
    ticket); chats that held it before keep it, edited to say where it went, without buttons;
    departments in a consultation see it with their part."""
    from bot.models import MessageRef

    body = await _card_body(rt, ticket)
    ref = outbox.card_ref(ticket.id)
    shown = set(await MessageRef.filter(ref=ref).values_list("chat_id", flat=True)) | await _queued_card_chats(ticket)
    holder_chat = await _holder_chat(ticket)
    partners = await _consultation_chats(ticket)
    messages: list[Outgoing] = []
    for chat_id in sorted(shown | set(partners) | ({holder_chat} if holder_chat else set())):
        if chat_id == holder_chat:
            triage_note = texts.TRIAGE_LOW_CONFIDENCE if ticket.status == Status.TRIAGE else None
            messages.append(cards.card_message(chat_id, ticket, body, triage_note=triage_note))
            if chat_id not in shown:
                messages += cards.photo_messages(chat_id, ticket, await _report_photos(ticket))
        elif chat_id in partners:
            messages.append(Outgoing(chat_id, text=partners[chat_id] + "\n" + cards.for_onlookers(body), ref=ref))
            if chat_id not in shown:
                messages += cards.photo_messages(chat_id, ticket, await _report_photos(ticket))
        else:
            note = elsewhere_note or ""
            messages.append(Outgoing(chat_id, text=(note + "\n" if note else "") + cards.for_onlookers(body), ref=ref))
    return messages


async def _holder_chat(ticket: Ticket) -> int | None:
    if ticket.status == Status.TRIAGE:
        return await directory.command_chat()
    if ticket.unit_id is None:
        return None
    return await directory.chat_for_unit(await Unit.get(id=ticket.unit_id))


async def _report_photos(ticket: Ticket) -> list[str]:
    return list(await Attachment.filter(ticket_id=ticket.id, kind="report").order_by("id").values_list("file_id", flat=True))


async def _consultation_chats(ticket: Ticket) -> dict[int, str]:
    """The chats of the departments helping in a consultation, with the line each one reads."""
    rows = await Consultation.filter(ticket_id=ticket.id).prefetch_related("department")
    if not rows or ticket.status not in (Status.ASSIGNED, Status.ACCEPTED):
        return {}
    lead = next((r.department for r in rows if r.lead), None)
    chats = {}
    for row in rows:
        if row.lead:
            continue
        chat_id = await directory.chat_for_unit(row.department)
        if chat_id is not None:
            chats[chat_id] = texts.CARD_CONSULT_PARTNER.format(lead=lead.name if lead else "")
    return chats


async def _queued_card_chats(ticket: Ticket) -> set[int]:
    """Chats whose card is still waiting in the outbox (not yet in MessageRef)."""
    from bot.models import Outbox

    rows = await Outbox.filter(ticket_id=ticket.id, ref=outbox.card_ref(ticket.id)).values_list("chat_id", flat=True)
    return set(rows)


async def tell_resident(ticket: Ticket, text: str) -> list[Outgoing]:
    """The resident who reported it, and those whose duplicate reports were merged into it."""
    ids = [ticket.resident_id] if ticket.resident_id else []
    ids += await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).values_list("resident_id", flat=True)
    user_ids = await Resident.filter(id__in=set(ids)).values_list("user_id", flat=True)
    return [Outgoing(user_id, text) for user_id in sorted(set(user_ids))]


async def _urgent_alerts(rt: Runtime, ticket: Ticket, holder: Unit | None) -> list[Outgoing]:
    """An urgent ticket is also shown to the command centre at once (the holder has the card)."""
    command = await directory.command_chat()
    if command is None or holder is None:
        return []  # without a holder the triage card already sits in the command chat
    return [cards.card_message(command, ticket, cards.for_onlookers(await _card_body(rt, ticket)))]


async def event(ticket: Ticket, actor: Actor, action: str, before, after, now: dt.datetime, *,
                 unit: Unit | None = None, note: str | None = None, data: dict | None = None) -> None:
    await TicketEvent.create(
        ticket=ticket, created_at=now, actor_kind=actor.kind, actor_id=actor.user_id,
        actor_name=actor.name, actor_role=actor.role, action=action,
        from_status=str(before) if before else None, to_status=str(after) if after else None,
        unit=unit, note=note, data=data or {},
    )


async def record_note(rt: Runtime, ticket: Ticket, action: str, note: str, actor: Actor | None = None) -> None:
    """A remark that changes no status (a resident's comment) still belongs in the history."""
    if actor is None:
        resident = await ticket.resident
        actor = Actor.of_resident(resident) if resident else SYSTEM
    await event(ticket, actor, action, ticket.status, ticket.status, rt.clock.now(), note=note)



# --- the ladder: 上报, 转派, 退回, 驳回, 会商, 合并 -------------------------------------------------

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
    if implied is not None and implied != ticket.category:
        await _recategorise(ticket, implied, staff, "transfer", rt.clock.now())
    await _hand_over(rt, ticket, Actor.of_staff(staff), "transfer", "transferred", department, reason,
                     texts.NOTIFY_TRANSFERRED)


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
    before = await move(ticket, "reject", now, resolved_at=None, resolution_note=None, assigned_at=now,
                        accepted_at=None, accepted_by_id=None, reopen_count=ticket.reopen_count + 1)
    await event(ticket, Actor.of_staff(staff), "rejected", before, ticket.status, now, unit=holder, note=reason)
    messages = await refresh_card(rt, ticket)
    messages += await tell_resident(ticket, texts.NOTIFY_REJECTED.format(number=ticket.number, unit=holder.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)
    return holder


async def consult(rt: Runtime, ticket: Ticket, staff: Staff, departments: list[Unit]) -> None:
    """部门会商: the first department leads and holds the ticket; the others help. The deadline
    becomes the cross-department one, counted from filing."""
    if staff.role != Role.COMMAND or not staff.active:
        raise Refused(texts.CONSULT_ONLY_COMMAND)
    departments = list({d.id: d for d in departments}.values())  # each once, the lead first
    if len(departments) < 2 or any(d.level != Level.DEPARTMENT or not d.active for d in departments):
        raise Refused(texts.CONSULT_NEED_TWO)
    now = rt.clock.now()
    lead = departments[0]
    deadlines = rt.sla.deadlines(ticket.category, ticket.urgent, ticket.created_at, cross_department=True,
                                 calendar=rt.calendar, tz=rt.tz)
    old_holder = ticket.unit_id or (await directory.command_unit()).id
    before = await move(ticket, "consult", now, unit_id=lead.id, level=Level.DEPARTMENT, assigned_at=now,
                        accepted_at=None, accepted_by_id=None, due_at=deadlines.due_at,
                        due_workdays=deadlines.due_workdays, due_hours=deadlines.due_hours, due_notified_at=None)
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
    await event(ticket, actor, action, before, ticket.status, now, unit=target, note=reason,
                data={"from_unit": old_holder})
    messages = await refresh_card(rt, ticket, elsewhere_note=texts.CARD_MOVED.format(
        action=ACTION_WORDS[move_name], unit=target.name))
    messages += await tell_resident(ticket, resident_text.format(number=ticket.number, unit=target.name))
    await outbox.enqueue(messages, now=now, ticket=ticket)
