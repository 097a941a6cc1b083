"""What staff do in a unit's chat: card buttons, pickers, and the short reasons they write.

Every press is checked here, on the server: who the presser is (staff, active), whether they
may act on this ticket, and whether the ticket's status allows the move. The button only says
what is asked.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

import datetime as dt

from bot import texts, timetext
from bot.channels.port import Inbound, Press
from bot.handlers import pending
from bot.handlers.pending import PendingKind
from bot.models import Pending, Level, Role, Staff, Ticket, Unit
from bot.nlp.classify import categories, label_of
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla.policy import describe
from bot.workflow import buttons as B
from bot.workflow import cards
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import relay
from bot.workflow import tickets
from bot.workflow import ladder
from bot.workflow import moves
from bot.messaging.outbox import Outgoing

# A reason asked for at a press (办结's result, 上报's why …) waits two hours: a worker on foot
# may need a while; after that the press must be made again.
REASON = PendingKind("reason", dt.timedelta(hours=2))
CONSULT = PendingKind("consult", dt.timedelta(hours=1))  # the command centre picking departments
# Moves that need a short written reason before they happen, and the toast once done.
NEEDS_REASON = {"res": "resolve", "esc": "escalate", "ret": "return", "rej": "reject", "ask": "ask"}


async def _staff(press: Press) -> Staff:
    staff = await directory.staff_for_user(press.user_id, press.channel)
    if staff is None:
        raise Refused(texts.NOT_STAFF)
    return staff


async def _ticket(ticket_id: int) -> Ticket:
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        raise Refused(texts.STALE_BUTTON)
    return ticket


async def press(rt: Runtime, press_: Press, action: str, ticket_id: int, arg: int | None = None) -> str:
    """A card button or a picker's button. Returns the toast to show the presser."""
    async with in_transaction():
        staff = await _staff(press_)
        ticket = await _ticket(ticket_id)
        return await _press(rt, staff, press_, action, ticket, arg)


async def _press(rt: Runtime, staff: Staff, press_: Press, action: str, ticket: Ticket, arg: int | None) -> str:
    chat_id = press_.chat_id
    if action == "rej":
        await _check_reject(ticket, staff)
        await _ask_reason(rt, staff, press_, ticket, "reject")
        return texts.REASON_TOAST
    if action == "con" or action in ("csel", "cgo"):
        return await _consult_press(rt, staff, press_, action, ticket, arg)
    if not await tickets.may_act(ticket, staff):
        raise Refused(texts.NOT_ALLOWED)
    if action == "acc":
        await moves.accept(rt, ticket, staff)
        return texts.ACCEPTED_TOAST
    if action in NEEDS_REASON:
        step = NEEDS_REASON[action]
        await _check_before_reason(ticket, step)
        await _ask_reason(rt, staff, press_, ticket, step)
        return texts.REASON_TOAST
    if action == "tra":
        tickets.check_move(ticket, "transfer")
        departments = await Unit.filter(level=Level.DEPARTMENT, active=True).order_by("id")
        await outbox.enqueue([Outgoing(chat_id, texts.PICK_DEPARTMENT.format(number=ticket.number),
                                       buttons=[[(d.name, B.TRANSFER_TO.data(ticket.id, d.id))] for d in departments])],
                             now=rt.clock.now(), ticket=ticket)
        return texts.PICK_DEPARTMENT.format(number=ticket.number)
    if action == "cat":
        await outbox.enqueue([cards.category_picker(chat_id, ticket)], now=rt.clock.now(), ticket=ticket)
        return texts.CARD_PICK_CATEGORY.format(number=ticket.number)
    if action == "setc" and str(arg) in dict(categories()):
        await moves.change_category(rt, ticket, str(arg), staff, source="card")
        picker = await cards.picker_after_choice(press_, ticket, rt.clock.now())
        if rt.sla.subcategories(ticket.category):  # limits of their own: which one is it?
            await outbox.enqueue(picker + [_subcategory_picker(rt, chat_id, ticket)], now=rt.clock.now(), ticket=ticket)
            return texts.PICK_SUBCATEGORY_TOAST
        await outbox.enqueue(picker, now=rt.clock.now(), ticket=ticket)
        return texts.CATEGORY_CHANGED.format(category=label_of(str(arg)))
    if action == "urg" and arg in ("yes", "no"):
        await moves.change_urgency(rt, ticket, arg == "yes", staff)
        await outbox.enqueue(await cards.picker_after_choice(press_, ticket, rt.clock.now()), now=rt.clock.now(),
                             ticket=ticket)
        return texts.URGENCY_MARKED if ticket.urgent else texts.URGENCY_UNMARKED
    if action in ("sub", "nosub"):
        await moves.change_subcategory(rt, ticket, str(arg) if action == "sub" else None, staff)
        sub = rt.sla.subcategory(ticket.category, ticket.subcategory)
        return texts.SUBCATEGORY_CHANGED.format(sub=sub.label if sub else texts.SUBCATEGORY_NONE,
                                                due=timetext.deadline(ticket.due_at, rt.tz))
    if action == "tto" and arg is not None:
        # The department hears why it gets the case, in the worker's words, as with 上报.
        department = await Unit.get_or_none(id=arg, level=Level.DEPARTMENT, active=True)
        if department is None or department.id == ticket.unit_id:
            raise Refused(texts.NOT_A_DEPARTMENT)
        tickets.check_move(ticket, "transfer")
        await _ask_reason(rt, staff, press_, ticket, "transfer", department=department)
        return texts.TRANSFER_REASON_TOAST.format(unit=department.name)
    raise Refused(texts.STALE_BUTTON)


