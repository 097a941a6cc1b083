"""A resident's report becomes a ticket and a card in the right grid's chat, and the loop
resident → worker → resident closes; all through the loopback Bot API."""

import re

from bot import texts
from bot.models import Attachment, Draft, Outbox, OutboxStatus, Resident, Status, Ticket, TicketEvent
from tests.e2e import (
    COMMAND_CHAT, COMMANDER, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, IN_NHJ1_01, WORKER_NHJ1_01,
    WORKER_NHJ1_02,
)

NUMBER = re.compile(r"YZ-\d{8}-\d{4}")


def has_button(label):
    return lambda m: any(label == t for t in _buttons(m))


def _buttons(message):
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def answer_followup_and_place(h, resident, reply):
    """Skip the category's follow-up question, if asked."""
    if texts.BTN_SKIP in _buttons(reply):
        await h.api.press(resident, reply, texts.BTN_SKIP)
        reply = await h.api.wait_for_bot_message(resident.id, lambda m: m["message_id"] > reply["message_id"])
    return reply


async def test_text_report_to_card_accept_resolve_rate(harness):
    h = harness
    resident = h.resident()
    first = await h.reply_to(resident, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    assert "店铺" in first["text"]  # the fumes follow-up question
    summary = await h.reply_to(resident, "楼下的老王早点铺，南海街12号",
                               predicate=has_button(texts.BTN_CONFIRM))
    assert "油烟" in summary["text"] and "南海街一社区第一网格" in summary["text"]
    assert "5个工作日内办结" in summary["text"]

    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    number = NUMBER.search(receipt["text"])[0]
    assert "南海街一社区第一网格" in receipt["text"]

    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert "老王早点铺" in card["text"]  # the follow-up answer is on the card
    assert {"接单", "办结", "上报", "转派", "退回"} <= set(_buttons(card))
    assert "王秀兰" not in card["text"] and "王*" in card["text"]

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    cb = await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.ACCEPTED_TOAST
    await h.api.wait_for_bot_message(resident.id, lambda m: "已有网格员接单" in m["text"])
    card = await h.api.wait_for(lambda: _card(h, GRID_NHJ1_01_CHAT, number, "处理中"))
    assert _buttons(card)[0] == texts.BTN_RESOLVE

    cb = await h.api.press(worker, card, texts.BTN_RESOLVE, chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理结果" in (m.get("text") or ""))
    await h.api.send_text(worker, "已上门协调，店家加装油烟净化器", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    ask = await h.api.wait_for_bot_message(resident.id, has_button("满意"))
    assert "加装油烟净化器" in ask["text"]
    await h.api.wait_for(lambda: _card(h, GRID_NHJ1_01_CHAT, number, "已办结"))

    await h.api.press(resident, ask, "满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
    await h.reply_to(resident, "处理得很快，谢谢", predicate=lambda m: m["text"] == texts.COMMENT_THANKS)

    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.CLOSED and ticket.rating == "satisfied"
    assert ticket.rating_comment == "处理得很快，谢谢"
    actions = await TicketEvent.filter(ticket=ticket).order_by("id").values_list("action", flat=True)
    assert actions == ["submitted", "assigned", "accepted", "resolved", "rated", "commented"]
    await h.drain()
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == await Outbox.all().count()


def _card(h, chat_id, number, status_word):
    for m in h.api.transcript(chat_id):
        if m.get("from_bot") and number in (m.get("text") or "") and status_word in m["text"] and "类别" in m["text"]:
            return m
    return None
