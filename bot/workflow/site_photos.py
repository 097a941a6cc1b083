"""A photo a worker sends in their unit's chat, without a word: a picture of the site, for the
ticket they are working on. It is kept on that ticket (an attachment of kind "site", an event in
its history) and the worker is told which; when it is not clear which, they are asked, with a
button per ticket.

Which ticket: the one whose card the photo replies to (privacy mode shows the bot only replies to
its own messages, so this is the usual way); else, when the bot sees every message of the group
(an admin bot), the one ticket of this unit the worker has accepted, or a question among those
they have accepted (the last accepted first) or, when they hold none, among the unit's open
tickets. A photo from someone who is not staff of the chat's unit is people talking: left alone.
"""

from __future__ import annotations

import datetime as dt

from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers import pending
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.jurisdiction import directory
from bot.jurisdiction.people import Actor
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Attachment, Pending, Staff, Status, Ticket
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.workflow import tickets

WHICH = PendingKind("site_photo", dt.timedelta(hours=1))
PICK = Action("w:pho", ID, ID)  # (question, ticket): the photo is of this ticket
NONE = Action("w:phx", ID)  # (question): not a ticket's photo
MAX_CHOICES = 6
KIND = "site"


async def to_card(rt: Runtime, inbound: Inbound, ticket: Ticket) -> bool:
    """A photo replying to a ticket's card: that ticket's, if the sender may work on it."""
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None or inbound.photo is None or not await tickets.may_act(ticket, staff):
        return False
    await attach(rt, ticket, staff, inbound.photo.file_id, inbound.photo.file_unique_id, inbound.chat_id,
                 caption=inbound.text)
    return True


async def plain(rt: Runtime, inbound: Inbound) -> bool:
    """A photo without words in a group, replying to no card (seen when the bot reads the whole group)."""
    if inbound.photo is None or (inbound.text or "").strip() or inbound.private:
        return False
    unit = await directory.unit_for_chat(inbound.chat_id, inbound.channel)
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if unit is None or staff is None or staff.unit_id != unit.id:
        return False
    mine = list(await Ticket.filter(unit_id=unit.id, status=Status.ACCEPTED, accepted_by_id=staff.id)
                .order_by("-accepted_at", "-id").limit(MAX_CHOICES))
    if len(mine) == 1:
        await attach(rt, mine[0], staff, inbound.photo.file_id, inbound.photo.file_unique_id, inbound.chat_id)
        return True
    choices = mine or list(await Ticket.filter(unit_id=unit.id, status__in=(Status.ASSIGNED, Status.ACCEPTED))
                           .order_by("due_at", "id").limit(MAX_CHOICES))
    now = rt.clock.now()
    if not choices:
        await outbox.enqueue([Outgoing(inbound.chat_id, texts.SITE_PHOTO_NO_TICKET.format(name=staff.name))], now=now)
        return True
    row = await pending.open_pending(WHICH, channel=inbound.channel, chat_id=inbound.chat_id, user_id=staff.user_id,
                                     now=now, data={"photo": inbound.photo.file_id,
                                                    "unique": inbound.photo.file_unique_id,
                                                    "tickets": [t.id for t in choices], "name": staff.name})
    buttons = [[(texts.SITE_PHOTO_CHOICE.format(number=t.number, status=texts.STATUS_WORDS[str(t.status)]),
                 PICK.data(row.id, t.id))] for t in choices]
    buttons.append([(texts.BTN_SITE_PHOTO_NONE, NONE.data(row.id))])
    await outbox.enqueue([Outgoing(inbound.chat_id, texts.SITE_PHOTO_WHICH.format(name=staff.name), buttons=buttons)],
                         now=now)
    return True


async def picked(rt: Runtime, press: Press, row_id: int, ticket_id: int) -> str:
    row = await _question(press, row_id)
    if ticket_id not in row.data.get("tickets", []):
        raise Refused(texts.STALE_BUTTON)
    staff = await directory.staff_for_user(press.user_id, press.channel)
    ticket = await Ticket.get_or_none(id=ticket_id)
    if staff is None or ticket is None or not await tickets.may_act(ticket, staff):
        raise Refused(texts.NOT_ALLOWED)
    await pending.close(row)
    await attach(rt, ticket, staff, row.data["photo"], row.data.get("unique"), press.chat_id)
    return texts.SITE_PHOTO_TOAST.format(number=ticket.number)


async def not_a_ticket(rt: Runtime, press: Press, row_id: int) -> str:
    await pending.close(await _question(press, row_id))
    return texts.SITE_PHOTO_DROPPED


async def _question(press: Press, row_id: int) -> Pending:
    row = await Pending.filter(id=row_id, kind=WHICH.name, chat_id=press.chat_id).select_for_update().first()
    if row is None:
        raise Refused(texts.STALE_BUTTON)
    if row.user_id != press.user_id:
        raise Refused(texts.PROMPT_NOT_YOURS.format(name=row.data.get("name", "")))
    return row


async def attach(rt: Runtime, ticket: Ticket, staff: Staff, file_id: str, file_unique_id: str | None,
                 chat_id: int, *, caption: str | None = None) -> None:
    """Keep the photo on the ticket and say so under its card."""
    now = rt.clock.now()
    await Attachment.create(ticket=ticket, kind=KIND, file_id=file_id, file_unique_id=file_unique_id, created_at=now)
    words = (caption or "").strip()[:500]
    await tickets.event(ticket, Actor.of_staff(staff), "photo_added", ticket.status, ticket.status, now,
                        note=words or None)
    count = await Attachment.filter(ticket_id=ticket.id, kind=KIND).count()
    await outbox.enqueue([Outgoing(chat_id, texts.SITE_PHOTO_KEPT.format(name=staff.name, number=ticket.number,
                                                                          count=count),
                                   reply_to_ref=outbox.card_ref(ticket.id))], now=now, ticket=ticket)


async def expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    return [Outgoing(row.chat_id, texts.SITE_PHOTO_EXPIRED.format(name=row.data.get("name", "")))]


async def _nothing(rt: Runtime, row: Pending, inbound: Inbound) -> None:
    """Answered by its buttons only."""