def _subcategory_picker(rt: Runtime, chat_id: int, ticket: Ticket) -> Outgoing:
    """The category's sub-categories, each with its promise (the current one ticked), and none."""
    def option(code: str | None, label: str, data: str) -> list[tuple[str, str]]:
        rule = rt.sla.rule_for(ticket.category, ticket.urgent, subcategory=code)
        promise = describe(rule.due_workdays, rule.due_hours, rule.due_work_hours)
        tick = texts.PICKED if code == ticket.subcategory else ""
        return [(texts.SUBCATEGORY_OPTION.format(tick=tick, label=label, promise=promise), data)]

    rows = [option(s.code, s.label, B.SET_SUBCATEGORY.data(ticket.id, s.code)) for s in rt.sla.subcategories(ticket.category)]
    rows.append(option(None, texts.SUBCATEGORY_NONE, B.CLEAR_SUBCATEGORY.data(ticket.id)))
    return Outgoing(chat_id, texts.PICK_SUBCATEGORY.format(number=ticket.number, category=label_of(ticket.category)),
                    buttons=rows)


async def _check_before_reason(ticket: Ticket, step: str) -> None:
    """Refuse at the press, not after the worker has typed the reason."""
    if step == "ask":
        if not ticket.resident_id:
            raise Refused(texts.NO_RESIDENT_TO_ASK)
        return
    tickets.check_move(ticket, step)
    if step == "escalate":
        holder = await Unit.get(id=ticket.unit_id)
        if await ladder.upper_unit(holder) is None:
            raise Refused(texts.ALREADY_TOP.format(number=ticket.number))
    if step == "return" and await ladder.return_target(ticket) is None:
        raise Refused(texts.NO_RETURN_TARGET.format(number=ticket.number))


async def _check_reject(ticket: Ticket, staff: Staff) -> None:
    tickets.check_move(ticket, "reject")
    holder = await Unit.get(id=ticket.unit_id)
    managers = {u.id for u in await directory.ancestors(holder)}
    if not (staff.role == Role.COMMAND or staff.unit_id in managers):
        raise Refused(texts.REJECT_ONLY_MANAGERS)


async def _ask_reason(rt: Runtime, staff: Staff, press_: Press, ticket: Ticket, step: str, *,
                      department: Unit | None = None) -> None:
    """Ask the presser, by name, for the words the move needs. In a group the question is a
    reply the presser's client opens at once (and privacy mode lets the bot see); nobody
    else's messages answer it."""
    text = texts.ASK_REASON[step].format(name=staff.name, number=ticket.number,
                                         unit=department.name if department else "")
    in_group = not press_.private
    prompt = Outgoing(press_.chat_id, text, buttons=outbox.ask_one(staff.user_id, staff.name) if in_group else None)
    data = {"ticket_id": ticket.id, "photos": [], "name": staff.name}
    if department is not None:
        data["department_id"] = department.id
    await pending.open_pending(REASON, channel=press_.channel, chat_id=press_.chat_id, user_id=staff.user_id,
                               now=rt.clock.now(), subject=ticket.id, step=step, data=data,
                               prompt=prompt, remember_prompt=in_group)


# --- 部门会商 ---------------------------------------------------------------------------------

