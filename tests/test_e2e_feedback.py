"""After the fix: ratings, 不满意 reopening, the silent 默认满意, urgent reports and /my."""

import datetime as dt

from bot import texts
from bot.clock import Clock
from bot.models import Status, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, start_harness
from tests.test_e2e_intake import NUMBER, _buttons, _card, submit_report
from tests.test_e2e_answered_prompts import data_of, now_shown


async def resolve(h, number, note="已处理完毕"):
    from tests.test_e2e_workflow import card_in

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RESOLVE))
    await h.api.press(worker, card, texts.BTN_RESOLVE, chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理结果" in (m.get("text") or "") and "回复本消息" in m["text"])
    await h.api.send_text(worker, note, chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)


async def test_unsatisfied_reopens_to_the_same_grid_with_new_clocks(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    before = await Ticket.get(number=number)
    await resolve(h, number)
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    h.rt.clock.advance(dt.timedelta(hours=5))
    await h.api.press(resident, ask, "不满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: "重新交给【南海街一社区第一网格】" in m["text"])
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED and ticket.reopen_count == 1 and ticket.rating == "unsatisfied"
    assert ticket.unit_id == before.unit_id
    assert ticket.yellow_at > before.yellow_at  # fresh clocks from the reopening
    from tests.test_e2e_workflow import card_in

    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert "已派单" in card["text"]
    # the rating asked at 办结 says what came of it and offers no buttons; a forged press is refused
    await h.drain()
    shown = now_shown(h, ask)
    assert _buttons(shown) == [] and texts.REOPENED_OUTCOME in shown["text"] and "处理结果" in shown["text"]
    cb = await h.api.press(resident, ask, data=data_of(ask, "满意"))
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.RATED_ALREADY


async def test_no_rating_in_three_days_closes_as_default_satisfied(db, db_url, sandbox):
    from bot.workflow.feature import close_unrated

    h = await start_harness(sandbox, db_url, clock=Clock())
    try:
        resident = h.resident()
        number = await submit_report(h, resident, "南海街1号院门口的井盖松了，踩上去晃")
        await resolve(h, number)
        ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
        assert await close_unrated(h.rt) == 0  # not yet
        h.rt.clock.advance(dt.timedelta(days=3, minutes=1))
        assert await close_unrated(h.rt) == 1
        assert await close_unrated(h.rt) == 0  # once only
        await h.api.wait_for_bot_message(resident.id, lambda m: "按“满意”办结" in m["text"])
        ticket = await Ticket.get(number=number)
        assert ticket.status == Status.CLOSED and ticket.rating == "default"
        assert await TicketEvent.filter(ticket=ticket, action="auto_closed").count() == 1
        await h.drain()
        shown = now_shown(h, ask)  # the question asked at 办结 is over: no buttons, what came of it
        assert _buttons(shown) == [] and texts.AUTO_CLOSED_OUTCOME.format(days=3) in shown["text"]
    finally:
        await h.bot.stop()


async def test_urgent_report_is_filed_at_once_with_emergency_numbers(harness):
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "南海街1号院楼道里煤气味很浓，好像燃气泄漏了")
    warn = await h.api.wait_for_bot_message(resident.id, lambda m: "119" in m["text"])
    assert texts.BTN_CONFIRM not in _buttons(warn)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    number = NUMBER.search(receipt["text"])[0]
    ticket = await Ticket.get(number=number)
    assert ticket.urgent and ticket.status == Status.ASSIGNED
    assert ticket.yellow_at - ticket.created_at <= dt.timedelta(hours=1)
    grid_card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert "紧急" in grid_card["text"]
    await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: number in (m.get("text") or ""))


async def test_my_lists_tickets_and_shows_plain_history(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "/my")
    assert reply["text"] == texts.MY_EMPTY
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_bot_message(resident.id, lambda m: "接单" in m["text"])
    listing = await h.reply_to(resident, "/my")
    assert number in listing["text"] and "处理中" in listing["text"]
    await h.api.press(resident, listing, number)
    detail = await h.api.wait_for_bot_message(resident.id, lambda m: "进展" in m["text"])
    assert "已受理" in detail["text"] and "已派单" in detail["text"] and "处理中" in detail["text"]
    assert "张丽" not in detail["text"]  # no staff names for residents
    # someone else's ticket is not shown
    other = h.resident(5550077, "赵四")
    await h.api.send_text(other, "/my")
    await h.api.wait_for_bot_message(other.id)
    cb = await h.api.press(other, h.api.last_bot_message(other.id), data=f"my:{(await Ticket.get(number=number)).id}")
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED


async def test_resident_reopens_a_closed_ticket_within_a_week_but_not_after(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院门口的井盖松了，踩上去晃")
    await resolve(h, number)
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    await h.api.press(resident, ask, "满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.CLOSED
    h.rt.clock.advance(dt.timedelta(days=2))
    listing = await h.reply_to(resident, "/my")
    await h.api.press(resident, listing, number)
    detail = await h.api.wait_for_bot_message(resident.id, lambda m: "进展" in m["text"])
    cb = await h.api.press(resident, detail, texts.BTN_NOT_FIXED)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.REOPENED_TOAST
    await ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED and ticket.reopen_count == 1
    # once more, much later: too late to reopen
    await resolve(h, number, note="再次处理")
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "再次处理" in m["text"])
    await h.api.press(resident, ask, "基本满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
    h.rt.clock.advance(dt.timedelta(days=8))
    cb = await h.api.press(resident, detail, data=f"nf:{ticket.id}")
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.REOPEN_TOO_LATE
