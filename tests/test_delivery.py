"""The delivery loop on its own: claims, retries, order per chat, crashed claims, card edits."""

import datetime as dt

from bot.channels.base import RetryLater, Sent, TargetMissing, Transient, Undeliverable
from bot.clock import FrozenClock
from bot.delivery import Delivery
from bot.models import MessageRef, Outbox, OutboxStatus
from bot.services.outbox import Outgoing, enqueue

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


async def test_too_many_transient_failures_end_as_undeliverable(db):
    clock, channel = FrozenClock(T0), FakeChannel()
    delivery = Delivery(channel, clock, max_attempts=3)
    await enqueue([Outgoing(1, "a")], now=T0)
    channel.script = [Transient("timeout")] * 3
    for _ in range(3):
        await delivery.deliver_due()
        clock.advance(dt.timedelta(minutes=10))
    row = await Outbox.get()
    assert row.status == OutboxStatus.DEAD and row.attempts == 3


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
