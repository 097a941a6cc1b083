"""Two-way relay: staff ask the resident through the bot, the resident answers through it.

Neither side sees the other's account. A question is a message in the resident's chat whose
place is remembered (MessageRef "ask:<ticket>:<event>"); a reply to it, or a text after the
回复 button, goes back to the chat holding the ticket, as a reply to its card. Both ends are
kept in the ticket's history.

A burst of answers does not flood the chat: every answer is kept in the history, but the chat
hears at most `Limits.relay_burst` of a ticket's answers per `Limits.relay_window_seconds` (and
none the per-person flood guard holds back); the first one held back in that window brings one
short summary pointing to /history instead. An answer longer than one message arrives in parts marked (1/2).
"""

from __future__ import annotations

from bot import texts
from bot.models import Draft, MessageRef, Resident, Staff, Ticket, TicketEvent
from bot.runtime import Runtime
import datetime as dt

from bot.services import jurisdiction, outbox, tickets
from bot.services.longtext import MESSAGE_LIMIT, split_utf16, u16len
from bot.services.outbox import Outgoing
from bot.services.people import Actor

ANSWER = "answer"


async def ask_resident(rt: Runtime, ticket: Ticket, staff: Staff, question: str, photos: list[dict]) -> None:
    resident = await Resident.get_or_none(id=ticket.resident_id) if ticket.resident_id else None
    if resident is None:
        raise tickets.IllegalMove(texts.NO_RESIDENT_TO_ASK)
    now = rt.clock.now()
    await tickets.event(ticket, Actor.of_staff(staff), "asked", ticket.status, ticket.status, now, note=question[:2000])
    asked = await TicketEvent.filter(ticket_id=ticket.id, action="asked").order_by("-id").first()
    messages = [Outgoing(resident.user_id, texts.RELAY_QUESTION.format(number=ticket.number, question=question),
                         buttons=[[(texts.BTN_ANSWER, f"ans:{ticket.id}")]], ref=f"ask:{ticket.id}:{asked.id}")]
    messages += [Outgoing(resident.user_id, photo=p["file_id"], text=ticket.number) for p in photos]
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def staff_reply_to_card(rt: Runtime, user_id: int, chat_id: int, reply_to: int | None, text: str) -> bool:
    """A worker replying to a ticket's card asks the resident (the same as 追问)."""
    if reply_to is None:
        return False
    ref = await MessageRef.get_or_none(channel="telegram", chat_id=chat_id, message_id=reply_to)
    if ref is None or not ref.ref.startswith("card:"):
        return False
    staff = await jurisdiction.staff_for_user(user_id)
    ticket = await Ticket.get_or_none(id=int(ref.ref.split(":")[1]))
    if staff is None or ticket is None or not ticket.resident_id or not await tickets.may_act(ticket, staff):
        return False
    await ask_resident(rt, ticket, staff, text, [])
    await outbox.enqueue([Outgoing(chat_id, texts.ASKED_TOAST)], now=rt.clock.now(), ticket=ticket)
    return True


async def question_replied_to(user_id: int, reply_to: int | None, replied_text: str | None = None) -> Ticket | None:
    """The ticket whose question the resident is replying to, if it is theirs.

    The question's place is recorded just after it is sent; a reply that beats the record
    (or a question sent before a restart lost it) is recognised by the question's own words."""
    if reply_to is None:
        return None
    ref = await MessageRef.get_or_none(channel="telegram", chat_id=user_id, message_id=reply_to)
    if ref is not None and ref.ref.startswith("ask:"):
        return await _own_ticket(user_id, int(ref.ref.split(":")[1]))
    prefix = texts.RELAY_QUESTION.split("{number}")[0]
    if replied_text and replied_text.startswith(prefix):
        number = replied_text[len(prefix):].split("，", 1)[0].strip()
        ticket = await Ticket.get_or_none(number=number)
        return await _own_ticket(user_id, ticket.id) if ticket else None
    return None


async def pending_answer(user_id: int, draft: Draft | None) -> Ticket | None:
    """The ticket the resident's open draft answers, if that draft is an answer (回复)."""
    if draft is None or draft.kind != ANSWER:
        return None
    return await _own_ticket(user_id, draft.data.get("ticket_id", 0))


