"""A photo a worker sends in the grid's chat without a word gets an answer: it is kept on the
ticket they are working on, or they are asked which. Under privacy mode (Telegram's default)
the bot sees a photo only when it replies to one of its messages, so the worker replies to the
card; a bot that is an admin of the group sees plain photos too."""

from bot import texts
from bot.models import Attachment, Ticket, TicketEvent
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_comeback import newest_card
from tests.test_e2e_intake import _buttons, submit_report

COMMUNITY_STAFF = 600101  # 梁淑芬, of the community above the grid


async def accepted(h, number):
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    return await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RESOLVE,
                                            saying="处理中"))


async def test_a_photo_replying_to_a_card_is_kept_on_that_ticket(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_photo(worker, chat_id=GRID_NHJ1_01_CHAT, reply_to=card)
    kept = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "已记入工单" in (m.get("text") or ""))
    assert kept["text"] == texts.SITE_PHOTO_KEPT.format(name="张丽", number=number, count=1)
    assert kept["reply_to_message"]["message_id"] == card["message_id"]
    ticket = await Ticket.get(number=number)
    assert await Attachment.filter(ticket=ticket, kind="site").count() == 1
    assert await TicketEvent.filter(ticket=ticket, action="photo_added").count() == 1
    await h.api.send_text(worker, f"/history {number}", chat_id=GRID_NHJ1_01_CHAT)
    history = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理记录" in (m.get("text") or ""))
    assert "张丽（网格员） 现场照片" in history["text"]


async def test_a_plain_photo_goes_to_the_one_ticket_the_worker_holds(harness):
    h = harness
    h.api.add_chat(GRID_NHJ1_01_CHAT, "supergroup", "南海街一社区第一网格", bot_admin=True)  # sees every message
    first = await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    await submit_report(h, h.resident(5550002, "陈美玲"), "南海街1号院楼道里堆满杂物，存在消防隐患")
    await accepted(h, first)  # the other one waits, not accepted
    await h.api.send_photo(h.staff(WORKER_NHJ1_01, "张丽"), chat_id=GRID_NHJ1_01_CHAT)
    kept = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "已记入工单" in (m.get("text") or ""))
    assert first in kept["text"]
    assert await Attachment.filter(ticket=await Ticket.get(number=first), kind="site").count() == 1


async def test_a_plain_photo_with_two_tickets_in_hand_asks_which(harness):
    h = harness
    h.api.add_chat(GRID_NHJ1_01_CHAT, "supergroup", "南海街一社区第一网格", bot_admin=True)
    first = await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    second = await submit_report(h, h.resident(5550002, "陈美玲"), "南海街1号院楼道里堆满杂物，存在消防隐患")
    await accepted(h, first)
    await accepted(h, second)
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_photo(worker, chat_id=GRID_NHJ1_01_CHAT)
    question = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: m.get("text") == texts.SITE_PHOTO_WHICH.format(name="张丽"))
    labels = _buttons(question)
    assert labels[0].startswith(second) and labels[1].startswith(first)  # the last accepted first
    assert labels[-1] == texts.BTN_SITE_PHOTO_NONE
    # only the sender answers it
    cb = await h.api.press(h.staff(COMMUNITY_STAFF, "梁淑芬"), question, labels[1], chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.PROMPT_NOT_YOURS.format(name="张丽")
    cb = await h.api.press(worker, question, labels[1], chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.SITE_PHOTO_TOAST.format(number=first)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: f"已记入工单 {first}" in (m.get("text") or ""))
    assert await Attachment.filter(ticket=await Ticket.get(number=first), kind="site").count() == 1
    assert await Attachment.filter(ticket=await Ticket.get(number=second), kind="site").count() == 0
    cb = await h.api.press(worker, question, labels[0], chat_id=GRID_NHJ1_01_CHAT)  # answered: spent
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.STALE_BUTTON


async def test_a_plain_photo_from_anyone_but_the_units_own_staff_is_left_alone(harness):
    h = harness
    h.api.add_chat(GRID_NHJ1_01_CHAT, "supergroup", "南海街一社区第一网格", bot_admin=True)
    await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    await h.drain()
    before = len(h.api.bot_messages(GRID_NHJ1_01_CHAT))
    await h.api.send_photo(h.resident(5550009, "路人"), chat_id=GRID_NHJ1_01_CHAT)
    await h.api.send_photo(h.staff(COMMUNITY_STAFF, "梁淑芬"), chat_id=GRID_NHJ1_01_CHAT)  # visiting staff
    await h.api.send_text(h.staff(WORKER_NHJ1_01, "张丽"), "/todo", chat_id=GRID_NHJ1_01_CHAT)  # a marker
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "待办工单" in (m.get("text") or ""))
    assert len(h.api.bot_messages(GRID_NHJ1_01_CHAT)) == before + 1
