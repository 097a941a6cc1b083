"""What a complaint costs the database, counted: statements are behaviour, not timing (the
CPU they cost is measured in bench/intake.py). A count that grows is a regression to look at."""

from __future__ import annotations

from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Outbox, OutboxStatus
from bot.sandbox.residents import file_complaint

# Handling a complaint's three updates (the words, 跳过, 确认提交): claims, the draft, the
# place, the ticket, its events and card, the receipt; the delivery loop's statements apart.
# 34 before claims were grouped, the tree answered unit look-ups and the ticket's events and
# number took one statement each (one complaint at a time: nothing to group here).
COMPLAINT_BUDGET = 26


async def test_a_complaint_costs_a_bounded_number_of_statements(harness, statements):
    h = harness
    await file_complaint(h.api, h.resident(5550400, "预热"), "南海街1号院门口的井盖松动了")  # warm caches
    await h.drain()
    statements.clear()
    number, _ = await file_complaint(h.api, h.resident(5550401, "李桂芝"), "文庙小区垃圾堆了好几天没人清运")
    await h.drain()
    assert number and 0 < statements.handling() <= COMPLAINT_BUDGET


async def test_rows_sent_together_are_marked_sent_together_each_with_its_message_id(harness, statements):
    h = harness
    await h.drain()
    await h.bot.delivery.stop()  # idle, then stopped: this test's pass alone
    now = h.rt.clock.now()
    chats = [5550500 + i for i in range(20)]
    for chat in chats:
        h.api.user(chat, f"居民{chat}")
    await outbox.enqueue([Outgoing(chat, f"您好 {chat}") for chat in chats], now=now)
    statements.clear()
    await h.bot.delivery.deliver_due()
    rows = await Outbox.filter(chat_id__in=chats).order_by("chat_id")
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 and r.sent_at is not None for r in rows)
    assert [r.message_id for r in rows] == [h.api.last_bot_message(chat)["message_id"] for chat in chats]
    assert 0 < statements.count("outbox-sent") < len(chats)  # marked together, not one UPDATE per message


async def test_a_group_commit_takes_what_arrives_while_a_batch_is_written():
    import asyncio

    from bot.batching import GroupCommit

    batches = []

    async def write(items):
        batches.append(list(items))
        await asyncio.sleep(0)
        return [item * 10 for item in items]

    group = GroupCommit(write)
    assert await group.submit(1) == 10  # alone: at once
    assert await asyncio.gather(*(group.submit(i) for i in range(2, 22))) == [i * 10 for i in range(2, 22)]
    assert batches == [[1], [2], list(range(3, 22))]  # the first at once, the rest together

    async def broken(items):
        raise RuntimeError("database gone")

    group = GroupCommit(broken)
    outcomes = await asyncio.gather(group.submit(1), group.submit(2), group.submit(3), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert not group._busy  # and the next write goes at once again
