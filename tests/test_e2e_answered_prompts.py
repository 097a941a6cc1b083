"""A question the resident has answered keeps its words but loses its buttons: a live-looking
跳过 or 提交 under an answered question invites a press that can only be refused. Seen from the
resident's private chat, through the loopback Bot API."""

import datetime as dt

from bot import texts
from bot.intake.report import PROMPT_PREFIX, forget_old_prompts
from bot.models import MessageRef, Ticket
from tests.test_e2e_conversations import run_job_now
from tests.test_e2e_intake import _buttons, has_button

REPORT = "南海街1号院楼下早餐店油烟太大，天天熏到家里"


def now_shown(h, message):
    """The message as the resident's chat shows it now (edits applied)."""
    chat = message["chat"]["id"]
    return next(m for m in h.api.transcript(chat) if m["message_id"] == message["message_id"])


def data_of(message, label):
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == label)


async def test_an_answered_question_and_a_submitted_summary_lose_their_buttons(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, REPORT)
    assert texts.BTN_SKIP in _buttons(question)
    summary = await h.reply_to(resident, "楼下的老王早点铺，南海街12号", predicate=has_button(texts.BTN_CONFIRM))
    await h.drain()
    answered = now_shown(h, question)
    assert answered["text"] == question["text"] and _buttons(answered) == []

    confirm = data_of(summary, texts.BTN_CONFIRM)
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    await h.drain()
    submitted = now_shown(h, summary)
    assert submitted["text"] == summary["text"] and _buttons(submitted) == []
    # a press kept from before (a slow client) is still refused, and files nothing more
    cb = await h.api.press(resident, summary, data=confirm)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.ALREADY_SUBMITTED
    assert await Ticket.all().count() == 1


async def test_a_cancelled_report_leaves_no_live_buttons(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, REPORT)
    summary = await h.reply_to(resident, "南海街12号", predicate=has_button(texts.BTN_CANCEL))
    await h.api.press(resident, summary, texts.BTN_CANCEL)
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.CANCELLED)
    await h.drain()
    assert _buttons(now_shown(h, question)) == [] and _buttons(now_shown(h, summary)) == []

    # /cancel while the follow-up question waits
    question = await h.reply_to(resident, "南海街1号院楼下烧烤店油烟太大", predicate=has_button(texts.BTN_SKIP))
    await h.api.send_text(resident, "/cancel")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.CANCELLED
                                     and m["message_id"] > question["message_id"])
    await h.drain()
    assert now_shown(h, question)["text"] == question["text"] and _buttons(now_shown(h, question)) == []
    assert await Ticket.all().count() == 0


async def test_a_report_left_for_three_days_takes_its_buttons_away_when_it_ends(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, REPORT, predicate=has_button(texts.BTN_SKIP))
    h.rt.clock.advance(dt.timedelta(days=3, minutes=1))
    run_job_now(h, "expire_questions")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.REPORT_EXPIRED)
    await h.drain()
    assert _buttons(now_shown(h, question)) == []


async def test_where_old_questions_landed_is_forgotten_after_a_week(harness):
    h = harness
    resident = h.resident()
    await h.reply_to(resident, REPORT, predicate=has_button(texts.BTN_SKIP))
    await h.drain()
    assert await MessageRef.filter(ref__startswith=PROMPT_PREFIX).count() == 1
    h.rt.clock.advance(dt.timedelta(days=6))
    assert await forget_old_prompts(h.rt) == 0  # the draft may still be answered
    h.rt.clock.advance(dt.timedelta(days=1, minutes=1))
    assert h.bot.scheduler.get_job("forget_old_prompts") is not None
    assert await forget_old_prompts(h.rt) == 1
    assert await MessageRef.filter(ref__startswith=PROMPT_PREFIX).count() == 0
