"""`gridbot run --time-scale N`: a rehearsal of days in seconds, against a Bot API of its own.

The real command, as a process, on a clock 43,200 times faster (12 hours a second): it says so
loudly at start; a ticket left alone turns yellow and red; a daily report arrives each
morning; a ticket nobody rates closes as 默认满意 after three days; and an outage of the Bot
API is retried on the bot's clock, so what waited arrives as soon as Telegram is back instead
of after minutes of real backoff.
"""

from __future__ import annotations

import re

import pytest
from tortoise.transactions import in_transaction

from bot import texts
from bot.clock import Clock
from bot.config import Settings
from bot.jurisdiction.people import Actor, resident_for
from bot.models import Staff, Unit
from bot.runtime import Runtime
from bot.workflow import filing, moves
from tests.e2e import GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.procs import api, bots, buttons, district  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow

SCALE = 43_200  # a day of the bot's in two real seconds
NUMBER = re.compile(r"YZ-\d{8}-\d{4}")


async def _resolved_and_unrated(rt: Runtime, user_id: int) -> str:
    """A ticket its worker resolved a moment ago, filed and resolved with the bot's own code:
    at this speed a worker could not type the 办结 reason in time."""
    async with in_transaction():
        resident = await resident_for(user_id, display_name="赵大爷", username=None, now=rt.clock.now())
        grid = await Unit.get(code="nanhaijie1-01")
        ticket = await filing.file_ticket(rt, filing.NewTicket(
            text="南海街1号院楼下早餐店油烟太大", category="fumes", confidence=0.9, reasons=["油烟"],
            urgent=False, resident=resident, anonymous=False, grid=grid, location_text="南海街1号院",
            lat=None, lon=None, followups=[], photos=[], triage_reason=None,
        ), actor=Actor.of_resident(resident), resident_chat=user_id)
        worker = await Staff.get(user_id=WORKER_NHJ1_01)
        await moves.accept(rt, ticket, worker)
        await moves.resolve(rt, ticket, worker, "已协调店家加装净化器", [])
    return ticket.number


def _report_days(api) -> set[str]:
    return {m["text"].split("】")[1].split("工单日报")[0] for m in api.bot_messages(GRID_NHJ1_01_CHAT)
            if "工单日报" in (m.get("text") or "")}


async def test_a_rehearsal_runs_every_timer_on_the_fast_clock(district, api, bots):  # noqa: F811
    rated_by = api.user(5550009, "赵大爷")
    unrated = await _resolved_and_unrated(Runtime.from_settings(Settings(), clock=Clock()), rated_by.id)

    bot = await bots("run", "--no-web", "--time-scale", str(SCALE))
    await bot.polling()
    assert f"TIME SCALE {SCALE}" in bot.log()

    # A ticket filed through the chat, and left alone by its grid.
    resident = api.user(5550001, "王秀兰")
    await api.send_text(resident, "南海街1号院门口路灯坏了好几天，晚上很黑")
    summary = await api.wait_for_bot_message(resident.id, lambda m: texts.BTN_CONFIRM in buttons(m))
    await api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await api.wait_for_bot_message(resident.id, lambda m: "工单号" in (m.get("text") or ""))
    number = NUMBER.search(receipt["text"])[0]

    def in_grid_chat(*words):
        return lambda m: all(w in (m.get("text") or "") for w in words)

    await api.wait_for_bot_message(GRID_NHJ1_01_CHAT, in_grid_chat("🟡", number), timeout=15)  # 24 hours
    await api.wait_for_bot_message(GRID_NHJ1_01_CHAT, in_grid_chat("🔴", number), timeout=15)  # 48 hours
    # A daily report each morning of the bot's (a morning whose tick is skipped while the loop
    # is busy sends none: a tick is 12 hours of the bot's here).
    await api.wait_for(lambda: len(_report_days(api)) >= 2, timeout=15, what="daily reports of two days")
    await api.wait_for_bot_message(rated_by.id, lambda m: (m.get("text") or "") == texts.AUTO_CLOSED.format(
        number=unrated, days=3), timeout=15)  # three days without a rating

    # An outage: the resident's /my is retried on the bot's clock, every poll, not after
    # 2, 4, 8, 16 real seconds; once Telegram is back it arrives.
    api.outage("sendMessage")
    since = len(api.arrivals)
    await api.send_text(resident, "/my")

    def tries() -> int:
        return sum(1 for method, params in api.arrivals[since:]
                   if method.lower() == "sendmessage" and str(params.get("chat_id")) == str(resident.id))

    await api.wait_for(lambda: tries() >= 5, timeout=12, what="five tries of the reply during the outage")
    api.end_outage()
    reply = await api.wait_for_bot_message(resident.id, lambda m: number in (m.get("text") or ""), timeout=10)
    assert texts.MY_HEADER.split("（")[0] in reply["text"]
