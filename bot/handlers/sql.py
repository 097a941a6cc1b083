"""The pending questions' statements that run on every update, written out once, for PostgreSQL
and SQLite (3.35+: RETURNING).

A complaint reads its draft once per update and writes it once per step: through the ORM each
was a query built anew (filters resolved, pypika rendered, a full UPDATE of every column), a
good part of the bot's own CPU per complaint in bench/intake.py. Here each is a fixed text (on
PostgreSQL asyncpg keeps it prepared) and the rows come back as the ORM's own objects, so
nothing downstream knows the difference. Locks as the ORM's `select_for_update()`: FOR UPDATE
on PostgreSQL, nothing on SQLite (one writer).
"""

from __future__ import annotations

from functools import cache

from tortoise import connections

from bot.models import Pending
from bot.sqltext import is_postgres
from bot.sqltext import quoted as _quoted

_TABLE = Pending._meta.db_table
_KEY = ("channel", "chat_id", "user_id", "kind", "subject")  # one of a kind per subject
# What a step may change: everything but who and where (a save() wrote them all).
_CHANGING = ("kind", "subject", "step", "data", "prompt_ref", "updated_at", "expires_at")


@cache
def _columns() -> tuple[str, ...]:
    return tuple(sorted(Pending._meta.db_fields))


class _Dialect:
    def __init__(self, conn) -> None:
        self.conn = conn
        self.pg = is_postgres(conn)

    def marks(self, first: int, count: int) -> list[str]:
        return [f"${i}" if self.pg else "?" for i in range(first, first + count)]

    @property
    def lock(self) -> str:
        return " FOR UPDATE" if self.pg else ""


def _db(field: str, value):
    return Pending._meta.fields_map[field].to_db_value(value, Pending)


def _rows(found: list[dict]) -> list[Pending]:
    return [Pending._init_from_db(**row) for row in found]


async def of_person(channel: str, chat_id: int, user_id: int) -> list[Pending]:
    """Everything waiting for this person in this chat, newest first, locked."""
    d = _Dialect(connections.get("default"))
    a, b, c = d.marks(1, 3)
    sql = (f'SELECT {_quoted(_columns())} FROM "{_TABLE}" WHERE "channel" = {a} AND "chat_id" = {b} '
           f'AND "user_id" = {c} ORDER BY "updated_at" DESC, "id" DESC{d.lock}')
    return _rows(await d.conn.execute_query_dict(sql, [channel, chat_id, user_id]))


async def held(row_id: int, *, chat_id: int, user_id: int, kind: str) -> Pending | None:
    """The question `row_id` if it is this person's in this chat and of this kind, locked."""
    d = _Dialect(connections.get("default"))
    a, b, c, k = d.marks(1, 4)
    sql = (f'SELECT {_quoted(_columns())} FROM "{_TABLE}" WHERE "id" = {a} AND "chat_id" = {b} '
           f'AND "user_id" = {c} AND "kind" = {k} LIMIT 1{d.lock}')
    found = _rows(await d.conn.execute_query_dict(sql, [row_id, chat_id, user_id, kind]))
    return found[0] if found else None


async def insert_unless_there(values: dict) -> Pending | None:
    """A new row of `values` (every column but the id), or None if one with its key is there
    already (committed, or committed by the transaction the insert waited for)."""
    d = _Dialect(connections.get("default"))
    names = [n for n in _columns() if n != "id"]
    marks = d.marks(1, len(names))
    sql = (f'INSERT INTO "{_TABLE}" ({_quoted(names)}) VALUES ({", ".join(marks)}) '
           f'ON CONFLICT ({_quoted(_KEY)}) DO NOTHING RETURNING {_quoted(_columns())}')
    found = _rows(await d.conn.execute_query_dict(sql, [_db(n, values[n]) for n in names]))
    return found[0] if found else None


async def save(row: Pending) -> None:
    """Write back what a step may change."""
    d = _Dialect(connections.get("default"))
    marks = d.marks(1, len(_CHANGING) + 1)
    sets = ", ".join(f'"{n}" = {m}' for n, m in zip(_CHANGING, marks))
    sql = f'UPDATE "{_TABLE}" SET {sets} WHERE "id" = {marks[-1]}'
    await d.conn.execute_query(sql, [_db(n, getattr(row, n)) for n in _CHANGING] + [row.id])


async def delete(row_id: int) -> bool:
    """True if this call removed the row (not someone a moment earlier)."""
    d = _Dialect(connections.get("default"))
    (mark,) = d.marks(1, 1)
    removed, _ = await d.conn.execute_query(f'DELETE FROM "{_TABLE}" WHERE "id" = {mark}', [row_id])
    return bool(removed)