async def start_answer(rt: Runtime, user_id: int, ticket_id: int) -> str | None:
    """The 回复 button. A report in progress is never overwritten: the resident replies to the
    question message instead."""
    ticket = await _own_ticket(user_id, ticket_id)
    if ticket is None:
        return texts.NOT_ALLOWED
    existing = await Draft.get_or_none(channel="telegram", chat_id=user_id, user_id=user_id)
    if existing is not None and existing.kind != ANSWER:
        return texts.ANSWER_FINISH_DRAFT_FIRST
    now = rt.clock.now()
    if existing is not None:
        await existing.delete()
    await Draft.create(chat_id=user_id, user_id=user_id, kind=ANSWER, step="answer",
                       data={"ticket_id": ticket.id}, created_at=now, updated_at=now)
    await outbox.enqueue([Outgoing(user_id, texts.ANSWER_PROMPT.format(number=ticket.number))], now=now)
    return None


async def answer(rt: Runtime, ticket: Ticket, user_id: int, *, text: str | None = None,
                 photo: str | None = None, quiet: bool = False) -> None:
    """The resident's answer goes to the chat holding the ticket, under its card.

    `quiet`: the flood guard is holding this person back; the answer is kept, not forwarded."""
    now = rt.clock.now()
    # One answer of a ticket at a time, so a burst counts itself right (PostgreSQL; SQLite has
    # one writer).
    await Ticket.filter(id=ticket.id).select_for_update().first()
    resident = await Resident.get(id=ticket.resident_id)
    recent = await _recent_answers(ticket, now - dt.timedelta(seconds=rt.limits.relay_window_seconds))
    forward = not quiet and sum(1 for d in recent if not d.get("held")) < rt.limits.relay_burst
    summarise = not forward and not any(d.get("summary") for d in recent)
    data = {"photo": photo} if photo else {}
    if not forward:
        data["held"] = True
    if summarise:
        data["summary"] = True
    await tickets.event(ticket, Actor.of_resident(resident), "answered", ticket.status, ticket.status, now,
                        note=(text or texts.RELAY_ANSWER_PHOTO.format(number=ticket.number))[: rt.limits.max_text_chars],
                        data=data)
    holder_chat = await tickets._holder_chat(ticket)
    ref = outbox.card_ref(ticket.id)
    messages = []
    if forward:
        messages.append(Outgoing(user_id, texts.ANSWER_SENT))
        if holder_chat is not None and photo:
            messages.append(Outgoing(holder_chat, photo=photo, text=texts.RELAY_ANSWER_PHOTO.format(number=ticket.number),
                                     reply_to_ref=ref))
        elif holder_chat is not None:
            messages += [Outgoing(holder_chat, part, reply_to_ref=ref) for part in relayed_text(ticket.number, text or "")]
    elif summarise:  # the first answer held back in the window: one summary; the resident knows it is kept
        if not quiet:  # (the flood guard already told them to slow down)
            messages.append(Outgoing(user_id, texts.RELAY_HELD_RESIDENT))
        if holder_chat is not None:
            messages.append(Outgoing(holder_chat, texts.RELAY_HELD.format(number=ticket.number), reply_to_ref=ref))
    await outbox.enqueue(messages, now=now, ticket=ticket)


def relayed_text(number: str, answer: str) -> list[str]:
    """The answer as the chat reads it: one message, or parts within Telegram's limit."""
    whole = texts.RELAY_ANSWER.format(number=number, answer=answer)
    if u16len(whole) <= MESSAGE_LIMIT:
        return [whole]
    widest = texts.RELAY_PART.format(part=999, parts=999)
    overhead = u16len(texts.RELAY_ANSWER_PART.format(number=number, part=widest, answer=""))
    pieces = split_utf16(answer, MESSAGE_LIMIT - overhead)
    return [texts.RELAY_ANSWER_PART.format(number=number, part=texts.RELAY_PART.format(part=i, parts=len(pieces)),
                                           answer=piece)
            for i, piece in enumerate(pieces, 1)]


async def _recent_answers(ticket: Ticket, since: dt.datetime) -> list[dict]:
    """What became of the ticket's answers since then: forwarded, held back, summarised."""
    rows = await TicketEvent.filter(ticket_id=ticket.id, action="answered", created_at__gt=since).values_list(
        "data", flat=True)
    return [data or {} for data in rows]


async def _own_ticket(user_id: int, ticket_id: int) -> Ticket | None:
    resident = await Resident.get_or_none(channel="telegram", user_id=user_id)
    ticket = await Ticket.get_or_none(id=ticket_id)
    if resident is None or ticket is None or ticket.resident_id != resident.id:
        return None
    return ticket
