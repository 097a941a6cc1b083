"""What staff read: a unit's to-do list, a ticket's full history, a card shown anew."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.models import MessageRef, OPEN_STATUSES, Staff, Ticket, TicketEvent, Unit
from bot.nlp import pii
from bot.nlp.classify import label_of
from bot.runtime import Runtime
from bot.workflow import cards
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import tickets
from bot import timetext

TODO_LIMIT = 30


async def todo(unit: Unit, tz: ZoneInfo) -> str:
    """The unit's open tickets, oldest deadline first, with their lights."""
    rows = await Ticket.filter(unit_id=unit.id, status__in=OPEN_STATUSES).order_by("due_at", "id").limit(TODO_LIMIT)
    if not rows:
        return texts.TODO_EMPTY.format(unit=unit.name)
    lines = [texts.TODO_HEADER.format(unit=unit.name, count=len(rows))]
    for t in rows:
        lines.append(texts.TODO_ROW.format(light=texts.LIGHTS[str(t.light)], number=t.number,
                                           category=label_of(t.category), status=texts.STATUS_WORDS[str(t.status)],
                                           due=timetext.deadline(t.due_at, tz)))
    return "\n".join(lines)


async def visible_ticket(number: str, staff: Staff) -> Ticket | None:
    """A ticket the staff member may see: one they may act on, or one that passed their unit."""
    ticket = await Ticket.get_or_none(number=number.strip().upper())
    if ticket is None:
        return None
    if await tickets.may_act(ticket, staff):
        return ticket
    if await TicketEvent.exists(ticket_id=ticket.id, unit_id=staff.unit_id):
        return ticket
    return None


async def history(ticket: Ticket, tz: ZoneInfo) -> str:
    """Every change, with who did it: the audit trail as staff read it."""
    events = await TicketEvent.filter(ticket_id=ticket.id).order_by("created_at", "id").prefetch_related("unit")
    lines = [texts.HISTORY_HEADER.format(number=ticket.number)]
    for e in events:
        who = e.actor_name or ("居民" if e.actor_kind == "resident" else "系统")
        if e.actor_role and e.actor_kind == "staff":
            who += f"（{texts.ROLE_WORDS.get(e.actor_role, e.actor_role)}）"
        move = ""
        if e.from_status and e.to_status and e.from_status != e.to_status:
            move = f" {texts.STATUS_WORDS.get(e.from_status, e.from_status)}→{texts.STATUS_WORDS.get(e.to_status, e.to_status)}"
        unit = f" 【{e.unit.name}】" if e.unit else ""
        note = f"：{pii.mask(e.note)[:200]}" if e.note else ""  # a resident's remark may hold a phone
        lines.append(texts.HISTORY_STAFF_ROW.format(time=timetext.moment(e.created_at, tz), who=who,
                                                    what=texts.EVENT_STAFF_WORDS.get(e.action, e.action),
                                                    move=move, unit=unit, note=note))
    return "\n".join(lines)


async def show_card(rt: Runtime, ticket: Ticket, chat_id: int) -> None:
    """/ticket: the card posted anew at the bottom of this chat (the old one is left as is)."""
    async with in_transaction():
        await MessageRef.filter(channel=channels.DEFAULT, chat_id=chat_id, ref=outbox.card_ref(ticket.id)).delete()
        messages = [m for m in await cards.refresh_card(rt, ticket) if m.chat_id == chat_id]
        if not messages:  # this chat does not hold it: the command centre may act, others read
            body = cards.for_onlookers(await cards.card_body(rt, ticket))  # not the handling unit's chat
            if chat_id == await directory.command_chat():
                messages = [cards.card_message(chat_id, ticket, body, command_view=True)]
            else:
                messages = [outbox.Outgoing(chat_id, body, ref=outbox.card_ref(ticket.id))]
        await outbox.enqueue(messages[:1], now=rt.clock.now(), ticket=ticket)
    outbox.wake_delivery()


async def unit_of_chat(chat_id: int) -> Unit | None:
    return await directory.unit_for_chat(chat_id)
