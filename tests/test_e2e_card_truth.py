"""The card tells the truth, end to end through the loopback Bot API: its light when a reminder
arrives, its end after the resident's rating, its deadline written as every list writes it, and
its 依据 in the resident's own words."""

import datetime as dt
import re

from bot import texts
from bot.models import Ticket
from bot.workflow.cards import evidence
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_comeback import cards_of, newest_card
from tests.test_e2e_feedback import resolve
from tests.test_e2e_intake import _buttons, submit_report
from tests.test_e2e_sla import run_sweep_now

DEADLINE = re.compile(r"期限：(\d\d-\d\d \d\d:\d\d)")


async def test_a_yellow_reminder_arrives_under_a_card_that_shows_yellow(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    assert card["text"].startswith("🟢")
    h.rt.clock.advance(dt.timedelta(hours=24, minutes=1))
    run_sweep_now(h)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🟡 黄灯" in (m.get("text") or ""))
    await h.drain()
    card = newest_card(h, GRID_NHJ1_01_CHAT, number)()
    assert card["text"].startswith(f"🟡 工单 {number}"), card["text"]


async def test_a_rated_card_reads_closed_with_the_rating_and_the_residents_words(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    await resolve(h, number, note="店家加装了油烟净化器")
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    await h.api.press(resident, ask, "基本满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
    await h.reply_to(resident, "好多了，就是晚上还有点味", predicate=lambda m: m["text"] == texts.COMMENT_THANKS)
    await h.drain()
    card = cards_of(h, GRID_NHJ1_01_CHAT, number)[-1]
    status = card["text"].split("状态：")[1]
    assert status == "已关闭，居民评价：基本满意，居民意见：好多了，就是晚上还有点味（处理结果：店家加装了油烟净化器）"
    assert "已办结" not in card["text"] and not _buttons(card)


async def test_nobody_rating_closes_the_card_as_default_satisfied(harness):
    from bot.workflow.feature import close_unrated

    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    await resolve(h, number, note="已加固")
    await h.api.wait_for_bot_message(5550001, lambda m: "满意" in _buttons(m))
    h.rt.clock.advance(dt.timedelta(days=3, minutes=1))
    assert await close_unrated(h.rt) == 1
    await h.drain()
    card = cards_of(h, GRID_NHJ1_01_CHAT, number)[-1]
    assert card["text"].endswith("状态：已关闭，居民评价：默认满意（处理结果：已加固）")


async def test_the_overdue_list_writes_the_deadline_as_the_card_does(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    on_card = DEADLINE.search(card["text"])[1]
    assert on_card.endswith("24:00")  # working-day deadlines end at local midnight
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)  # the deadline runs on
    await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RESOLVE, saying="处理中"))
    ticket = await Ticket.get(number=number)
    h.rt.clock.advance(ticket.due_at - h.rt.clock.now() + dt.timedelta(minutes=1))
    run_sweep_now(h)
    overdue = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "⌛ 超期" in (m.get("text") or ""))
    assert f"期限 {on_card}" in overdue["text"], (on_card, overdue["text"])


async def test_basis_shows_the_residents_words_even_for_tickets_holding_rule_syntax(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院的垃圾桶满了三天没人收，楼道灯也坏了")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    assert "*" not in card["text"].split("依据：")[1].split("）")[0]
    # A ticket filed before the classifier kept the resident's words holds the rules' syntax.
    await Ticket.filter(number=number).update(reasons=["垃圾*没人收", "灯*坏", "路灯*不亮"])
    await h.api.send_text(h.staff(WORKER_NHJ1_01, "张丽"), f"/ticket {number}", chat_id=GRID_NHJ1_01_CHAT)
    shown = await h.api.wait_for_bot_message(
        GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or "") and m["message_id"] > card["message_id"])
    basis = shown["text"].split("依据：")[1].split("）")[0]
    assert basis == "垃圾桶满了三天没人收、灯也坏、路灯…不亮", basis


def test_evidence_never_shows_an_asterisk():
    ticket = Ticket(text="樓道燈壞了", reasons=["灯*坏", "灯*坏", "路灯*不亮", "井盖"])
    assert evidence(ticket) == "灯坏、路灯…不亮、井盖"
    assert evidence(Ticket(text="x", reasons=[])) == "—"
    long = Ticket(text="垃圾桶从上周一开始一直堆在门口到现在都没人收", reasons=["垃圾*没人收"])
    assert evidence(long) == "垃圾…没人收"  # a long stretch of text is no quote
