"""The look-up a complaint makes for an open ticket of the same problem, written out once, for
PostgreSQL and SQLite.

Through the ORM it was a query built anew and up to twenty tickets made into objects, for a
comparison that reads only their words: here the rows stay plain and only the one offered
becomes a Ticket.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from tortoise import connections

from bot.models import OPEN_STATUSES, Ticket
from bot.sqltext import is_postgres, quoted


@cache
def _columns() -> str:
    return quoted(sorted(Ticket._meta.db_fields))


async def open_alike(grid_id: int, category: str, *, since: dt.datetime, limit: int) -> list[dict]:
    """Open tickets of this grid and category filed since `since`, newest first: plain rows."""
    conn = connections.get("default")
    pg = is_postgres(conn)
    values = [grid_id, category, *(s.value for s in OPEN_STATUSES),
              Ticket._meta.fields_map["created_at"].to_db_value(since, Ticket), limit]
    marks = [f"${i}" if pg else "?" for i in range(1, len(values) + 1)]
    statuses = ", ".join(marks[2:2 + len(OPEN_STATUSES)])
    sql = (f'SELECT {_columns()} FROM "{Ticket._meta.db_table}" WHERE "grid_id" = {marks[0]} '
           f'AND "category" = {marks[1]} AND "status" IN ({statuses}) AND "created_at" >= {marks[-2]} '
           f'ORDER BY "created_at" DESC LIMIT {marks[-1]}')
    return await conn.execute_query_dict(sql, values)


def as_ticket(row: dict) -> Ticket:
    return Ticket._init_from_db(**row)
