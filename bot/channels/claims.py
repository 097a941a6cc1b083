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

Many updates arriving together (a long poll hands out up to a hundred) are claimed in one
INSERT and marked done in one UPDATE (`claim_many`, `done_many`; bot/channels/telegram/updates.py
groups them): the same rows, the same answers, one statement each way instead of one per update.

Rows older than `KEEP` are pruned (a scheduled job): Telegram keeps an undelivered update for at
most a day, and picks a new start for update ids only after a week without any.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tortoise import connections
from tortoise.exceptions import IntegrityError

from bot.models import UpdateClaim
from bot.sqltext import is_postgres

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


async def claim_many(update_ids: list[int], *, now: dt.datetime, lease: dt.timedelta = LEASE,
                     channel: str = "telegram") -> list[Claim]:
    """`claim` for each update id, in order: one INSERT for all the new ones (the usual case),
    the one-by-one path for the ids already there (copies, takeovers)."""
    fresh = await _insert_new(list(dict.fromkeys(update_ids)), now=now, lease=lease, channel=channel)
    answers = []
    for update_id in update_ids:
        if update_id in fresh:
            fresh.discard(update_id)  # a second copy in the same batch finds the first in hand
            answers.append(Claim(State.OURS))
        else:
            answers.append(await claim(update_id, now=now, lease=lease, channel=channel))
    return answers


async def _insert_new(update_ids: list[int], *, now: dt.datetime, lease: dt.timedelta, channel: str) -> set[int]:
    """Insert a claim for each id that has none; returns the ids inserted here."""
    if not update_ids:
        return set()
    conn = connections.get("default")
    field = UpdateClaim._meta.fields_map["claimed_until"]
    until, at = field.to_db_value(now + lease, UpdateClaim), field.to_db_value(now, UpdateClaim)
    values: list = []
    rows = []
    for update_id in update_ids:
        start = len(values)
        values += [channel, update_id, until, at]
        rows.append("(" + ",".join(_placeholder(conn, start + k) for k in range(4)) + ")")
    sql = (f'INSERT INTO "{UpdateClaim._meta.db_table}" ("channel","update_id","claimed_until","created_at") '
           f'VALUES {",".join(rows)} ON CONFLICT ("channel","update_id") DO NOTHING RETURNING "update_id"')
    inserted = await conn.execute_query_dict(sql, values)  # asyncpg's execute_query drops RETURNING rows
    return {int(row["update_id"]) for row in inserted}


def _placeholder(conn, index: int) -> str:
    return f"${index + 1}" if is_postgres(conn) else "?"


async def done_many(update_ids: list[int], *, now: dt.datetime, channel: str = "telegram") -> None:
    """Mark these updates done, in one statement per `_MOST` ids (written out: the ORM's
    building of it was most of its cost)."""
    conn = connections.get("default")
    pg = is_postgres(conn)
    at = UpdateClaim._meta.fields_map["done_at"].to_db_value(now, UpdateClaim)
    ids = sorted(set(update_ids))
    table = UpdateClaim._meta.db_table
    for start in range(0, len(ids), _MOST):
        part = ids[start:start + _MOST]
        if pg:
            sql = f'UPDATE "{table}" SET "done_at" = $1 WHERE "channel" = $2 AND "update_id" = ANY($3::bigint[])'
            await conn.execute_query(sql, [at, channel, part])
        else:
            marks = ", ".join("?" * len(part))
            await conn.execute_query(f'UPDATE "{table}" SET "done_at" = ? WHERE "channel" = ? AND "update_id" IN ({marks})',
                                     [at, channel, *part])


_MOST = 500  # ids per statement: under SQLite's oldest limit of 999 values


async def done(update_id: int, *, now: dt.datetime, channel: str = "telegram") -> None:
    await UpdateClaim.filter(channel=channel, update_id=update_id).update(done_at=now)


async def prune(now: dt.datetime) -> int:
    return await UpdateClaim.filter(created_at__lt=now - KEEP).delete()
