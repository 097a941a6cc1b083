"""A new category or sub-category recounts the clocks still running (bot/sla/clocks.py
`reclock`), in both models, on a frozen clock: the new kind's limits counted from when each
clock started (filing, the latest hand-over), not from the change; the pauses taken since kept;
a light already lit stays in the audit trail while the ticket's light follows the new limits.
Sub-categories chosen by staff (bot/workflow/moves.py `change_subcategory`): who may, when."""

from __future__ import annotations

import datetime as dt

import pytest
from tortoise.transactions import in_transaction

from bot.models import Light, Staff, Status, Ticket, TicketEvent
from bot.refusals import Refused
from bot.sla import lights, pauses
from bot.sla.policy import SlaPolicy
from bot.workflow import moves
from tests.test_sla_steps import SH, file, last_card, local, rt  # noqa: F401  (rt is a fixture)
from tests.test_workflow_moves import OTHER_WORKER
from tests.e2e import WORKER_NHJ1_01

GARBAGE = "南海街1号院垃圾桶满了，好几天没人清理"  # sanitation, no sub-category's words


async def tx(fn, *args, **kw):
    async with in_transaction():
        return await fn(*args, **kw)


async def worker() -> Staff:
    return await Staff.get(user_id=WORKER_NHJ1_01)


def at(moment: dt.datetime | None) -> dt.datetime:
    return moment.astimezone(SH)


# --- model: filing (迎泽's, the shipped file) --------------------------------------------------

async def test_filing_model_a_new_category_lights_at_its_own_hours_from_filing(rt):
    rt.sla = SlaPolicy.load()  # fumes: yellow 24 h, red 48 h, 5 working days; safety: 2 h, 4 h, 2
    ticket = await file(rt)  # Wed 2026-04-01 10:00
    assert at(ticket.yellow_at) == local(2026, 4, 2, 10, 0) and ticket.due_workdays == 5
    rt.clock.set(local(2026, 4, 1, 11, 0))
    await tx(moves.change_category, rt, ticket, "safety", await worker())
    ticket = await Ticket.get(id=ticket.id)
    # counted from filing, not from the change at 11:00
    assert (at(ticket.yellow_at), at(ticket.red_at)) == (local(2026, 4, 1, 12, 0), local(2026, 4, 1, 14, 0))
    assert at(ticket.due_at) == local(2026, 4, 4, 0, 0) and ticket.due_workdays == 2  # Thu 02, Fri 03
    assert "期限：04-03 24:00（2个工作日内办结）" in await last_card(ticket)
    event = await TicketEvent.get(ticket_id=ticket.id, action="reclocked")
    assert event.note == "办结期限 04-09 24:00 改为 04-03 24:00（2个工作日内办结）"

    rt.clock.set(local(2026, 4, 1, 11, 59))
    assert (await lights.sweep(rt)).claimed == 0
    rt.clock.set(local(2026, 4, 1, 12, 0))  # the old category would wait until tomorrow 10:00
    assert (await lights.sweep(rt)).yellow == 1
    rt.clock.set(local(2026, 4, 1, 14, 0))
    assert (await lights.sweep(rt)).red == 1


async def test_filing_model_a_longer_limit_lowers_the_light_and_the_lit_one_stays_written(rt):
    rt.sla = SlaPolicy.load()
    ticket = await file(rt, text="南海街1号院井盖丢了", category="safety")
    rt.clock.set(local(2026, 4, 1, 12, 30))
    assert (await lights.sweep(rt)).yellow == 1
    await tx(moves.change_category, rt, await Ticket.get(id=ticket.id), "facility", await worker())
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.light == Light.GREEN and ticket.yellow_notified_at is None
    assert at(ticket.yellow_at) == local(2026, 4, 2, 10, 0)
    assert (await last_card(ticket)).startswith("🟢")
    assert await TicketEvent.filter(ticket_id=ticket.id, action="lit_yellow").count() == 1  # the audit trail
    rt.clock.set(local(2026, 4, 2, 10, 0))
    assert (await lights.sweep(rt)).yellow == 1  # told again, at the new category's hour
    assert await TicketEvent.filter(ticket_id=ticket.id, action="lit_yellow").count() == 2


async def test_filing_model_a_stopped_clock_keeps_its_promise(rt):
    rt.sla = SlaPolicy.load()
    ticket = await file(rt)
    await tx(moves.resolve, rt, ticket, await worker(), "已处理", [])
    due = (await Ticket.get(id=ticket.id)).due_at
    # 办结 stopped the clock: 按期办结率 judges by the deadline it had
    await tx(moves.change_category, rt, await Ticket.get(id=ticket.id), "safety", await worker())
    assert (await Ticket.get(id=ticket.id)).due_at == due
    assert not await TicketEvent.filter(ticket_id=ticket.id, action="reclocked").exists()


# --- model: steps (examples/sla-steps.yaml) ----------------------------------------------------

