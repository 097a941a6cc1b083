"""The outbox's statements written out once, for PostgreSQL and SQLite: rows queued, and the
delivery loop's bookkeeping in set-wise statements.

Queueing (2–3 rows a complaint) through the ORM built a model object per row and a query per
call; here it is one INSERT of plain values, its text fixed by the number of rows.

Every message sent is a row marked done and, for a card, a message ref remembered. One by one
through the ORM that was a statement and the ORM's building of it per message, the largest
share of the bot's own CPU per send in bench/intake.py; here the rows that finish together
(bot/batching.py groups them) go in one statement, written out once. PostgreSQL takes the
values of a batch as arrays (`unnest`: one statement text whatever the batch size, so asyncpg's
cache of prepared statements keeps it) and a lone row as plain values (asyncpg looks up each
array type in the catalogue the first time a connection meets it: 3–10 ms, which a lone card's
ref must not wait for); SQLite a VALUES list (UPDATE … FROM needs 3.33).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from tortoise import connections

from bot.models import MessageRef, Outbox, OutboxStatus
from bot.sqltext import Params, is_postgres, quoted

MOST = 150  # rows per statement: six values each stays under SQLite's oldest limit of 999
_QUEUED = ("channel", "chat_id", "text", "buttons", "photo", "file_data", "file_name", "file_kind", "ref",
           "reply_to_ref", "ticket_id", "status", "attempts", "available_at", "created_at")
MOST_QUEUED = 60  # rows per INSERT: 15 values each, under 999


@dataclass(frozen=True)
class Finished:
    """A row done with: sent (or superseded) or given up, and what to record on it."""

    id: int
    status: OutboxStatus
    attempts: int
    error: str | None = None
    message_id: int | None = None
    drop_file: bool = False  # sent or dead: its bytes go


@dataclass(frozen=True)
class Remembered:
    """Where the message a ref names landed."""

    channel: str
    chat_id: int
    ref: str
    message_id: int


def _marks(conn, rows: int, types: Sequence[str]) -> str:
    """Placeholders for `rows` rows of VALUES; on PostgreSQL cast to `types`, which it cannot
    infer for a VALUES list in a WITH."""
    width = len(types)
    if is_postgres(conn):
        return ", ".join("(" + ", ".join(f"${r * width + c + 1}::{types[c]}" for c in range(width)) + ")"
                         for r in range(rows))
    return ", ".join("(" + ", ".join("?" * width) + ")" for _ in range(rows))


def _time(model, field: str, value: dt.datetime):
    return model._meta.fields_map[field].to_db_value(value, model)


async def finish(rows: Sequence[Finished], *, now: dt.datetime, using_db=None) -> None:
    """Mark each row as its `Finished` says, `now` being when a sent one was sent."""
    conn = using_db or connections.get("default")
    sent_at = _time(Outbox, "sent_at", now)
    table = Outbox._meta.db_table
    set_ = ('status = v.status, attempts = v.attempts, error = v.error, message_id = v.message_id, '
            f'sent_at = CASE WHEN v.status = \'{OutboxStatus.SENT.value}\' THEN {{now}} END, claimed_until = NULL, '
            f'file_data = CASE WHEN v.drop_file THEN NULL ELSE "{table}".file_data END')
    for start in range(0, len(rows), MOST):
        part = rows[start:start + MOST]
        columns = list(zip(*[(r.id, r.status.value, r.attempts, r.error, r.message_id, r.drop_file) for r in part]))
        if is_postgres(conn) and len(part) > 1:
            sql = (f'UPDATE "{table}" SET {set_.format(now="$7::timestamptz")} FROM unnest($1::bigint[], '
                   '$2::text[], $3::int[], $4::text[], $5::bigint[], $6::bool[]) '
                   'AS v(id, status, attempts, error, message_id, drop_file) '
                   f'WHERE "{table}".id = v.id')
            await conn.execute_query(sql, [list(c) for c in columns] + [sent_at])
        else:
            values = [v for r in part for v in (r.id, r.status.value, r.attempts, r.error, r.message_id, r.drop_file)]
            now_mark = f"${len(values) + 1}::timestamptz" if is_postgres(conn) else "?"
            marks = _marks(conn, len(part), ("bigint", "text", "int", "text", "bigint", "bool"))
            sql = (f'WITH v(id, status, attempts, error, message_id, drop_file) AS (VALUES {marks}) '
                   f'UPDATE "{table}" SET {set_.format(now=now_mark)} FROM v WHERE "{table}".id = v.id')
            await conn.execute_query(sql, values + [sent_at])


async def remember(refs: Sequence[Remembered], *, now: dt.datetime) -> None:
    """Upsert where each ref's message is (another instance may remember the same card at the
    same moment); of two for the same ref in one batch, the later wins, as one by one."""
    conn = connections.get("default")
    latest = list({(r.channel, r.chat_id, r.ref): r for r in refs}.values())
    at = _time(MessageRef, "updated_at", now)
    table = MessageRef._meta.db_table
    conflict = ('ON CONFLICT ("channel", "chat_id", "ref") DO UPDATE '
                'SET "message_id" = EXCLUDED."message_id", "updated_at" = EXCLUDED."updated_at"')
    for start in range(0, len(latest), MOST):
        part = latest[start:start + MOST]
        if is_postgres(conn) and len(part) > 1:
            sql = (f'INSERT INTO "{table}" ("channel", "chat_id", "ref", "message_id", "updated_at") '
                   'SELECT c, i, r, m, $5::timestamptz FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[]) '
                   f'AS x(c, i, r, m) {conflict}')
            await conn.execute_query(sql, [[r.channel for r in part], [r.chat_id for r in part],
                                           [r.ref for r in part], [r.message_id for r in part], at])
        else:
            # "WHERE true": SQLite's parser needs it to tell ON CONFLICT from a join's ON
            marks = _marks(conn, len(part), ("text", "bigint", "text", "bigint", "timestamptz"))
            sql = (f'INSERT INTO "{table}" ("channel", "chat_id", "ref", "message_id", "updated_at") '
                   f'SELECT * FROM (VALUES {marks}) AS x WHERE true {conflict}')
            await conn.execute_query(sql, [v for r in part for v in (r.channel, r.chat_id, r.ref, r.message_id, at)])


async def queue(rows: Sequence[tuple], *, using_db=None) -> None:
    """Insert outbox rows, each the values of `_QUEUED` in that order, in the order given (ids
    follow the VALUES list, and delivery sends each chat's rows by id)."""
    conn = using_db or connections.get("default")
    names = ", ".join(f'"{n}"' for n in _QUEUED)
    width = len(_QUEUED)
    for start in range(0, len(rows), MOST_QUEUED):
        part = rows[start:start + MOST_QUEUED]
        if is_postgres(conn):
            marks = ", ".join("(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")"
                              for r in range(len(part)))
        else:
            marks = ", ".join("(" + ", ".join("?" * width) + ")" for _ in part)
        await conn.execute_query(f'INSERT INTO "{Outbox._meta.db_table}" ({names}) VALUES {marks}',
                                 [v for row in part for v in row])