async def _consult_press(rt: Runtime, staff: Staff, press_: Press, action: str, ticket: Ticket, arg: int | None) -> str:
    """The command centre picks departments (the first picked leads), then starts it."""
    if staff.role != Role.COMMAND:
        raise Refused(texts.CONSULT_ONLY_COMMAND)
    tickets.check_move(ticket, "consult")
    now = rt.clock.now()
    chat_id = press_.chat_id
    draft = await (Pending.filter(channel=press_.channel, chat_id=chat_id, user_id=staff.user_id,
                                kind=CONSULT.name, subject=str(ticket.id)).select_for_update().first())
    if action == "con" or draft is None:
        draft = await pending.open_pending(CONSULT, channel=press_.channel, chat_id=chat_id, user_id=staff.user_id,
                                           now=now, subject=ticket.id, step="pick",
                                           data={"ticket_id": ticket.id, "departments": []})
    chosen: list[int] = draft.data["departments"]
    if action == "csel" and arg is not None:
        chosen.remove(arg) if arg in chosen else chosen.append(arg)
    if action == "cgo":
        departments = [await Unit.get(id=i) for i in chosen]
        await ladder.consult(rt, ticket, staff, departments)
        await pending.close(draft)
        return texts.CONSULTED_TOAST
    draft.data["departments"] = chosen
    await pending.touch(draft, now, CONSULT)
    await outbox.enqueue([await _consult_picker(chat_id, ticket, chosen)], now=now, ticket=ticket)
    return texts.PICK_CONSULT.format(number=ticket.number, chosen="").split("\n")[0]


async def _consult_picker(chat_id: int, ticket: Ticket, chosen: list[int]) -> Outgoing:
    departments = await Unit.filter(level=Level.DEPARTMENT, active=True).order_by("id")
    names = {d.id: d.name for d in departments}
    shown = "、".join(("（牵头）" if i == 0 else "") + names.get(d, "") for i, d in enumerate(chosen)) or "—"
    rows = [[(("✅ " if d.id in chosen else "") + d.name, B.CONSULT_PICK.data(ticket.id, d.id))] for d in departments]
    rows.append([(texts.BTN_CONSULT_GO, B.CONSULT_GO.data(ticket.id))])
    return Outgoing(chat_id, texts.PICK_CONSULT.format(number=ticket.number, chosen=shown), buttons=rows,
                    ref=f"consult:{ticket.id}")


# --- the reasons staff write ----------------------------------------------------------------

async def take_reason(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """The words (and photos) a move was waiting for. A photo without words is kept and the
    question waits on; the words make the move."""
    now = rt.clock.now()
    if inbound.photo is not None:
        row.data.setdefault("photos", []).append(
            {"file_id": inbound.photo.file_id, "file_unique_id": inbound.photo.file_unique_id})
    text = (inbound.text or "").strip()
    if not text:
        await pending.touch(row, now, REASON)
        await outbox.enqueue([Outgoing(row.chat_id, texts.REASON_GOT_PHOTO.format(
            name=row.data.get("name", ""), count=len(row.data["photos"])))], now=now)
        return
    await pending.close(row)
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    ticket = await Ticket.get_or_none(id=row.data["ticket_id"])
    if staff is None or ticket is None:
        return
    try:
        toast = await _apply_reason(rt, staff, ticket, row, text)
    except Refused as exc:
        toast = str(exc)
    await outbox.enqueue([Outgoing(row.chat_id, toast)], now=now, ticket=ticket)


async def reason_expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id", 0))
    if ticket is None:
        return []
    what = texts.REASON_WORDS.get(row.step, "")
    return [Outgoing(row.chat_id, texts.REASON_EXPIRED.format(name=row.data.get("name", ""), number=ticket.number,
                                                             what=what))]


async def consult_expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id", 0))
    return [Outgoing(row.chat_id, texts.CONSULT_EXPIRED.format(number=ticket.number))] if ticket else []


async def _apply_reason(rt: Runtime, staff: Staff, ticket: Ticket, draft: Pending, text: str) -> str:
    step = draft.step
    if step == "resolve":
        await moves.resolve(rt, ticket, staff, text, draft.data.get("photos", []))
        return texts.RESOLVED_NOTE.format(number=ticket.number)
    if step == "escalate":
        unit = await ladder.escalate(rt, ticket, staff, text)
        return texts.ESCALATED_TOAST.format(unit=unit.name)
    if step == "return":
        unit = await ladder.return_up(rt, ticket, staff, text)
        return texts.RETURNED_TOAST.format(unit=unit.name)
    if step == "transfer":
        department = await Unit.get_or_none(id=draft.data.get("department_id") or 0)
        if department is None:
            raise Refused(texts.STALE_BUTTON)
        await ladder.transfer(rt, ticket, staff, department, text)
        return texts.TRANSFERRED_TOAST.format(unit=department.name)
    if step == "reject":
        unit = await ladder.reject(rt, ticket, staff, text)
        return texts.REJECTED_TOAST.format(unit=unit.name)
    if step == "ask":
        if not await tickets.may_act(ticket, staff):
            raise Refused(texts.NOT_ALLOWED)
        await relay.ask_resident(rt, ticket, staff, text, draft.data.get("photos", []))
        return texts.ASKED_TOAST
    return texts.STALE_BUTTON
