"""A new category or sub-category from the card, end to end: the real bot on the loopback Bot
API, its own sweep on a moved clock. In the steps model a worker picks 道路不洁 after 改类别's
category pick and the card's deadline becomes five working hours from filing; in the filing
model (迎泽's, the shipped file) 改类别 to 安全隐患 lights the card yellow two hours after filing,
not 24. The light comes at the new kind's time, not the old."""

import datetime as dt

from bot import texts, timetext
from bot.models import Ticket, TicketEvent
from bot.sla import lights
from bot.sla.policy import SlaPolicy
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import _buttons, submit_report
from tests.test_e2e_sla import card_in, run_sweep_now
from tests.test_e2e_sla_steps import move_clock_to
from tests.test_sla_steps import SH, STEPS_FILE


def _text(message) -> str:
    return message.get("text") or ""


def _card(h, number):
    return card_in(h, GRID_NHJ1_01_CHAT, number)


def working_morning(h) -> dt.datetime:
    """09:00 on the first working day after today."""
    day = h.rt.calendar.next_workday(h.rt.clock.now().astimezone(SH).date())
    return dt.datetime.combine(day, dt.time(9, 0), tzinfo=SH)


async def pick_category(h, worker, number: str, label: str) -> None:
    card = await h.api.wait_for(lambda: _card(h, number))
    await h.api.press(worker, card, texts.BTN_RECATEGORISE, chat_id=GRID_NHJ1_01_CHAT)
    picker = await h.api.wait_for_bot_message(
        GRID_NHJ1_01_CHAT, lambda m: _text(m) == texts.CARD_PICK_CATEGORY.format(number=number))
    return await h.api.press(worker, picker, label, chat_id=GRID_NHJ1_01_CHAT)


async def test_steps_model_a_sub_category_picked_on_the_card_sets_the_deadline_and_the_light(harness):
    h = harness
    h.rt.sla = SlaPolicy.load(STEPS_FILE)
    morning = working_morning(h)
    move_clock_to(h, morning)
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院垃圾桶满了，好几天没人清理")
    card = await h.api.wait_for(lambda: _card(h, number))
    assert "类别：环境卫生（" in card["text"] and "（7个工作日内办结）" in card["text"]
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)  # only 办结's clock runs on
    await h.api.wait_for(lambda: "张丽 已接单" in _text(_card(h, number)))

    # 改类别 → the same 环境卫生 → its sub-categories, each with its promise
    cb = await pick_category(h, worker, number, texts.PICKED + "环境卫生")  # the ticked one
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.PICK_SUBCATEGORY_TOAST
    subs = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "分细类" in _text(m))
    assert _buttons(subs) == ["暴露垃圾（1个工作日内办结）", "道路不洁（5个工作小时内办结）", "✅ 不分细类（7个工作日内办结）"]
    cb = await h.api.press(worker, subs, "道路不洁（5个工作小时内办结）", chat_id=GRID_NHJ1_01_CHAT)
    toast = (await h.api.wait_for_callback_answer(cb))["text"]

    ticket = await Ticket.get(number=number)
    filed = ticket.created_at.astimezone(SH)
    due = ticket.due_at.astimezone(SH)
    # five working hours from filing (09:00-12:00, then 13:30-15:30), not from the pick
    assert (due - filed) == dt.timedelta(hours=6, minutes=30) and ticket.subcategory == "road_dirty"
    assert toast == f"已改为“道路不洁”，办结期限 {due:%m-%d %H:%M}。"
    card = await h.api.wait_for(lambda: (c := _card(h, number)) and "环境卫生·道路不洁" in _text(c) and c,
                                what="the card shows the sub-category")
    assert f"期限：{due:%m-%d %H:%M}（5个工作小时内办结）" in card["text"]
    assert f"环节时限：🟢办结 {due:%m-%d %H:%M}" in card["text"]
    # the resident was promised seven working days: told the new promise, once
    told = await h.api.wait_for_bot_message(resident.id, lambda m: "办结时限改为" in _text(m))
    assert told["text"] == texts.NOTIFY_DUE_CHANGED.format(number=number, limit="5个工作小时内办结",
                                                           due=f"{due:%m-%d %H:%M}")

    # 80% of five working hours: four, so 14:30 and the filing's seconds (seven working days: next week)
    move_clock_to(h, morning + dt.timedelta(hours=5, minutes=29))
    assert (await lights.sweep(h.rt)).claimed == 0
    move_clock_to(h, morning + dt.timedelta(hours=5, minutes=31))
    run_sweep_now(h)
    yellow = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🟡 黄灯" in _text(m))
    assert f"🟡 {number}｜环境卫生｜" in yellow["text"] and yellow["text"].rstrip().endswith("｜办结")

    await h.api.send_text(worker, f"/history {number}", chat_id=GRID_NHJ1_01_CHAT)
    history = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理记录" in _text(m))
    assert "改细类" in history["text"] and "道路不洁" in history["text"]
    assert "按新类别重算时限" in history["text"] and f"改为 {due:%m-%d %H:%M}（5个工作小时内办结）" in history["text"]
    await h.drain()
    assert await h.undelivered() == 0
    assert sum("办结时限改为" in _text(m) for m in h.api.bot_messages(resident.id)) == 1


async def test_filing_model_a_new_category_on_the_card_lights_at_its_hours_from_filing(harness):
    h = harness  # the shipped sla.yaml: 油烟 yellow after 24 h, 安全隐患 after 2 h
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    card = await h.api.wait_for(lambda: _card(h, number))
    assert "（5个工作日内办结）" in card["text"]
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    h.rt.clock.advance(dt.timedelta(minutes=50))
    cb = await pick_category(h, worker, number, "安全隐患")
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CATEGORY_CHANGED.format(category="安全隐患")
    ticket = await Ticket.get(number=number)
    due = ticket.due_at.astimezone(SH)
    await h.api.wait_for(lambda: f"期限：{timetext.deadline(due, SH)}（2个工作日内办结）" in _text(_card(h, number)),
                         what="the card shows the new deadline")
    assert ticket.yellow_at - ticket.created_at == dt.timedelta(hours=2)  # from filing, not from the change
    told = await h.api.wait_for_bot_message(resident.id, lambda m: "办结时限改为" in _text(m))
    assert told["text"] == texts.NOTIFY_DUE_CHANGED.format(number=number, limit="2个工作日内办结",
                                                           due=timetext.deadline(due, SH))

    h.rt.clock.advance(dt.timedelta(minutes=69))  # 1 h 59 min after filing
    assert (await lights.sweep(h.rt)).claimed == 0
    h.rt.clock.advance(dt.timedelta(minutes=2))
    run_sweep_now(h)
    yellow = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🟡 黄灯" in _text(m))
    assert f"🟡 {number}｜安全隐患｜" in yellow["text"]
    await h.api.wait_for(lambda: _text(_card(h, number)).startswith(texts.LIGHTS["yellow"]),
                         what="the card shows the yellow light")
    assert await TicketEvent.filter(ticket=ticket, action="reclocked").count() == 1
