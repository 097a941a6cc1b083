"""Words about a case just fixed: "还是那样" after 办结 sends it back, if the resident says so.

Told that a ticket is 已办结, a resident often answers in words, not with the rating buttons:
"烧烤店还是那样，油烟一点没少". Taken as a new report, those words would start the questions
all over again, and the fix would count as 满意 three days later. So a private message that
reads as being about one of the resident's tickets fixed in the last week is asked about once
(FixMyStreet's "has this been fixed?"): 是，还没解决 sends the ticket back to its unit with the
words as the resident's reason, as 不满意 or 还没解决 would; 不是 files the words as the new
report they are. The words are never lost: if nobody presses, they reach the unit that fixed it,
under its card.
"""

from __future__ import annotations

import datetime as dt

from tortoise.expressions import Q

from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers import pending, which
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.jurisdiction.people import Actor
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Attachment, Pending, Resident, Status, Ticket
from bot.nlp import pii
from bot.nlp.classify import classify, label_of
from bot.nlp.similarity import similar
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.workflow import cards, feedback, moves, tickets

AFTER_FIX = PendingKind("afterfix", dt.timedelta(minutes=30))
NOT_FIXED = Action("af:y", ID)  # 是，还没解决
SOMETHING_ELSE = Action("af:n", ID)  # 不是，另一件事
PROMPT_PREFIX = "afterfix:"

# Words that say a fix did not hold, whatever the problem: the resident's newest fixed ticket
# is the one they mean.
STILL = ("还是", "还没", "没解决", "没有解决", "没修", "没弄", "没处理", "没管", "依旧", "依然", "照样", "照旧",
         "一点没", "根本没", "没用", "没效果", "没变", "老样子", "又开始", "又来了", "又坏")
# A typed answer to the question, as the buttons would give it.
YES = frozenset({"是", "是的", "是啊", "对", "对的", "对啊", "嗯", "嗯嗯", "没解决", "还没解决", "没有解决", "还没有解决",
                 "是还没解决", "没修好", "还没修好"})
NO = frozenset({"不是", "不是的", "不对", "另一件事", "是另一件事", "别的事", "新问题", "不是这件事"})
CANDIDATES = 5
_ALIKE = 0.2  # as for an open duplicate: the same resident, so a little overlap is enough


async def offer(rt: Runtime, inbound: Inbound) -> bool:
    """Ask about the fixed ticket these words seem to be about; False if they seem about none
    (a new report, then). A present danger is never held up by a question."""
    text = (inbound.text or "").strip()
    if not _words_about(inbound):
        return False
    ticket = await _spoken_of(rt, inbound, text)
    return ticket is not None and await ask_about(rt, inbound, ticket)


async def ask_about(rt: Runtime, inbound: Inbound, ticket: Ticket) -> bool:
    """Ask whether these words say the fix of `ticket` did not hold (they reply to its question,
    or read as about it); False if it can no longer be sent back (closed over a week ago)."""
    if not _words_about(inbound):
        return False
    if ticket.status != Status.RESOLVED and not feedback.may_reopen(ticket, rt.clock.now()):
        return False
    row = await pending.open_pending(
        AFTER_FIX, channel=inbound.channel, chat_id=inbound.chat_id, user_id=inbound.user_id,
        now=rt.clock.now(), subject=ticket.id, data={"message": which.stored(inbound), "ticket_id": ticket.id})
    question = _question(ticket)
    await outbox.enqueue([Outgoing(inbound.chat_id, question, ref=_ref(row), buttons=[
        [(texts.BTN_AFTER_FIX_NOT_FIXED, NOT_FIXED.data(row.id))],
        [(texts.BTN_AFTER_FIX_ELSE, SOMETHING_ELSE.data(row.id))]])], now=rt.clock.now())
    return True


async def _spoken_of(rt: Runtime, inbound: Inbound, text: str) -> Ticket | None:
    since = rt.clock.now() - feedback.REOPEN_WINDOW
    fixed = await (Ticket.filter(Q(status=Status.RESOLVED) | Q(status=Status.CLOSED, closed_at__gte=since),
                                 resident__channel=inbound.channel, resident__user_id=inbound.user_id)
                   .order_by("-resolved_at", "-id").limit(CANDIDATES))
    if not fixed:
        return None
    result = classify(text)
    if result.urgent:
        return None
    if any(word in text for word in STILL):
        return fixed[0]
    for ticket in fixed:
        if (result.category == ticket.category and not result.low_confidence) or similar(text, ticket.text) >= _ALIKE:
            return ticket
    return None


def _words_about(inbound: Inbound) -> bool:
    """Words, or a photo with words under it ("还是这样"): a photo alone may as well be the first
    of a new report, and is never held up by a question."""
    return bool((inbound.text or "").strip()) and inbound.content <= {"text", "photo"}


def _question(ticket: Ticket) -> str:
    return texts.AFTER_FIX_ASK.format(number=ticket.number, category=label_of(ticket.category),
                                      note=cards.shorten(pii.mask(ticket.resolution_note or ""), 60))


def _ref(row: Pending) -> str:
    return f"{PROMPT_PREFIX}{row.id}"


