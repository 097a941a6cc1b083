"""Words after a fix: a resident told their ticket is 已办结 who writes "还是那样" instead of
pressing 不满意 is asked once whether the fix did not hold; 是 sends the ticket back to the unit
with those words, 不是 files them as a new report, and if nobody presses the unit still reads
them. Seen from the resident's chat and from the grid's, through the loopback Bot API."""

import datetime as dt

from bot import texts
from bot.models import Status, Ticket, TicketEvent
from tests.e2e import GRID_NHJ1_01_CHAT
from tests.test_e2e_answered_prompts import data_of, now_shown
from tests.test_e2e_comeback import newest_card
from tests.test_e2e_conversations import run_job_now
from tests.test_e2e_feedback import resolve
from tests.test_e2e_intake import _buttons, has_button, submit_report

REPORT = "南海街1号院楼下烧烤店油烟太大，天天熏到家里"
STILL = "烧烤店还是那样，今晚油烟一点没少"


async def fixed_ticket(h, resident, text=REPORT):
    number = await submit_report(h, resident, text)
    await resolve(h, number, note="已联系店家加装油烟净化器")
    rating = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    return number, rating


def asked_after_fix(m):
    return texts.BTN_AFTER_FIX_NOT_FIXED in _buttons(m)


async def test_words_saying_the_fix_did_not_hold_send_the_ticket_back_with_them(harness):
    h = harness
    resident = h.resident()
    number, rating = await fixed_ticket(h, resident)
    question = await h.reply_to(resident, STILL, predicate=asked_after_fix)
    assert number in question["text"] and "已联系店家加装油烟净化器" in question["text"]
    await h.api.press(resident, question, texts.BTN_AFTER_FIX_NOT_FIXED)
    await h.api.wait_for_bot_message(resident.id, lambda m: f"工单 {number} 已重新交给【南海街一社区第一网格】" in m["text"])

    # The grid reads it as a ticket come back, in the resident's words, with buttons to work it.
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="今晚油烟一点没少"))
    assert "不满意" in card["text"]
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: m["text"].startswith("💬 居民补充")
                                     and STILL in m["text"])
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED and ticket.rating == "unsatisfied" and ticket.reopen_count == 1
    assert await Ticket.all().count() == 1  # no second ticket for the same thing

    await h.drain()
    answered = now_shown(h, question)
    assert _buttons(answered) == [] and texts.AFTER_FIX_CHOSE_NOT_FIXED in answered["text"]
    assert _buttons(now_shown(h, rating)) == []  # the rating asked before is spent
    cb = await h.api.press(resident, rating, data=data_of(rating, "满意"))
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.RATED_ALREADY


async def test_something_else_is_filed_as_the_new_report_it_is(harness):
    h = harness
    resident = h.resident()
    number, _ = await fixed_ticket(h, resident)
    question = await h.reply_to(resident, "烧烤店晚上还是把桌子摆到人行道上，人都过不去", predicate=asked_after_fix)
    await h.api.press(resident, question, texts.BTN_AFTER_FIX_ELSE)
    # the report's own questions follow, and the fixed ticket stays as it is
    await h.api.wait_for_bot_message(resident.id, lambda m: m["message_id"] > question["message_id"]
                                     and "哪里" in m["text"])
    assert (await Ticket.get(number=number)).status == Status.RESOLVED
    await h.drain()
    assert _buttons(now_shown(h, question)) == []


async def test_a_different_problem_is_a_new_report_without_a_question(harness):
    h = harness
    resident = h.resident()
    await fixed_ticket(h, resident)
    reply = await h.reply_to(resident, "南海街1号院门口的路灯坏了，晚上黑乎乎的")
    assert not asked_after_fix(reply)


async def test_a_typed_yes_answers_like_the_button(harness):
    h = harness
    resident = h.resident()
    number, _ = await fixed_ticket(h, resident)
    await h.reply_to(resident, STILL, predicate=asked_after_fix)
    await h.reply_to(resident, "是的", predicate=lambda m: f"工单 {number} 已重新交给" in m["text"])
    assert (await Ticket.get(number=number)).status == Status.ASSIGNED


async def test_unanswered_the_words_still_reach_the_unit(harness):
    h = harness
    resident = h.resident()
    number, _ = await fixed_ticket(h, resident)
    question = await h.reply_to(resident, STILL, predicate=asked_after_fix)
    await h.api.send_text(resident, "楼上邻居也说熏得受不了")  # more of the same, kept with it
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.AFTER_FIX_NUDGE)
    h.rt.clock.advance(dt.timedelta(minutes=31))
    run_job_now(h, "expire_questions")
    said = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: m["text"].startswith("💬 居民在办结后留言"))
    assert STILL in said["text"] and "楼上邻居也说熏得受不了" in said["text"] and number in said["text"]
    assert (await Ticket.get(number=number)).status == Status.RESOLVED  # nobody said it was not fixed
    assert await TicketEvent.filter(ticket__number=number, action="commented").count() == 1
    await h.drain()
    assert _buttons(now_shown(h, question)) == []


async def test_a_question_of_a_fixed_ticket_loses_its_reply_button_and_a_reply_to_it_asks_about_the_fix(harness):
    from tests.test_e2e_conversations import ask_resident

    h = harness
    resident = h.resident()
    number, _, asked = await ask_resident(h, resident, REPORT, "请问油烟一般几点开始？")
    await resolve(h, number, note="已联系店家加装油烟净化器")
    await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    await h.drain()
    shown = now_shown(h, asked)
    assert _buttons(shown) == [] and "请问油烟一般几点开始？" in shown["text"] and "已办结" in shown["text"]
    cb = await h.api.press(resident, asked, data=data_of(asked, texts.BTN_ANSWER))  # the old button, forged
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.QUESTION_OVER

    # A reply to the old question is about that ticket: asked whether the fix held.
    await h.api.send_text(resident, "晚上六点就开始了，现在也在冒", reply_to=asked)
    question = await h.api.wait_for_bot_message(resident.id, asked_after_fix)
    assert number in question["text"]
    await h.api.press(resident, question, texts.BTN_AFTER_FIX_NOT_FIXED)
    await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="现在也在冒"))


async def test_a_photo_with_words_saying_it_is_not_fixed_reaches_the_unit_with_them(harness):
    h = harness
    resident = h.resident()
    number, _ = await fixed_ticket(h, resident)
    await h.api.send_photo(resident, caption="还是这样，油烟照样往窗户里灌")
    question = await h.api.wait_for_bot_message(resident.id, asked_after_fix)
    await h.api.press(resident, question, texts.BTN_AFTER_FIX_NOT_FIXED)
    photo = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "photo" in m and number in (m.get("caption") or ""))
    assert photo.get("reply_to_message") is not None  # under the card
    await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="油烟照样往窗户里灌"))
    assert (await Ticket.get(number=number)).status == Status.ASSIGNED


async def test_a_photo_alone_after_a_fix_starts_a_report_without_a_question(harness):
    h = harness
    resident = h.resident()
    await fixed_ticket(h, resident)
    await h.api.send_photo(resident)
    got = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" not in str(m.get("reply_markup")))
    assert got["text"] == texts.GOT_PHOTO_NEED_TEXT
