"""A ticket that comes back to a unit is news in that unit's chat: a new card at the bottom says
it came back and why, in the resident's or the sender's words; the old card far up says where
the ticket went. The reason for 上报 and 转派 reaches the receiving unit's chat. All through the
loopback Bot API, workers answering prompts by replying to them (privacy mode)."""

from bot import texts
from bot.models import Status, Ticket
from tests.e2e import COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_feedback import resolve
from tests.test_e2e_intake import _buttons, submit_report
from tests.test_e2e_workflow import (
    CHENGGUAN_CHAT, CHENGGUAN_STAFF, COMMUNITY_STAFF, STREET_STAFF, card_in, press_and_reason,
)


def cards_of(h, chat_id, number):
    """Every message in the chat that is (or was) the ticket's card, oldest first."""
    return [m for m in h.api.bot_messages(chat_id) if number in (m.get("text") or "") and "类别：" in m["text"]]


def newest_card(h, chat_id, number, *, with_button=texts.BTN_ACCEPT, saying=""):
    def find():
        shown = cards_of(h, chat_id, number)
        last = shown[-1] if shown else None
        if last and with_button in _buttons(last) and saying in last["text"]:
            return last
        return None
    return find


async def test_unsatisfied_comes_back_as_a_new_card_with_the_residents_words(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    first = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    await resolve(h, number, note="已上门协调，店家清洗了烟道")
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    await h.api.press(resident, ask, "不满意")

    # The unit hears it as a new message, at the bottom, with buttons to work it again.
    again = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="不满意"))
    assert again["message_id"] > first["message_id"]
    assert "居民对处理结果不满意，重新交办" in again["text"] and "上次处理：已上门协调，店家清洗了烟道" in again["text"]
    # The old card far up points down to it, and offers nothing to press.
    old = next(m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT) if m["message_id"] == first["message_id"])
    assert old["text"].startswith(texts.CARD_RETIRED) and not _buttons(old)

    # The resident is asked what is still wrong; their words reach the unit under the new card.
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ASK_WHAT_IS_WRONG)
    await h.api.send_text(resident, "油烟还是很大，晚上根本不敢开窗")
    said = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "居民补充" in (m.get("text") or ""))
    assert "油烟还是很大，晚上根本不敢开窗" in said["text"]
    assert said["reply_to_message"]["message_id"] == again["message_id"]
    await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="居民说：“油烟还是很大，晚上根本不敢开窗”"))
    # It is one card, edited, not a third one.
    assert len(cards_of(h, GRID_NHJ1_01_CHAT, number)) == 2


async def test_transfer_reason_reaches_the_department_and_its_return_comes_back_in_its_words(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口有人占道经营摆摊卖菜")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    first = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_TRANSFER))
    await h.api.press(worker, first, texts.BTN_TRANSFER, chat_id=GRID_NHJ1_01_CHAT)
    picker = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "职能部门" in (m.get("text") or ""))
    await h.api.press(worker, picker, "区城管局", chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "转派给【区城管局】的原因" in (m.get("text") or ""))
    await h.api.send_text(worker, "摊贩每天早上占用人行道，需要城管执法", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)

    dept = await h.api.wait_for(newest_card(h, CHENGGUAN_CHAT, number))
    assert "【南海街一社区第一网格】张丽转派：摊贩每天早上占用人行道，需要城管执法" in dept["text"]
    await press_and_reason(h, h.staff(CHENGGUAN_STAFF, "史振华"), CHENGGUAN_CHAT, dept, texts.BTN_RETURN,
                           "摊位在小区院内，属物业管理，不归城管")

    back = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="退回"))
    assert back["message_id"] > first["message_id"]
    assert "↩️ 【区城管局】史振华退回：摊位在小区院内，属物业管理，不归城管" in back["text"]
    old = next(m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT) if m["message_id"] == first["message_id"])
    assert old["text"].startswith(texts.CARD_RETIRED) and not _buttons(old)
    # The department's card says where the ticket went.
    await h.api.wait_for(lambda: "已退回至【南海街一社区第一网格】" in cards_of(h, CHENGGUAN_CHAT, number)[-1]["text"])


async def test_escalation_reason_reaches_the_community_and_a_rejection_comes_back_in_its_words(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口的井盖松了，踩上去晃")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ESCALATE))
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_ESCALATE, "井盖底座损坏，需要市政更换")
    community = await h.api.wait_for(newest_card(h, COMMUNITY_NHJ1_CHAT, number))
    assert "⬆️ 【南海街一社区第一网格】张丽上报：井盖底座损坏，需要市政更换" in community["text"]
    # the grid's card says where it went
    await h.api.wait_for(lambda: "已上报至【南海街一社区】" in cards_of(h, GRID_NHJ1_01_CHAT, number)[-1]["text"])

    await press_and_reason(h, h.staff(COMMUNITY_STAFF, "梁淑芬"), COMMUNITY_NHJ1_CHAT, community,
                           texts.BTN_RESOLVE, "已联系市政")
    resolved = await h.api.wait_for(newest_card(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_REJECT))
    await press_and_reason(h, h.staff(STREET_STAFF, "王春梅"), COMMUNITY_NHJ1_CHAT, resolved, texts.BTN_REJECT,
                           "只是联系了，井盖还没换")
    back = await h.api.wait_for(newest_card(h, COMMUNITY_NHJ1_CHAT, number, saying="驳回"))
    assert back["message_id"] > resolved["message_id"]
    assert "↩️ 【庙前街道】王春梅驳回办结：只是联系了，井盖还没换" in back["text"]
    old = next(m for m in h.api.bot_messages(COMMUNITY_NHJ1_CHAT) if m["message_id"] == community["message_id"])
    assert old["text"].startswith(texts.CARD_RETIRED) and not _buttons(old)
    assert (await Ticket.get(number=number)).status == Status.ASSIGNED


async def test_not_fixed_after_closing_comes_back_as_a_new_card(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院门口的井盖松了，踩上去晃")
    first = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    await resolve(h, number, note="已加固井盖")
    ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
    await h.api.press(resident, ask, "满意")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
    await h.api.wait_for(lambda: "已关闭，居民评价：满意" in cards_of(h, GRID_NHJ1_01_CHAT, number)[-1]["text"])
    listing = await h.reply_to(resident, "/my")
    await h.api.press(resident, listing, number)
    detail = await h.api.wait_for_bot_message(resident.id, lambda m: "进展" in m["text"])
    await h.api.press(resident, detail, texts.BTN_NOT_FIXED)
    again = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="还没解决"))
    assert again["message_id"] > first["message_id"]
    assert again["text"].startswith("↩️ 居民反映问题还没解决，重新交办（上次处理：已加固井盖）")
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ASK_WHAT_IS_WRONG)
    await h.api.send_text(resident, "井盖又松了，晚上有人差点绊倒")
    await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying="居民说：“井盖又松了，晚上有人差点绊倒”"))
