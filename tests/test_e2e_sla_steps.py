"""The steps model end to end (examples/sla-steps.yaml loaded): the real bot on the loopback Bot
API, its own scheduled sweep on a moved clock. A resident's complaint lands on the grid's card
with its open steps; at 80% of the acceptance step's 2 working hours the card turns 🟡 with the
step named and the grid hears of it; a worker pauses the clocks with /pause for an allowed
reason, the card shows it, and the card's 恢复计时 starts them again."""

import datetime as dt

from bot import texts
from bot.models import Ticket, TicketEvent
from bot.sla import lights
from bot.sla.policy import SlaPolicy
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import _buttons, submit_report
from tests.test_e2e_sla import card_in, run_sweep_now
from tests.test_sla_steps import SH, STEPS_FILE


def _text(message) -> str:
    return message.get("text") or ""


def move_clock_to(h, target: dt.datetime) -> None:
    h.rt.clock.advance(target - h.rt.clock.now())


def next_working_morning(h) -> dt.datetime:
    """09:58 on the first working day after today (the clock only moves forward; it runs on
    by the seconds the test takes, so what is asserted is worked out from the filing moment)."""
    day = h.rt.clock.now().astimezone(SH).date()
    day = h.rt.calendar.next_workday(day)
    return dt.datetime.combine(day, dt.time(9, 58), tzinfo=SH)


def hhmm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone(SH).strftime("%m-%d %H:%M")


async def test_a_step_turns_yellow_at_80_percent_and_a_pause_is_written_down(harness):
    h = harness
    h.rt.sla = SlaPolicy.load(STEPS_FILE)
    morning = next_working_morning(h)
    move_clock_to(h, morning)
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    card = await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number))
    ticket = await Ticket.get(number=number)
    accept_due = hhmm(ticket.steps["accept"]["due"])
    assert accept_due.endswith("11:58")  # 2 working hours from 09:58
    assert card["text"].startswith(texts.LIGHTS["green"])
    assert f"环节时限：🟢接单 {accept_due}；🟢办结" in card["text"]

    move_clock_to(h, morning + dt.timedelta(minutes=95))  # 11:33: 79% of the step
    # (a sweep run here and now: a scheduled run still busy would make the next one skip)
    assert (await lights.sweep(h.rt)).claimed == 0

    move_clock_to(h, morning + dt.timedelta(minutes=97))  # 11:35: past 80% (11:34 and the filing's seconds)
    run_sweep_now(h)
    yellow = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🟡 黄灯" in _text(m))
    assert f"🟡 {number}｜油烟异味｜" in yellow["text"] and yellow["text"].rstrip().endswith("｜接单")
    assert "当前环节" in yellow["text"]
    await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number)["text"].startswith(texts.LIGHTS["yellow"]),
                         what="the card shows the yellow light")
    assert f"🟡接单 {accept_due}；🟢办结" in card_in(h, GRID_NHJ1_01_CHAT, number)["text"]

    # /pause: the reasons the file allows, as buttons; the press pauses and the card says so.
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, f"/pause {number}", chat_id=GRID_NHJ1_01_CHAT)
    pick = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "暂停计时的理由" in _text(m))
    assert _buttons(pick) == ["等待居民补充情况", "部门会商中"]
    await h.api.press(worker, pick, "等待居民补充情况", chat_id=GRID_NHJ1_01_CHAT)
    paused = await h.api.wait_for(
        lambda: (c := card_in(h, GRID_NHJ1_01_CHAT, number)) and "⏸ 暂停计时：等待居民补充情况" in _text(c) and c,
        what="the card shows the pause")
    assert texts.BTN_RESUME in _buttons(paused)

    move_clock_to(h, morning + dt.timedelta(hours=3))  # 12:58: the step's 11:58 passed, but paused
    assert (await lights.sweep(h.rt)).claimed == 0

    await h.api.press(worker, paused, texts.BTN_RESUME, chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for(
        lambda: "已暂停计时 1 次" in _text(card_in(h, GRID_NHJ1_01_CHAT, number))
        and "⏸" not in _text(card_in(h, GRID_NHJ1_01_CHAT, number)), what="the card shows the pause ended")
    ticket = await Ticket.get(number=number)
    # Paused about 11:35-12:58: some 25 working minutes before noon, so the step, due 11:58,
    # now falls due about 13:53 (the lunch break does not count).
    moved = hhmm(ticket.steps["accept"]["due"])
    assert moved[:5] == accept_due[:5] and "13:45" <= moved[6:] <= "14:00", moved
    assert [e.action for e in await TicketEvent.filter(ticket=ticket, action__in=["paused", "resumed"])] == [
        "paused", "resumed"]
    await h.api.send_text(worker, f"/history {number}", chat_id=GRID_NHJ1_01_CHAT)
    history = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理记录" in _text(m))
    assert "暂停计时" in history["text"] and "恢复计时" in history["text"]
    await h.drain()
    assert await h.undelivered() == 0


async def test_the_residents_words_pick_a_sub_category_with_its_own_limit(harness):
    h = harness
    h.rt.sla = SlaPolicy.load(STEPS_FILE)
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院门口路面脏乱，没人清扫")
    receipt = [m for m in h.api.bot_messages(resident.id) if number in _text(m)][-1]
    assert "5个工作小时内办结" in receipt["text"]  # the promise is the sub-category's
    card = await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number))
    assert "类别：环境卫生·道路不洁" in card["text"] and "（5个工作小时内办结）" in card["text"]
    ticket = await Ticket.get(number=number)
    assert ticket.subcategory == "road_dirty" and ticket.steps["handle"]["limit"] == ["work_hours", 5.0]
