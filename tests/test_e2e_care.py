"""Care work end to end: 微心愿 with racing volunteers, the 需要帮助 button, visit plans."""

import asyncio
import datetime as dt

from bot import texts
from bot.models import Light, Status, Ticket
from bot.models_care import Household, Visit, Wish, WishStatus
from bot.care import visits
from bot.care import wishes
from bot.sla.lights import sweep
from tests.e2e import COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import _buttons

VOLUNTEERS_CHAT = -1001000000009
COMMUNITY_STAFF = 600101  # 梁淑芬, 南海街一社区
VOLUNTEER_A, VOLUNTEER_B = 300001, 300002  # 陈志红, 吴建民: role volunteer in examples/yingze.yaml


async def test_a_wish_is_claimed_by_one_of_two_racing_volunteers_and_delivered(harness):
    h = harness
    staff = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(staff, "/wish 一副老花镜 | 南海街1号院独居的李奶奶，3号楼", chat_id=COMMUNITY_NHJ1_CHAT)
    card = await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: "老花镜" in (m.get("text") or ""))
    assert "李奶奶" not in card["text"] and "3号楼" not in card["text"]  # the beneficiary stays private
    a, b = h.api.user(VOLUNTEER_A, "陈志红"), h.api.user(VOLUNTEER_B, "吴建民")
    cb_a, cb_b = await asyncio.gather(h.api.press(a, card, texts.BTN_WISH_CLAIM, chat_id=VOLUNTEERS_CHAT),
                                      h.api.press(b, card, texts.BTN_WISH_CLAIM, chat_id=VOLUNTEERS_CHAT))
    answers = [(await h.api.wait_for_callback_answer(cb))["text"] for cb in (cb_a, cb_b)]
    assert sorted(answers) == sorted([texts.WISH_CLAIMED_TOAST, texts.WISH_TAKEN])
    winner = a if answers[0] == texts.WISH_CLAIMED_TOAST else b
    loser = b if winner is a else a
    wish = await Wish.get()
    assert wish.status == WishStatus.CLAIMED and wish.claimed_by == winner.id
    await h.api.wait_for_bot_message(winner.id, lambda m: "老花镜" in m["text"])
    # only the claimer can deliver
    claimed = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(VOLUNTEERS_CHAT)
                                                 if texts.BTN_WISH_DELIVERED in _buttons(m)), None))
    cb = await h.api.press(loser, claimed, texts.BTN_WISH_DELIVERED, chat_id=VOLUNTEERS_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.WISH_NOT_YOURS
    await h.api.press(winner, claimed, texts.BTN_WISH_DELIVERED, chat_id=VOLUNTEERS_CHAT)
    asked = await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: "送达照片" in (m.get("text") or ""))
    await h.api.send_photo(winner, chat_id=VOLUNTEERS_CHAT, reply_to=asked)  # privacy mode: a reply reaches the bot
    thanks_card = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: bool(m.get("photo")))
    await wish.refresh_from_db()
    assert wish.status == WishStatus.DELIVERED and wish.delivery_photo
    await h.api.press(staff, thanks_card, texts.BTN_WISH_THANK, chat_id=COMMUNITY_NHJ1_CHAT)
    await h.api.wait_for_bot_message(winner.id, lambda m: "感谢" in m["text"])
    await h.api.send_text(staff, "/wishes", chat_id=COMMUNITY_NHJ1_CHAT)
    listing = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "微心愿：" in (m.get("text") or ""))
    assert "老花镜" in listing["text"] and "已致谢" in listing["text"] and "李奶奶" not in listing["text"]


async def test_an_unclaimed_wish_is_reminded_once_after_a_week(harness):
    h = harness
    staff = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(staff, "/wish 一根拐杖", chat_id=COMMUNITY_NHJ1_CHAT)
    await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: "拐杖" in (m.get("text") or ""))
    assert await wishes.remind_unclaimed(h.rt) == 0
    h.rt.clock.advance(dt.timedelta(days=7, minutes=1))
    assert await wishes.remind_unclaimed(h.rt) == 1
    assert await wishes.remind_unclaimed(h.rt) == 0
    await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "还没有人认领" in (m.get("text") or ""))


