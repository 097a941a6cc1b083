"""Delivery claims are leases: renewed while the loop lives, lapsed soon after it dies.

A claim must outlast any send (a rate limiter's wait, a slow upload), or a second instance sends
the same rows again; and it must lapse soon after a crash, or the rows a dead process had claimed
wait for minutes (tests/test_kill_restart.py kills real processes). So the loop renews its claims
every third of `claim_seconds` while it holds rows, and a loop whose claims lapsed anyway (it
could not renew in time) leaves the rest of its batch to whoever claims them next.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.channels.port import Sent
from bot.clock import Clock, FrozenClock
from bot.messaging.delivery import Delivery
from bot.models import Outbox, OutboxStatus
from bot.messaging.outbox import Outgoing, enqueue

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


class Channel:
    """Records what was sent; with `hold=True` the first send waits until `go` is set."""

    def __init__(self, *, hold: bool = False) -> None:
        self.sent: list[str] = []
        self.hold = hold
        self.sending = asyncio.Event()
        self.go = asyncio.Event()

    async def send(self, chat_id, *, text, buttons, photo, reply_to):
        if self.hold and not self.sent:
            self.sending.set()
            await self.go.wait()
        self.sent.append(text)
        return Sent(len(self.sent))

    async def edit(self, chat_id, message_id, *, text, buttons):
        return Sent(message_id)


async def test_a_send_longer_than_a_claim_keeps_its_rows_while_the_claim_is_renewed(db):
    clock = FrozenClock(T0)
    await enqueue([Outgoing(1, "a"), Outgoing(1, "b")], now=T0)
    slow, other = Channel(hold=True), Channel()
    first, second = Delivery(slow, clock, claim_seconds=10), Delivery(other, clock, claim_seconds=10)
    sending = asyncio.create_task(first.deliver_due())
    await slow.sending.wait()  # "a" is on its way and takes its time

    for _ in range(3):  # 18 s: well past the first claim
        clock.advance(dt.timedelta(seconds=6))
        assert await first.renew_claims() == 2  # what the running loop does every claim/3
        assert await second.deliver_due() == 0
    slow.go.set()
    assert await sending == 2
    assert slow.sent == ["a", "b"] and other.sent == []
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == 2


async def test_a_loop_whose_claims_lapsed_leaves_its_batch_to_the_next_claimant(db):
    clock = FrozenClock(T0)
    await enqueue([Outgoing(1, "a"), Outgoing(1, "b")], now=T0)
    stalled, other = Channel(hold=True), Channel()
    first, second = Delivery(stalled, clock, claim_seconds=10), Delivery(other, clock, claim_seconds=10)
    sending = asyncio.create_task(first.deliver_due())
    await stalled.sending.wait()

    clock.advance(dt.timedelta(seconds=11))  # no renewal came (the database was out of reach)
    assert await second.deliver_due() == 2  # both rows are claimable again
    assert other.sent == ["a", "b"]
    assert await first.renew_claims() == 0  # lapsed: not renewed, let go
    stalled.go.set()
    await sending
    # "a" was in flight when its claim lapsed: sent twice (the at-least-once window); "b" was not
    # sent by the loop that no longer held it.
    assert stalled.sent == ["a"]
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == 2


async def test_the_running_loop_renews_its_claims_on_its_own(db):
    clock = Clock()
    await enqueue([Outgoing(1, "a")], now=clock.now())
    slow = Channel(hold=True)
    first = Delivery(slow, clock, claim_seconds=0.3)
    first.start()
    try:
        await slow.sending.wait()
        lease = (await Outbox.get()).claimed_until
        async with asyncio.timeout(5):  # real time must pass here: wait out the first claim
            while clock.now() <= lease + dt.timedelta(seconds=0.1):
                await asyncio.sleep(0.05)
        assert (await Outbox.get()).claimed_until > clock.now()  # renewed, still held
        assert await Delivery(Channel(), clock, claim_seconds=0.3).deliver_due() == 0
        slow.go.set()
        await first.drain()
        assert slow.sent == ["a"]
    finally:
        await first.stop()


class SlowGroup(Channel):
    """A group chat Telegram holds to 20 messages a minute: its sends wait until `go`."""

    def __init__(self, group: int) -> None:
        super().__init__()
        self.group = group
        self.waiting = asyncio.Event()
        self.elsewhere = asyncio.Event()  # something went to another chat

    async def send(self, chat_id, *, text, buttons, photo, reply_to):
        if chat_id == self.group:
            self.waiting.set()
            await self.go.wait()
        else:
            self.elsewhere.set()
        self.sent.append(text)
        return Sent(len(self.sent))


async def test_a_held_up_group_chat_does_not_hold_up_a_receipt_queued_after_it(db):
    """The running loop gives each chat its own task: while the group's send waits (a rate
    limit, a slow upload), a resident's receipt queued later still goes out at once."""
    clock = Clock()
    group, resident = -100123, 42
    channel = SlowGroup(group)
    delivery = Delivery(channel, clock)
    delivery.start()
    try:
        await enqueue([Outgoing(group, "卡片"), Outgoing(group, "照片")], now=clock.now())
        delivery.wake()
        await channel.waiting.wait()
        await enqueue([Outgoing(resident, "已受理，工单号 …")], now=clock.now())
        delivery.wake()
        await asyncio.wait_for(channel.elsewhere.wait(), 5)
        assert channel.sent == ["已受理，工单号 …"]  # the group's two still wait, in order
        channel.go.set()
        await delivery.drain()
        assert channel.sent == ["已受理，工单号 …", "卡片", "照片"]
        assert await Outbox.filter(status=OutboxStatus.SENT).count() == 3
    finally:
        await delivery.stop()


