"""The ticket's card: what a unit's chat shows of a ticket, edited in place as it moves.

Channel-neutral: text plus (label, data) buttons. The card never shows a resident's full name
(a masked name, or 匿名居民), and the free text on it (the complaint, answers to follow-up
questions, the place, the resolution) is masked by bot/nlp/pii.py: names people give for
themselves and ID-card numbers always. Phone numbers stay on the card in the chat of the unit
handling the ticket — its worker is the one who calls the resident back or goes to the door —
and are masked (138****8000) on every copy elsewhere (`for_onlookers`): a card left in a chat
that held the ticket before, the command centre's copy of an urgent one, a consulted
department's, a /ticket shown outside the handling unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import texts, timetext
from bot.jurisdiction import directory
from bot.channels.port import Press
from bot.messaging import outbox, sql
from bot.models import Attachment, Consultation, Level, MessageRef, Status, Ticket, Unit
from bot.runtime import Runtime
from bot.nlp import pii
from bot.nlp.classify import categories, label_of
from bot.nlp.normalise import normalise
from bot.nlp.phrases import PhraseMatcher
from bot.sla import clocks
from bot.sla.policy import SlaPolicy, describe
from bot.workflow import arrivals
from bot.workflow import buttons as B
from bot.messaging.outbox import Buttons, Outgoing, card_ref
from bot.jurisdiction.people import masked_name
from bot.jurisdiction.tree import current as tree_of_units

EVIDENCE_SHOWN = 4  # of the resident's words on the card's 依据
EVIDENCE_CHARS = 16  # a gap pattern's words longer than this show as its parts: 垃圾…没人收
PICKER_PREFIX = "pick:"  # a 改类别 picker a choice was made on: "pick:<ticket>:m<message>"


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + texts.TEXT_SHORTENED.format(count=len(text))


def phones_shown(ticket: Ticket) -> bool:
    """Whether the chat handling the ticket may read the phone numbers typed in it: not when the
    resident reported anonymously. Anonymous means nobody on the staff side can tell who it was,
    and a number identifies; the worker still reaches them through 追问."""
    return not ticket.anonymous


def place_of(ticket: Ticket, grid_name: str | None, *, keep_phones: bool = False) -> str:
    """Where, as it may be shown: the place people typed, masked, and the grid."""
    parts = [p for p in (pii.mask(ticket.location_text, keep_phones=keep_phones), grid_name) if p]
    return "，".join(parts) if parts else texts.PLACE_UNKNOWN


async def reporter_of(ticket: Ticket) -> str:
    if ticket.source == "patrol" or ticket.anonymous:
        return reporter_words(ticket, "")
    resident = await ticket.resident
    return reporter_words(ticket, resident.display_name if resident else "")


def reporter_words(ticket: Ticket, display_name: str) -> str:
    if ticket.source == "patrol":
        return texts.CARD_PATROL
    if ticket.anonymous:
        return texts.CARD_ANONYMOUS
    return texts.CARD_RESIDENT.format(masked=masked_name(display_name))


@dataclass(frozen=True)
class Known:
    """What a card names from other tables, read beforehand for a batch of cards (the sweep's
    card edits) instead of three queries per card."""

    grid_name: str | None
    who: str
    accepted_by: str


def evidence(ticket: Ticket) -> str:
    """依据: the resident's own words that decided the category. Tickets filed before the
    classifier kept the words hold the rule's syntax (垃圾*没人收): those are found again in
    the resident's text, or shown as their parts (垃圾…没人收), never with the asterisk."""
    shown: list[str] = []
    gapped = [r for r in ticket.reasons if "*" in r]
    found = {}
    if gapped:
        text = normalise(ticket.text or "")
        for hit in PhraseMatcher(gapped).find(text):
            found.setdefault(hit.phrase, text[hit.start:hit.end])
    for reason in ticket.reasons:
        words = found.get(reason, reason) if "*" in reason else reason
        if "*" in words or len(words) > EVIDENCE_CHARS:
            words = "…".join(part for part in reason.split("*") if part)
        if words and words not in shown:
            shown.append(words)
    return "、".join(shown[:EVIDENCE_SHOWN]) or "—"


