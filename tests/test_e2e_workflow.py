"""The four-level ladder end to end: escalation, transfer and back, consultation, return,
驳回, the relay between worker and resident, patrol reports and the staff commands."""


from bot import texts
from bot.models import Consultation, Status, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, COMMANDER, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, COMMUNITY_NHJ1_CHAT
from tests.test_e2e_intake import _buttons, submit_report

STREET_MIAOQIAN_CHAT = -1001000000201
STREET_STAFF = 700101  # 王春梅, 庙前街道
COMMUNITY_STAFF = 600101  # 梁淑芬, 南海街一社区
CHENGGUAN_CHAT, CHENGGUAN_STAFF = -1001000000101, 800101  # 区城管局 史振华
SHIZHENG_CHAT, SHIZHENG_STAFF = -1001000000102, 800201  # 区市政公用局 田永胜


def card_in(h, chat_id, number, *, with_button=None):
    def find():
        for m in reversed(h.api.transcript(chat_id)):
            if m.get("from_bot") and number in (m.get("text") or "") and "类别" in m["text"]:
                if with_button is None or with_button in _buttons(m):
                    return m
        return None
    return find


async def press_and_reason(h, user, chat_id, card, button, reason):
    """Press a card button that asks for a reason, and reply to the prompt."""
    cb = await h.api.press(user, card, button, chat_id=chat_id)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.REASON_TOAST
    prompt = await h.api.wait_for_bot_message(chat_id, lambda m: user.first_name in (m.get("text") or "") and "回复本消息" in m["text"])
    await h.api.send_text(user, reason, chat_id=chat_id, reply_to=prompt)


