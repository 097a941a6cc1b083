"""Care work only for those allowed (issue 14): /care within one's own part of the tree, a move
between grids only by someone who answers for both, unknown ids refused; one open 一键求助 per
resident however often (and however concurrently) the button is pressed."""

import asyncio
import datetime as dt

from bot import texts
from bot.models import Outbox, Resident, Ticket, TicketEvent, Unit
from bot.models_care import VulnerableResident, Wish, WishStatus
from bot.care import helpcall
from bot.jurisdiction.load import apply_jurisdiction
from bot.jurisdiction.reader import parse_jurisdiction
from bot.sla.lights import sweep
from tests.e2e import EXAMPLE, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02

COMMUNITY_NHJ1 = 600101  # 梁淑芬, 南海街一社区
COMMUNITY_HAIXI = 600301  # 高秀英, 海西社区 (柳巷街道)
STREET_MIAOQIAN = 700101  # 王春梅, 庙前街道
WORKER_HAIXI_01 = 100601  # 闫春生, 海西社区第一网格
DEPARTMENT = 800101  # 史振华, 区城管局
ELDER = 5551234


async def _care(h, user_id: int, name: str, args: str) -> str:
    """/care as this person in their private chat; the bot's answer."""
    return (await h.reply_to(h.staff(user_id, name), f"/care {args}",
                             predicate=lambda m: "/care" not in m["text"] or "用法" in m["text"]))["text"]


async def _grid_of(user_id: int) -> str:
    care = await VulnerableResident.get(resident__user_id=user_id)
    return (await Unit.get(id=care.grid_id)).code


async def test_care_stays_within_ones_grid_and_a_move_needs_someone_over_both_grids(harness):
    h = harness
    elder = h.resident(ELDER, "李桂英")
    await h.reply_to(elder, "/start")

    # A worker registers only in her own grid, and not with another community's grid code.
    assert await _care(h, WORKER_NHJ1_01, "张丽", f"{ELDER} 独居老人 haixi-01") == \
        texts.CARE_GRID_NOT_YOURS.format(grid="海西社区第一网格")
    assert await _care(h, DEPARTMENT, "史振华", f"{ELDER} 独居老人 nanhaijie1-01") == texts.CARE_NOT_ALLOWED
    assert not await VulnerableResident.exists()
    assert await _care(h, WORKER_NHJ1_01, "张丽", f"{ELDER} 独居老人") == \
        texts.CARE_MARKED.format(grid="南海街一社区第一网格")
    assert await _grid_of(ELDER) == "nanhaijie1-01"

    # Another worker cannot take her to their own grid, in the same community or another one;
    # nor can staff of another community. Each is told who can.
    assert await _care(h, WORKER_NHJ1_02, "刘红霞", f"{ELDER} 独居老人") == texts.CARE_HELD_ELSEWHERE.format(
        grid="南海街一社区第一网格", unit="南海街一社区")
    assert await _care(h, WORKER_HAIXI_01, "闫春生", f"{ELDER} 独居老人") == texts.CARE_HELD_ELSEWHERE.format(
        grid="南海街一社区第一网格", unit="迎泽区")
    assert await _care(h, COMMUNITY_HAIXI, "高秀英", f"{ELDER} 独居老人 haixi-02") == \
        texts.CARE_HELD_ELSEWHERE.format(grid="南海街一社区第一网格", unit="迎泽区")
    assert await _grid_of(ELDER) == "nanhaijie1-01"

    # The community moves her between its grids: both workers hear of it.
    assert await _care(h, COMMUNITY_NHJ1, "梁淑芬", f"{ELDER} 独居老人 nanhaijie1-02") == \
        texts.CARE_MARKED.format(grid="南海街一社区第二网格")
    assert await _grid_of(ELDER) == "nanhaijie1-02"
    moved_out = await h.api.wait_for_bot_message(WORKER_NHJ1_01, lambda m: "不再归本网格" in m["text"])
    assert "李*" in moved_out["text"] and "南海街一社区第二网格" in moved_out["text"]
    moved_in = await h.api.wait_for_bot_message(WORKER_NHJ1_02, lambda m: "归本网格" in m["text"])
    assert "李桂英" in moved_in["text"] and "梁淑芬" in moved_in["text"]
    # The street moves her to another community of the street.
    assert await _care(h, STREET_MIAOQIAN, "王春梅", f"{ELDER} 独居老人 wenmiao-01") == \
        texts.CARE_MARKED.format(grid="文庙社区第一网格")

    # Her next 需要帮助 goes to the grid that holds her now.
    await h.api.send_text(elder, texts.BTN_NEED_HELP)
    # (the help notice itself: the enrolment notice of the move also names the grid and 马上联系您)
    await h.api.wait_for_bot_message(elder.id, lambda m: m["text"].startswith("已通知【文庙社区第一网格】"))
    assert (await Ticket.get(source="help")).grid_id == (await Unit.get(code="wenmiao-01")).id


