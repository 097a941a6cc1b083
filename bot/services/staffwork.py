"""What staff do in a unit's chat: card buttons, pickers, and the short reasons they write.

Every press is checked here, on the server: who the presser is (staff, active), whether they
may act on this ticket, and whether the ticket's status allows the move. The button only says
what is asked.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Draft, Level, Role, Staff, Ticket, Unit
from bot.nlp.classify import categories, label_of
from bot.runtime import Runtime
from bot.services.textin import clean
from bot.services.ids import is_row_id
from bot.services import jurisdiction, outbox, relay, tickets
from bot.services.outbox import Outgoing

REASON = "reason"
CONSULT = "consult"
# Moves that need a short written reason before they happen, and the toast once done.
NEEDS_REASON = {"res": "resolve", "esc": "escalate", "ret": "return", "rej": "reject", "ask": "ask"}


class Refused(Exception):
    """Shown to the person who pressed, as a short toast; nothing changed."""


async def _staff(user_id: int) -> Staff:
    staff = await jurisdiction.staff_for_user(user_id)
    if staff is None:
        raise Refused(texts.NOT_STAFF)
    return staff


async def _ticket(ticket_id: int) -> Ticket:
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        raise Refused(texts.STALE_BUTTON)
    return ticket


async def press(rt: Runtime, user_id: int, chat_id: int, action: str, ticket_id: int, arg: str | None = None) -> str:
    """A card button or a picker's button. Returns the toast to show the presser."""
    async with in_transaction():
        staff = await _staff(user_id)
        ticket = await _ticket(ticket_id)
        try:
            return await _press(rt, staff, chat_id, action, ticket, arg)
        except (tickets.IllegalMove, tickets.NotAllowed) as exc:
            raise Refused(str(exc)) from exc


async def _press(rt: Runtime, staff: Staff, chat_id: int, action: str, ticket: Ticket, arg: str | None) -> str:
    if action == "rej":
        await _check_reject(ticket, staff)
        await _ask_reason(rt, staff, chat_id, ticket, "reject")
        return texts.REASON_TOAST
    if action == "con" or action in ("csel", "cgo"):
        return await _consult_press(rt, staff, chat_id, action, ticket, arg)
    if not await tickets.may_act(ticket, staff):
        raise Refused(texts.NOT_ALLOWED)
    if action == "acc":
        await tickets.accept(rt, ticket, staff)
        return texts.ACCEPTED_TOAST
    if action in NEEDS_REASON:
        step = NEEDS_REASON[action]
        await _check_before_reason(ticket, step)
        await _ask_reason(rt, staff, chat_id, ticket, step)
        return texts.REASON_TOAST
    if action == "tra":
        tickets.check_move(ticket, "transfer")
        departments = await Unit.filter(level=Level.DEPARTMENT, active=True).order_by("id")
        await outbox.enqueue([Outgoing(chat_id, texts.PICK_DEPARTMENT.format(number=ticket.number),
                                       buttons=[[(d.name, f"w:tto:{ticket.id}:{d.id}")] for d in departments])],
                             now=rt.clock.now(), ticket=ticket)
        return texts.PICK_DEPARTMENT.format(number=ticket.number)
    if action == "cat":
        rows = [[(label, f"w:setc:{ticket.id}:{code}")] for code, label in categories()]
        await outbox.enqueue([Outgoing(chat_id, texts.PICK_CATEGORY.format(number=ticket.number), buttons=rows)],
                             now=rt.clock.now(), ticket=ticket)
        return texts.PICK_CATEGORY.format(number=ticket.number)
    if action == "setc" and arg in dict(categories()):
        await tickets.change_category(rt, ticket, arg, staff, source="card")
        return texts.CATEGORY_CHANGED.format(category=label_of(arg))
    if action == "tto" and is_row_id(arg):
        department = await Unit.get_or_none(id=int(arg))
        if department is None:
            raise Refused(texts.STALE_BUTTON)
        await tickets.transfer(rt, ticket, staff, department)
        return texts.TRANSFERRED_TOAST.format(unit=department.name)
    raise Refused(texts.STALE_BUTTON)


async def _check_before_reason(ticket: Ticket, step: str) -> None:
    """Refuse at the press, not after the worker has typed the reason."""
    if step == "ask":
        if not ticket.resident_id:
            raise Refused(texts.NO_RESIDENT_TO_ASK)
        return
    tickets.check_move(ticket, step)
    if step == "escalate":
        holder = await Unit.get(id=ticket.unit_id)
        if await tickets.upper_unit(holder) is None:
            raise Refused(texts.ALREADY_TOP.format(number=ticket.number))
    if step == "return" and await tickets.return_target(ticket) is None:
        raise Refused(texts.NO_RETURN_TARGET.format(number=ticket.number))


async def _check_reject(ticket: Ticket, staff: Staff) -> None:
    tickets.check_move(ticket, "reject")
    holder = await Unit.get(id=ticket.unit_id)
    managers = {u.id for u in await jurisdiction.ancestors(holder)}
    if not (staff.role == Role.COMMAND or staff.unit_id in managers):
        raise Refused(texts.REJECT_ONLY_MANAGERS)


async def _ask_reason(rt: Runtime, staff: Staff, chat_id: int, ticket: Ticket, step: str) -> None:
    now = rt.clock.now()
    await Draft.filter(channel="telegram", chat_id=chat_id, user_id=staff.user_id).delete()
    await Draft.create(chat_id=chat_id, user_id=staff.user_id, kind=REASON, step=step,
                       data={"ticket_id": ticket.id, "photos": []}, created_at=now, updated_at=now)
    await outbox.enqueue(
        [Outgoing(chat_id, texts.ASK_REASON[step].format(name=staff.name, number=ticket.number),
                  reply_to_ref=outbox.card_ref(ticket.id))],
        now=now, ticket=ticket,
    )