async def card_text(ticket: Ticket, *, tz: ZoneInfo, text_limit: int, photo_count: int,
                    due_words: str, reporters: int = 1, arrival: str | None = None,
                    sla: SlaPolicy | None = None, now: dt.datetime | None = None,
                    known: Known | None = None) -> str:
    """The card. `arrival`: why the ticket is with this unit now (bot/workflow/arrivals.py),
    put on top. `sla` and `now`: the sub-category's name, the steps model's open steps with
    their lights at `now`, and pauses. `known`: names read beforehand (else read here)."""
    if known is None:
        # the grid from the cached tree; one no longer in it (deactivated) from the database
        grid = (await tree_of_units()).units.get(ticket.grid_id) if ticket.grid_id else None
        if grid is None and ticket.grid_id:
            grid = await ticket.grid
        known = Known(grid.name if grid else None, await reporter_of(ticket), await _accepted_by(ticket))
    keep = phones_shown(ticket)
    extras = "".join(
        texts.CARD_FOLLOWUP.format(q=f["q"], a=shorten(pii.mask(f["a"], keep_phones=keep), text_limit))
        for f in ticket.followups if f.get("a")
    )
    if photo_count:
        extras += texts.CARD_PHOTOS.format(count=photo_count)
    if reporters > 1:
        extras += texts.CARD_REPORTERS.format(count=reporters)
    extras += clock_lines(ticket, tz, now, sla)
    category = label_of(ticket.category)
    sub = sla.subcategory(ticket.category, ticket.subcategory) if sla else None
    if sub is not None:
        category = texts.CARD_SUBCATEGORY.format(category=category, sub=sub.label)
    status_line = _status_line(ticket, known.accepted_by)
    card = texts.CARD.format(
        light=texts.LIGHTS[str(ticket.light)],
        number=ticket.number,
        urgent=texts.CARD_URGENT if ticket.urgent else "",
        category=category,
        reasons=evidence(ticket),
        place=place_of(ticket, known.grid_name, keep_phones=keep),
        who=known.who,
        text=shorten(pii.mask(ticket.text, keep_phones=keep), text_limit),  # masked first: a cut phone hides
        extras=extras,
        due=f"{timetext.deadline(ticket.due_at, tz)}（{due_words}）",
        status=status_line,
    )
    return f"{arrival}\n{card}" if arrival else card


def clock_lines(ticket: Ticket, tz: ZoneInfo, now: dt.datetime | None, sla: SlaPolicy | None = None) -> str:
    """The steps model's open steps (light and deadline each), a pause on, the pauses so far."""
    lines = ""
    entries = clocks.entries_of(ticket.steps)
    running = clocks.open_steps(entries, str(ticket.status))
    if running:
        lines += texts.CARD_STEPS.format(steps=texts.CARD_STEP_SEP.join(
            texts.CARD_STEP.format(light=texts.LIGHTS[clocks.light_of(entries[s], now)] if now else "",
                                   step=texts.STEP_NAMES[s], due=timetext.deadline(clocks.parse(entries[s]["due"]), tz))
            for s in running))
    if ticket.paused_at is not None:
        lines += texts.CARD_PAUSED.format(reason=(sla.pauses if sla else {}).get(ticket.pause_reason, ticket.pause_reason), since=timetext.moment(ticket.paused_at, tz))
    if ticket.pause_count:
        lines += texts.CARD_PAUSES.format(count=ticket.pause_count, span=_span(ticket.paused_seconds or 0.0))
    return lines


def _span(seconds: float) -> str:
    if seconds < 3600:
        return texts.SPAN_MINUTES.format(n=max(round(seconds / 60), 1))
    return texts.SPAN_HOURS.format(n=f"{seconds / 3600:.1f}".removesuffix(".0"))


