"""Each update from the channel handled once, across instances and restarts.

Telegram delivers an update again when a webhook answers slowly or with an error (the same
update_id), and long polling hands out again what a killed process never confirmed; behind a
load balancer the copy may reach another instance. Before an update is handled its id is
claimed with a row (unique per channel and update_id):

- the first to insert the row handles the update, and marks it done afterwards;
- a copy that finds it done is dropped;
- a copy that finds it in hand (not done, lease live) waits for the holder to finish;
- a copy that finds the lease lapsed without done (the holder died mid-update) takes it over,
  so a crash loses nothing: that one update may be handled twice, as before.

Rows older than `KEEP` are pruned (a scheduled job): Telegram keeps an undelivered update for at
most a day, and picks a new start for update ids only after a week without any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tortoise.exceptions import IntegrityError

from bot.models import UpdateClaim

LEASE = dt.timedelta(seconds=30)
KEEP = dt.timedelta(days=2)


class State(StrEnum):
    OURS = "ours"  # handle it
    DONE = "done"  # handled already: drop this copy
    BUSY = "busy"  # being handled elsewhere: wait until `until`, then ask again


@dataclass(frozen=True)
class Claim:
    state: State
    until: dt.datetime | None = None


async def claim(update_id: int, *, now: dt.datetime, lease: dt.timedelta = LEASE,
                channel: str = "telegram") -> Claim:
    for _ in range(2):  # a row pruned between the insert and the look: once more
        try:
            await UpdateClaim.create(channel=channel, update_id=update_id, claimed_until=now + lease,
                                     created_at=now)
            return Claim(State.OURS)
        except IntegrityError:
            pass
        taken = await UpdateClaim.filter(channel=channel, update_id=update_id, done_at=None,
                                         claimed_until__lt=now).update(claimed_until=now + lease)
        if taken:  # its holder died before finishing
            return Claim(State.OURS)
        row = await UpdateClaim.get_or_none(channel=channel, update_id=update_id)
        if row is not None:
            return Claim(State.DONE) if row.done_at is not None else Claim(State.BUSY, row.claimed_until)
    return Claim(State.OURS)


async def done(update_id: int, *, now: dt.datetime, channel: str = "telegram") -> None:
    await UpdateClaim.filter(channel=channel, update_id=update_id).update(done_at=now)


async def prune(now: dt.datetime) -> int:
    return await UpdateClaim.filter(created_at__lt=now - KEEP).delete()
