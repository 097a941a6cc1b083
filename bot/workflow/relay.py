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

import datetime as dt

from bot.refusals import Refused
from bot import texts
from bot.channels.port import Inbound
from bot.handlers import pending
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.models import MessageRef, Pending, Resident, Staff, Status, Ticket, TicketEvent
from bot.nlp import pii
from bot.nlp.classify import classify
from bot.runtime import Runtime
import datetime as dt

from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import tickets
from bot.workflow import cards, site_photos
from bot.messaging.longtext import MESSAGE_LIMIT, split_utf16, u16len
from bot.messaging.longtext import MESSAGE_LIMIT, split_utf16, u16len
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import Actor

# A worker's question waits three days for the resident's answer; after that a plain message
# is not taken as one (a reply to the question still is).
ANSWER = PendingKind("answer", dt.timedelta(days=3))
REPLY_BUTTON = Action("ans", ID)  # 回复, under the question
ASK_PREFIX = "ask:"  # the question's message in the resident's chat: ask:<ticket>:<event>
ASKED_PREFIX = "asked:"  # the same once the ticket is fixed: its 回复 button taken away


async def ask_resident(rt: Runtime, ticket: Ticket, staff: Staff, question: str, photos: list[dict]) -> None:
    resident = await Resident.get_or_none(id=ticket.resident_id) if ticket.resident_id else None
    if resident is None:
        raise Refused(texts.NO_RESIDENT_TO_ASK)
    now = rt.clock.now()
    await tickets.event(ticket, Actor.of_staff(staff), "asked", ticket.status, ticket.status, now, note=question[:2000])
    asked = await TicketEvent.filter(ticket_id=ticket.id, action="asked").order_by("-id").first()
    ref = f"{ASK_PREFIX}{ticket.id}:{asked.id}"
    messages = [Outgoing(resident.user_id, texts.RELAY_QUESTION.format(number=ticket.number, question=question),
                         buttons=[[(texts.BTN_ANSWER, REPLY_BUTTON.data(ticket.id))]], ref=ref)]
    messages += [Outgoing(resident.user_id, photo=p["file_id"], text=ticket.number) for p in photos]
    await outbox.enqueue(messages, now=now, ticket=ticket)
    # The resident's next words answer it, whatever else they were doing (a report half
    # written waits; the router asks if the words look like a new complaint).
    await pending.open_pending(ANSWER, channel=resident.channel, chat_id=resident.user_id,
                               user_id=resident.user_id, now=now, subject=ticket.id,
                               data={"ticket_id": ticket.id}, prompt_ref_=ref)


async def questions_over(ticket: Ticket) -> list[Outgoing]:
    """The ticket is fixed: its questions to the resident wait no more, and their 回复 buttons
    go (the words stay). Renamed as they are retired, so a later fix edits nothing twice."""
    await Pending.filter(kind=ANSWER.name, subject=str(ticket.id)).delete()
    shown = await MessageRef.filter(ref__startswith=f"{ASK_PREFIX}{ticket.id}:")
    if not shown:
        return []
    asked = dict(await TicketEvent.filter(ticket_id=ticket.id, action="asked").values_list("id", "note"))
    messages = []
    for ref in shown:
        event_id = ref.ref.rsplit(":", 1)[-1]
        retired = ASKED_PREFIX + ref.ref[len(ASK_PREFIX):]
        await MessageRef.filter(id=ref.id).update(ref=retired)
        question = asked.get(int(event_id)) if event_id.isdigit() else None
        messages.append(outbox.edit_only(ref.chat_id, retired, texts.RELAY_QUESTION_OVER.format(
            number=ticket.number, question=question or "")))
    return messages


# --- the resident's answer ---------------------------------------------------------------------