# --- 部门会商 ---------------------------------------------------------------------------------

async def _consult_press(rt: Runtime, staff: Staff, chat_id: int, action: str, ticket: Ticket, arg: str | None) -> str:
    """The command centre picks departments (the first picked leads), then starts it."""
    if staff.role != Role.COMMAND:
        raise Refused(texts.CONSULT_ONLY_COMMAND)
    tickets.check_move(ticket, "consult")
    now = rt.clock.now()
    draft = await (Draft.filter(channel="telegram", chat_id=chat_id, user_id=staff.user_id, kind=CONSULT)
                   .select_for_update().first())
    if action == "con" or draft is None or draft.data.get("ticket_id") != ticket.id:
        await Draft.filter(channel="telegram", chat_id=chat_id, user_id=staff.user_id).delete()
        draft = await Draft.create(chat_id=chat_id, user_id=staff.user_id, kind=CONSULT, step="pick",
                                   data={"ticket_id": ticket.id, "departments": []}, created_at=now, updated_at=now)
    chosen: list[int] = draft.data["departments"]
    if action == "csel" and is_row_id(arg):
        dept_id = int(arg)
        chosen.remove(dept_id) if dept_id in chosen else chosen.append(dept_id)
    if action == "cgo":
        departments = [await Unit.get(id=i) for i in chosen]
        await tickets.consult(rt, ticket, staff, departments)
        await draft.delete()
        return texts.CONSULTED_TOAST
    draft.data["departments"] = chosen
    draft.updated_at = now
    await draft.save()
    await outbox.enqueue([await _consult_picker(chat_id, ticket, chosen)], now=now, ticket=ticket)
    return texts.PICK_CONSULT.format(number=ticket.number, chosen="").split("\n")[0]


async def _consult_picker(chat_id: int, ticket: Ticket, chosen: list[int]) -> Outgoing:
    departments = await Unit.filter(level=Level.DEPARTMENT, active=True).order_by("id")
    names = {d.id: d.name for d in departments}
    shown = "、".join(("（牵头）" if i == 0 else "") + names.get(d, "") for i, d in enumerate(chosen)) or "—"
    rows = [[(("✅ " if d.id in chosen else "") + d.name, f"w:csel:{ticket.id}:{d.id}")] for d in departments]
    rows.append([(texts.BTN_CONSULT_GO, f"w:cgo:{ticket.id}")])
    return Outgoing(chat_id, texts.PICK_CONSULT.format(number=ticket.number, chosen=shown), buttons=rows,
                    ref=f"consult:{ticket.id}")


# --- the reasons staff write ----------------------------------------------------------------

async def pending_reason(chat_id: int, user_id: int) -> Draft | None:
    return await (Draft.filter(channel="telegram", chat_id=chat_id, user_id=user_id, kind=REASON)
                  .select_for_update().first())


async def on_text(rt: Runtime, user_id: int, chat_id: int, text: str, reply_to: int | None = None) -> bool:
    """A staff member's words in a chat: the reason they were asked for, or (as a reply to a
    ticket's card) a question for the resident. Returns False when nothing was waiting for
    them: ordinary group talk is ignored."""
    text = clean(text).strip()
    if not text:
        return False
    async with in_transaction():
        draft = await pending_reason(chat_id, user_id)
        if draft is None:
            return await relay.staff_reply_to_card(rt, user_id, chat_id, reply_to, text)
        staff = await jurisdiction.staff_for_user(user_id)
        ticket = await Ticket.get_or_none(id=draft.data["ticket_id"])
        await draft.delete()
        if staff is None or ticket is None:
            return True
        try:
            toast = await _apply_reason(rt, staff, chat_id, ticket, draft, text)
        except (tickets.IllegalMove, tickets.NotAllowed) as exc:
            toast = str(exc)
        await outbox.enqueue([Outgoing(chat_id, toast)], now=rt.clock.now(), ticket=ticket)
        return True


async def _apply_reason(rt: Runtime, staff: Staff, chat_id: int, ticket: Ticket, draft: Draft, text: str) -> str:
    step = draft.step
    if step == "resolve":
        await tickets.resolve(rt, ticket, staff, text, draft.data.get("photos", []))
        return texts.RESOLVED_NOTE.format(number=ticket.number)
    if step == "escalate":
        unit = await tickets.escalate(rt, ticket, staff, text)
        return texts.ESCALATED_TOAST.format(unit=unit.name)
    if step == "return":
        unit = await tickets.return_up(rt, ticket, staff, text)
        return texts.RETURNED_TOAST.format(unit=unit.name)
    if step == "reject":
        unit = await tickets.reject(rt, ticket, staff, text)
        return texts.REJECTED_TOAST.format(unit=unit.name)
    if step == "ask":
        if not await tickets.may_act(ticket, staff):
            raise tickets.NotAllowed(texts.NOT_ALLOWED)
        await relay.ask_resident(rt, ticket, staff, text, draft.data.get("photos", []))
        return texts.ASKED_TOAST
    return texts.STALE_BUTTON


async def on_photo(rt: Runtime, user_id: int, chat_id: int, file_id: str, file_unique_id: str | None,
                   caption: str | None) -> bool:
    """A photo of the fix, sent while the worker is writing the resolution."""
    async with in_transaction():
        draft = await pending_reason(chat_id, user_id)
        if draft is None:
            return False
        draft.data.setdefault("photos", []).append({"file_id": file_id, "file_unique_id": file_unique_id})
        draft.updated_at = rt.clock.now()
        await draft.save()
    if caption and caption.strip():
        return await on_text(rt, user_id, chat_id, caption)
    return True