def queued_values(*, channel: str, chat_id: int, text, buttons, photo, file_data, file_name, file_kind,
                  ref, reply_to_ref, ticket_id, now: dt.datetime) -> tuple:
    """One row's values for `queue`, as the ORM would have written them (and checked: a name
    too long for its column is refused here, on SQLite too)."""
    at = _time(Outbox, "available_at", now)
    return (channel, chat_id, text, _checked("buttons", buttons), _checked("photo", photo), file_data,
            _checked("file_name", file_name), _checked("file_kind", file_kind), _checked("ref", ref),
            _checked("reply_to_ref", reply_to_ref), ticket_id, OutboxStatus.PENDING.value, 0, at, at)


def _checked(field: str, value):
    return None if value is None else Outbox._meta.fields_map[field].to_db_value(value, Outbox)



# --- claiming -------------------------------------------------------------------------------
# What delivery.py's `_claim` said through the ORM, as fixed texts (the ORM's building of them
# was most of a claim pass's CPU). A pass is two statements in one transaction, as before
# three: the due rows, locked; then the claim of those that come first in their chat, which
# leaves the rest (the ORM's pass read each chat's first row not picked in a statement of its own).

class _Params(Params):
    """Params of a statement on `conn`; `now` is one value on PostgreSQL ($n used again), one
    per use on SQLite."""

    def __init__(self, conn, now: dt.datetime | None = None) -> None:
        super().__init__(is_postgres(conn))
        self._now = _time(Outbox, "available_at", now) if now is not None else None
        self._now_mark = self(self._now) if self.pg and now is not None else None

    @property
    def now(self) -> str:
        return self._now_mark if self.pg else self(self._now)

    def ids(self, values: Sequence[int], *, none_of: bool = False) -> str:
        """`IN` (or `NOT IN`) these values: one array on PostgreSQL (a fixed text whatever their number)."""
        if self.pg:
            return f"<> ALL({self(list(values))}::bigint[])" if none_of else f"= ANY({self(list(values))}::bigint[])"
        return ("NOT IN" if none_of else "IN") + " (" + ", ".join(self(v) for v in values) + ")"