async def take_answer(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """A message that answers the question waiting (typed after it, or after 回复)."""
    await pending.close(row)
    ticket = await _own_ticket(inbound.channel, inbound.user_id, row.data.get("ticket_id", 0))
    if ticket is None:
        return
    await answer(rt, ticket, inbound.user_id, text=inbound.text,
                 photo=inbound.photo.file_id if inbound.photo else None, quiet=inbound.quiet)


async def take_reply_to_question(rt: Runtime, inbound: Inbound, ref: str) -> bool:
    """A reply to the question's own message: the answer, even after the wait is over. Once
    the ticket is fixed, words about it may say the fix did not hold: asked, as any words after
    a fix are (bot/intake/after_fix.py)."""
    if not inbound.private:
        return False
    ticket = await _own_ticket(inbound.channel, inbound.user_id, _ticket_of(ref))
    if ticket is None:
        return False
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        from bot.intake import after_fix  # intake asks workflow for moves: imported when needed

        return await after_fix.ask_about(rt, inbound, ticket)
    waiting = await Pending.filter(channel=inbound.channel, chat_id=inbound.chat_id, user_id=inbound.user_id,
                                 kind=ANSWER.name, subject=str(ticket.id)).first()
    if waiting is not None:
        await pending.close(waiting)
    await answer(rt, ticket, inbound.user_id, text=inbound.text,
                 photo=inbound.photo.file_id if inbound.photo else None, quiet=inbound.quiet)
    return True


def looks_like_a_new_complaint(inbound: Inbound) -> bool:
    """Words that name a problem of their own, clearly (a category, confidently): the router
    then asks once whether they answer the worker or are a new report."""
    text = (inbound.text or "").strip()
    if len(text) < 8:
        return False
    result = classify(text)
    return result.category != "other" and not result.low_confidence


async def expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id", 0))
    if ticket is None:
        return []
    return [Outgoing(row.chat_id, texts.ANSWER_EXPIRED.format(number=ticket.number))]


async def reply_pressed(rt: Runtime, press, ticket_id: int) -> str | None:
    """回复 under a question: the resident's next message is the answer (the question waits
    again if its time was up)."""
    ticket = await _own_ticket(press.channel, press.user_id, ticket_id)
    if ticket is None:
        return texts.NOT_ALLOWED
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return texts.QUESTION_OVER
    now = rt.clock.now()
    waiting = await Pending.filter(channel=press.channel, chat_id=press.chat_id, user_id=press.user_id,
                                 kind=ANSWER.name, subject=str(ticket.id)).select_for_update().first()
    if waiting is None:
        await pending.open_pending(ANSWER, channel=press.channel, chat_id=press.chat_id, user_id=press.user_id,
                                   now=now, subject=ticket.id, data={"ticket_id": ticket.id})
    else:
        await pending.touch(waiting, now, ANSWER)
    await outbox.enqueue([Outgoing(press.chat_id, texts.ANSWER_PROMPT.format(number=ticket.number))], now=now)
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
    holder_chat = await cards.holder_chat(ticket)
    ref = outbox.card_ref(ticket.id)
    messages = []
    if forward:
        messages.append(Outgoing(user_id, texts.ANSWER_SENT))
        if holder_chat is not None and photo:
            caption = relayed_text(ticket.number, text, cards.phones_shown(ticket))[0] if text else texts.RELAY_ANSWER_PHOTO.format(number=ticket.number)
            messages.append(Outgoing(holder_chat, photo=photo, text=caption[: outbox.CAPTION_LIMIT], reply_to_ref=ref))
        elif holder_chat is not None:
            messages += [Outgoing(holder_chat, part, reply_to_ref=ref) for part in relayed_text(ticket.number, text or "", cards.phones_shown(ticket))]
    elif summarise:  # the first answer held back in the window: one summary; the resident knows it is kept
        if not quiet:  # (the flood guard already told them to slow down)
            messages.append(Outgoing(user_id, texts.RELAY_HELD_RESIDENT))
        if holder_chat is not None:
            messages.append(Outgoing(holder_chat, texts.RELAY_HELD.format(number=ticket.number), reply_to_ref=ref))
    await outbox.enqueue(messages, now=now, ticket=ticket)


def relayed_text(number: str, answer: str, keep_phones: bool = True) -> list[str]:
    """The answer as the chat holding the ticket reads it (masked as its card is: the phone a
    resident gives stays for the unit that handles the case), in one message or in parts
    within Telegram's limit."""
    answer = pii.mask(answer, keep_phones=keep_phones)
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


# --- staff asking --------------------------------------------------------------------------

async def take_reply_to_card(rt: Runtime, inbound: Inbound, ref: str) -> bool:
    """A worker replying to a ticket's card with words asks the resident (the same as 追问); with
    a photo, the photo is the site's, kept on the ticket (bot/workflow/site_photos.py)."""
    if inbound.private:
        return False
    if inbound.photo is not None:
        ticket = await Ticket.get_or_none(id=_ticket_of(ref))
        return ticket is not None and await site_photos.to_card(rt, inbound, ticket)
    if not inbound.text:
        return False
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    ticket = await Ticket.get_or_none(id=_ticket_of(ref))
    if staff is None or ticket is None or not ticket.resident_id or not await tickets.may_act(ticket, staff):
        return False
    await ask_resident(rt, ticket, staff, inbound.text, [])
    await outbox.enqueue([Outgoing(inbound.chat_id, texts.ASKED_TOAST)], now=rt.clock.now(), ticket=ticket)
    return True


def _ticket_of(ref: str) -> int:
    """The ticket a card ("card:12") or a question ("ask:12:345") is about."""
    part = ref.split(":")[1] if ":" in ref else ""
    return int(part) if part.isdigit() and len(part) <= 10 else 0


async def _own_ticket(channel: str, user_id: int, ticket_id: int) -> Ticket | None:
    resident = await Resident.get_or_none(channel=channel, user_id=user_id)
    ticket = await Ticket.get_or_none(id=ticket_id) if 0 < ticket_id <= 2**31 - 1 else None
    if resident is None or ticket is None or ticket.resident_id != resident.id:
        return None
    return ticket
