"""One way in (issue 15): each pending question has one owner, one person who may answer it, a
prompt that person can answer under privacy mode, and an end. Every test drives the real bot
through the loopback Bot API, from the chat of the person at the far end."""

import datetime as dt

from bot import texts
from bot.models import Pending, Status, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_care import COMMUNITY_STAFF, VOLUNTEERS_CHAT
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import card_in, press_and_reason


def run_job_now(h, name: str) -> None:
    h.bot.scheduler.get_job(name).modify(next_run_time=dt.datetime.now(dt.timezone.utc))


def text_of(message) -> str:
    return message.get("text") or message.get("caption") or ""


async def ask_resident(h, resident, report: str, question: str):
    number = await submit_report(h, resident, report)
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ASK))
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_ASK, question)
    asked = await h.api.wait_for_bot_message(resident.id, lambda m: question in m["text"])
    return number, card, asked


async def test_an_answer_typed_without_replying_reaches_the_worker(harness):
    """The question says "请直接回复": a resident who just types the answer is answered, and
    the words go under the card, not into "意见已记录" or a new report."""
    h = harness
    resident = h.resident()
    number, card, _ = await ask_resident(h, resident, "南海街1号院楼上邻居半夜噪音很大", "请问是几号楼几层？")
    await h.api.send_text(resident, "3号楼5层")  # no reply, no button
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ANSWER_SENT)
    relayed = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "3号楼5层" in text_of(m))
    assert relayed["reply_to_message"]["message_id"] == card["message_id"]
    assert not any(texts.ASK_PLACE in m["text"] for m in h.api.bot_messages(resident.id))
    assert await TicketEvent.filter(ticket__number=number, action="answered").count() == 1


async def test_a_new_complaint_while_a_question_waits_is_asked_about_once(harness):
    h = harness
    resident = h.resident()
    number, _, asked = await ask_resident(h, resident, "南海街1号院楼上邻居半夜噪音很大", "请问是几号楼几层？")
    await h.api.send_text(resident, "小区门口的路灯坏了好几天了，晚上黑漆漆的")
    which = await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.WHICH_QUESTION)
    await h.api.press(resident, which, texts.BTN_WHICH_NEW)
    nxt = await h.api.wait_for_bot_message(resident.id, lambda m: m["message_id"] > which["message_id"])
    assert "路灯" in (await Pending.get(user_id=resident.id, kind="report")).data["texts"][0]
    assert nxt["text"] != texts.ANSWER_SENT
    assert await TicketEvent.filter(ticket__number=number, action="answered").count() == 0
    await h.drain()  # the question is answered: its words and the choice stay, its buttons go
    shown = next(m for m in h.api.transcript(resident.id) if m["message_id"] == which["message_id"])
    assert "reply_markup" not in shown and texts.WHICH_CHOSE_NEW in shown["text"]
    # The new report is what plain words now go to; the question still takes a reply to it.
    await h.api.send_text(resident, "我住3号楼5层", reply_to=asked)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "3号楼5层" in text_of(m))


async def test_a_written_explanation_sent_as_a_captioned_photo_is_taken(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    h.rt.clock.advance(dt.timedelta(hours=48, minutes=1))
    run_job_now(h, "sla_sweep")
    red = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "🔴 红灯" in text_of(m))
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.press(worker, red, f"书面说明 {number}", chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "书面说明" in text_of(m) and "张丽" in text_of(m))
    await h.api.send_photo(worker, caption="当天在外参加防汛培训，未及时查看工作群，附培训通知", chat_id=GRID_NHJ1_01_CHAT,
                           reply_to=prompt)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: text_of(m) == texts.SLA_EXPLAINED.format(number=number))
    assert not any(text_of(m) == texts.STALE_BUTTON for m in h.api.bot_messages(GRID_NHJ1_01_CHAT))
    event = await TicketEvent.get(ticket__number=number, action="explained")
    assert "防汛培训" in event.note and len(event.data["photos"]) == 1
    await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: bool(m.get("photo")) and number in text_of(m))


