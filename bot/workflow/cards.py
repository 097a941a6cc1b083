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
from zoneinfo import ZoneInfo

from bot import texts
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.models import Attachment, Consultation, Level, Status, Ticket, Unit
from bot.runtime import Runtime
from bot.nlp import pii
from bot.nlp.classify import label_of
from bot.workflow import buttons as B
from bot.messaging.outbox import Buttons, Outgoing, card_ref
from bot.jurisdiction.people import masked_name


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + texts.TEXT_SHORTENED.format(count=len(text))


def local_time(moment, tz: ZoneInfo) -> str:
    """Month-day hour:minute where people are. A deadline at local midnight reads as the end of
    the day before (11-30 24:00), which is how an office states it."""
    if not moment:
        return "—"
    local = moment.astimezone(tz)
    if (local.hour, local.minute) == (0, 0):
        return (local - dt.timedelta(days=1)).strftime("%m-%d") + " 24:00"
    return local.strftime(texts.TIME_FORMAT)


def place_of(ticket: Ticket, grid_name: str | None, *, keep_phones: bool = False) -> str:
    """Where, as it may be shown: the place people typed, masked, and the grid."""
    parts = [p for p in (pii.mask(ticket.location_text, keep_phones=keep_phones), grid_name) if p]
    return "，".join(parts) if parts else texts.PLACE_UNKNOWN


async def reporter_of(ticket: Ticket) -> str:
    if ticket.source == "patrol":
        return texts.CARD_PATROL
    if ticket.anonymous:
        return texts.CARD_ANONYMOUS
    resident = await ticket.resident
    return texts.CARD_RESIDENT.format(masked=masked_name(resident.display_name if resident else ""))


async def card_text(ticket: Ticket, *, tz: ZoneInfo, text_limit: int, photo_count: int,
                    due_words: str, reporters: int = 1) -> str:
    grid = await ticket.grid
    extras = "".join(
        texts.CARD_FOLLOWUP.format(q=f["q"], a=shorten(pii.mask(f["a"], keep_phones=True), text_limit))
        for f in ticket.followups if f.get("a")
    )
    if photo_count:
        extras += texts.CARD_PHOTOS.format(count=photo_count)
    if reporters > 1:
        extras += texts.CARD_REPORTERS.format(count=reporters)
    status_line = await _status_line(ticket)
    return texts.CARD.format(
        light=texts.LIGHTS[str(ticket.light)],
        number=ticket.number,
        urgent=texts.CARD_URGENT if ticket.urgent else "",
        category=label_of(ticket.category),
        reasons="、".join(ticket.reasons[:4]) or "—",
        place=place_of(ticket, grid.name if grid else None, keep_phones=True),
        who=await reporter_of(ticket),
        text=shorten(pii.mask(ticket.text, keep_phones=True), text_limit),  # masked first: a cut phone hides
        extras=extras,
        due=f"{local_time(ticket.due_at, tz)}（{due_words}）",
        status=status_line,
    )


async def _status_line(ticket: Ticket) -> str:
    if ticket.status == Status.ACCEPTED:
        staff = await ticket.accepted_by
        return texts.CARD_ACCEPTED_BY.format(name=staff.name if staff else "")
    if ticket.status in (Status.RESOLVED, Status.CLOSED) and ticket.resolution_note:
        return texts.CARD_RESOLVED.format(note=shorten(pii.mask(ticket.resolution_note, keep_phones=True), 60))
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
        return [[(texts.BTN_TRIAGE_CATEGORY, B.TRIAGE_CATEGORY.data(t)), (texts.BTN_TRIAGE_GRID, B.TRIAGE_GRID.data(t))],
                [(texts.BTN_CONSULT, B.CONSULT.data(t))]]
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
    return [first, second] + ([third] if third else [])


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

async def card_body(rt: Runtime, ticket: Ticket, *, photo_count: int | None = None,
                    reporters: int | None = None) -> str:
    """The card's text; a ticket just filed passes what it knows (its photos, one reporter)."""
    if photo_count is None:
        photo_count = await Attachment.filter(ticket_id=ticket.id, kind="report").count()
    if reporters is None:
        reporters = 1 + await Ticket.filter(merged_into_id=ticket.id, resident_id__not_isnull=True).count()
    return await card_text(ticket, tz=rt.tz, text_limit=rt.limits.card_text_chars,
                           photo_count=photo_count, due_words=due_words(rt, ticket), reporters=reporters)


def due_words(rt: Runtime, ticket: Ticket) -> str:
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
    messages = [card_message(chat_id, ticket, await card_body(rt, ticket, **known))]
    if with_photos:
        file_ids = new_photos if new_photos is not None else await _report_photos(ticket)
        messages += photo_messages(chat_id, ticket, list(file_ids))
    return messages


async def refresh_card(rt: Runtime, ticket: Ticket, *, elsewhere_note: str | None = None) -> list[Outgoing]:
    """The card as the ticket is now, in every chat that shows it.

    The holder's chat gets it with buttons (posted with the photos the first time it holds the
    ticket); chats that held it before keep it, edited to say where it went, without buttons;
    departments in a consultation see it with their part."""
    from bot.models import MessageRef

    body = await card_body(rt, ticket)
    ref = outbox.card_ref(ticket.id)
    shown = set(await MessageRef.filter(ref=ref).values_list("chat_id", flat=True)) | await _queued_card_chats(ticket)
    holder = await holder_chat(ticket)
    partners = await _consultation_chats(ticket)
    messages: list[Outgoing] = []
    for chat_id in sorted(shown | set(partners) | ({holder} if holder else set())):
        if chat_id == holder:
            triage_note = texts.TRIAGE_LOW_CONFIDENCE if ticket.status == Status.TRIAGE else None
            messages.append(card_message(chat_id, ticket, body, triage_note=triage_note))
            if chat_id not in shown:
                messages += photo_messages(chat_id, ticket, await _report_photos(ticket))
        elif chat_id in partners:
            messages.append(Outgoing(chat_id, text=partners[chat_id] + "\n" + for_onlookers(body), ref=ref))
            if chat_id not in shown:
                messages += photo_messages(chat_id, ticket, await _report_photos(ticket))
        else:
            note = elsewhere_note or ""
            messages.append(Outgoing(chat_id, text=(note + "\n" if note else "") + for_onlookers(body), ref=ref))
    return messages


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
