"""Care work only for those allowed (issue 14): /care within one's own part of the tree, a move
between grids only by someone who answers for both, unknown ids refused; one open 一键求助 per
resident however often (and however concurrently) the button is pressed."""

import asyncio
import datetime as dt

from bot import texts
from bot.models import Outbox, Resident, Ticket, TicketEvent, Unit
from bot.models_care import VulnerableResident
from bot.services import carehelp
from bot.services.sla_sweep import sweep
from tests.e2e import GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02

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
    await h.api.wait_for_bot_message(elder.id, lambda m: "文庙社区第一网格" in m["text"] and "马上联系您" in m["text"])
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
    care = await carehelp.vulnerable(ELDER)
    tickets = await asyncio.gather(*(carehelp.raise_help(h.rt, care, "李桂英") for _ in range(4)))
    assert len({t.id for t in tickets}) == 1
    assert await Ticket.filter(source="help").count() == 1
    assert await TicketEvent.filter(action="help_again").count() == 3
