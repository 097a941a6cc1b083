"""Urgent reports end to end: every danger gets the same on-site promise, the resident is told the
number to call for that danger (the district's gas hotline), an urgent report without a place
asks where right after filing and its card follows the answer, and the command centre can ask
the resident (追问) from a triage card."""

from bot import texts
from bot.models import Status, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, COMMANDER, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, WORKER_NHJ1_01
from tests.test_e2e_comeback import cards_of, newest_card
from tests.test_e2e_intake import NUMBER, _buttons, answer_followup_and_place, has_button


async def number_told(h, resident) -> str:
    """The ticket number the resident's receipt gives."""
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    return NUMBER.search(receipt["text"])[0]


async def test_a_gas_leak_names_the_districts_gas_hotline_and_is_promised_two_hours(harness):
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "南海街1号院楼道里煤气味很浓，好像燃气泄漏了")
    advice = await h.api.wait_for_bot_message(resident.id, lambda m: "119" in m["text"])
    assert "燃气泄漏：燃气抢修 0351-5557777，火警 119。" in advice["text"]  # examples/yingze.yaml hotlines.gas
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    assert "2小时内到场处置" in receipt["text"]
    number = NUMBER.search(receipt["text"])[0]
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    assert "（2小时内到场处置）" in card["text"]


async def test_a_lift_trapping_people_without_a_place_asks_where_and_the_card_follows(harness):
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "电梯困人了，有人被困在里面出不来")
    advice = await h.api.wait_for_bot_message(resident.id, lambda m: "119" in m["text"])
    assert "电梯救援 96333" in advice["text"]
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    assert "2小时内到场处置" in receipt["text"]  # the same promise as a gas leak
    number = NUMBER.search(receipt["text"])[0]
    where = await h.api.wait_for_bot_message(resident.id, lambda m: "具体在哪里" in m["text"])
    assert where["message_id"] > receipt["message_id"]
    triage = await h.api.wait_for(newest_card(h, COMMAND_CHAT, number, with_button=texts.BTN_TRIAGE_GRID))
    assert f"地点：{texts.PLACE_UNKNOWN}" in triage["text"] and texts.BTN_ASK in _buttons(triage)

    await h.api.send_text(resident, "惠民小区5号楼2单元")
    await h.api.wait_for_bot_message(resident.id, lambda m: "已按这个地点派给【南海街一社区第二网格】" in m["text"])
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_02_CHAT, number))
    assert "地点：惠民小区5号楼2单元，南海街一社区第二网格" in card["text"] and "紧急" in card["text"]
    await h.api.wait_for(lambda: "已派给【南海街一社区第二网格】" in cards_of(h, COMMAND_CHAT, number)[-1]["text"])
    ticket = await Ticket.get(number=number)
    assert ticket.status == Status.ASSIGNED and ticket.location_text == "惠民小区5号楼2单元"
    assert await TicketEvent.filter(ticket=ticket, action="located").count() == 1


async def test_a_place_the_gazetteer_does_not_know_still_reaches_the_dispatcher(harness):
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "电梯困人了，有人被困在里面出不来")
    number = await number_told(h, resident)
    await h.api.wait_for_bot_message(resident.id, lambda m: "具体在哪里" in m["text"])
    triage = await h.api.wait_for(newest_card(h, COMMAND_CHAT, number, with_button=texts.BTN_TRIAGE_GRID))
    await h.api.send_text(resident, "幸福里小区8号楼")
    note = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "居民补充地点" in (m.get("text") or ""))
    assert "幸福里小区8号楼" in note["text"] and note["reply_to_message"]["message_id"] == triage["message_id"]
    await h.api.wait_for(newest_card(h, COMMAND_CHAT, number, with_button=texts.BTN_TRIAGE_GRID,
                                     saying="地点：幸福里小区8号楼"))
    assert (await Ticket.get(number=number)).status == Status.TRIAGE  # the dispatcher picks the grid


