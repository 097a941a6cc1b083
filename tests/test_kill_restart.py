"""SIGKILL, then start again: nothing a resident or a worker was promised is lost or doubled.

Each test runs `gridbot run` as a real process against a loopback Bot API started here, kills it
with SIGKILL at a chosen moment (no clean-up of any kind: a power cut, the OOM killer) and starts
a new process on the same database:

* in the middle of a resident's report: the draft goes on where it stopped, and its
  confirmation files one ticket with one card;
* with a message in flight: every queued message is sent, and only the one in flight may be
  sent twice. That is the at-least-once window: Telegram has no idempotency key, so a message
  that reached Telegram while the process died before recording it is sent again by the next
  process. Messages claimed but not yet sent are not doubled, and do not wait long: a claim is
  a lease the delivery loop renews while it lives (bot/messaging/delivery.py), so a dead process's
  claims lapse within `claim_seconds`;
* right after the sweep's first digest went out: each (ticket, level) is claimed once, and
  every digest is delivered once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from bot import texts
from bot.models import Pending, Level, Outbox, OutboxStatus, Status, Ticket, TicketEvent, Unit
from bot.messaging.outbox import Outgoing, enqueue
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT
from tests.procs import api, bots, buttons, district, text_of, until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
NUMBER = re.compile(r"YZ-\d{8}-\d{4}")


async def settled(api) -> None:
    """Every update handed out has been confirmed by the next poll, and that poll waits: the
    bot has nothing in hand that Telegram would hand out again after a crash."""
    await api.wait_for(lambda: api.polling and not api.pending_updates, 30, what="the bot to be idle")


# ─── a draft ────────────────────────────────────────────────────────────────────────────────


async def test_a_report_goes_on_after_sigkill_and_files_one_ticket_with_one_card(district, api, bots):
    resident = api.user(5550001, "王秀兰")
    first = await bots()
    await first.polling()
    await api.send_text(resident, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    question = await api.wait_for_bot_message(resident.id, timeout=60)
    assert "店铺" in question["text"]  # the fumes follow-up question
    await api.send_text(resident, "楼下的老王早点铺，南海街12号")
    summary = await api.wait_for_bot_message(resident.id, lambda m: texts.BTN_CONFIRM in buttons(m))
    assert "油烟" in summary["text"]
    await settled(api)
    # and the summary recorded as sent: a kill in that instant is the in-flight window (tested
    # below), whose message is sent again before anything newer in its chat
    await until(_all_sent, timeout=10)
    await first.kill()

    assert await Pending.filter(user_id=resident.id).count() == 1
    await (await bots()).polling()
    await api.send_text(resident, "每天早上六点就开始，窗户都不敢开")
    summary = await api.wait_for_bot_message(resident.id, lambda m: texts.BTN_CONFIRM in buttons(m), timeout=60)
    assert "油烟太大" in summary["text"] and "窗户都不敢开" in summary["text"]  # all of it, both processes'
    assert "南海街一社区第一网格" in summary["text"]
    await api.press(resident, summary, texts.BTN_CONFIRM)
    receipt = await api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    number = NUMBER.search(receipt["text"])[0]
    await api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    await settled(api)

    (ticket,) = await Ticket.all()
    assert ticket.number == number
    assert "油烟太大" in ticket.text and "窗户都不敢开" in ticket.text
    assert ticket.followups[0]["a"] == "楼下的老王早点铺，南海街12号"  # answered before the kill
    cards = [m for chat in api.chats for m in api.bot_messages(chat)
             if number in (m.get("text") or "") and "类别" in m["text"]]
    assert len(cards) == 1 and cards[0]["chat"]["id"] == GRID_NHJ1_01_CHAT
    assert not await Pending.filter(user_id=resident.id).exists()
    receipts = [m for m in api.bot_messages(resident.id) if "工单号" in (m.get("text") or "")]
    assert len(receipts) == 1


# ─── a send in flight ───────────────────────────────────────────────────────────────────────


async def test_a_message_in_flight_at_sigkill_is_the_only_one_that_may_arrive_twice(district, api, bots):
    residents = [api.user(5551001 + i, f"居民{i}") for i in range(3)]
    chats = [r.id for r in residents] + [GRID_NHJ1_01_CHAT, GRID_NHJ1_02_CHAT]
    wording = [f"第{i:02d}条通知" for i in range(30)]
    await enqueue([Outgoing(chats[i % len(chats)], text) for i, text in enumerate(wording)],
                  now=dt.datetime.now(UTC))
    in_flight = api.hold("sendMessage", lambda params: text_of(params) == wording[4])

    first = await bots()
    await first.polling()
    await api.wait_for(in_flight.arrived.is_set, 30, what="the fifth message in flight")
    # Chats are served side by side: let the other chats finish first, so that the held
    # message is the one send in flight when the process dies (5 wait behind it in its chat).
    await until(lambda: _sent_count_is(len(wording) - 6), timeout=30)
    await first.kill()
    api.release(in_flight, apply=True)  # Telegram got it; the process never heard back
    await api.wait_for(lambda: any(c.method == "sendMessage" and text_of(c.params) == wording[4]
                                   for c in api.calls), 10, what="the late answer")

    await bots()
    await until(_all_sent, timeout=40)

    delivered = Counter(m.get("text") for chat in chats for m in api.bot_messages(chat))
    assert set(delivered) == set(wording)  # nothing lost
    doubled = {text: n for text, n in delivered.items() if n > 1}
    assert doubled == {wording[4]: 2}  # only the one in flight, and only once more
    for chat in chats:  # and each chat still reads in order (the repeat follows the original)
        seen = [wording.index(m["text"]) for m in api.bot_messages(chat)]
        assert seen == sorted(seen)


async def _sent_count_is(n: int) -> bool:
    return await Outbox.filter(status=OutboxStatus.SENT).count() == n


async def _all_sent() -> bool:
    return not await Outbox.exclude(status=OutboxStatus.SENT).exists()


# ─── a sweep ────────────────────────────────────────────────────────────────────────────────


async def _due_tickets() -> tuple[list[Ticket], list[Ticket]]:
    """Tickets whose lights fell due while no bot ran: 16 yellow in four grids, 6 red in two."""
    now = dt.datetime.now(UTC)
    codes = ["nanhaijie1-01", "nanhaijie1-02", "wenmiao-01", "haixi-01"]
    grids = [await Unit.get(code=code) for code in codes]
    made: dict[str, list[Ticket]] = {"yellow": [], "red": []}
    n = 0
    for light, count, overdue_by in (("yellow", 16, dt.timedelta(hours=1)), ("red", 6, dt.timedelta(hours=25))):
        for i in range(count):
            n += 1
            grid = grids[i % (len(grids) if light == "yellow" else 2)]
            filed = now - dt.timedelta(hours=24) - overdue_by
            made[light].append(await Ticket.create(
                number=f"YZ-20260101-{n:04d}", text=f"测试工单 {n}", category="fumes", status=Status.ASSIGNED,
                grid_id=grid.id, unit_id=grid.id, level=Level.GRID, location_text=grid.name,
                created_at=filed, updated_at=filed, assigned_at=filed,
                yellow_at=filed + dt.timedelta(hours=24), red_at=filed + dt.timedelta(hours=48),
                due_at=now + dt.timedelta(days=5),
            ))
    return made["yellow"], made["red"]


def _digests(api) -> list[dict]:
    return [m for chat in api.chats for m in api.bot_messages(chat) if (m.get("text") or "").startswith("⏰")]


async def test_sigkill_after_the_first_digest_tells_each_ticket_and_level_once(district, api, bots):
    yellow, red = await _due_tickets()
    digests_seen: list[dict] = []

    def second_digest(params: dict) -> bool:
        if text_of(params).startswith("⏰"):
            digests_seen.append(params)
            return len(digests_seen) == 2
        return False

    in_flight = api.hold("sendMessage", second_digest)
    first = await bots()
    await first.polling()
    await api.wait_for(in_flight.arrived.is_set, 30, what="the second digest in flight")
    # Chats are served side by side: the other chats' digests go out meanwhile, so the held
    # one is the only digest in flight when the process dies.
    async def all_but_the_held_one_sent() -> bool:
        statuses = await Outbox.filter(text__startswith="⏰").values_list("status", flat=True)
        return len(statuses) > 1 and sum(s == OutboxStatus.SENT for s in statuses) == len(statuses) - 1

    await until(all_but_the_held_one_sent, timeout=30)
    assert len(_digests(api)) >= 1 and text_of(in_flight.params) not in [m["text"] for m in _digests(api)]
    await first.kill()
    api.release(in_flight, apply=False)  # this one never reached Telegram

    claimed = {t.id: (t.yellow_notified_at, t.red_notified_at) for t in await Ticket.all()}
    assert all(y is not None for y, _ in claimed.values())  # the sweep had committed its claims
    await bots()

    async def all_digests_out() -> bool:
        rows = await Outbox.filter(text__startswith="⏰").values_list("status", flat=True)
        return bool(rows) and all(s == OutboxStatus.SENT for s in rows)

    await until(all_digests_out, timeout=40)
    await settled(api)

    rows = await Outbox.filter(text__startswith="⏰").count()
    digests = _digests(api)
    assert len(digests) == rows  # every digest once: the one in flight was sent again, once
    mentions = Counter(n for m in digests for n in NUMBER.findall(m["text"]))
    for ticket in yellow:  # its grid's chat
        assert mentions[ticket.number] == 1, ticket.number
    for ticket in red:  # its grid's, its community's and the command centre's chats
        assert mentions[ticket.number] == 3, ticket.number
    assert any(ticket.number in m["text"] for m in digests if m["chat"]["id"] == COMMAND_CHAT for ticket in red)

    # Claimed once, by the first process: the second process's sweep found nothing to claim.
    after = {t.id: (t.yellow_notified_at, t.red_notified_at) for t in await Ticket.all()}
    assert after == claimed
    events = Counter((e.ticket_id, e.action) for e in await TicketEvent.all())
    assert {k: v for k, v in events.items() if v != 1} == {}
    assert {k for k in events} == ({(t.id, "lit_yellow") for t in yellow} | {(t.id, "lit_red") for t in red})
