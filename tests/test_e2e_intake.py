"""A resident's report becomes a ticket and a card in the right grid's chat, and the loop
resident → worker → resident closes; all through the loopback Bot API."""

import re

from bot import texts
from bot.nlp.classify import label_of
from bot.models import Attachment, Outbox, OutboxStatus, Status, Ticket, TicketEvent
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


async def submit_report(h, resident, text, *, anonymous=False):
    """Write, skip the follow-up, confirm; returns the ticket number."""
    reply = await h.reply_to(resident, text)
    reply = await answer_followup_and_place(h, resident, reply)
    if texts.BTN_DUP_NO in _buttons(reply):  # "already reported?" — these tests want a new ticket
        await h.api.press(resident, reply, texts.BTN_DUP_NO)
        reply = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert texts.BTN_CONFIRM in _buttons(reply), reply["text"]
    if anonymous:
        await h.api.press(resident, reply, texts.BTN_ANON_ON)
        reply = await h.api.wait_for_bot_message(resident.id, lambda m: texts.BTN_ANON_OFF in _buttons(m))
    await h.api.press(resident, reply, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    return NUMBER.search(receipt["text"])[0]


async def test_report_with_photo_and_location_first(harness):
    h = harness
    resident = h.resident()
    await h.api.send_photo(resident)
    got = await h.api.wait_for_bot_message(resident.id)
    assert got["text"] == texts.GOT_PHOTO_NEED_TEXT
    await h.api.send_location(resident, *IN_NHJ1_01)
    got = await h.api.wait_for_bot_message(resident.id)
    assert got["text"] == texts.GOT_LOCATION_NEED_TEXT
    reply = await h.reply_to(resident, "这里的井盖堵了，污水往外冒")
    reply = await answer_followup_and_place(h, resident, reply)
    assert "第一网格" in reply["text"] and "照片：1 张" in reply["text"]
    await h.api.press(resident, reply, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    number = NUMBER.search(receipt["text"])[0]
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert "公共设施" in card["text"]
    photo = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: bool(m.get("photo")))
    assert photo["reply_to_message"]["message_id"] == card["message_id"]
    ticket = await Ticket.get(number=number)
    assert ticket.lat == IN_NHJ1_01[0] and await Attachment.filter(ticket=ticket).count() == 1


async def test_traditional_chinese_report_is_understood(harness):
    h = harness
    resident = h.resident(5550002, "陳美玲")
    number = await submit_report(h, resident, "南海街1號院樓下餐廳油煙太大，每天都燻到家裡")
    ticket = await Ticket.get(number=number)
    assert ticket.category == "fumes"
    assert ticket.text.startswith("南海街1號院樓下餐廳油煙")  # stored as written
    assert (await ticket.grid).code == "nanhaijie1-01"


async def test_unknown_place_resident_picks_community_then_grid(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "楼上邻居每天半夜跺脚，噪音很大")
    reply = await answer_followup_and_place(h, resident, reply)
    assert reply["text"] == texts.ASK_PLACE
    await h.api.press(resident, reply, "文庙社区")
    grids = await h.api.wait_for_bot_message(resident.id, lambda m: "文庙社区" in m["text"])
    await h.api.press(resident, grids, _buttons(grids)[1])
    summary = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert "文庙社区第二网格" in summary["text"] and "噪音" in summary["text"]
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    ticket = await Ticket.get(number=NUMBER.search(receipt["text"])[0])
    assert (await ticket.grid).code == "wenmiao-02" and ticket.status == Status.ASSIGNED


async def test_a_place_the_map_does_not_know_is_quoted_back_when_asking_the_community(harness):
    """She has just said where: the next question names her words and asks which community,
    not "where?" again; what she typed stays the ticket's 地点."""
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "楼下那个路灯坏了好几天了，晚上黑乎乎的")
    assert texts.BTN_SKIP in _buttons(question)  # the spot follow-up
    where = await h.reply_to(resident, "幸福里小区东门口")
    assert where["text"] == texts.ASK_PLACE_NAMED.format(place="幸福里小区东门口")
    await h.api.press(resident, where, "文庙社区")
    grids = await h.api.wait_for_bot_message(resident.id, lambda m: "文庙社区" in m["text"])
    await h.api.press(resident, grids, _buttons(grids)[0])
    summary = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert "幸福里小区东门口" in summary["text"]


