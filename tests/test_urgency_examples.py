"""Staff say a ticket is urgent after all, or that it is not (标为紧急 / 不算紧急 under the 改类别
pickers, bot/workflow/moves.py `change_urgency`): the clocks take the urgent limits or drop them,
the resident hears the new promise, the command centre sees an urgent one, and the verdict is
kept as a labelled example the danger model is refitted on. Service level, every backend."""

import csv

import pytest
from tortoise.transactions import in_transaction

from bot import texts
from bot.jurisdiction import directory
from bot.models import Outbox, Status, Ticket, TicketEvent, UrgencyExample
from bot.refusals import Refused
from bot.workflow import corrections, moves
from bot.messaging.outbox import card_ref
from tests.test_workflow_moves import (  # noqa: F401  (rt is a fixture)
    COMMAND, OTHER_WORKER, WORKER, file, fresh, rt, staff,
)


async def tx(fn, *args, **kw):
    async with in_transaction():
        return await fn(*args, **kw)


async def texts_to(chat_id: int, since: int) -> list[str]:
    return [o.text or "" for o in await Outbox.filter(chat_id=chat_id, id__gt=since).order_by("id")]


async def last_outbox_id() -> int:
    row = await Outbox.all().order_by("-id").first()
    return row.id if row else 0


async def test_marked_urgent_takes_the_urgent_limits_and_reaches_the_command_centre(rt):
    ticket = await file(rt)  # 油烟, not urgent, held by 第一网格
    before, mark = ticket.due_at, await last_outbox_id()
    await tx(moves.change_urgency, rt, ticket, True, await staff(WORKER))
    after = await fresh(ticket)
    assert after.urgent and after.due_at < before
    assert after.due_hours == rt.sla.rule_for("fumes", True).due_hours
    example = await UrgencyExample.get(ticket_id=ticket.id)
    assert (example.from_urgent, example.to_urgent, example.source) == (False, True, "card")
    assert example.text == ticket.text and example.staff_user_id == WORKER
    assert await TicketEvent.filter(ticket_id=ticket.id, action="marked_urgent").count() == 1
    command = await directory.command_chat()
    assert any(texts.CARD_URGENT in t and ticket.number in t for t in await texts_to(command, mark))
    resident = await ticket.resident
    told = await texts_to(resident.user_id, mark)
    assert len(told) == 1 and told[0].startswith(f"您的工单 {ticket.number} 经核实按紧急情况办理")
    # the worker pressed it: the grid's card is edited, and nobody there is told what they did
    grid_chat = await directory.chat_for_unit(await ticket.unit)
    assert not any("标为紧急" in t for t in await texts_to(grid_chat, mark))


async def test_marked_urgent_by_the_command_centre_is_heard_in_the_grid(rt):
    ticket = await file(rt)
    mark = await last_outbox_id()
    await tx(moves.change_urgency, rt, ticket, True, await staff(COMMAND))
    grid_chat = await directory.chat_for_unit(await ticket.unit)
    notes = await Outbox.filter(chat_id=grid_chat, id__gt=mark, reply_to_ref=card_ref(ticket.id))
    assert [n.text.split("，")[0] for n in notes] == [f"⚠️ 工单 {ticket.number} 已由【迎泽区】冯晓燕标为紧急"]
    # … and that it is no longer urgent, when the command centre says so
    mark = await last_outbox_id()
    await tx(moves.change_urgency, rt, await fresh(ticket), False, await staff(COMMAND))
    notes = await Outbox.filter(chat_id=grid_chat, id__gt=mark, reply_to_ref=card_ref(ticket.id))
    assert [n.text.split("，")[0] for n in notes] == [f"工单 {ticket.number} 已由【迎泽区】冯晓燕取消紧急"]


async def test_not_urgent_drops_the_urgent_limits_and_says_so(rt):
    ticket = await file(rt)
    await tx(moves.change_urgency, rt, ticket, True, await staff(WORKER))
    urgent_due, mark = (await fresh(ticket)).due_at, await last_outbox_id()
    await tx(moves.change_urgency, rt, await fresh(ticket), False, await staff(WORKER))
    after = await fresh(ticket)
    assert not after.urgent and after.due_at > urgent_due
    told = await texts_to((await ticket.resident).user_id, mark)
    assert len(told) == 1 and "不属于紧急情况" in told[0]
    # the card in every chat that shows it, the command centre's copy too, loses its 【紧急】
    command = await directory.command_chat()
    assert all(texts.CARD_URGENT not in t for t in await texts_to(command, mark))
    assert await texts_to(command, mark)
    # corrected twice: the last verdict is the label
    assert await corrections.urgency_examples() == [(ticket.text, False)]


async def test_no_example_without_a_change_and_none_from_outsiders_or_after_closing(rt):
    ticket = await file(rt)
    await tx(moves.change_urgency, rt, ticket, False, await staff(WORKER))  # the same: nothing to learn
    with pytest.raises(Refused):
        await moves.change_urgency(rt, await fresh(ticket), True, await staff(OTHER_WORKER))
    await Ticket.filter(id=ticket.id).update(status=Status.CLOSED)
    with pytest.raises(Refused):
        await moves.change_urgency(rt, await fresh(ticket), True, await staff(WORKER))
    assert await UrgencyExample.all().count() == 0
    assert not (await fresh(ticket)).urgent


async def test_export_holds_both_verdicts_one_row_per_ticket_with_names_masked(rt, tmp_path):
    first = await file(rt)
    await tx(moves.change_urgency, rt, first, True, await staff(WORKER))
    await tx(moves.change_category, rt, await fresh(first), "safety", await staff(WORKER))
    second = await file(rt)
    await Ticket.filter(id=second.id).update(text="我叫王秀兰，楼下早餐店油烟太大，电话13912345678")
    await tx(moves.change_category, rt, await fresh(second), "noise", await staff(WORKER))
    assert await corrections.export_csv(tmp_path / "x.csv") == 2
    with open(tmp_path / "x.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["ticket"], r["category"], r["urgent"], r["from_category"], r["from_urgent"]) for r in rows] == [
        (first.number, "safety", "1", "fumes", "0"), (second.number, "noise", "", "fumes", "")]
    assert "13912345678" not in rows[1]["text"] and "王秀兰" not in rows[1]["text"]
    assert "早餐店油烟" in rows[1]["text"]