async def _held(press: Press, row_id: int) -> Pending:
    row = await pending.held(row_id, chat_id=press.chat_id, user_id=press.user_id, kind=AFTER_FIX)
    if row is None or not await pending.close(row):
        raise Refused(texts.STALE_BUTTON)
    return row


async def not_fixed(rt: Runtime, press: Press, row_id: int) -> str | None:
    await _send_back(rt, await _held(press, row_id))
    return None


async def something_else(rt: Runtime, press: Press, row_id: int) -> str | None:
    await _file_new(rt, await _held(press, row_id))
    return None


async def take(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """Words typed while the question waits: 是 / 不是 answer it as the buttons do; anything
    else is more of the same words, kept with them, and the question is put again."""
    said = _plain(inbound.text or "")
    if said in YES:
        await pending.close(row)
        await _send_back(rt, row)
    elif said in NO:
        await pending.close(row)
        await _file_new(rt, row)
    else:
        held = row.data["message"]
        held["text"] = f"{held.get('text') or ''}\n{inbound.text or ''}".strip()[: rt.limits.max_text_chars]
        await pending.touch(row, rt.clock.now(), AFTER_FIX)
        await outbox.enqueue([Outgoing(row.chat_id, texts.AFTER_FIX_NUDGE)], now=rt.clock.now())


async def _send_back(rt: Runtime, row: Pending) -> None:
    """是，还没解决: back to the unit that fixed it, the resident's words its reason."""
    message = which.restored(row.data["message"])
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id"))
    resident = await Resident.get_or_none(channel=row.channel, user_id=row.user_id)
    if ticket is None or resident is None or ticket.resident_id != resident.id:
        raise Refused(texts.NOT_ALLOWED)
    retired = _retired(row, ticket, texts.AFTER_FIX_CHOSE_NOT_FIXED)[0]
    if ticket.status == Status.RESOLVED:
        await moves.rate(rt, ticket, resident, "unsatisfied")
    elif feedback.may_reopen(ticket, rt.clock.now()):
        await moves.reopen(rt, ticket, Actor.of_resident(resident), reason=texts.NOT_FIXED_REASON)
    elif ticket.status not in (Status.ASSIGNED, Status.ACCEPTED):  # closed too long ago: a new report
        await outbox.enqueue([retired, Outgoing(row.chat_id, texts.REOPEN_TOO_LATE)], now=rt.clock.now())
        await _as_new_report(rt, message)
        return
    # (in work again already, sent back a moment ago elsewhere: the words still go to the unit)
    messages = [retired, *await feedback.words_on(rt, ticket, message.text or "")]
    if message.photo is not None:
        messages += await _photo_to_unit(rt, ticket, message)
    await outbox.enqueue(messages, now=rt.clock.now(), ticket=ticket)


async def _file_new(rt: Runtime, row: Pending) -> None:
    """不是: the words are the new report they are."""
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id"))
    await outbox.enqueue(_retired(row, ticket, texts.AFTER_FIX_CHOSE_ELSE), now=rt.clock.now())
    await _as_new_report(rt, which.restored(row.data["message"]))


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


async def expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    """Nobody pressed: the words reach the unit that fixed the ticket (it decides whether to ask
    again), and the question loses its buttons."""
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id"))
    if ticket is None:
        return []
    words = which.restored(row.data["message"]).text or ""
    await tickets.record_note(rt, ticket, "commented", words[: rt.limits.max_text_chars])
    messages = _retired(row, ticket, "")
    chat = await cards.holder_chat(ticket)
    if chat is not None:
        messages.append(Outgoing(chat, texts.RELAY_AFTER_FIX.format(
            number=ticket.number, words=pii.mask(words, keep_phones=cards.phones_shown(ticket))), reply_to_ref=outbox.card_ref(ticket.id)))
    message = which.restored(row.data["message"])
    if message.photo is not None:
        messages += await _photo_to_unit(rt, ticket, message)
    return messages


async def _photo_to_unit(rt: Runtime, ticket: Ticket, message: Inbound) -> list[Outgoing]:
    """The resident's photo of the fix that did not hold: kept with the ticket's photos, and
    shown to the unit under the card."""
    await Attachment.create(ticket=ticket, kind="report", file_id=message.photo.file_id,
                            file_unique_id=message.photo.file_unique_id, created_at=rt.clock.now())
    chat = await cards.holder_chat(ticket)
    if chat is None:
        return []
    return [Outgoing(chat, photo=message.photo.file_id, text=texts.RELAY_AFTER_FIX_PHOTO.format(number=ticket.number),
                     reply_to_ref=outbox.card_ref(ticket.id))]


def _retired(row: Pending, ticket: Ticket | None, chose: str) -> list[Outgoing]:
    """The question, as it stays once answered: its words, what was chosen, no buttons."""
    if ticket is None:
        return []
    return [outbox.edit_only(row.chat_id, _ref(row), _question(ticket) + (f"\n{chose}" if chose else ""))]


async def _as_new_report(rt: Runtime, message: Inbound) -> None:
    from bot.intake import report  # report asks this module first: imported when needed

    await report.new_report(rt, message, after_fix=False)
