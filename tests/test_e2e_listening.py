"""A resident is listened to: greetings get a greeting, 'what' comes before 'where', a typed
place finds the grid, each answer lands in its own field, and nothing already said is asked
again. All through the loopback Bot API, as an older resident would write."""

import re

import pytest
import yaml

from bot import texts
from bot.jurisdiction import routing
from bot.jurisdiction.load import load_jurisdiction_file
from bot.models import Level, Pending, Status, Ticket, Unit
from tests.e2e import COMMUNITY_NHJ1_CHAT, EXAMPLE, GRID_NHJ1_02_CHAT

NUMBER = re.compile(r"YZ-\d{8}-\d{4}")


def buttons(message):
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def has_button(label):
    return lambda m: label in buttons(m)


async def next_reply(h, resident, after):
    return await h.api.wait_for_bot_message(resident.id, lambda m: m["message_id"] > after["message_id"])


async def confirm(h, resident, summary) -> Ticket:
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    return await Ticket.get(number=NUMBER.search(receipt["text"])[0])


def bot_texts(h, resident):
    return [m["text"] for m in h.api.bot_messages(resident.id)]


# --- greetings and chit-chat ---------------------------------------------------------------

@pytest.mark.parametrize("words", ["你好", "在吗", "？", "谢谢", "您好，请问", "😀👍"])
async def test_a_greeting_gets_a_greeting_and_starts_no_report(harness, words):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, words)
    assert reply["text"] in texts.SMALLTALK_REPLY.values()
    assert not buttons(reply) and reply["text"] != texts.ASK_PLACE
    await h.drain()
    assert await Pending.all().count() == 0


async def test_hello_then_the_complaint_files_the_complaint_as_written(harness):
    h = harness
    resident = h.resident()
    await h.reply_to(resident, "你好")
    await h.reply_to(resident, "在吗")
    complaint = "南海街1号院楼下烧烤店油烟太大，天天晚上熏得开不了窗"
    reply = await h.reply_to(resident, complaint)
    if texts.BTN_SKIP in buttons(reply):
        await h.api.press(resident, reply, texts.BTN_SKIP)
        reply = await h.api.wait_for_bot_message(resident.id, has_button(texts.BTN_CONFIRM))
    assert f"内容：{complaint}\n" in reply["text"]
    ticket = await confirm(h, resident, reply)
    assert ticket.text == complaint and ticket.category == "fumes"


async def test_thanks_in_the_middle_is_answered_and_kept_out_of_the_report(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "楼下饭店油烟太大")
    assert texts.BTN_SKIP in buttons(question)
    nudge = await h.reply_to(resident, "谢谢")
    assert nudge["text"].startswith(texts.SMALLTALK_PREFIX["thanks"]) and not buttons(nudge)
    grids = await h.reply_to(resident, "老王早点铺，南海街12号")
    assert grids["text"] == texts.ASK_GRID.format(community="南海街一社区")  # 南海街 names the community
    await h.api.press(resident, grids, "南海街一社区第一网格")
    summary = await next_reply(h, resident, grids)
    assert "谢谢" not in summary["text"]
    ticket = await confirm(h, resident, summary)
    assert ticket.text == "楼下饭店油烟太大"
    assert ticket.followups == [{"q": "是哪家店铺？门牌号是多少？", "a": "老王早点铺，南海街12号"}]


# --- what before where ---------------------------------------------------------------------

@pytest.mark.parametrize("words", ["有问题", "我要投诉"])
async def test_a_vague_message_is_asked_what_before_where(harness, words):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, words)
    assert reply["text"] == texts.ASK_WHAT and not buttons(reply)
    question = await h.reply_to(resident, "楼上邻居家的狗天天叫")
    assert "问题" not in question["text"] or texts.BTN_SKIP in buttons(question)  # the follow-up, not 'what' again
    await h.api.press(resident, question, texts.BTN_SKIP)
    where = await next_reply(h, resident, question)
    assert where["text"] == texts.ASK_PLACE
    await h.api.press(resident, where, "南海街一社区")
    grids = await next_reply(h, resident, where)
    await h.api.press(resident, grids, "南海街一社区第二网格")
    ticket = await confirm(h, resident, await next_reply(h, resident, grids))
    assert ticket.text == "楼上邻居家的狗天天叫"  # "我要投诉" said nothing about the problem


async def test_a_report_naming_no_problem_is_never_filed(harness):
    h = harness
    resident = h.resident()
    await h.reply_to(resident, "有问题")
    again = await h.reply_to(resident, "就是有问题")
    assert again["text"] == texts.ASK_WHAT_AGAIN
    noted = await h.reply_to(resident, "南海街1号院门口")
    assert noted["text"] == texts.ASK_WHAT_PLACE_NOTED.format(place="南海街1号院门口")
    draft = await Pending.get(kind="report")
    # Even a (forged) 确认提交 on this draft files nothing: it is asked what is wrong instead.
    cb = await h.api.press(resident, noted, data=f"r:ok:{draft.id}:{draft.data['v']}")
    await h.api.wait_for_callback_answer(cb)
    asked = await next_reply(h, resident, noted)
    assert asked["text"] == texts.ASK_WHAT_AGAIN
    assert await Ticket.all().count() == 0

    summary = await h.reply_to(resident, "路灯坏了好几天，晚上很黑", predicate=has_button(texts.BTN_CONFIRM))
    assert "地点：南海街1号院门口，南海街一社区第一网格" in summary["text"]
    ticket = await confirm(h, resident, summary)
    assert ticket.text == "路灯坏了好几天，晚上很黑" and ticket.location_text == "南海街1号院门口"
    assert ticket.followups == []  # 具体位置 was given already


# --- the place -----------------------------------------------------------------------------