def _due_where(p: _Params) -> str:
    """Rows that may be sent now: due (or left by a claim that lapsed), in chats where no row
    waits out a backoff or is being sent elsewhere (the chat's order comes first)."""
    pending, sending = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
    due = (f'(("status" = {p(pending)} AND "available_at" <= {p.now}) '
           f'OR ("status" = {p(sending)} AND "claimed_until" < {p.now}))')
    waiting = (f'SELECT "chat_id" FROM "{Outbox._meta.db_table}" WHERE ("status" = {p(pending)} AND "available_at" > {p.now}) '
               f'OR ("status" = {p(sending)} AND "claimed_until" >= {p.now})')
    return f'{due} AND "chat_id" NOT IN ({waiting})'


@cache
def _outbox_columns() -> str:
    return quoted(sorted(Outbox._meta.db_fields))


async def any_due(now: dt.datetime) -> bool:
    conn = connections.get("default")
    p = _Params(conn, now)
    found = await conn.execute_query_dict(
        f'SELECT 1 FROM "{Outbox._meta.db_table}" WHERE {_due_where(p)} LIMIT 1', p)
    return bool(found)


async def pick_due(conn, now: dt.datetime, *, limit: int, skip_chats: Sequence[int] = ()) -> list[Outbox]:
    """The due rows, oldest first, locked for the claim (PostgreSQL: rows another pass holds are
    skipped; SQLite has one writer), not in `skip_chats` (their rows wait for the chat's task)."""
    p = _Params(conn, now)
    where = _due_where(p)
    if skip_chats:
        where += f' AND "chat_id" {p.ids(sorted(skip_chats), none_of=True)}'
    lock = " FOR UPDATE SKIP LOCKED" if p.pg else ""
    sql = (f'SELECT {_outbox_columns()} FROM "{Outbox._meta.db_table}" WHERE {where} '
           f'ORDER BY "id" LIMIT {p(limit)}{lock}')
    return [Outbox._init_from_db(**row) for row in await conn.execute_query_dict(sql, p)]


async def claim_first_in_chat(conn, ids: Sequence[int], *, until: dt.datetime) -> set[int]:
    """Claim, of the rows `ids` (picked and locked), those that come before any row of their
    chat not among them (rows beyond the batch, rows another instance locked in the same
    instant): a chat's rows go out from its oldest unsent one on, or not at all this pass.
    Returns the ids claimed."""
    p = _Params(conn)
    table = Outbox._meta.db_table
    pending, sending = OutboxStatus.PENDING.value, OutboxStatus.SENDING.value
    sets = f'"status" = {p(sending)}, "claimed_until" = {p(_time(Outbox, "claimed_until", until))}'
    ours = p.ids(ids)
    before = (f'SELECT 1 FROM "{table}" AS o WHERE o."chat_id" = "{table}"."chat_id" AND o."id" < "{table}"."id" '
              f'AND o."status" IN ({p(pending)}, {p(sending)}) AND o."id" {p.ids(ids, none_of=True)}')
    sql = f'UPDATE "{table}" SET {sets} WHERE "id" {ours} AND NOT EXISTS ({before}) RETURNING "id"'
    return {row["id"] for row in await conn.execute_query_dict(sql, p)}


async def renew(ids: Sequence[int], *, until: dt.datetime) -> set[int]:
    """Extend the claims on the rows `ids` still being sent; returns the ids renewed.

    On PostgreSQL the rows are taken `FOR UPDATE SKIP LOCKED`, so a renewal never waits: a row
    another statement holds is being finished by this loop's grouped `finish` (nothing to renew)
    or claimed by a pass that found its claim lapsed (too late to renew). Waiting instead, the two
    multi-row UPDATEs took the same rows in different orders and deadlocked; the failed finish
    left its rows claimed and they were sent again (bench/intake.py --n 10000: a card doubled)."""
    conn = connections.get("default")
    p = _Params(conn)
    table = Outbox._meta.db_table
    sets = f'"claimed_until" = {p(_time(Outbox, "claimed_until", until))}'
    held = f'"id" {p.ids(sorted(ids))} AND "status" = {p(OutboxStatus.SENDING.value)}'
    if p.pg:
        where = f'"id" = ANY(ARRAY(SELECT "id" FROM "{table}" WHERE {held} ORDER BY "id" FOR UPDATE SKIP LOCKED))'
    else:  # one writer
        where = held
    rows = await conn.execute_query_dict(f'UPDATE "{table}" SET {sets} WHERE {where} RETURNING "id"', p)
    return {row["id"] for row in rows}