async def test_steps_model_staff_pick_a_sub_category_and_its_limit_counts_from_filing(rt):
    ticket = await file(rt, text=GARBAGE, category="sanitation")  # Wed 04-01 10:00
    assert ticket.subcategory is None and ticket.due_workdays == 7
    rt.clock.set(local(2026, 4, 1, 10, 10))
    await tx(moves.accept, rt, ticket, await worker())  # only the handling step runs now
    rt.clock.set(local(2026, 4, 1, 10, 40))
    await tx(pauses.start, rt, await Ticket.get(id=ticket.id), await worker(), "resident")
    rt.clock.set(local(2026, 4, 1, 11, 40))
    await tx(pauses.resume, rt, await Ticket.get(id=ticket.id), await worker())  # one working hour

    rt.clock.set(local(2026, 4, 1, 12, 0))
    await tx(moves.change_subcategory, rt, await Ticket.get(id=ticket.id), "road_dirty", await worker())
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.subcategory == "road_dirty" and ticket.due_work_hours == 5 and ticket.due_workdays is None
    # 5 working hours from 10:00 (2 before noon, 3 from 13:30) is 16:30, and the paused hour on top
    assert at(ticket.due_at) == local(2026, 4, 1, 17, 30)
    assert ticket.steps["handle"]["limit"] == ["work_hours", 5.0]
    assert at(ticket.yellow_at) == local(2026, 4, 1, 16, 30)  # 80%: 4 working hours, plus the pause
    card = await last_card(ticket)
    assert "类别：环境卫生·道路不洁" in card and "期限：04-01 17:30（5个工作小时内办结）" in card
    assert "🟢办结 04-01 17:30" in card
    actions = await TicketEvent.filter(ticket_id=ticket.id).order_by("id").values_list("action", flat=True)
    assert actions[-2:] == ["subcategorised", "reclocked"]
    sub = await TicketEvent.get(ticket_id=ticket.id, action="subcategorised")
    assert (sub.note, sub.data) == ("道路不洁", {"from": None, "to": "road_dirty"})

    rt.clock.set(local(2026, 4, 1, 16, 29))
    assert (await lights.sweep(rt)).claimed == 0
    rt.clock.set(local(2026, 4, 1, 16, 30))  # seven working days would have waited until 04-10
    assert (await lights.sweep(rt)).yellow == 1

    # 不分细类: back to the category's own seven working days, the yellow lowered
    await tx(moves.change_subcategory, rt, await Ticket.get(id=ticket.id), None, await worker())
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.subcategory is None and at(ticket.due_at) == local(2026, 4, 14, 0, 0)
    assert ticket.light == Light.GREEN and "类别：环境卫生（" in await last_card(ticket)


async def test_steps_model_a_new_category_recounts_each_open_step_from_its_own_start(rt):
    ticket = await file(rt)  # fumes, Wed 04-01 10:00: accept 2 working hours, handle 7 working days
    assert ticket.steps["accept"]["due"] == local(2026, 4, 1, 12, 0).astimezone(dt.timezone.utc).isoformat()
    rt.clock.set(local(2026, 4, 1, 11, 0))
    await tx(moves.change_category, rt, ticket, "utility", await worker())  # handle 24 h
    ticket = await Ticket.get(id=ticket.id)
    assert at(ticket.due_at) == local(2026, 4, 2, 10, 0) and ticket.due_hours == 24
    assert at(ticket.yellow_at) == local(2026, 4, 1, 11, 36)  # the accept step's, unchanged
    assert "期限：04-02 10:00（24小时内到场处置）" in await last_card(ticket)
    await tx(moves.accept, rt, ticket, await worker())
    rt.clock.set(local(2026, 4, 2, 5, 11))
    assert (await lights.sweep(rt)).claimed == 0
    rt.clock.set(local(2026, 4, 2, 5, 12))  # 80% of 24 h from filing
    assert (await lights.sweep(rt)).yellow == 1


async def test_a_sub_category_is_chosen_by_those_who_may_act_while_the_clocks_run(rt):
    ticket = await file(rt, text=GARBAGE, category="sanitation")
    with pytest.raises(Refused):  # another grid's worker
        await tx(moves.change_subcategory, rt, ticket, "road_dirty", await Staff.get(user_id=OTHER_WORKER))
    with pytest.raises(Refused):  # not a sub-category of 环境卫生 (a picker left from before)
        await tx(moves.change_subcategory, rt, ticket, "illegal_building", await worker())
    await tx(moves.resolve, rt, ticket, await worker(), "已清理", [])
    with pytest.raises(Refused, match="不能改细类"):
        await tx(moves.change_subcategory, rt, await Ticket.get(id=ticket.id), "road_dirty", await worker())
    assert (await Ticket.get(id=ticket.id)).subcategory is None
    assert (await Ticket.get(id=ticket.id)).status == Status.RESOLVED


async def test_a_new_category_takes_the_sub_category_its_words_pick(rt):
    ticket = await file(rt, text="南海街1号院门口路面脏乱，没人清扫", category="fumes")
    assert ticket.subcategory is None
    await tx(moves.change_category, rt, ticket, "sanitation", await worker())
    ticket = await Ticket.get(id=ticket.id)
    assert ticket.subcategory == "road_dirty" and ticket.due_work_hours == 5
    event = await TicketEvent.get(ticket_id=ticket.id, action="recategorised")
    assert event.data == {"from": "fumes", "to": "sanitation", "source": "card", "sub_from": None,
                          "sub_to": "road_dirty"}