async def test_a_typed_place_finds_the_grid_and_goes_to_the_place_not_the_complaint(harness):
    """The issue's conversation: the place answers land in 地点, 内容 keeps the complaint, the
    time already said (半夜) is not asked, and the community menu is not sent twice."""
    h = harness
    resident = h.resident()
    complaint = "我家楼上天天半夜剁肉，吵得睡不着"
    where = await h.reply_to(resident, complaint)
    assert where["text"] == texts.ASK_PLACE  # no "噪音通常在什么时间段？" after 天天半夜
    grids = await h.reply_to(resident, "不知道是哪个网格，我住南海街3号楼")
    assert grids["text"] == texts.ASK_GRID.format(community="南海街一社区")
    assert buttons(grids) == ["南海街一社区第一网格", "南海街一社区第二网格", "南海街一社区第三网格",
                              texts.BTN_GRID_UNKNOWN]
    summary = await h.reply_to(resident, "惠民小区5号楼")
    assert texts.BTN_CONFIRM in buttons(summary)
    assert "地点：南海街3号楼，惠民小区5号楼，南海街一社区第二网格\n" in summary["text"]
    assert f"内容：{complaint}\n" in summary["text"]
    assert bot_texts(h, resident).count(texts.ASK_PLACE) == 1
    ticket = await confirm(h, resident, summary)
    assert ticket.text == complaint and ticket.location_text == "南海街3号楼，惠民小区5号楼"
    assert (await ticket.grid).code == "nanhaijie1-02" and ticket.followups == []
    card = await h.api.wait_for_bot_message(GRID_NHJ1_02_CHAT, lambda m: ticket.number in (m.get("text") or ""))
    assert "地点：南海街3号楼，惠民小区5号楼，南海街一社区第二网格" in card["text"]


async def test_a_place_given_to_the_follow_up_question_is_the_place(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "楼上装修太吵了")
    assert "时间段" in question["text"]
    summary = await h.reply_to(resident, "在电力小区3单元")
    assert texts.BTN_CONFIRM in buttons(summary)  # found: neither menu is needed
    assert "地点：电力小区3单元，青年路社区第一网格" in summary["text"]
    ticket = await confirm(h, resident, summary)
    assert ticket.text == "楼上装修太吵了" and ticket.location_text == "电力小区3单元"
    assert (await ticket.grid).code == "qingnianlu-01"
    assert ticket.followups == [{"q": "噪音通常在什么时间段？", "a": None}]


async def test_cannot_say_which_grid_sends_it_to_the_community(harness):
    h = harness
    resident = h.resident()
    where = await h.reply_to(resident, "楼道里堆满了杂物，好几个月没人清理")
    if texts.BTN_SKIP in buttons(where):
        await h.api.press(resident, where, texts.BTN_SKIP)
        where = await next_reply(h, resident, where)
    await h.api.press(resident, where, "南海街一社区")
    grids = await next_reply(h, resident, where)
    await h.api.press(resident, grids, texts.BTN_GRID_UNKNOWN)
    summary = await next_reply(h, resident, grids)
    assert "提交后将交给【南海街一社区】处理" in summary["text"]
    ticket = await confirm(h, resident, summary)
    community = await Unit.get(code="nanhaijie1")
    assert ticket.status == Status.ASSIGNED and ticket.unit_id == community.id
    assert ticket.level == Level.COMMUNITY and ticket.grid_id is None
    card = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: ticket.number in (m.get("text") or ""))
    assert texts.BTN_ACCEPT in buttons(card)
    receipt = [t for t in bot_texts(h, resident) if ticket.number in t][0]
    assert "【南海街一社区】" in receipt


async def test_a_community_of_one_grid_asks_no_grid_question(harness, tmp_path):
    h = harness
    district = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for street in district["district"]["streets"]:
        for community in street["communities"]:
            if community["code"] == "wenmiao":
                community["grids"] = [g for g in community["grids"] if g["code"] == "wenmiao-01"]
    smaller = tmp_path / "district.yaml"
    smaller.write_text(yaml.safe_dump(district, allow_unicode=True), encoding="utf-8")
    await load_jurisdiction_file(smaller)
    routing.forget_gazetteer()

    resident = h.resident()
    where = await h.reply_to(resident, "楼上邻居每天半夜跺脚，噪音很大")
    assert where["text"] == texts.ASK_PLACE
    await h.api.press(resident, where, "文庙社区")
    summary = await next_reply(h, resident, where)
    assert texts.BTN_CONFIRM in buttons(summary), summary["text"]
    assert "文庙社区第一网格" in summary["text"]
    ticket = await confirm(h, resident, summary)
    assert (await ticket.grid).code == "wenmiao-01"


# --- what was said is not asked again; the summary shows what the card will show ----------

async def test_a_follow_up_part_already_answered_is_not_asked(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "天天晚上有人在路边摆摊卖菜，把路都堵了")  # when: 天天晚上
    assert question["text"] == texts.FOLLOWUP_PROMPT.format(question="大概在哪条街、哪个路口？")


async def test_the_summary_shows_the_follow_up_answer_the_card_shows(harness):
    h = harness
    resident = h.resident()
    question = await h.reply_to(resident, "南海街1号院楼下饭店油烟太大")
    assert question["text"] == texts.FOLLOWUP_PROMPT.format(question="是哪家店铺？")  # 1号院 gave the number
    summary = await h.reply_to(resident, "老王早点铺", predicate=has_button(texts.BTN_CONFIRM))
    line = texts.CARD_FOLLOWUP.format(q="是哪家店铺？", a="老王早点铺")
    assert line in summary["text"]
    ticket = await confirm(h, resident, summary)
    card = await h.api.wait_for_bot_message(-1001000000401, lambda m: ticket.number in (m.get("text") or ""))
    assert line in card["text"]
