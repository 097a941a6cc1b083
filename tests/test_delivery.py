"""The delivery loop on its own: claims, retries, order per chat, crashed claims, card edits."""

import datetime as dt

from bot.channels.port import RetryLater, Sent, TargetMissing, Transient, Undeliverable
from bot.clock import FrozenClock
from bot.messaging.delivery import Delivery
from bot.models import MessageRef, Outbox, OutboxStatus
from bot.messaging.outbox import Outgoing, edit_only, enqueue

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)


class FakeChannel:
    """Records what was sent; fails as scripted."""

    def __init__(self):
        self.sent, self.edits, self.script = [], [], []
        self.next_id = 100

    async def send(self, chat_id, *, text, buttons, photo, reply_to):
        if self.script:
            raise self.script.pop(0)
        self.next_id += 1
        self.sent.append((chat_id, text, reply_to))
        return Sent(self.next_id)

    async def edit(self, chat_id, message_id, *, text, buttons):
        if self.script:
            raise self.script.pop(0)
        self.edits.append((chat_id, message_id, text))
        return Sent(message_id)


async def test_transient_failure_backs_off_and_keeps_the_chats_order(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(1, "a"), Outgoing(1, "b"), Outgoing(2, "x")], now=T0)
    channel.script = [Transient("502")]
    assert await delivery.deliver_due() == 3
    assert channel.sent == [(2, "x", None)]  # chat 1's "b" waits behind "a"
    assert await delivery.deliver_due() == 0  # nothing due before the backoff passes
    clock.advance(dt.timedelta(seconds=5))
    await delivery.deliver_due()
    assert [t for c, t, _ in channel.sent if c == 1] == ["a", "b"]
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == 3


async def test_retry_after_is_honoured(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(1, "a")], now=T0)
    channel.script = [RetryLater(30)]
    await delivery.deliver_due()
    clock.advance(dt.timedelta(seconds=29))
    await delivery.deliver_due()
    assert channel.sent == []
    clock.advance(dt.timedelta(seconds=2))
    await delivery.deliver_due()
    assert channel.sent == [(1, "a", None)]


async def test_undeliverable_is_recorded_and_never_retried(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(1, "a")], now=T0)
    channel.script = [Undeliverable("Forbidden: bot was blocked by the user")]
    await delivery.deliver_due()
    clock.advance(dt.timedelta(days=1))
    assert await delivery.deliver_due() == 0
    row = await Outbox.get()
    assert row.status == OutboxStatus.DEAD and "blocked" in row.error


async def test_transient_failures_never_end_a_message_and_the_backoff_is_capped(db):
    """An outage of hours: the row is tried again and again (it used to be given up after 8
    tries, about 4 minutes), each wait doubling up to the cap, jittered, on the bot's clock."""
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)  # the defaults: from 2 s, doubling, up to 5 minutes
    await enqueue([Outgoing(1, "a")], now=T0)
    channel.script = [Transient("502 Bad Gateway")] * 40
    waits = []
    for attempt in range(1, 41):
        assert await delivery.deliver_due() == 1, attempt
        row = await Outbox.get()
        assert row.status == OutboxStatus.PENDING and row.attempts == attempt
        waits.append((row.available_at - clock.now()).total_seconds())
        clock.set(row.available_at)  # the moment it is due again
    for attempt, wait in enumerate(waits, start=1):
        ceiling = min(2 * 2 ** (attempt - 1), 300)
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)
    assert len({round(w, 3) for w in waits[-20:]}) > 1  # jittered, not all at once
    assert clock.now() - T0 > dt.timedelta(hours=1)
    await delivery.deliver_due()  # Telegram is back
    row = await Outbox.get()
    assert row.status == OutboxStatus.SENT and channel.sent == [(1, "a", None)]


async def test_a_message_queued_during_a_backoff_waits_behind_the_one_before_it(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(1, "first")], now=T0)
    channel.script = [Transient("timed out")]
    await delivery.deliver_due()
    await enqueue([Outgoing(1, "second"), Outgoing(2, "elsewhere")], now=clock.now())
    assert await delivery.deliver_due() == 1  # the other chat goes on; chat 1 waits for "first"
    assert channel.sent == [(2, "elsewhere", None)]
    clock.advance(dt.timedelta(minutes=5))
    await delivery.deliver_due()
    assert [t for c, t, _ in channel.sent if c == 1] == ["first", "second"]


async def test_a_chat_another_instance_is_sending_to_is_left_alone(db):
    """Two instances: while one holds a chat's rows, the other sends nothing into that chat,
    not even a row queued since, which would arrive before the held ones."""
    clock, channel = FrozenClock(T0), FakeChannel()
    await enqueue([Outgoing(1, "a"), Outgoing(1, "b")], now=T0)
    first, second = Delivery(channel, clock), Delivery(channel, clock)
    held = await first._claim()  # sending "a" and "b", slowly
    await enqueue([Outgoing(1, "c"), Outgoing(2, "x")], now=T0)
    assert await second.deliver_due() == 1
    assert channel.sent == [(2, "x", None)]
    for row in held:
        await first._send_one(row, {})
    await second.deliver_due()
    assert [t for c, t, _ in channel.sent if c == 1] == ["a", "b", "c"]