async def _accepted_by(ticket: Ticket) -> str:
    if ticket.status != Status.ACCEPTED:
        return ""
    staff = await ticket.accepted_by
    return staff.name if staff else ""


def _status_line(ticket: Ticket, accepted_by: str) -> str:
    if ticket.status == Status.ACCEPTED:
        return texts.CARD_ACCEPTED_BY.format(name=accepted_by)
    note = shorten(pii.mask(ticket.resolution_note or "", keep_phones=phones_shown(ticket)), 60)
    result = texts.CARD_RESULT.format(note=note) if note else ""
    if ticket.status == Status.RESOLVED:
        return texts.CARD_RESOLVED.format(result=result)
    if ticket.status == Status.CLOSED:
        # The end as it is: closed, and what the resident said of it (默认满意: nobody rated in time).
        rating = texts.RATINGS.get(ticket.rating or "", "")
        status = texts.CARD_CLOSED_RATED.format(rating=rating) if rating else texts.CARD_CLOSED
        if ticket.rating_comment:
            status += texts.CARD_RESIDENT_COMMENT.format(
                comment=shorten(pii.mask(ticket.rating_comment, keep_phones=phones_shown(ticket)), 60))
        return status + result
    return texts.STATUS_WORDS[str(ticket.status)]


async def handles(ticket: Ticket, unit_id: int | None) -> bool:
    """Is this unit the one handling the ticket now (the one whose people see the phone)? While
    a ticket waits in triage, the command centre handles it."""
    if unit_id is None:
        return False
    if ticket.unit_id is not None:
        return ticket.unit_id == unit_id
    unit = await Unit.get_or_none(id=unit_id)
    return unit is not None and unit.level == Level.DISTRICT


def for_onlookers(body: str) -> str:
    """The card (from `card_text`, for the handling unit) as any other chat may see it."""
    return pii.mask_phones(body)


def card_buttons(ticket: Ticket, *, command_view: bool = False) -> Buttons | None:
    """The holder's buttons for where the ticket stands. Pressing one is checked on the
    server again: a button says what may be asked, never who may ask it."""
    t = ticket.id
    if ticket.status == Status.TRIAGE:
        # 追问 here too: the command centre may need the place or the problem before it can pick.
        last = [(texts.BTN_ASK, B.ASK.data(t))] if ticket.resident_id else []
        return [[(texts.BTN_TRIAGE_CATEGORY, B.TRIAGE_CATEGORY.data(t)), (texts.BTN_TRIAGE_GRID, B.TRIAGE_GRID.data(t))],
                last + [(texts.BTN_CONSULT, B.CONSULT.data(t))]]
    if ticket.status == Status.RESOLVED:
        return [[(texts.BTN_REJECT, B.REJECT.data(t))]]
    if ticket.status not in (Status.ASSIGNED, Status.ACCEPTED):
        return None
    first = [(texts.BTN_RESOLVE, B.RESOLVE.data(t))]
    if ticket.status == Status.ASSIGNED:
        first.insert(0, (texts.BTN_ACCEPT, B.ACCEPT.data(t)))
    up = (texts.BTN_CONSULT, B.CONSULT.data(t)) if ticket.level == Level.DISTRICT else (texts.BTN_ESCALATE, B.ESCALATE.data(t))
    second = [up, (texts.BTN_TRANSFER, B.TRANSFER.data(t)), (texts.BTN_RETURN, B.RETURN.data(t))]
    third = [(texts.BTN_ASK, B.ASK.data(t))] if ticket.resident_id else []
    third.append((texts.BTN_RECATEGORISE, B.RECATEGORISE.data(t)))
    if command_view and ticket.level != Level.DISTRICT:
        third.append((texts.BTN_CONSULT, B.CONSULT.data(t)))
    if ticket.paused_at is not None:  # the clocks stand still: the way to start them again
        first.append((texts.BTN_RESUME, B.RESUME.data(t)))
    return [first, second] + ([third] if third else [])