async def test_the_command_centre_asks_the_resident_from_a_triage_card(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "请问今年的养老金什么时候调整？")
    reply = await answer_followup_and_place(h, resident, reply)
    if reply["text"] == texts.ASK_PLACE:
        await h.api.press(resident, reply, texts.BTN_PLACE_UNKNOWN)
        reply = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    await h.api.press(resident, reply, texts.BTN_CONFIRM)
    number = await number_told(h, resident)
    card = await h.api.wait_for(newest_card(h, COMMAND_CHAT, number, with_button=texts.BTN_ASK))

    commander = h.staff(COMMANDER, "冯晓燕")
    cb = await h.api.press(commander, card, texts.BTN_ASK, chat_id=COMMAND_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.REASON_TOAST
    prompt = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "想问居民的问题" in (m.get("text") or ""))
    await h.api.send_text(commander, "请问您是哪个社区的居民？", chat_id=COMMAND_CHAT, reply_to=prompt)
    asked = await h.api.wait_for_bot_message(resident.id, lambda m: "请问您是哪个社区的居民" in m["text"])
    await h.api.send_text(resident, "文庙社区，文庙小区3号楼", reply_to=asked)
    answer = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "居民回复" in (m.get("text") or ""))
    assert "文庙小区3号楼" in answer["text"] and answer["reply_to_message"]["message_id"] == card["message_id"]


async def test_an_urgent_card_shows_the_grid_and_the_command_centre_the_words_that_told_the_danger(harness):
    # whoever must rush there reads why first: the resident's words of the slope coming down,
    # as they wrote them, not only the word (垮) that made it a safety case
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "南海街1号院后山往下垮泥巴，随时可能被埋")
    number = await number_told(h, resident)
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    copy = await h.api.wait_for(newest_card(h, COMMAND_CHAT, number, with_button=texts.BTN_CONSULT))
    for shown in (card, copy):
        assert texts.CARD_URGENT in shown["text"]
        assert "（依据：往下垮泥巴、随时可能被埋" in shown["text"], shown["text"]


async def test_a_danger_only_the_danger_model_hears_reaches_the_grid_as_urgent(harness):
    # no urgency rule names a slope sliding onto an old people's home told like this; the danger
    # model (rules/urgency.model.json) does, and the resident and the grid see an urgent report
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "南海街1号院后山那个坡在往下流泥巴石头一个劲棍下来了下面就是敬老院老人们还在里面")
    advice = await h.api.wait_for_bot_message(resident.id, lambda m: texts.EMERGENCY_TAIL in m["text"])
    assert texts.EMERGENCY_GENERAL in advice["text"]  # no rule's call: the general numbers
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    assert "2小时内到场处置" in receipt["text"]
    number = NUMBER.search(receipt["text"])[0]
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number))
    assert texts.CARD_URGENT in card["text"]
    ticket = await Ticket.get(number=number)
    assert ticket.urgent and ticket.category == "safety"


async def test_the_command_centres_copy_of_an_urgent_card_keeps_its_buttons_as_the_grid_works_it(harness):
    """The command centre may act on any ticket. Its copy of an urgent card, edited as the grid
    accepts and resolves, goes on showing what it may press there (改类别 for a false alarm,
    会商, then 驳回), and none once the case is closed."""
    h = harness
    resident = h.resident()
    await h.api.send_text(resident, "南海街1号院楼道里煤气味很浓，好像燃气泄漏了")
    number = await number_told(h, resident)
    copy = await h.api.wait_for(newest_card(h, COMMAND_CHAT, number))
    assert {texts.BTN_RECATEGORISE, texts.BTN_CONSULT} <= set(_buttons(copy))

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    edited = await h.api.wait_for(lambda: next((c for c in cards_of(h, COMMAND_CHAT, number)
                                                if c["message_id"] == copy["message_id"] and "张丽" in c["text"]), None))
    assert {texts.BTN_RECATEGORISE, texts.BTN_CONSULT} <= set(_buttons(edited))
    assert texts.BTN_ACCEPT not in _buttons(edited)  # accepted: 接单 is gone here too

    # the command centre's own press on its copy goes through
    commander = h.staff(COMMANDER, "冯晓燕")
    cb = await h.api.press(commander, edited, texts.BTN_RECATEGORISE, chat_id=COMMAND_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CARD_PICK_CATEGORY.format(number=number)

    await h.api.press(worker, card, texts.BTN_RESOLVE, chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "处理结果" in (m.get("text") or ""))
    await h.api.send_text(worker, "燃气公司已到场关阀检修", chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    await h.api.wait_for(lambda: any(c["message_id"] == copy["message_id"] and _buttons(c) == [texts.BTN_REJECT]
                                     for c in cards_of(h, COMMAND_CHAT, number)))
    await h.api.press(resident, await h.api.wait_for_bot_message(resident.id, has_button("满意")), "满意")
    await h.api.wait_for(lambda: any(c["message_id"] == copy["message_id"] and "已关闭" in c["text"] and not _buttons(c)
                                     for c in cards_of(h, COMMAND_CHAT, number)))
