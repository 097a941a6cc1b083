"""A resident's answers through the relay (issue 14): a burst is kept whole in the history but
the chat hears only a few and one summary; an answer longer than a Telegram message arrives in
parts, nothing lost; the split itself counts UTF-16 units as Telegram does."""

import datetime as dt

from bot import texts
from bot.models import Outbox, OutboxStatus, Ticket, TicketEvent
from bot.messaging.longtext import MESSAGE_LIMIT, split_utf16, u16len
from bot.workflow.relay import relayed_text
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.procs import until
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import card_in, press_and_reason


async def _asked(h):
    """A filed report whose worker asked the resident a question; the question message."""
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼上邻居半夜噪音很大")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ASK))
    await press_and_reason(h, h.staff(WORKER_NHJ1_01, "张丽"), GRID_NHJ1_01_CHAT, card, texts.BTN_ASK, "几号楼几层？")
    question = await h.api.wait_for_bot_message(resident.id, lambda m: "几号楼几层" in m["text"])
    return resident, await Ticket.get(number=number), question


def _relayed(h, number):
    return [m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
            if (m.get("text") or "").startswith(f"居民回复（工单 {number}")]


def _summaries(h, number):
    return [m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
            if m.get("text") == texts.RELAY_HELD.format(number=number)]


async def test_twenty_answers_at_once_reach_the_chat_as_a_few_and_one_summary_and_all_stay_in_history(harness):
    h = harness
    resident, ticket, question = await _asked(h)
    for i in range(20):
        await h.api.send_text(resident, f"第{i + 1}条：3号楼5层", reply_to=question)

    async def all_kept():
        return await TicketEvent.filter(ticket_id=ticket.id, action="answered").count() == 20

    await until(all_kept, timeout=20)
    await h.drain()
    burst = h.rt.limits.relay_burst
    assert len(_relayed(h, ticket.number)) == burst
    assert len(_summaries(h, ticket.number)) == 1
    notes = await TicketEvent.filter(ticket_id=ticket.id, action="answered").values_list("note", flat=True)
    assert sorted(notes) == sorted(f"第{i + 1}条：3号楼5层" for i in range(20))  # every word kept

    # A minute (and the flood window) later, answers reach the chat again.
    h.rt.clock.advance(dt.timedelta(seconds=h.rt.limits.relay_window_seconds + 1))
    await h.api.send_text(resident, "补充：是502室", reply_to=question)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "502室" in (m.get("text") or ""))
    assert len(_summaries(h, ticket.number)) == 1


async def test_an_answer_past_telegrams_limit_arrives_in_marked_parts(harness):
    h = harness
    resident, ticket, question = await _asked(h)
    # Telegram's own ceiling for what the resident can send: 4,096 units, here with emoji
    # (two units each) so counting characters instead of UTF-16 units would overflow.
    answer = "楼上每晚都在跺脚😡。" * 371
    whole = texts.RELAY_ANSWER.format(number=ticket.number, answer=answer)
    assert u16len(answer) <= MESSAGE_LIMIT < u16len(whole) and len(whole) < MESSAGE_LIMIT
    await h.api.send_text(resident, answer, reply_to=question)
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ANSWER_SENT)
    await h.drain()
    parts = _relayed(h, ticket.number)
    assert [p["text"].split("：", 1)[0] for p in parts] == [
        f"居民回复（工单 {ticket.number}）（1/2）", f"居民回复（工单 {ticket.number}）（2/2）"]
    assert "".join(p["text"].split("：", 1)[1] for p in parts) == answer
    assert all(u16len(p["text"]) <= MESSAGE_LIMIT for p in parts)
    assert await Outbox.filter(status=OutboxStatus.DEAD).count() == 0
    event = await TicketEvent.filter(ticket_id=ticket.id, action="answered").first()
    assert event.note == answer  # the history keeps it whole too


def test_split_counts_utf16_units_never_cuts_a_surrogate_pair_and_prefers_a_break():
    text = "😀" * 10
    parts = split_utf16(text, 5)
    assert "".join(parts) == text and all(u16len(p) <= 5 for p in parts) and parts[0] == "😀😀"
    prose = "第一句话比较长一些。第二句也不短"
    parts = split_utf16(prose, 12)
    assert parts == ["第一句话比较长一些。", "第二句也不短"]  # cut after the sentence, not inside the next
    assert split_utf16("没有标点的一长串文字", 4) == ["没有标点", "的一长串", "文字"]
    assert "".join(parts) == prose and all(u16len(p) <= 12 for p in parts)
    assert split_utf16("", 10) == [""]
    short = relayed_text("YZ-1", "好的")
    assert short == [texts.RELAY_ANSWER.format(number="YZ-1", answer="好的")]