def category_picker(chat_id: int, ticket: Ticket, *, ref: str | None = None) -> Outgoing:
    """改类别's picker: the categories, the ticket's own ticked, and last the urgency toggle.
    A ticket in triage gets the command centre's (a choice there also sends it to its grid)."""
    triage = ticket.status == Status.TRIAGE
    choose = B.TRIAGE_SET_CATEGORY if triage else B.SET_CATEGORY
    title = (texts.TRIAGE_PICK_CATEGORY if triage else texts.CARD_PICK_CATEGORY).format(number=ticket.number)
    rows = [[((texts.PICKED if code == ticket.category else "") + label, choose.data(ticket.id, code))]
            for code, label in categories()]
    rows.append(urgency_toggle(ticket))
    return Outgoing(chat_id, title, buttons=rows, ref=ref)


async def picker_after_choice(press: Press, ticket: Ticket, now: dt.datetime, *,
                              closed_note: str | None = None) -> list[Outgoing]:
    """The picker a choice was made on, edited to what is true now: the new category ticked,
    the urgency toggle turned, so it never offers what was just done. `closed_note`: the
    choice ended the picker's use (a triage ticket sent to its grid); it keeps only that line.
    The pressed message is remembered under a ref of its own, as a retired card is."""
    if press.message_id is None:
        return []
    ref = f"{PICKER_PREFIX}{ticket.id}:m{press.message_id}"
    await sql.remember([sql.Remembered(press.channel, press.chat_id, ref, press.message_id)], now=now)
    if closed_note is not None:
        return [Outgoing(press.chat_id, texts.TRIAGE_PICK_CATEGORY.format(number=ticket.number) + "\n" + closed_note,
                         ref=ref)]
    return [category_picker(press.chat_id, ticket, ref=ref)]


def urgency_toggle(ticket: Ticket) -> list[tuple[str, str]]:
    """The last row of the 改类别 pickers: staff say it is urgent after all, or that it is not."""
    if ticket.urgent:
        return [(texts.BTN_UNMARK_URGENT, B.SET_URGENCY.data(ticket.id, "no"))]
    return [(texts.BTN_MARK_URGENT, B.SET_URGENCY.data(ticket.id, "yes"))]


def card_message(chat_id: int, ticket: Ticket, text: str, *, triage_note: str | None = None,
                 command_view: bool = False) -> Outgoing:
    if triage_note:
        text = texts.CARD_TRIAGE.format(why=triage_note) + "\n" + text
    return Outgoing(chat_id, text=text, buttons=card_buttons(ticket, command_view=command_view),
                    ref=card_ref(ticket.id))


def photo_messages(chat_id: int, ticket: Ticket, file_ids: list[str]) -> list[Outgoing]:
    """Photos go under the card as replies to it, so they stay tied to the ticket."""
    return [
        Outgoing(chat_id, photo=file_id, text=ticket.number, reply_to_ref=card_ref(ticket.id))
        for file_id in file_ids
    ]


# --- the card in every chat that shows it ------------------------------------------------

_ASK = object()


async def card_body(rt: Runtime, ticket: Ticket, *, photo_count: int | None = None,
                    reporters: int | None = None, arrival=_ASK) -> str:
    """The card's text; a ticket just filed passes what it knows (its photos, one reporter,
    no arrival line)."""
    if photo_count is None:
        photo_count = await Attachment.filter(ticket_id=ticket.id, kind="report").count()
    if reporters is None:
        reporters = 1 + await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).count()
    return await card_text(ticket, tz=rt.tz, text_limit=rt.limits.card_text_chars,
                           photo_count=photo_count, due_words=due_words(rt, ticket), reporters=reporters,
                           arrival=await arrivals.line_for(ticket) if arrival is _ASK else arrival,
                           sla=rt.sla, now=rt.clock.now())


def due_words(rt: Runtime, ticket: Ticket) -> str:
    """The promise in the words the resident was given ("2小时内到场处置")."""
    return describe(ticket.due_workdays, ticket.due_hours, ticket.due_work_hours)