async def test_one_press_help_reaches_the_worker_and_turns_red_after_30_minutes(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    elder = h.resident(5551234, "李桂英")
    await h.api.send_text(elder, "/start")
    await h.api.wait_for_bot_message(elder.id)
    await h.api.send_text(worker, f"/care {elder.id} 独居老人")
    await h.api.wait_for_bot_message(worker.id, lambda m: "关爱对象" in m["text"])
    enrolled = await h.api.wait_for_bot_message(elder.id, lambda m: "需要帮助" in m["text"])
    assert texts.BTN_NEED_HELP in str(enrolled.get("reply_keyboard") or enrolled.get("reply_markup"))

    await h.api.send_text(elder, texts.BTN_NEED_HELP)
    alert = await h.api.wait_for_bot_message(worker.id, lambda m: "一键求助" in m["text"])
    assert "李桂英" in alert["text"]  # the worker must know whom to find
    card = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
                                              if "一键求助" in (m.get("text") or "")), None))
    assert "李桂英" not in card["text"]  # but the group sees no name
    await h.api.wait_for_bot_message(elder.id, lambda m: "马上联系您" in m["text"])
    ticket = await Ticket.get(source="help")
    assert ticket.urgent and ticket.status == Status.ASSIGNED
    # the resident's next words reach the worker's group through the relay
    await h.api.send_text(elder, "我摔倒了起不来")
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "摔倒" in (m.get("text") or ""))

    h.rt.clock.advance(dt.timedelta(minutes=29))
    await sweep(h.rt)
    await ticket.refresh_from_db()
    assert ticket.light != Light.RED
    h.rt.clock.advance(dt.timedelta(minutes=2))
    await sweep(h.rt)
    await ticket.refresh_from_db()
    assert ticket.light == Light.RED


async def test_someone_not_marked_pressing_help_is_an_ordinary_message(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, texts.BTN_NEED_HELP)
    assert "一键求助" not in reply["text"]
    assert await Ticket.filter(source="help").count() == 0


async def test_visit_plan_reminds_on_schedule_and_a_visit_clears_it(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/household 3号楼王大爷 重点 独居，腿脚不便")
    await h.api.wait_for_bot_message(worker.id, lambda m: "已登记" in m["text"])
    # not due within the week yet? a 重点户 is due in 7 days: the reminder window covers it
    assert await visits.remind_due(h.rt) >= 1
    digest = await h.api.wait_for_bot_message(worker.id, lambda m: "待走访" in m["text"])
    assert "3号楼王大爷" in digest["text"]
    assert await visits.remind_due(h.rt) == 0  # once per due date
    group_text = "\n".join(m.get("text") or "" for m in h.api.transcript(GRID_NHJ1_01_CHAT))
    assert "王大爷" not in group_text
    h.rt.clock.advance(dt.timedelta(days=8))
    await visits.remind_due(h.rt)
    overdue = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "走访逾期" in (m.get("text") or ""))
    assert "逾期 1 户" in overdue["text"] and "王大爷" not in overdue["text"]

    await h.api.send_text(worker, "/visit")
    menu = await h.api.wait_for_bot_message(worker.id, lambda m: "走访哪一户" in m["text"])
    await h.api.press(worker, menu, _buttons(menu)[0])
    await h.api.wait_for_bot_message(worker.id, lambda m: "走访情况" in m["text"])
    await h.api.send_photo(worker)
    await h.api.wait_for_bot_message(worker.id, lambda m: m["text"] == texts.VISIT_GOT_ATTACHMENT)
    await h.api.send_text(worker, "身体还好，已帮忙联系送餐")
    await h.api.wait_for_bot_message(worker.id, lambda m: "已记录" in m["text"])
    visit = await Visit.get()
    assert visit.photo and visit.note == "身体还好，已帮忙联系送餐"
    household = await Household.get()
    assert household.next_due_at > h.rt.clock.now() + dt.timedelta(days=6)
    assert await Household.filter(next_due_at__lt=h.rt.clock.now()).count() == 0


async def test_score_for_a_worker_in_private_and_a_community_in_its_chat(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/score")
    mine = await h.api.wait_for_bot_message(worker.id, lambda m: "考核得分" in m["text"])
    assert "张丽" in mine["text"] and "南海街一社区第一网格" in mine["text"]
    leader = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(leader, "/score 2026-13", chat_id=COMMUNITY_NHJ1_CHAT)
    assert (await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT))["text"] == texts.SCORE_USAGE
    await h.api.send_text(leader, "/score", chat_id=COMMUNITY_NHJ1_CHAT)
    all_grids = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "考核得分" in (m.get("text") or ""))
    assert all_grids["text"].count("【") == 3  # the community's three grids