async def test_group_chatter_after_a_press_is_never_the_answer(harness):
    """The bot sees everything in this group (an admin): still, only the person asked answers."""
    h = harness
    h.api.add_chat(GRID_NHJ1_01_CHAT, "supergroup", "南海街一社区第一网格", bot_admin=True)
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院门口井盖松了，走上去咣当响")
    worker, colleague = h.staff(WORKER_NHJ1_01, "张丽"), h.staff(COMMUNITY_STAFF, "梁淑芬")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RESOLVE))
    await h.api.press(worker, card, texts.BTN_RESOLVE, chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理结果" in text_of(m))
    # A question to one person: a selective ForceReply that names them (their reply box opens).
    assert prompt["reply_keyboard"]["force_reply"] is True and prompt["reply_keyboard"]["selective"] is True
    assert [e["user"]["id"] for e in prompt["entities"] if e["type"] == "text_mention"] == [WORKER_NHJ1_01]

    await h.api.send_text(colleague, "大家好，明天上午九点开例会", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.send_text(colleague, "已经修好了", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    refused = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "张丽" in text_of(m) and "回答" in text_of(m))
    assert refused["text"] == texts.PROMPT_NOT_YOURS.format(name="张丽")
    await h.drain()
    assert (await Ticket.get(number=number)).status == Status.ASSIGNED
    assert not any("满意" in str(m.get("reply_markup")) for m in h.api.bot_messages(resident.id))

    await h.api.send_text(worker, "井盖已固定，已试踩", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    await h.api.wait_for_bot_message(resident.id, lambda m: "井盖已固定" in m["text"])
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.RESOLVED and ticket.resolution_note == "井盖已固定，已试踩"


async def test_a_question_nobody_answers_ends_politely(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口井盖松了，走上去咣当响")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RESOLVE))
    await h.api.press(worker, card, texts.BTN_RESOLVE, chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理结果" in text_of(m))
    h.rt.clock.advance(dt.timedelta(hours=2, minutes=1))
    run_job_now(h, "expire_questions")
    ended = texts.REASON_EXPIRED.format(name="张丽", number=number, what=texts.REASON_WORDS["resolve"])
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: text_of(m) == ended)
    await h.api.send_text(worker, "井盖已固定", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)  # too late
    await h.drain()
    assert (await Ticket.get(number=number)).status == Status.ASSIGNED


async def test_the_private_help_alert_resolves_the_ticket(harness):
    """办结 on the 一键求助 alert in the worker's private chat, and the result typed there."""
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    elder = h.resident(5551234, "李桂英")
    await h.api.send_text(elder, "/start")
    await h.api.wait_for_bot_message(elder.id)
    await h.api.send_text(worker, f"/care {elder.id} 独居老人")
    await h.api.wait_for_bot_message(elder.id, lambda m: "需要帮助" in m["text"])
    await h.api.send_text(elder, texts.BTN_NEED_HELP)
    alert = await h.api.wait_for_bot_message(worker.id, lambda m: "一键求助" in m["text"])
    await h.api.press(worker, alert, texts.BTN_RESOLVE)
    await h.api.wait_for_bot_message(worker.id, lambda m: "处理结果" in m["text"])
    await h.api.send_text(worker, "已上门，老人摔了一跤无大碍，已联系家属")
    await h.api.wait_for_bot_message(worker.id, lambda m: "已办结" in m["text"] or "办结" in m["text"])
    ticket = await Ticket.get(source="help")
    assert ticket.status == Status.RESOLVED and "联系家属" in ticket.resolution_note
    assert not any(texts.ASK_PLACE in m["text"] or texts.NEED_TEXT in m["text"] for m in h.api.bot_messages(worker.id))
    assert not await Pending.filter(user_id=WORKER_NHJ1_01, kind="report").exists()


async def test_every_declared_job_is_scheduled_and_the_care_reminders_arrive(harness):
    h = harness
    assert {job.id for job in h.bot.scheduler.get_jobs()} == set(h.bot.registry.jobs)
    staff = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(staff, "/wish 一根拐杖", chat_id=COMMUNITY_NHJ1_CHAT)
    await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: "拐杖" in text_of(m))
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/household 3号楼王大爷 重点 独居，腿脚不便")
    await h.api.wait_for_bot_message(worker.id, lambda m: "已登记" in m["text"])
    h.rt.clock.advance(dt.timedelta(days=7, minutes=1))
    run_job_now(h, "remind_unclaimed_wishes")
    run_job_now(h, "remind_due_visits")
    await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "还没有人认领" in text_of(m))
    digest = await h.api.wait_for_bot_message(worker.id, lambda m: "待走访" in m["text"])
    assert "3号楼王大爷" in digest["text"]
