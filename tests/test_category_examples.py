"""Every category staff change is kept as a labelled example (bot/workflow/tickets.py): 改类别 by
the holder, and a transfer to a department that handles one category. Service level, every backend."""

import pytest
from tortoise.transactions import in_transaction

from bot.refusals import Refused
from bot.models import CategoryExample, Ticket, TicketEvent, Unit
from bot.workflow import corrections
from bot.workflow import ladder
from bot.workflow import moves
from bot.jurisdiction.reader import parse_jurisdiction
from bot.jurisdiction.spec import JurisdictionError
from tests.e2e import EXAMPLE
from tests.test_workflow_moves import (  # noqa: F401  (rt is a fixture)
    CHENGGUAN, OTHER_WORKER, SHIZHENG, WORKER, file, fresh, rt, staff, unit,
)


async def tx(fn, *args, **kw):
    async with in_transaction():
        return await fn(*args, **kw)


async def test_a_change_by_the_holder_is_kept_with_both_categories(rt):
    ticket = await file(rt)  # 油烟 → fumes, held by 第一网格
    await tx(moves.change_category, rt, ticket, "noise", await staff(WORKER))
    example = await CategoryExample.get(ticket_id=ticket.id)
    assert (example.from_category, example.to_category, example.source) == ("fumes", "noise", "card")
    assert example.text == ticket.text and example.staff_user_id == WORKER
    event = await TicketEvent.get(ticket_id=ticket.id, action="recategorised")
    assert event.data == {"from": "fumes", "to": "noise", "source": "card"}
    assert (await fresh(ticket)).reasons == ["张丽改定"]  # no word of the text says noise


async def test_the_card_reasons_become_the_residents_words_for_the_new_category(rt):
    ticket = await file(rt)
    await Ticket.filter(id=ticket.id).update(text="楼下早餐店油烟太大，排风机半夜还轰鸣")
    await tx(moves.change_category, rt, await fresh(ticket), "noise", await staff(WORKER))
    reasons = (await fresh(ticket)).reasons
    assert "轰鸣" in reasons and "半夜" in reasons and "油烟" not in reasons  # noise's words, not fumes'



async def test_no_example_without_a_change_and_none_from_outsiders(rt):
    ticket = await file(rt)
    await tx(moves.change_category, rt, ticket, "fumes", await staff(WORKER))  # the same: nothing to learn
    with pytest.raises(Refused):
        await moves.change_category(rt, await fresh(ticket), "noise", await staff(OTHER_WORKER))
    with pytest.raises(Refused):
        await moves.change_category(rt, await fresh(ticket), "nonsense", await staff(WORKER))
    assert await CategoryExample.all().count() == 0
    assert (await fresh(ticket)).category == "fumes"


async def test_a_transfer_to_a_one_category_department_implies_it(rt):
    ticket = await file(rt)
    await tx(ladder.transfer, rt, ticket, await staff(WORKER), await unit("shizheng"))  # 市政: [facility]
    after = await fresh(ticket)
    assert after.category == "facility" and (await after.unit).code == "shizheng"
    example = await CategoryExample.get(ticket_id=ticket.id)
    assert (example.from_category, example.to_category, example.source) == ("fumes", "facility", "transfer")
    actions = await TicketEvent.filter(ticket_id=ticket.id).order_by("id").values_list("action", flat=True)
    assert actions[-2:] == ["recategorised", "transferred"]


async def test_a_transfer_to_a_department_of_several_categories_implies_nothing(rt):
    ticket = await file(rt)
    await tx(ladder.transfer, rt, ticket, await staff(WORKER), await unit("chengguan"))  # 城管: three
    assert (await fresh(ticket)).category == "fumes"
    assert await CategoryExample.all().count() == 0
    # the department may then correct it on its card: it holds the ticket now
    await tx(moves.change_category, rt, await fresh(ticket), "street_order", await staff(CHENGGUAN))
    assert (await CategoryExample.get(ticket_id=ticket.id)).source == "card"


async def test_a_refused_transfer_changes_no_category(rt):
    ticket = await file(rt)
    with pytest.raises(Refused):
        await ladder.transfer(rt, ticket, await staff(SHIZHENG), await unit("shizheng"))
    assert (await fresh(ticket)).category == "fumes" and await CategoryExample.all().count() == 0


async def test_examples_of_a_ticket_corrected_twice_count_once(rt, tmp_path):
    ticket = await file(rt)
    await tx(moves.change_category, rt, ticket, "noise", await staff(WORKER))
    await tx(moves.change_category, rt, await fresh(ticket), "dispute", await staff(WORKER))
    assert await CategoryExample.all().count() == 2
    assert [(e.text, e.category) for e in await corrections.labelled_examples()] == [(ticket.text, "dispute")]
    assert await corrections.export_csv(tmp_path / "x.csv") == 1


def test_department_categories_are_checked_in_the_jurisdiction_file():
    text = EXAMPLE.read_text(encoding="utf-8").replace("categories: [facility]", "categories: [roads]")
    with pytest.raises(JurisdictionError, match="roads"):
        parse_jurisdiction(text)
    district = parse_jurisdiction(EXAMPLE.read_text(encoding="utf-8"))
    assert district.unit("huanwei").categories == ("sanitation",)


async def test_loading_stores_the_categories(rt):
    assert (await Unit.get(code="wuye")).categories == ["utility"]
    assert ladder.implied_category(await Unit.get(code="chengguan")) is None
    assert ladder.implied_category(await Unit.get(code="huanwei")) == "sanitation"
