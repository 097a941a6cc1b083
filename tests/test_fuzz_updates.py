"""Random updates thrown at the real bot (hypothesis generates them): no handler may fail,
every button press is answered, and no press by someone without the right changes a ticket."""

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.models import Outbox, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, WORKER_NHJ1_02
from tests.test_e2e_intake import submit_report

PREFIXES = ["w", "r", "tr", "rate", "my", "c", "ans", "nf", "wish", "visit", "sla", "zz"]
callback_data = st.one_of(
    st.text(max_size=40),
    st.builds(lambda p, rest: f"{p}:{rest}", st.sampled_from(PREFIXES),
              st.from_regex(r"[a-z0-9:;'\- ]{0,40}", fullmatch=True)),
    st.builds(lambda p, a, n, m: f"{p}:{a}:{n}:{m}", st.sampled_from(PREFIXES),
              st.sampled_from(["acc", "res", "esc", "tra", "ret", "ask", "rej", "con", "tto", "csel", "cgo",
                               "ok", "no", "cat", "setcat", "grid", "claim", "done", "exp"]),
              st.integers(-5, 10**12), st.integers(-5, 10**6)),
).map(lambda s: s.encode("utf-8")[:64].decode("utf-8", "ignore") or "x")
texts_ = st.one_of(
    st.text(max_size=200),
    st.text(alphabet="楼下油烟噪音井盖路灯鸽子漏水，。！？😀 ", min_size=1, max_size=80),
    st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(["start", "help", "my", "cancel", "todo", "ticket", "history",
                                                          "merge", "report", "wish", "wishes", "care", "household",
                                                          "visit", "score", "stats", "chart", "export", "web", "x"]),
              st.text(max_size=30)),
    st.just("a" * 4096),
)
OUTSIDERS = [5550001, 5550002, 5559999, WORKER_NHJ1_02, 123456789012]
CHATS = [None, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT, COMMAND_CHAT, -100777]


def draw(strategy, n):
    """Let hypothesis generate n examples (the bot runs in this test's event loop, so the
    examples are collected first and then sent)."""
    found = []

    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example):
        found.append(example)

    collect()
    return found


async def test_random_updates_never_crash_and_outsiders_change_nothing(harness, caplog):
    h = harness
    caplog.set_level(logging.ERROR, logger="gridbot")
    number = await submit_report(h, h.resident(5550042, "赵敏"), "南海街1号院楼下早餐店油烟太大")
    ticket = await Ticket.get(number=number)
    card = await h.api.wait_for(lambda: next((m for m in h.api.bot_messages(GRID_NHJ1_01_CHAT)
                                              if number in (m.get("text") or "")), None))
    before = (ticket.status, ticket.unit_id, await TicketEvent.filter(ticket=ticket).count())

    presses = draw(st.tuples(st.sampled_from(OUTSIDERS), callback_data), 80)
    for user_id, data in presses:
        user = h.api.user(user_id, "随机")
        cb = await h.api.press(user, card, data=data, chat_id=GRID_NHJ1_01_CHAT)
        await h.api.wait_for_callback_answer(cb)  # every press is answered, even nonsense

    messages = draw(st.tuples(st.sampled_from(OUTSIDERS), st.sampled_from(CHATS), texts_), 80)
    h.api.add_chat(-100777, "group", "无关的群")
    for user_id, chat_id, text in messages:
        await h.api.send_text(h.api.user(user_id, "随机"), text, chat_id=chat_id)
    for kind in ("send_sticker", "send_voice", "send_photo"):
        await getattr(h.api, kind)(h.api.user(5550002, "随机"), chat_id=None)
    sentinel = h.resident(5550100, "哨兵")
    await h.reply_to(sentinel, "/start")
    await h.drain()

    await ticket.refresh_from_db()
    after = (ticket.status, ticket.unit_id, await TicketEvent.filter(ticket=ticket).count())
    assert after == before
    failures = [r for r in caplog.records if "update failed" in r.getMessage() or r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures][:5]
    assert await Outbox.filter(status="dead").count() == 0


def test_ids_from_buttons_are_checked_before_any_query():
    from bot import handlers
    from bot.handlers.actions import is_row_id

    assert is_row_id("123") and not is_row_id("26841414336") and not is_row_id("") and not is_row_id("-1")
    actions = handlers.registry().actions
    assert actions.parse("w:acc:999999999") and not actions.parse("w:acc:26841414336")
    assert not actions.parse("w:acc:0") and not actions.parse("w:acc:12:3") and not actions.parse("w:acc")


async def test_a_nul_character_is_dropped_not_stored(harness):
    h = harness
    resident = h.resident()
    reply = await h.reply_to(resident, "南海街1号院楼下\x00早餐店油烟太大")
    assert "店铺" in reply["text"]  # understood, not 系统有点忙
    from bot.models import Pending

    assert "\x00" not in "".join((await Pending.get(user_id=resident.id)).data["texts"])
