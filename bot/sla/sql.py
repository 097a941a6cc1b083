"""The sweep's SQL: set-wise statements on one transaction's connection, for PostgreSQL and
SQLite, so a storm of due tickets costs a few statements, not a few per ticket."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from bot.sqltext import Params, is_postgres

log = logging.getLogger("gridbot.sla")


_CHUNK = 500  # ids per `IN (...)`: well under SQLite's and asyncpg's parameter limits


class Sql:
    """The sweep's statements, on its transaction's connection, for PostgreSQL and SQLite.

    Set-based so that a storm costs a few statements, not a few per ticket: each level is
    claimed by one UPDATE … RETURNING per status, and the event and explanation rows it causes
    are inserted in one statement each (PostgreSQL: INSERT … SELECT FROM unnest(arrays);
    SQLite: executemany in the open transaction)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.pg = is_postgres(conn)

    def params(self) -> Params:
        return Params(self.pg)

    def picked(self, ids: str) -> str:
        """`id` among the rows the sub-select `ids` picks, locked for this transaction.

        PostgreSQL: the sub-select locks what it picks and skips rows another sweep holds; a row
        that sweep claimed and committed meanwhile is re-checked against the WHERE and dropped.
        `= ANY(ARRAY(…))` keeps the plan a primary-key lookup per picked id whatever the
        planner guesses of their number (an IN semi-join may choose to scan the table).
        SQLite: one writer, and the UPDATE takes the write lock before it reads, so what it
        picks is what it claims."""
        if self.pg:
            return f"id = ANY(ARRAY({ids} FOR NO KEY UPDATE SKIP LOCKED))"
        return f"id IN ({ids})"

    def not_in(self, column: str, values: list[int], p: Params) -> str:
        if self.pg:
            return f"{column} <> ALL({p(values)}::int[])"
        return f"{column} NOT IN ({', '.join(p(v) for v in values)})"

    async def fetch(self, sql: str, params: list) -> list[dict]:
        # execute_query would run an UPDATE without reading what it RETURNs (asyncpg's execute)
        return await self.conn.execute_query_dict(sql, list(params))

    async def insert(self, table: str, columns: Sequence[tuple[str, str]], rows: list[tuple],
                     constants: Sequence[tuple[str, object, str]] = (), *, ignore_conflicts: bool = False) -> None:
        """Insert `rows` (values of `columns`, given as (name, PostgreSQL type)), each with the
        same `constants` ((name, value, type))."""
        if not rows:
            return
        names = ", ".join([c for c, _ in columns] + [c for c, _, _ in constants])
        conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        if self.pg:
            p = self.params()
            arrays = ", ".join(f"{p(list(values))}::{kind}[]" for (_, kind), values in zip(columns, zip(*rows)))
            alias = ", ".join(f"c{i}" for i in range(len(columns)))
            consts = "".join(f", {p(value)}::{kind}" for _, value, kind in constants)
            await self.conn.execute_query(
                f"INSERT INTO {table} ({names}) SELECT {alias}{consts} FROM unnest({arrays}) AS x({alias}){conflict}", p)
            return
        marks = ", ".join("?" for _ in range(len(columns) + len(constants)))
        tail = tuple(value for _, value, _ in constants)
        await self.conn.execute_many(f"INSERT INTO {table} ({names}) VALUES ({marks}){conflict}",
                                     [list(row + tail) for row in rows])



def chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