async def test_a_street_named_in_passing_is_not_the_place_on_the_ticket(harness):
    """A street's name covers many communities: it only leads to the community menu, and the
    community she then picks is the place (no 庙前街道 on a ticket of 柳巷街道's 海西社区)."""
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "路灯坏了好几天了，晚上黑乎乎的")
    where = await h.reply_to(resident, "庙前街道")
    await h.api.press(resident, where, "海西社区")
    grids = await h.api.wait_for_bot_message(resident.id, lambda m: "海西社区" in m["text"])
    await h.api.press(resident, grids, _buttons(grids)[0])
    summary = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert "海西社区第一网格" in summary["text"]
    assert "地点：庙前街道" not in summary["text"]


async def test_unclear_report_goes_to_triage_and_command_centre_assigns(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "请问今年的养老金什么时候调整？")
    reply = await answer_followup_and_place(h, resident, reply)
    if reply["text"] == texts.ASK_PLACE:
        await h.api.press(resident, reply, texts.BTN_PLACE_UNKNOWN)
        reply = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert "区指挥中心" in reply["text"]
    await h.api.press(resident, reply, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    number = NUMBER.search(receipt["text"])[0]
    assert "区指挥中心正在为您分派" in receipt["text"]
    card = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: number in (m.get("text") or ""))
    assert "待分派" in card["text"] and texts.BTN_TRIAGE_GRID in _buttons(card)

    # a grid worker may not triage
    cb = await h.api.press(h.staff(WORKER_NHJ1_01), card, texts.BTN_TRIAGE_GRID, chat_id=COMMAND_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED

    commander = h.staff(COMMANDER, "冯晓燕")
    await h.api.press(commander, card, texts.BTN_TRIAGE_GRID, chat_id=COMMAND_CHAT)
    pick = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "请选择社区" in (m.get("text") or ""))
    await h.api.press(commander, pick, "南海街一社区", chat_id=COMMAND_CHAT)
    pick = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "请选择网格" in (m.get("text") or ""))
    cb = await h.api.press(commander, pick, "南海街一社区第二网格", chat_id=COMMAND_CHAT)
    assert "南海街一社区第二网格" in (await h.api.wait_for_callback_answer(cb))["text"]
    grid_card = await h.api.wait_for_bot_message(GRID_NHJ1_02_CHAT, lambda m: number in (m.get("text") or ""))
    assert texts.BTN_ACCEPT in _buttons(grid_card)
    await h.api.wait_for_bot_message(resident.id, lambda m: "已派给【南海街一社区第二网格】" in m["text"])
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED and (await ticket.unit).code == "nanhaijie1-02"


async def test_anonymous_report_shows_no_name_in_the_group(harness):
    h = harness
    resident = h.resident(5550003, "李建国")
    number = await submit_report(h, resident, "南海街1号院楼道里有人养鸽子，到处是鸽子粪", anonymous=True)
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert texts.CARD_ANONYMOUS in card["text"]
    group_text = "\n".join(m.get("text") or "" for m in h.api.transcript(GRID_NHJ1_01_CHAT))
    assert "李" not in group_text.replace("老李", "") and "5550003" not in group_text
    ticket = await Ticket.get(number=number)
    assert ticket.anonymous and ticket.category == "dispute"


async def test_a_restart_in_the_middle_of_a_draft_loses_nothing(db, db_url, sandbox):
    from tests.e2e import start_harness

    h = await start_harness(sandbox, db_url)
    resident = h.resident()
    await h.api.send_photo(resident)
    await h.api.wait_for_bot_message(resident.id)
    reply = await h.reply_to(resident, "路灯坏了好几天，晚上很黑")
    assert texts.BTN_SKIP in _buttons(reply)  # 具体位置或最近的门牌号？
    await h.bot.stop()

    h = await start_harness(sandbox, db_url)  # a new process would find the same rows
    try:
        reply = await h.reply_to(resident, "南海街东段3号楼门口", predicate=has_button(texts.BTN_CONFIRM))
        assert "路灯" in reply["text"] and "照片：1 张" in reply["text"]
        await h.api.press(resident, reply, texts.BTN_CONFIRM)
        receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
        ticket = await Ticket.get(number=NUMBER.search(receipt["text"])[0])
        assert ticket.followups[0]["a"] == "南海街东段3号楼门口"
        assert await Attachment.filter(ticket=ticket).count() == 1
    finally:
        await h.bot.stop()


