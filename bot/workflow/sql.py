"""A new ticket and its events written out once, for PostgreSQL and SQLite (3.35+: RETURNING).

Filing made a Ticket through the ORM's constructor (each of its fifty fields set, checked and
defaulted one by one) and the events as objects for a bulk insert: a good part of the bot's
CPU per complaint in bench/intake.py. Here the values go in as the ORM would have written them
(its defaults, its conversions and checks per field) and the ticket comes back from the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from tortoise import connections
from tortoise.models import Model

from bot.models import Ticket, TicketEvent
from bot.sqltext import is_postgres
from bot.sqltext import quoted as _quoted


@cache
def _writable(model: type[Model]) -> tuple[tuple[str, object], ...]:
    """(column, field) for every column but the generated id."""
    meta = model._meta
    return tuple((column, meta.fields_map[name]) for name, column in sorted(meta.fields_db_projection.items())
                 if name != meta.pk_attr)


def _row(model: type[Model], values: dict) -> list:
    """The values of every writable column: given, else the field's default."""
    row = []
    for column, field in _writable(model):
        value = values[column] if column in values else field.default
        if callable(value):
            value = value()
        row.append(field.to_db_value(value, model))
    return row


async def _insert(model: type[Model], rows: Sequence[dict], returning: bool) -> list[dict]:
    conn = connections.get("default")
    pg = is_postgres(conn)
    columns = [c for c, _ in _writable(model)]
    values = [v for row in rows for v in _row(model, row)]
    width = len(columns)
    marks = ", ".join("(" + ", ".join(f"${r * width + c + 1}" if pg else "?" for c in range(width)) + ")"
                      for r in range(len(rows)))
    sql = f'INSERT INTO "{model._meta.db_table}" ({_quoted(columns)}) VALUES {marks}'
    if not returning:
        await conn.execute_query(sql, values)
        return []
    return await conn.execute_query_dict(f'{sql} RETURNING {_quoted(sorted(model._meta.db_fields))}', values)


async def insert_ticket(values: dict) -> Ticket:
    """A new ticket of `values` (by column: `grid_id`, not `grid`)."""
    (row,) = await _insert(Ticket, [values], returning=True)
    return Ticket._init_from_db(**row)


async def insert_events(rows: Sequence[dict]) -> None:
    """Events (by column), in one INSERT: ids follow the order given."""
    if rows:
        await _insert(TicketEvent, rows, returning=False)
