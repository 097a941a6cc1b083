"""What staff do in a unit's chat: buttons on a card, and the short reasons they write."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Draft, Staff, Ticket
from bot.runtime import Runtime
from bot.services import jurisdiction, outbox, tickets
from bot.services.outbox import Outgoing

REASON = "reason"


class Refused(Exception):
    """Shown to the person who pressed, as a short toast; nothing changed."""


async def _staff_and_ticket(user_id: int, ticket_id: int) -> tuple[Staff, Ticket]:
    staff = await jurisdiction.staff_for_user(user_id)
    if staff is None:
        raise Refused(texts.NOT_STAFF)
    ticket = await Ticket.get_or_none(id=ticket_id)
    if ticket is None:
        raise Refused(texts.STALE_BUTTON)
    if not await tickets.may_act(ticket, staff):
        raise Refused(texts.NOT_ALLOWED)
    return staff, ticket


async def press(rt: Runtime, user_id: int, chat_id: int, action: str, ticket_id: int) -> str:
    """A card button. Returns the toast to show the presser."""
    async with in_transaction():
        staff, ticket = await _staff_and_ticket(user_id, ticket_id)
        try:
            if action == "acc":
                await tickets.accept(rt, ticket, staff)
                return texts.ACCEPTED_TOAST
            if action == "res":
                await tickets.check_can_resolve(ticket, staff)
                await _ask_reason(rt, staff, chat_id, ticket, "resolve")
                return texts.ASK_RESOLUTION_TOAST
        except (tickets.IllegalMove, tickets.NotAllowed) as exc:
            raise Refused(str(exc)) from exc
    words = {"esc": texts.BTN_ESCALATE, "tra": texts.BTN_TRANSFER, "ret": texts.BTN_RETURN}
    if action in words:
        raise Refused(texts.NOT_YET_AVAILABLE.format(action=words[action]))
    raise Refused(texts.STALE_BUTTON)


async def _ask_reason(rt: Runtime, staff: Staff, chat_id: int, ticket: Ticket, step: str) -> None:
    now = rt.clock.now()
    await Draft.filter(channel="telegram", chat_id=chat_id, user_id=staff.user_id).delete()
    await Draft.create(chat_id=chat_id, user_id=staff.user_id, kind=REASON, step=step,
                       data={"ticket_id": ticket.id, "photos": []}, created_at=now, updated_at=now)
    await outbox.enqueue(
        [Outgoing(chat_id, texts.ASK_RESOLUTION.format(name=staff.name, number=ticket.number),
                  reply_to_ref=outbox.card_ref(ticket.id))],
        now=now, ticket=ticket,
    )


async def pending_reason(chat_id: int, user_id: int) -> Draft | None:
    return await (Draft.filter(channel="telegram", chat_id=chat_id, user_id=user_id, kind=REASON)
                  .select_for_update().first())


async def on_text(rt: Runtime, user_id: int, chat_id: int, text: str) -> bool:
    """A staff member's words in a chat: taken as the reason they were asked for, if any.
    Returns False when nothing was waiting for them (ordinary group talk is ignored)."""
    text = text.strip()
    if not text:
        return False
    async with in_transaction():
        draft = await pending_reason(chat_id, user_id)
        if draft is None:
            return False
        staff, ticket = await _staff_and_ticket(user_id, draft.data["ticket_id"])
        await draft.delete()
        try:
            if draft.step == "resolve":
                await tickets.resolve(rt, ticket, staff, text, draft.data.get("photos", []))
                await outbox.enqueue([Outgoing(chat_id, texts.RESOLVED_NOTE.format(number=ticket.number))],
                                     now=rt.clock.now(), ticket=ticket)
        except (tickets.IllegalMove, tickets.NotAllowed) as exc:
            await outbox.enqueue([Outgoing(chat_id, str(exc))], now=rt.clock.now())
        return True


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
