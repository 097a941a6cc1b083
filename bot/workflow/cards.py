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
from bot.models import Level, Status, Ticket, Unit
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
