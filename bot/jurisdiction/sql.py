"""The people's look-ups that run on every complaint, as one statement each, for PostgreSQL and
SQLite (3.35+: RETURNING)."""

from __future__ import annotations

import datetime as dt

from tortoise import connections

from bot.models import Resident
from bot.sqltext import is_postgres


async def upsert_resident(channel: str, user_id: int, *, display_name: str, username: str | None,
                          now: dt.datetime) -> Resident:
    """The resident, made on first contact, with the name and username they have now: what a
    look-up, then an insert or an update of the names, did in two statements. Two complaints
    of a new resident at the same moment both get the one row (the insert's race is gone)."""
    conn = connections.get("default")
    table = Resident._meta.db_table
    columns = sorted(Resident._meta.db_fields)
    created_at = Resident._meta.fields_map["created_at"].to_db_value(now, Resident)
    marks = ", ".join(f"${i}" for i in range(1, 6)) if is_postgres(conn) else "?, ?, ?, ?, ?"
    sql = (f'INSERT INTO "{table}" ("channel", "user_id", "display_name", "username", "created_at") '
           f'VALUES ({marks}) ON CONFLICT ("channel", "user_id") DO UPDATE '
           'SET "display_name" = EXCLUDED."display_name", "username" = EXCLUDED."username" '
           f'RETURNING {", ".join(chr(34) + c + chr(34) for c in columns)}')
    (row,) = await conn.execute_query_dict(sql, [channel, user_id, display_name, username, created_at])
    return Resident._init_from_db(**row)