async def test_a_renewal_never_waits_for_a_row_another_statement_holds(db, db_url):
    """PostgreSQL: the loop's grouped finish and its renewal are both multi-row UPDATEs of the
    rows it holds; when the renewal waited for the finish's locks the two deadlocked, the finish
    failed and its rows went out again once their claims lapsed (a card doubled at 10,000
    complaints). A row locked elsewhere is left out of the renewal instead of waited for."""
    if not db_url.startswith("postgres"):
        pytest.skip("SQLite has one writer: no row lock to wait for")
    import asyncpg

    clock = FrozenClock(T0)
    await enqueue([Outgoing(1, "a"), Outgoing(2, "b")], now=T0)
    slow = Channel(hold=True)
    first = Delivery(slow, clock, claim_seconds=10)
    sending = asyncio.create_task(first.deliver_due())
    await slow.sending.wait()
    a, b = [row.id for row in await Outbox.all().order_by("id")]
    other = await asyncpg.connect(db_url)
    try:
        locker = other.transaction()
        await locker.start()
        await other.execute('SELECT 1 FROM "outbox" WHERE "id" = $1 FOR UPDATE', a)
        clock.advance(dt.timedelta(seconds=4))
        assert await asyncio.wait_for(first.renew_claims(), timeout=5) == 1  # "b" only, at once
        assert (await Outbox.get(id=b)).claimed_until == T0 + dt.timedelta(seconds=14)
        assert (await Outbox.get(id=a)).claimed_until == T0 + dt.timedelta(seconds=10)  # left as it was
        await locker.rollback()
    finally:
        await other.close()
    slow.go.set()
    assert await sending == 2


class LookOutlastedByPass:
    """The timing of PostgreSQL, made exact: a claim pass that starts while the drain looks at
    the database is still under way when the look returns (a pass is two statements in a
    transaction, a look one). The first look also wakes the loop, as a chat task ending then does."""

    def __init__(self, delivery: Delivery, sql) -> None:
        self.delivery = delivery
        self.real_any_due, self.real_claim = sql.any_due, delivery._claim
        self.looked = asyncio.Event()
        self.looks = 0

    async def any_due(self, now):
        self.looks += 1
        if self.looks == 1:
            self.delivery.wake()
            await asyncio.sleep(0)  # the loop's pass begins
        found = await self.real_any_due(now)
        self.looked.set()
        return found

    async def claim(self, **kwargs):
        if self.looks:
            self.looked.clear()
            await self.looked.wait()  # until the drain's look has come back
        return await self.real_claim(**kwargs)


async def test_drain_ends_when_a_claim_pass_outlasts_each_look(db, monkeypatch):
    """A drain that woke the loop at every look left a wake-up pending, so a fresh pass was
    under way whenever it looked again and it never saw the loop at rest (on PostgreSQL:
    drains of seconds, some past their 10 s, most of the suite's time there)."""
    from bot.messaging import sql

    delivery = Delivery(Channel(), Clock())
    timing = LookOutlastedByPass(delivery, sql)
    monkeypatch.setattr(sql, "any_due", timing.any_due)
    monkeypatch.setattr(delivery, "_claim", timing.claim)
    delivery.start()
    try:
        await delivery.drain(timeout=3)
        assert timing.looks <= 3  # one look, one more after the pass under way, not a spin
    finally:
        await delivery.stop()
