"""Each update handled once, by long polling too, and never lost to a claim its holder left.

Long polling hands out again what a killed process never confirmed (the next process gets the
same update_id): the copy is dropped. A process killed in the middle of an update leaves its
claim unfinished: a copy waits while the claim's lease runs, then is handled (at least once,
never lost).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging

from bot import texts
from bot.channels.telegram.updates import MalformedUpdate, parse_webhook_body
from bot.models import UpdateClaim
from bot.channels import claims
from bot.channels.claims import State
from tests.procs import until


def _start_update(api, user, update_id: int) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 900 + update_id % 100, "date": 1_700_000_000, "text": "/start",
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_dict(), "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_long_polling_hands_out_an_update_again_and_it_is_handled_once(harness, caplog):
    h = harness
    caplog.set_level(logging.INFO, logger="gridbot.updates")
    resident = h.resident()
    await h.api.send_text(resident, "/start")
    await h.api.wait_for_bot_message(resident.id)
    (update,) = h.api.updates
    await h.api.send_update(copy.deepcopy(update))  # as after a crash before the offset was confirmed
    sentinel = h.resident(5550100, "哨兵")
    await h.reply_to(sentinel, "/start")
    await h.api.wait_for(lambda: any("handled already" in r.getMessage() for r in caplog.records), 10)
    await h.drain()
    assert [m["text"] for m in h.api.bot_messages(resident.id)] == [texts.WELCOME]


async def test_an_update_whose_holder_died_is_handled_once_its_lease_lapses(harness):
    h = harness
    resident = h.resident()
    now = h.rt.clock.now()
    # what a process killed in the middle of update 77 leaves behind
    await UpdateClaim.create(update_id=77, claimed_until=now + claims.LEASE, created_at=now)
    await h.api.send_update(_start_update(h.api, resident, 77))  # Telegram hands it out again
    await h.api.wait_for(lambda: not h.api.pending_updates and h.api.polling, 10)
    await h.drain()
    assert h.api.bot_messages(resident.id) == []  # the copy waits: the claim may still be live
    h.rt.clock.advance(claims.LEASE + dt.timedelta(seconds=1))
    reply = await h.api.wait_for_bot_message(resident.id, timeout=10)
    assert reply["text"] == texts.WELCOME
    # The claim is marked done after the handler's transaction, and the reply can be sent before
    # that mark (a loaded machine, PostgreSQL): wait for it instead of reading it at once.
    await until(lambda: UpdateClaim.filter(update_id=77, done_at__isnull=False).exists(), timeout=10)


async def test_claims_and_their_pruning(db):
    t0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    assert (await claims.claim(5, now=t0)).state == State.OURS
    busy = await claims.claim(5, now=t0 + dt.timedelta(seconds=1))
    assert busy.state == State.BUSY and busy.until == t0 + claims.LEASE
    await claims.done(5, now=t0 + dt.timedelta(seconds=2))
    assert (await claims.claim(5, now=t0 + dt.timedelta(hours=1))).state == State.DONE
    assert (await claims.claim(6, now=t0)).state == State.OURS
    assert (await claims.claim(6, now=t0 + dt.timedelta(minutes=1))).state == State.OURS  # its holder died
    assert await claims.prune(t0 + dt.timedelta(days=3)) == 2
    assert await UpdateClaim.all().count() == 0


def test_a_webhook_body_that_is_no_update_is_refused_whatever_it_holds():
    from telegram import Bot

    bot = Bot("123456:SANDBOX-TOKEN")
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"update_id": 1, "message": {"message_id": 1, "date": 1e20,'
                 b' "chat": {"id": 1, "type": "private"}}}', b"\xff", b"[]", b'{"update_id": true}',
                 b'{"update_id": -1}', b'{"update_id": 100000000000000000000}'):
        try:
            parse_webhook_body(body, bot)
        except MalformedUpdate:
            continue
        raise AssertionError(body[:60])
    assert parse_webhook_body(b'{"update_id": 3}', bot).update_id == 3


async def test_updates_in_hand_together_are_claimed_and_marked_done_in_one_statement_each(db, statements):
    t0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.timezone.utc)
    await claims.claim(3, now=t0)
    await claims.done(3, now=t0)
    await claims.claim(4, now=t0)  # in hand elsewhere
    statements.clear()
    fresh = list(range(100, 150))
    answers = await claims.claim_many(fresh, now=t0)
    assert [a.state for a in answers] == [State.OURS] * 50 and len(statements) == 1
    await claims.done_many(fresh, now=t0)
    assert len(statements) == 2
    # copies: one done, one in hand, and the same new update twice in one batch
    answers = await claims.claim_many([3, 4, 200, 200], now=t0 + dt.timedelta(seconds=1))
    assert [a.state for a in answers] == [State.DONE, State.BUSY, State.OURS, State.BUSY]
    assert (await claims.claim(120, now=t0 + dt.timedelta(hours=1))).state == State.DONE