async def test_care_for_an_id_the_bot_has_never_met_is_refused_and_nobody_is_messaged(harness):
    h = harness
    stranger = 5559999
    assert await _care(h, WORKER_NHJ1_01, "张丽", f"{stranger} 独居老人") == texts.CARE_UNKNOWN_RESIDENT
    assert not await Resident.exists(user_id=stranger)
    assert not await VulnerableResident.exists()
    assert not await Outbox.exists(chat_id=stranger)
    # once the person has written to the bot, the same command works
    await h.reply_to(h.resident(stranger, "赵大爷"), "/start")
    assert await _care(h, WORKER_NHJ1_01, "张丽", f"{stranger} 独居老人") == \
        texts.CARE_MARKED.format(grid="南海街一社区第一网格")


async def _enrolled_elder(h):
    elder = h.resident(ELDER, "李桂英")
    await h.reply_to(elder, "/start")
    assert await _care(h, WORKER_NHJ1_01, "张丽", f"{ELDER} 独居老人") == \
        texts.CARE_MARKED.format(grid="南海街一社区第一网格")
    await h.api.wait_for_bot_message(elder.id, lambda m: "关爱对象" in m["text"])
    return elder


def _notes(h, chat_id):
    return [m for m in h.api.bot_messages(chat_id) if "又按了一次求助" in (m.get("text") or "")]


async def test_help_pressed_five_times_is_one_ticket_one_alert_and_one_note(harness):
    h = harness
    elder = await _enrolled_elder(h)
    for _ in range(5):
        await h.api.send_text(elder, texts.BTN_NEED_HELP)
        await h.api.wait_for_bot_message(elder.id, lambda m: "马上联系您" in m["text"])
    await h.drain()
    ticket = await Ticket.get(source="help")  # exactly one
    assert await TicketEvent.filter(ticket_id=ticket.id, action="help_again").count() == 4
    alerts = [m for m in h.api.bot_messages(WORKER_NHJ1_01) if "一键求助" in m["text"]]
    assert len(alerts) == 1
    cards = [m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT) if ticket.number in (m.get("text") or "")]
    assert len(cards) == 2 and len(_notes(h, GRID_NHJ1_01_CHAT)) == 1  # the card and one note

    # An hour later, still open (and red by now): the same ticket, one more note.
    h.rt.clock.advance(dt.timedelta(hours=1))
    await sweep(h.rt)
    await h.api.send_text(elder, texts.BTN_NEED_HELP)
    again = await h.api.wait_for_bot_message(elder.id, lambda m: ticket.number in m["text"])
    assert again["text"] == texts.HELP_AGAIN_RESIDENT.format(number=ticket.number)
    await h.drain()
    assert await Ticket.filter(source="help").count() == 1
    assert len(_notes(h, GRID_NHJ1_01_CHAT)) == 2
    assert "共 6 次" in _notes(h, GRID_NHJ1_01_CHAT)[-1]["text"]
    assert not [m for m in h.api.bot_messages(GRID_NHJ1_02_CHAT) if "求助" in (m.get("text") or "")]


async def test_help_pressed_twice_at_once_makes_one_ticket(harness):
    """Two presses handled at the same moment (two updates, two instances): PostgreSQL runs
    both transactions at once, and the lock on the care row keeps them from making two."""
    h = harness
    await _enrolled_elder(h)
    care = await helpcall.vulnerable(ELDER)
    tickets = await asyncio.gather(*(helpcall.raise_help(h.rt, care, "李桂英") for _ in range(4)))
    assert len({t.id for t in tickets}) == 1
    assert await Ticket.filter(source="help").count() == 1
    assert await TicketEvent.filter(action="help_again").count() == 3


# --- 微心愿: who may press what, and who reads the list -------------------------------------

VOLUNTEERS_CHAT = -1001000000009
COMMUNITY_NHJ1_CHAT = -1001000000301
COMMUNITY_HAIXI_CHAT = -1001000000303
VOLUNTEER = 300001  # 陈志红, role volunteer
COMMANDER = 900002  # 冯晓燕


async def _post_wish(h, user_id, name, chat_id, what):
    await h.api.send_text(h.staff(user_id, name), f"/wish {what}", chat_id=chat_id)
    card = await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: what in (m.get("text") or ""))
    return card, await Wish.get(description=what)


async def _toast(h, user, message, *, data=None, button=None, chat_id=None):
    cb = await h.api.press(user, message, button, data=data, chat_id=chat_id)
    return (await h.api.wait_for_callback_answer(cb))["text"]