async def post_card(rt: Runtime, ticket: Ticket, unit: Unit, *, with_photos: bool,
                    new_photos: list[str] | None = None) -> list[Outgoing]:
    """The card in the unit's chat. `new_photos`: a ticket just filed, whose photos (file ids)
    and single reporter are known without asking the database."""
    chat_id = await directory.chat_for_unit(unit)
    if chat_id is None:
        return []
    # just filed: its photos are known, one reporter, and nothing brought it here (no arrival line)
    known = {} if new_photos is None else {"photo_count": len(new_photos), "reporters": 1, "arrival": None}
    messages = [card_message(chat_id, ticket, await card_body(rt, ticket, **known))]
    if with_photos:
        file_ids = new_photos if new_photos is not None else await _report_photos(ticket)
        messages += photo_messages(chat_id, ticket, list(file_ids))
    return messages


async def refresh_card(rt: Runtime, ticket: Ticket, *, elsewhere_note: str | None = None,
                       arrived: bool = False) -> list[Outgoing]:
    """The card as the ticket is now, in every chat that shows it.

    The holder's chat gets it with buttons (posted with the photos the first time it holds the
    ticket); chats that held it before keep it, edited to say where it went, without buttons;
    departments in a consultation see it with their part.

    `arrived`: the ticket has just reached its holder (上报, 转派, or back after 退回, 驳回, 不满意).
    The holder's chat then gets it as a new message at the bottom, saying why on top: an edit
    of a card far up the chat is missed. A card that chat showed before is edited to point
    down to the new one."""
    body = await card_body(rt, ticket)
    ref = outbox.card_ref(ticket.id)
    shown = set(await MessageRef.filter(ref=ref).values_list("chat_id", flat=True)) | await _queued_card_chats(ticket)
    holder = await holder_chat(ticket)
    partners = await _consultation_chats(ticket)
    command = await directory.command_chat()
    messages: list[Outgoing] = []
    for chat_id in sorted(shown | set(partners) | ({holder} if holder else set())):
        if chat_id == holder:
            retired = await _retire(ticket, chat_id, body) if arrived else []
            messages += retired
            triage_note = texts.TRIAGE_LOW_CONFIDENCE if ticket.status == Status.TRIAGE else None
            messages.append(card_message(chat_id, ticket, body, triage_note=triage_note))
            if chat_id not in shown or retired:  # the photos go under the card people work from
                messages += photo_messages(chat_id, ticket, await _report_photos(ticket))
        elif chat_id in partners:
            messages.append(Outgoing(chat_id, text=partners[chat_id] + "\n" + for_onlookers(body), ref=ref))
            if chat_id not in shown:
                messages += photo_messages(chat_id, ticket, await _report_photos(ticket))
        else:
            note = elsewhere_note or ""
            text = (note + "\n" if note else "") + for_onlookers(body)
            if chat_id == command:  # it may act on any ticket: its copy keeps the buttons it was sent with
                messages.append(card_message(chat_id, ticket, text, command_view=True))
            else:
                messages.append(Outgoing(chat_id, text=text, ref=ref))
    return messages


async def _retire(ticket: Ticket, chat_id: int, body: str) -> list[Outgoing]:
    """The card this chat shows now steps aside for a new one: its message is kept under a ref
    of its own ("card:<id>:m<message>", still a card's: a reply to it still reaches the ticket)
    and edited to point down, without buttons; the next card message in the chat is sent anew.
    A card still waiting in the outbox has no message yet: it is simply the one sent."""
    ref = card_ref(ticket.id)
    shown = await MessageRef.filter(chat_id=chat_id, ref=ref).first()
    if shown is None:
        return []
    retired = f"{ref}:m{shown.message_id}"
    await MessageRef.filter(id=shown.id).update(ref=retired)
    return [Outgoing(chat_id, text=texts.CARD_RETIRED + "\n" + for_onlookers(body), ref=retired)]


async def holder_chat(ticket: Ticket) -> int | None:
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
