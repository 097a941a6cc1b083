"""A report has a size cap (issue 14): past Limits.max_text_chars the next text is refused
politely, everything taken so far is kept and filed whole; nothing is cut off silently."""

import json

from bot import texts
from bot.models import Pending, Ticket
from tests.test_e2e_intake import NUMBER, _buttons, answer_followup_and_place, has_button


def _answer(m):
    return texts.BTN_CONFIRM in _buttons(m) or m["text"].startswith(texts.DRAFT_FULL.split("（")[0])


async def test_a_report_past_the_cap_refuses_more_text_keeps_what_it_has_and_files_it_whole(harness):
    h = harness
    resident = h.resident()
    reply = await answer_followup_and_place(h, resident, await h.reply_to(resident, "南海街1号院楼下饭店油烟太大"))
    piece = "每天从早到晚熏得家里没法开窗，" * 260  # 3,900 characters: within one Telegram message
    taken = ["南海街1号院楼下饭店油烟太大"]
    cap = h.rt.limits.max_text_chars
    while len("\n".join([*taken, piece])) <= cap:
        reply = await h.reply_to(resident, piece, predicate=_answer)
        assert texts.BTN_CONFIRM in _buttons(reply), reply["text"]
        taken.append(piece)
    summary = reply

    refused = await h.reply_to(resident, "最后再补充一句：" + piece, predicate=_answer)
    assert refused["text"] == texts.DRAFT_FULL.format(limit=cap)
    draft = await Pending.get(user_id=resident.id)
    assert draft.data["texts"] == taken  # nothing of the refused text, nothing lost before it
    assert len(json.dumps(draft.data, ensure_ascii=False).encode()) < 3 * cap + 4096  # bounded

    await h.api.press(resident, summary, texts.BTN_CONFIRM)  # the summary shown before still works
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    ticket = await Ticket.get(number=NUMBER.search(receipt["text"])[0])
    assert ticket.text == "\n".join(taken)


async def test_a_long_follow_up_answer_is_kept_whole(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "南海街1号院楼下饭店油烟太大")
    assert texts.BTN_SKIP in _buttons(question)  # the fumes follow-up: which shop?
    answer = "就是楼下那家早点铺，" * 80  # 800 characters
    summary = await h.reply_to(resident, answer, predicate=has_button(texts.BTN_CONFIRM))
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    ticket = await Ticket.get(number=NUMBER.search(receipt["text"])[0])
    assert ticket.followups[0]["a"] == answer