async def test_escalation_grid_to_community_to_street_to_command_centre(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大")
    ladder = [
        (h.staff(WORKER_NHJ1_01, "张丽"), GRID_NHJ1_01_CHAT, "南海街一社区"),
        (h.staff(COMMUNITY_STAFF, "梁淑芬"), COMMUNITY_NHJ1_CHAT, "庙前街道"),
        (h.staff(STREET_STAFF, "王春梅"), STREET_MIAOQIAN_CHAT, "迎泽区"),
    ]
    for user, chat_id, next_unit in ladder:
        card = await h.api.wait_for(card_in(h, chat_id, number, with_button=texts.BTN_ACCEPT))
        await press_and_reason(h, user, chat_id, card, texts.BTN_ESCALATE, f"{user.first_name}：本级协调不了")
        await h.api.wait_for_bot_message(chat_id, lambda m: next_unit in (m.get("text") or "") and "已上报" in m["text"])
        old = await h.api.wait_for(card_in(h, chat_id, number))
        await h.api.wait_for(lambda: "已上报至" in (old := card_in(h, chat_id, number)())["text"] and not _buttons(old))
    top = await h.api.wait_for(card_in(h, COMMAND_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert texts.BTN_CONSULT in _buttons(top) and texts.BTN_ESCALATE not in _buttons(top)
    ticket = await Ticket.get(number=number)
    assert ticket.level == "district" and ticket.status == Status.ASSIGNED
    actions = await TicketEvent.filter(ticket=ticket, action="escalated").values_list("note", flat=True)
    assert len(actions) == 3 and "梁淑芬：本级协调不了" in actions
    # the resident hears it in plain words
    assert any("协调处理" in m["text"] for m in h.api.bot_messages(5550001))
    # /history shows every step with who did it
    await h.api.send_text(h.staff(COMMANDER, "冯晓燕"), f"/history {number}", chat_id=COMMAND_CHAT)
    hist = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "处理记录" in (m.get("text") or ""))
    assert hist["text"].count("上报") == 3 and "王春梅（街道工作人员）" in hist["text"]


async def test_transfer_to_chengguan_and_back(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院门口有人占道经营摆摊卖菜")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_TRANSFER))
    await h.api.press(worker, card, texts.BTN_TRANSFER, chat_id=GRID_NHJ1_01_CHAT)
    picker = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "职能部门" in (m.get("text") or ""))
    cb = await h.api.press(worker, picker, "区城管局", chat_id=GRID_NHJ1_01_CHAT)
    assert "区城管局" in (await h.api.wait_for_callback_answer(cb))["text"]
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "转派给【区城管局】" in (m.get("text") or ""))
    await h.api.send_text(worker, "占道经营归城管执法", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    dept_card = await h.api.wait_for(card_in(h, CHENGGUAN_CHAT, number, with_button=texts.BTN_RETURN))
    assert (await Ticket.get(number=number)).level == "department"
    officer = h.staff(CHENGGUAN_STAFF, "史振华")
    await press_and_reason(h, officer, CHENGGUAN_CHAT, dept_card, texts.BTN_RETURN, "不属于城管职责，属物业管理")
    back = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    assert back is not None
    ticket = await Ticket.get(number=number)
    assert (await ticket.unit).code == "nanhaijie1-01"
    assert [e async for e in _actions(ticket)] == ["submitted", "assigned", "transferred", "returned"]


async def _actions(ticket):
    for a in await TicketEvent.filter(ticket=ticket).order_by("id").values_list("action", flat=True):
        yield a


async def test_consultation_with_two_departments(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院路边井盖和路牌都坏了好久，一直没人修")
    ticket = await Ticket.get(number=number)
    due_before = ticket.due_at
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    # a grid worker cannot open a consultation
    cb = await h.api.press(worker, await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number)),
                           data=f"w:con:{ticket.id}", chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CONSULT_ONLY_COMMAND
    commander = h.staff(COMMANDER, "冯晓燕")
    await h.api.send_text(commander, f"/ticket {number}", chat_id=COMMAND_CHAT)
    card = await h.api.wait_for(card_in(h, COMMAND_CHAT, number, with_button=texts.BTN_CONSULT))
    await h.api.press(commander, card, texts.BTN_CONSULT, chat_id=COMMAND_CHAT)
    picker = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "会商" in (m.get("text") or ""))
    await h.api.press(commander, picker, "区市政公用局", chat_id=COMMAND_CHAT)
    await h.api.wait_for(lambda: "（牵头）区市政公用局" in h.api.last_bot_message(COMMAND_CHAT)["text"])
    await h.api.press(commander, h.api.last_bot_message(COMMAND_CHAT), "区城管局", chat_id=COMMAND_CHAT)
    await h.api.wait_for(lambda: "区城管局" in h.api.last_bot_message(COMMAND_CHAT)["text"].split("已选：")[1])
    cb = await h.api.press(commander, h.api.last_bot_message(COMMAND_CHAT), texts.BTN_CONSULT_GO, chat_id=COMMAND_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CONSULTED_TOAST

    lead_card = await h.api.wait_for(card_in(h, SHIZHENG_CHAT, number, with_button=texts.BTN_RESOLVE))
    partner_card = await h.api.wait_for(card_in(h, CHENGGUAN_CHAT, number))
    assert not _buttons(partner_card) and "牵头单位【区市政公用局】" in partner_card["text"]
    ticket = await Ticket.get(number=number)
    assert ticket.due_workdays == 15 and ticket.due_at > due_before
    assert await Consultation.filter(ticket=ticket, lead=True).count() == 1
    # only the lead resolves
    cb = await h.api.press(h.staff(CHENGGUAN_STAFF, "史振华"), partner_card, data=f"w:res:{ticket.id}", chat_id=CHENGGUAN_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED
    await press_and_reason(h, h.staff(SHIZHENG_STAFF, "田永胜"), SHIZHENG_CHAT, lead_card, texts.BTN_RESOLVE,
                           "井盖已更换，路牌已加固")
    await h.api.wait_for_bot_message(5550001, lambda m: "井盖已更换" in m["text"])
    assert (await Ticket.get(number=number)).status == Status.RESOLVED


async def test_return_to_the_level_above_and_manager_rejects_a_resolution(harness):
    h = harness
    number = await submit_report(h, h.resident(), "南海街1号院楼道里堆满杂物，存在消防隐患")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RETURN))
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_RETURN, "地址在第二网格，不是本网格")
    community_card = await h.api.wait_for(card_in(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_ACCEPT))
    leader = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await press_and_reason(h, leader, COMMUNITY_NHJ1_CHAT, community_card, texts.BTN_RESOLVE, "已清理")
    resolved = await h.api.wait_for(card_in(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_REJECT))
    # a worker of the community may not reject its own resolution; the street may
    cb = await h.api.press(leader, resolved, texts.BTN_REJECT, chat_id=COMMUNITY_NHJ1_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.REJECT_ONLY_MANAGERS
    street = h.staff(STREET_STAFF, "王春梅")
    await press_and_reason(h, street, COMMUNITY_NHJ1_CHAT, resolved, texts.BTN_REJECT, "现场照片显示仍有杂物")
    await h.api.wait_for(card_in(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_ACCEPT))
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED and ticket.reopen_count == 1
    assert await TicketEvent.filter(ticket=ticket, action="rejected", note="现场照片显示仍有杂物").count() == 1


async def test_worker_asks_and_resident_answers_through_the_bot(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院楼上邻居半夜噪音很大")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ASK))
    await press_and_reason(h, worker, GRID_NHJ1_01_CHAT, card, texts.BTN_ASK, "请问是几号楼几层？")
    question = await h.api.wait_for_bot_message(resident.id, lambda m: "几号楼几层" in m["text"])
    assert "张丽" not in question["text"]
    await h.api.send_text(resident, "3号楼5层，每晚11点以后", reply_to=question)
    await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ANSWER_SENT)
    relayed = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "3号楼5层" in (m.get("text") or ""))
    assert relayed["reply_to_message"]["message_id"] == card["message_id"]
    assert "王秀兰" not in relayed["text"]
    # the 回复 button, then a photo
    await h.api.press(resident, question, texts.BTN_ANSWER)
    await h.api.wait_for_bot_message(resident.id, lambda m: "请直接输入您的回复" in m["text"])
    await h.api.send_photo(resident)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: bool(m.get("photo")) and "居民补充照片" in (m.get("caption") or ""))
    ticket = await Ticket.get(number=number)
    assert await TicketEvent.filter(ticket=ticket, action="answered").count() == 2
    assert await TicketEvent.filter(ticket=ticket, action="asked").count() == 1
    # a reply to the card in the group asks too
    await h.api.send_text(worker, "方便的话发个视频？", chat_id=GRID_NHJ1_01_CHAT, reply_to=card)
    await h.api.wait_for_bot_message(resident.id, lambda m: "发个视频" in m["text"])