async def test_a_chat_whose_oldest_row_another_pass_is_locking_gets_nothing_meanwhile(db, db_url):
    """Another instance's pass holds the chat's oldest row (locked, not yet marked): this pass
    skips it and must leave the rows behind it too, or "b" would arrive before "a"."""
    import asyncio

    import pytest
    from tortoise.transactions import in_transaction

    if not db_url.startswith("postgres"):
        pytest.skip("a row locked by another pass needs PostgreSQL (SQLite has one writer)")
    clock, channel = FrozenClock(T0), FakeChannel()
    await enqueue([Outgoing(1, "a"), Outgoing(1, "b"), Outgoing(2, "x")], now=T0)
    oldest = await Outbox.filter(chat_id=1).order_by("id").first()
    locked, release = asyncio.Event(), asyncio.Event()

    async def other_pass():
        async with in_transaction() as conn:
            await conn.execute_query('SELECT id FROM outbox WHERE id = $1 FOR UPDATE', [oldest.id])
            locked.set()
            await release.wait()

    holder = asyncio.create_task(other_pass())
    await locked.wait()
    try:
        assert await Delivery(channel, clock).deliver_due() == 1
        assert channel.sent == [(2, "x", None)]
    finally:
        release.set()
        await holder
    await Delivery(channel, clock).deliver_due()
    assert [t for c, t, _ in channel.sent if c == 1] == ["a", "b"]


async def test_a_permanent_answer_ends_the_row_with_a_metric_and_a_log_line(db, caplog):
    from bot import logids
    from bot.web.metrics import REGISTRY

    def ended(reason):
        return REGISTRY.get_sample_value("gridbot_outbox_undeliverable_total", {"reason": reason}) or 0

    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    group, person = -1001000000999, 5550123
    await enqueue([Outgoing(group, "card", ref="card:999"), Outgoing(person, "hello")], now=T0)
    before = ended("forbidden"), ended("bad_request")
    channel.script = [Undeliverable("Forbidden: bot was kicked from the supergroup chat", "forbidden"),
                      Undeliverable("Bad Request: message text is empty")]
    caplog.set_level("WARNING", logger="gridbot.delivery")
    await delivery.deliver_due()
    assert await Outbox.filter(status=OutboxStatus.DEAD).count() == 2
    assert (ended("forbidden"), ended("bad_request")) == (before[0] + 1, before[1] + 1)
    lines = [r.getMessage() for r in caplog.records if "undeliverable" in r.getMessage()]
    rows = await Outbox.all().order_by("id")
    # A group is a unit's chat, named as it is; a private chat's id is a person's: hashed.
    assert any(f"outbox {rows[0].id}: undeliverable to chat {group} (forbidden)" in line for line in lines)
    assert any(f"outbox {rows[1].id}: undeliverable to chat {logids.person(person)} (bad_request)" in line
               for line in lines)
    assert not any(str(person) in line for line in lines)  # no person's id in clear


async def test_a_claim_left_by_a_killed_process_is_taken_up_again(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    await enqueue([Outgoing(1, "a")], now=T0)
    crashed = Delivery(channel, clock, claim_seconds=60)
    await crashed._claim()  # claimed, then the process died before sending
    survivor = Delivery(channel, clock, claim_seconds=60)
    assert await survivor.deliver_due() == 0  # the claim still holds
    clock.advance(dt.timedelta(seconds=61))
    assert await survivor.deliver_due() == 1
    assert channel.sent == [(1, "a", None)]


async def test_a_card_is_sent_once_then_edited_and_photos_reply_to_it(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(7, "card v1", ref="card:1"), Outgoing(7, photo="F1", text="#", reply_to_ref="card:1")], now=T0)
    await delivery.deliver_due()
    card_id = (await MessageRef.get(chat_id=7, ref="card:1")).message_id
    assert channel.sent[1][2] == card_id  # the photo replies to the card
    await enqueue([Outgoing(7, "card v2", ref="card:1"), Outgoing(7, "card v3", ref="card:1")], now=T0)
    await delivery.deliver_due()
    assert channel.edits == [(7, card_id, "card v3")]  # v2 was superseded within the batch
    channel.script = [TargetMissing("message to edit not found")]
    await enqueue([Outgoing(7, "card v4", ref="card:1")], now=T0)
    await delivery.deliver_due()
    assert channel.sent[-1][1] == "card v4"  # deleted card: sent anew, and remembered
    assert (await MessageRef.get(chat_id=7, ref="card:1")).message_id != card_id


async def test_an_edit_only_row_edits_what_was_shown_and_never_sends_anew(db):
    """Taking an answered question's buttons away: if the question never reached the chat, or
    the resident deleted it, sending it again now would only confuse."""
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock)
    await enqueue([Outgoing(7, "问题", buttons=[[("跳过", "r:skip:1:2")]], ref="draft:1:2")], now=T0)
    await delivery.deliver_due()
    shown = (await MessageRef.get(chat_id=7, ref="draft:1:2")).message_id
    await enqueue([edit_only(7, "draft:1:2", "问题"), edit_only(7, "draft:9:9", "从未发出")], now=T0)
    channel.script = []
    await delivery.deliver_due()
    assert channel.edits == [(7, shown, "问题")] and len(channel.sent) == 1
    channel.script = [TargetMissing("message to edit not found")]
    await enqueue([edit_only(7, "draft:1:2", "问题")], now=T0)
    await delivery.deliver_due()
    assert len(channel.sent) == 1  # deleted by the resident: nothing sent in its place
    assert await Outbox.filter(status=OutboxStatus.SENT).count() == 4


def test_the_backoff_is_on_the_bots_clock_and_a_claim_on_real_time():
    """A rehearsal's fast clock (`gridbot run --time-scale`): a retry waits seconds of the
    bot's time, so an hour's outage is rehearsed in seconds; a claim still lasts real seconds,
    for processes keep real time."""
    from bot.clock import Clock

    fast = Delivery(FakeChannel(), Clock(scale=3600))
    assert all(dt.timedelta(seconds=150) <= fast.backoff(n) <= dt.timedelta(seconds=300) for n in range(10, 40))
    assert fast.backoff(1) <= dt.timedelta(seconds=2)
    assert fast.claim == dt.timedelta(seconds=10 * 3600)
