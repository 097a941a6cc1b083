"""书面说明: the written explanation a unit owes for a ticket that turned red.

The red digest carries a 书面说明 button per ticket (or /explain 工单号); the person who presses
it is asked, by name, in that chat; their words (and photos of the papers, if they like) are
kept on the ticket and copied to the command centre. The sweep lists what is still owed when
its deadline passes (bot/sla/lights.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.models import (
    ChatBinding, Pending, Explanation, Level, Staff, Ticket, TicketEvent, Unit,
)
from bot.handlers import pending
from bot.handlers.pending import PendingKind
from bot.nlp import pii
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing

log = logging.getLogger("gridbot.sla")


CHANNEL = channels.DEFAULT
# A 书面说明 asked for waits a day; the red digest lists what is still owed anyway.
EXPLAIN = PendingKind("explain", dt.timedelta(hours=24))


async def ask_explanation(rt: Runtime, who, *, ticket_id: int | None = None, number: str | None = None) -> str:
    """The 书面说明 button (or /explain 工单号): ask this staff member for the text, in this chat
    (`who`: the press or the command). Only the unit that held the ticket when it turned red
    may write it. Returns the toast."""
    async with in_transaction():
        staff = await Staff.filter(channel=who.channel, user_id=who.user_id, active=True).first()
        if staff is None:
            raise Refused(texts.NOT_STAFF)
        if ticket_id is not None:
            ticket = await Ticket.get_or_none(id=ticket_id)
        else:
            ticket = await Ticket.get_or_none(number=(number or "").strip().upper()[:32])
        if ticket is None:
            raise Refused(texts.STALE_BUTTON if ticket_id is not None
                          else texts.SLA_TICKET_NOT_FOUND.format(number=(number or "")[:32]))
        owed = await Explanation.filter(ticket_id=ticket.id).order_by("-round", "-id").first()
        if owed is None:
            raise Refused(texts.SLA_NOTHING_TO_EXPLAIN.format(number=ticket.number))
        if owed.explained_at is not None:
            raise Refused(texts.SLA_ALREADY_EXPLAINED.format(number=ticket.number))
        if staff.unit_id != owed.unit_id:
            unit = await Unit.get_or_none(id=owed.unit_id)
            raise Refused(texts.SLA_EXPLAIN_NOT_YOURS.format(unit=unit.name if unit else ""))
        in_group = not who.private
        ask = texts.SLA_ASK_EXPLANATION_STEP if rt.sla.steps_model else texts.SLA_ASK_EXPLANATION
        prompt = Outgoing(who.chat_id, ask.format(name=staff.name, number=ticket.number),
                          buttons=outbox.ask_one(staff.user_id, staff.name) if in_group else None)
        await pending.open_pending(EXPLAIN, channel=who.channel, chat_id=who.chat_id, user_id=staff.user_id,
                                   now=rt.clock.now(), subject=ticket.id,
                                   data={"ticket_id": ticket.id, "explanation_id": owed.id, "photos": [],
                                         "name": staff.name},
                                   prompt=prompt, remember_prompt=in_group)
    return texts.SLA_ASK_EXPLANATION_TOAST


async def take_explanation(rt: Runtime, row: Pending, inbound) -> None:
    """The 书面说明 a staff member was asked for (words, and photos of the papers if they
    like): kept on the ticket (an "explained" event, shown by /history) and copied to the
    command centre. A photo without words is kept and the question waits for the words."""
    now = rt.clock.now()
    if inbound.photo is not None:
        row.data.setdefault("photos", []).append(inbound.photo.file_id)
    text = (inbound.text or "").strip()
    if not text:
        await pending.touch(row, now, EXPLAIN)
        await outbox.enqueue([Outgoing(row.chat_id, texts.SLA_GOT_PHOTO.format(
            name=row.data.get("name", ""), count=len(row.data["photos"])))], now=now)
        return
    await pending.close(row)
    owed = await Explanation.get_or_none(id=row.data.get("explanation_id"))
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id"))
    staff = await Staff.filter(channel=inbound.channel, user_id=inbound.user_id, active=True).first()
    if owed is None or ticket is None or staff is None:
        await outbox.enqueue([Outgoing(row.chat_id, texts.STALE_BUTTON)], now=now)
        return
    text = text[:2000]
    done = await Explanation.filter(id=owed.id, explained_at__isnull=True).update(
        text=text, explained_at=now, explained_by=staff.user_id, explained_by_name=staff.name, pending=False)
    if not done:
        await outbox.enqueue([Outgoing(row.chat_id, texts.SLA_ALREADY_EXPLAINED.format(number=ticket.number))], now=now)
        return
    photos = row.data.get("photos", [])
    await TicketEvent.create(
        ticket_id=ticket.id, created_at=now, actor_kind="staff", actor_id=staff.user_id,
        actor_name=staff.name, actor_role=str(staff.role), action="explained",
        from_status=str(ticket.status), to_status=str(ticket.status), unit_id=owed.unit_id, note=text,
        data={"round": owed.round, "late": now > owed.due_at, **({"photos": photos} if photos else {})},
    )
    unit = await Unit.get_or_none(id=owed.unit_id)
    messages = [Outgoing(row.chat_id, texts.SLA_EXPLAINED.format(number=ticket.number))]
    command = await _command_chat()
    if command is not None and command != row.chat_id:
        messages.append(Outgoing(command, texts.SLA_EXPLAINED_COPY.format(
            number=ticket.number, unit=unit.name if unit else "", name=staff.name,
            text=pii.mask(text)[:500])))  # a copy to another chat: masked like every text that leaves
        messages += [Outgoing(command, photo=file_id, text=ticket.number) for file_id in photos]
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def explanation_expired(rt: Runtime, row: Pending) -> list[Outgoing]:
    ticket = await Ticket.get_or_none(id=row.data.get("ticket_id", 0))
    if ticket is None:
        return []
    return [Outgoing(row.chat_id, texts.SLA_EXPLAIN_EXPIRED.format(name=row.data.get("name", ""),
                                                                  number=ticket.number))]


async def _command_chat() -> int | None:
    district = await Unit.filter(level=Level.DISTRICT, active=True).order_by("id").first()
    if district is None:
        return None
    binding = await (ChatBinding.filter(channel=CHANNEL, unit_id=district.id, purpose="unit")
                     .order_by("id").first())
    return binding.chat_id if binding else None