async def test_pressing_confirm_twice_files_one_ticket(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "南海街1号院楼下烧烤店油烟太大")
    reply = await answer_followup_and_place(h, resident, reply)
    first = await h.api.press(resident, reply, texts.BTN_CONFIRM)
    second = await h.api.press(resident, reply, texts.BTN_CONFIRM)
    await h.api.wait_for_callback_answer(first)
    answer = await h.api.wait_for_callback_answer(second)
    await h.drain()
    assert await Ticket.all().count() == 1
    assert answer.get("text") in (None, texts.ALREADY_SUBMITTED)


async def test_other_grids_worker_and_forged_buttons_are_refused(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    ticket = await Ticket.get(number=number)
    outsider = h.staff(WORKER_NHJ1_02, "刘红霞")
    cb = await h.api.press(outsider, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED
    stranger = h.resident(5559999, "路人")
    cb = await h.api.press(stranger, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_STAFF
    for forged in (f"w:acc:{ticket.id + 1000}", f"w:zap:{ticket.id}", "w:acc:1;DROP TABLE ticket", "rate:1:x", "r:ok:999:1"):
        cb = await h.api.press(h.staff(WORKER_NHJ1_01), card, data=forged, chat_id=GRID_NHJ1_01_CHAT)
        assert (await h.api.wait_for_callback_answer(cb))["text"] in (texts.STALE_BUTTON, texts.NOT_ALLOWED, texts.ALREADY_SUBMITTED)
    await ticket.refresh_from_db()
    assert ticket.status == Status.ASSIGNED
    assert await TicketEvent.filter(ticket=ticket).count() == 2


async def test_same_problem_twice_is_offered_and_the_second_resident_joins(harness):
    h = harness
    first, second = h.resident(5550001, "王秀兰"), h.resident(5550002, "陈美玲")
    number = await submit_report(h, first, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    reply = await h.reply_to(second, "南海街1号院早餐店的油烟熏得开不了窗")
    reply = await answer_followup_and_place(h, second, reply)
    assert number in reply["text"] and texts.BTN_DUP_YES in _buttons(reply)
    await h.api.press(second, reply, texts.BTN_DUP_YES)
    joined = await h.api.wait_for_bot_message(second.id, lambda m: "已为您关注" in m["text"])
    assert number in joined["text"] and "2 位居民" in joined["text"]
    card = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
                                              if number in (m.get("text") or "") and "2位居民反映" in m["text"]), None))
    main = await Ticket.get(number=number)
    assert await Ticket.filter(merged_into=main).count() == 1
    assert await Ticket.exclude(status=Status.MERGED).count() == 1
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    for resident in (first, second):
        await h.api.wait_for_bot_message(resident.id, lambda m: "已有网格员接单" in m["text"])


async def test_resident_changes_the_category_before_confirming(harness):
    """修改类别 on the summary: the resident reads their own question (not the staff's picker
    title with its "{number}"), picks, and the summary and the ticket follow the choice."""
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    summary = await h.reply_to(resident, "楼下的老王早点铺，南海街12号", predicate=has_button(texts.BTN_CONFIRM))
    assert reply and label_of("fumes") in summary["text"]

    await h.api.press(resident, summary, texts.BTN_CHANGE_CATEGORY)
    picker = await h.api.wait_for_bot_message(resident.id, has_button(label_of("noise")))
    assert picker["text"] == texts.PICK_CATEGORY and "{" not in picker["text"]
    await h.api.press(resident, picker, label_of("noise"))
    summary = await h.api.wait_for_bot_message(
        resident.id, lambda m: m["message_id"] > picker["message_id"] and texts.BTN_CONFIRM in _buttons(m))
    assert label_of("noise") in summary["text"]
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    assert (await Ticket.get(number=NUMBER.search(receipt["text"])[0])).category == "noise"
