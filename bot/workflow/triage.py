"""The command centre's triage queue: tickets with an unsure category or no grid."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot import texts
from bot.models import Level, Status, Ticket, Unit
from bot.refusals import Refused
from bot.nlp.classify import categories, label_of
from bot.runtime import Runtime
from bot.workflow import buttons as B
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import cards, moves
from bot.messaging.outbox import Outgoing


async def press(rt: Runtime, press_, action: str, ticket_id: int, arg: str | int | None = None) -> str | None:
    chat_id = press_.chat_id
    async with in_transaction():
        staff = await directory.staff_for_user(press_.user_id, press_.channel)
        if staff is None:
            raise Refused(texts.NOT_STAFF)
        ticket = await Ticket.get_or_none(id=ticket_id)
        if ticket is None:
            raise Refused(texts.STALE_BUTTON)
        if staff.role != "command":
            raise Refused(texts.NOT_ALLOWED)
        now = rt.clock.now()
        if action == "cat":
            await outbox.enqueue([cards.category_picker(chat_id, ticket)], now=now)
        elif action == "setcat" and str(arg) in dict(categories()):
            await moves.change_category(rt, ticket, arg, staff, source="triage")
            grid = await ticket.grid
            if ticket.status == Status.TRIAGE and grid is not None and arg != "other":
                await moves.assign_from_triage(rt, ticket, grid, staff)
                done = texts.CATEGORY_CHANGED.format(category=label_of(arg)) + texts.TRIAGE_DONE.format(unit=grid.name)
                await outbox.enqueue(await cards.picker_after_choice(press_, ticket, now, closed_note=done), now=now)
                return texts.TRIAGE_DONE.format(unit=grid.name)
            await outbox.enqueue(await cards.picker_after_choice(press_, ticket, now), now=now)
            return texts.CATEGORY_CHANGED.format(category=label_of(arg))
        elif action == "grid":
            communities = await Unit.filter(level=Level.COMMUNITY, active=True).order_by("id")
            await _ask(chat_id, texts.TRIAGE_PICK_COMMUNITY.format(number=ticket.number),
                       [[(c.name, B.TRIAGE_COMMUNITY.data(ticket.id, c.id))] for c in communities], now)
        elif action == "comm" and arg is not None:
            grids = await Unit.filter(parent_id=int(arg), level=Level.GRID, active=True).order_by("id")
            if not grids:
                raise Refused(texts.STALE_BUTTON)
            await _ask(chat_id, texts.TRIAGE_PICK_GRID.format(number=ticket.number),
                       [[(g.name, B.TRIAGE_SET_GRID.data(ticket.id, g.id))] for g in grids], now)
        elif action == "setgrid" and arg is not None:
            grid = await Unit.get_or_none(id=int(arg), level=Level.GRID, active=True)
            if grid is None:
                raise Refused(texts.STALE_BUTTON)
            await moves.assign_from_triage(rt, ticket, grid, staff)
            return texts.TRIAGE_DONE.format(unit=grid.name)
        else:
            raise Refused(texts.STALE_BUTTON)
    return None


async def _ask(chat_id: int, text: str, buttons, now) -> None:
    await outbox.enqueue([Outgoing(chat_id, text, buttons=buttons)], now=now)