async def test_only_volunteers_claim_a_wish_only_the_claimer_delivers_and_only_its_community_thanks(harness):
    h = harness
    card, wish = await _post_wish(h, COMMUNITY_NHJ1, "梁淑芬", COMMUNITY_NHJ1_CHAT, "一副老花镜")
    resident = h.resident()
    welcome = await h.reply_to(resident, "/start")
    # A resident forging the claim in a private chat, and a worker pressing the real button.
    assert await _toast(h, resident, welcome, data=f"wish:claim:{wish.id}") == texts.WISH_CLAIM_NOT_ALLOWED
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    assert await _toast(h, worker, card, button=texts.BTN_WISH_CLAIM) == texts.WISH_CLAIM_NOT_ALLOWED
    await wish.refresh_from_db()
    assert wish.status == WishStatus.OPEN and wish.claimed_by is None

    volunteer = h.api.user(VOLUNTEER, "陈志红")
    assert await _toast(h, volunteer, card, button=texts.BTN_WISH_CLAIM) == texts.WISH_CLAIMED_TOAST
    await wish.refresh_from_db()
    assert wish.claimed_by == VOLUNTEER and wish.claimed_by_name == "陈志红"
    assert await _toast(h, resident, welcome, data=f"wish:done:{wish.id}") == texts.WISH_NOT_YOURS
    claimed = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(VOLUNTEERS_CHAT)
                                                 if texts.BTN_WISH_DELIVERED in str(m.get("reply_markup"))), None))
    await _toast(h, volunteer, claimed, button=texts.BTN_WISH_DELIVERED)
    asked = await h.api.wait_for_bot_message(VOLUNTEERS_CHAT, lambda m: "送达照片" in (m.get("text") or ""))
    await h.api.send_photo(volunteer, chat_id=VOLUNTEERS_CHAT, reply_to=asked)
    thanks = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: bool(m.get("photo")))

    # 致谢: not the resident, not the volunteer, not a grid worker below; the street above may.
    for who in (resident, volunteer, worker, h.staff(COMMUNITY_HAIXI, "高秀英")):
        assert await _toast(h, who, welcome if who is resident else thanks, data=f"wish:thank:{wish.id}",
                            chat_id=None) == texts.WISH_THANK_NOT_ALLOWED
    await wish.refresh_from_db()
    assert wish.status == WishStatus.DELIVERED
    assert await _toast(h, h.staff(STREET_MIAOQIAN, "王春梅"), thanks, button=texts.BTN_WISH_THANK) == \
        texts.WISH_THANKED_TOAST


async def test_a_district_file_can_let_staff_claim_wishes_too(harness):
    h = harness
    text = EXAMPLE.read_text(encoding="utf-8").replace("claim_by: [volunteer]", "claim_by: [volunteer, staff]")
    await apply_jurisdiction(parse_jurisdiction(text))
    card, wish = await _post_wish(h, COMMUNITY_NHJ1, "梁淑芬", COMMUNITY_NHJ1_CHAT, "一根拐杖")
    welcome = await h.reply_to(h.resident(), "/start")
    assert await _toast(h, h.resident(), welcome, data=f"wish:claim:{wish.id}") == texts.WISH_CLAIM_NOT_ALLOWED
    assert await _toast(h, h.staff(WORKER_NHJ1_01, "张丽"), card, button=texts.BTN_WISH_CLAIM) == \
        texts.WISH_CLAIMED_TOAST
    await wish.refresh_from_db()
    assert wish.claimed_by == WORKER_NHJ1_01 and wish.claimed_by_name == "张丽"


async def test_wishes_lists_only_the_units_the_staff_member_answers_for(harness):
    h = harness
    await _post_wish(h, COMMUNITY_NHJ1, "梁淑芬", COMMUNITY_NHJ1_CHAT, "一副老花镜")
    await _post_wish(h, COMMUNITY_HAIXI, "高秀英", COMMUNITY_HAIXI_CHAT, "一台收音机")

    async def listing(user_id, name, chat_id=None):
        reply = await h.reply_to(h.staff(user_id, name), "/wishes", chat_id=chat_id,
                                 predicate=lambda m: "微心愿" in (m.get("text") or ""))
        return reply["text"]

    mine = await listing(COMMUNITY_NHJ1, "梁淑芬")
    assert "老花镜" in mine and "收音机" not in mine
    street = await listing(STREET_MIAOQIAN, "王春梅")  # 庙前街道: 南海街一社区, not 柳巷街道's 海西社区
    assert "老花镜" in street and "收音机" not in street
    assert await listing(WORKER_NHJ1_01, "张丽") == texts.WISHES_EMPTY  # a grid holds no wishes
    everything = await listing(COMMANDER, "冯晓燕")
    assert "老花镜" in everything and "收音机" in everything
    in_chat = await listing(COMMANDER, "冯晓燕", COMMUNITY_HAIXI_CHAT)  # the chat's unit only
    assert "收音机" in in_chat and "老花镜" not in in_chat