async def test_second_reopening_goes_one_level_up(harness):
    h = harness
    resident = h.resident()
    number = await submit_report(h, resident, "南海街1号院门口路灯坏了")
    worker = h.staff(WORKER_NHJ1_01, "张丽")

    async def resolve_and_refuse(chat_id, user, rounds):
        card = await h.api.wait_for(card_in(h, chat_id, number, with_button=texts.BTN_RESOLVE))
        await press_and_reason(h, user, chat_id, card, texts.BTN_RESOLVE, f"第{rounds}次处理")
        ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m) and f"第{rounds}次" in m["text"])
        await h.api.press(resident, ask, "不满意")
        await h.api.wait_for(lambda: sum("重新交给" in m["text"] for m in h.api.bot_messages(resident.id)) == rounds)

    await resolve_and_refuse(GRID_NHJ1_01_CHAT, worker, 1)
    assert (await (await Ticket.get(number=number)).unit).code == "nanhaijie1-01"
    await resolve_and_refuse(GRID_NHJ1_01_CHAT, worker, 2)
    ticket = await Ticket.get(number=number)
    assert (await ticket.unit).code == "nanhaijie1" and ticket.reopen_count == 2
    await h.api.wait_for(card_in(h, COMMUNITY_NHJ1_CHAT, number, with_button=texts.BTN_ACCEPT))


async def test_patrol_report_todo_and_ticket_commands(harness):
    h = harness
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/report", chat_id=GRID_NHJ1_01_CHAT)
    asked = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: texts.PATROL_START in m["text"])
    await h.api.send_text(worker, "巡查发现南海街东段有人私搭乱建，在绿地上盖棚子", chat_id=GRID_NHJ1_01_CHAT,
                          reply_to=asked)
    summary = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: texts.BTN_CONFIRM in _buttons(m))
    await h.api.press(worker, summary, texts.BTN_CONFIRM, chat_id=GRID_NHJ1_01_CHAT)
    card = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
                                              if texts.CARD_PATROL in (m.get("text") or "")), None))
    ticket = await Ticket.get(source="patrol")
    assert ticket.resident_id is None and (await ticket.grid).code == "nanhaijie1-01"
    assert texts.BTN_ASK not in _buttons(card)
    await h.api.send_text(worker, "/todo", chat_id=GRID_NHJ1_01_CHAT)
    todo = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "待办" in (m.get("text") or ""))
    assert ticket.number in todo["text"]
    await h.api.send_text(worker, f"/ticket {ticket.number}", chat_id=GRID_NHJ1_01_CHAT)
    again = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: ticket.number in (m.get("text") or "") and "类别" in m["text"])
    assert again["message_id"] != card["message_id"] and texts.BTN_ACCEPT in _buttons(again)
    # residents may not use staff commands
    resident = h.resident()
    await h.api.send_text(resident, f"/history {ticket.number}")
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.NOT_STAFF


async def test_merge_a_duplicate_and_both_residents_hear_progress(harness):
    h = harness
    first, second = h.resident(5550001, "王秀兰"), h.resident(5550002, "陈美玲")
    main = await submit_report(h, first, "南海街1号院楼下早餐店油烟太大")
    dup = await submit_report(h, second, "南海街1号院早餐店油烟熏人")  # says 不是 to the offer
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, f"/merge {dup} {main}", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "已合并到" in (m.get("text") or ""))
    await h.api.wait_for_bot_message(second.id, lambda m: main in m["text"] and "合并" in m["text"])
    assert (await Ticket.get(number=dup)).status == Status.MERGED
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, main, with_button=texts.BTN_ACCEPT))
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    for resident in (first, second):
        await h.api.wait_for_bot_message(resident.id, lambda m: "已有网格员接单" in m["text"])
