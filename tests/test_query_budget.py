"""What a complaint costs the database, counted: statements are behaviour, not timing (the
CPU they cost is measured in bench/intake.py). A count that grows is a regression to look at."""

from __future__ import annotations

from bot.sandbox.residents import file_complaint

# Handling a complaint's three updates (the words, 跳过, 确认提交): claims, the draft, the
# place, the ticket, its events and card, the receipt; the delivery loop's statements apart.
# 34 before claims were grouped, the tree answered unit look-ups and the ticket's events and
# number took one statement each (one complaint at a time: nothing to group here); 26 before
# the resident was upserted in one statement and a draft with no remembered prompt stopped
# deleting prompt refs; 22 since the outbox rows, the ticket and its events are written out as
# one INSERT each (bot/messaging/sql.py, bot/workflow/sql.py); 23 since the first words are
# checked against the resident's tickets fixed in the last week (bot/intake/after_fix.py: one
# SELECT, "还是那样" is about the fix, not a new report).
COMPLAINT_BUDGET = 23


async def test_a_complaint_costs_a_bounded_number_of_statements(harness, statements):
    h = harness
    await file_complaint(h.api, h.resident(5550400, "预热"), "南海街1号院门口的井盖松动了")  # warm caches
    await h.drain()
    statements.clear()
    number, _ = await file_complaint(h.api, h.resident(5550401, "李桂芝"), "文庙小区垃圾堆了好几天没人清运")
    await h.drain()
    assert number and 0 < statements.handling() <= COMPLAINT_BUDGET


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
