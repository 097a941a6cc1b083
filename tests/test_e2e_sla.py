"""Lights end to end: the bot's own scheduled sweep, run on a moved clock, puts a yellow digest
into the grid's chat, then a red alert with a 书面说明 button into the grid's, the community's
and the command centre's chats; the worker's explanation lands in the ticket's history."""

import datetime as dt

from bot import texts
from bot.models import Explanation, Status, Ticket, TicketEvent
from bot.web import metrics
from tests.e2e import COMMAND_CHAT, COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02
from tests.test_e2e_intake import _buttons, submit_report


def _text(message) -> str:
    return message.get("text") or ""


def run_sweep_now(h) -> None:
    """Run the scheduler's sla_sweep job at once instead of at its next minute."""
    h.bot.scheduler.get_job("sla_sweep").modify(next_run_time=dt.datetime.now(dt.timezone.utc))


def card_in(h, chat_id, number):
    for message in h.api.transcript(chat_id):
        if message.get("from_bot") and number in _text(message) and "类别" in _text(message):
            return message
    return None


async def test_yellow_digest_then_red_alert_and_a_written_explanation(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    card = await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number))
    assert card["text"].startswith(texts.LIGHTS["green"])

    h.rt.clock.advance(dt.timedelta(hours=24, minutes=1))
    run_sweep_now(h)
    yellow = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🟡 黄灯" in _text(m))
    assert f"🟡 {number}｜油烟异味｜" in yellow["text"] and not _buttons(yellow)
    assert not any("黄灯" in _text(m) for m in h.api.bot_messages(COMMAND_CHAT))  # the holder's business
    assert metrics.REGISTRY.get_sample_value("gridbot_sweep_duration_seconds_count") >= 1  # /metrics sees it

    h.rt.clock.advance(dt.timedelta(hours=24))
    run_sweep_now(h)
    red = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🔴 红灯" in _text(m))
    assert f"🔴 {number}" in red["text"] and _buttons(red) == [f"书面说明 {number}"]
    for chat_id in (COMMUNITY_NHJ1_CHAT, COMMAND_CHAT):  # the superior unit and the command centre
        alert = await h.api.wait_for_bot_message(chat_id, lambda m: "🔴 红灯" in _text(m) and number in _text(m))
        assert "【南海街一社区第一网格】" in alert["text"] and not _buttons(alert)
    await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number)["text"].startswith(texts.LIGHTS["red"]),
                         what="the card shows the red light")

    # Someone of another grid may not write this unit's explanation.
    outsider = h.staff(WORKER_NHJ1_02, "刘红霞")
    cb = await h.api.press(outsider, red, f"书面说明 {number}", chat_id=GRID_NHJ1_01_CHAT)
    assert "南海街一社区第一网格" in (await h.api.wait_for_callback_answer(cb))["text"]

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    cb = await h.api.press(worker, red, f"书面说明 {number}", chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.SLA_ASK_EXPLANATION_TOAST
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "请回复本消息" in _text(m) and "书面说明" in _text(m))
    why = "前两天网格员参加区里防汛培训，工作群消息未及时查看，已安排专人盯群"
    await h.api.send_text(worker, why, chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: _text(m) == texts.SLA_EXPLAINED.format(number=number))
    copy = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: _text(m).startswith("📝"))
    assert number in copy["text"] and why in copy["text"]

    await h.api.send_text(worker, f"/history {number}", chat_id=GRID_NHJ1_01_CHAT)
    history = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理记录" in _text(m))
    assert "亮黄灯" in history["text"] and "亮红灯" in history["text"]
    assert f"张丽（网格员） 书面说明 【南海街一社区第一网格】：{why}" in history["text"]

    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED  # the explanation is not a move, and nothing else took the text
    assert await TicketEvent.filter(ticket=ticket, action="explained").count() == 1
    assert (await Explanation.get(ticket=ticket)).text == why
    await h.drain()
    assert await h.undelivered() == 0


async def test_explain_command_in_a_unit_chat(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/explain", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: _text(m) == texts.SLA_USAGE_EXPLAIN)
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    await h.api.send_text(worker, f"/explain {number}", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_bot_message(
        GRID_NHJ1_01_CHAT, lambda m: _text(m) == texts.SLA_NOTHING_TO_EXPLAIN.format(number=number))
    h.rt.clock.advance(dt.timedelta(hours=48, minutes=1))
    run_sweep_now(h)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: _text(m).startswith("⏰"))
    await h.api.send_text(worker, f"/explain {number.lower()}", chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "请回复本消息" in _text(m))
    await h.api.send_text(worker, "人手不足，已调整值班", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: _text(m) == texts.SLA_EXPLAINED.format(number=number))
    assert (await TicketEvent.get(ticket__number=number, action="explained")).note == "人手不足，已调整值班"
