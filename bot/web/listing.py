"""The dashboard's list of tickets, a page at a time by keyset: ordered by (deadline, id), tickets
without a deadline last by id, each page asks for the LIST_LIMIT rows after the last one shown
(`after`), so the thousandth page of a million tickets costs what the first does: one range of
the index (due_at, id) (migration 0013_figures; only what is in work has one of its own), no
OFFSET and no count of the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tortoise import connections

from bot.models import OPEN_STATUSES, Status, Ticket

UTC = dt.timezone.utc
CLOSED_STATUSES = (Status.RESOLVED, Status.CLOSED)


def _in(values: Iterable) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our own constants, never typed text


def cursor_of(ticket: Ticket) -> str:
    """Where the next page starts: after this ticket."""
    due = ticket.due_at.astimezone(UTC).isoformat() if ticket.due_at else "-"
    return f"{due}~{ticket.id}"


def _read_cursor(text: str | None) -> tuple[dt.datetime | None, int] | None:
    """(deadline or None for the part without one, id); None for the first page or nonsense."""
    due, _, ident = (text or "").partition("~")
    if not ident.isdigit() or len(ident) > 12:
        return None
    if due == "-":
        return None, int(ident)
    try:
        moment = dt.datetime.fromisoformat(due)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC), int(ident)


class _Sql:
    """Numbered parameters in the connection's dialect."""

    def __init__(self, postgres: bool) -> None:
        self.postgres, self.values = postgres, []

    def p(self, value) -> str:
        if isinstance(value, dt.datetime) and not self.postgres:
            value = value.isoformat(sep=" ")  # as Tortoise stores it on SQLite
        self.values.append(value)
        return f"${len(self.values)}" if self.postgres else f"?{len(self.values)}"


def _filters(q: _Sql, units: set[int] | None, status: str, category: str, light: str) -> list[str]:
    where = []
    if units is not None:
        ids = ", ".join(str(int(u)) for u in sorted(units)) or "NULL"
        where.append(f"(unit_id IN ({ids}) OR grid_id IN ({ids}))")
    if status == "open":
        where.append(f"status IN {_in(OPEN_STATUSES)}")
    elif status == "closed":
        where.append(f"status IN {_in(CLOSED_STATUSES)}")
    elif status != "all":
        where.append(f"status = {q.p(status)}")
    if category:
        where.append(f"category = {q.p(category)}")
    if light:
        where.append(f"light = {q.p(light)}")
    return where


async def page(*, units: set[int] | None, status: str, category: str, light: str, after: str | None,
               limit: int) -> tuple[list[Ticket], str | None]:
    """Up to `limit` tickets after the cursor, with `unit` and `grid` loaded, and the cursor of the
    next page (None on the last). `units`: the holder or grid must be one of them (None: any)."""
    conn = connections.get("default")
    postgres = conn.capabilities.dialect == "postgres"
    start = _read_cursor(after)
    found: list[int] = []
    if start is None or start[0] is not None:  # the part with deadlines
        q = _Sql(postgres)
        where = [*_filters(q, units, status, category, light), "due_at IS NOT NULL"]
        if start:
            where.append(f"(due_at, id) > ({q.p(start[0])}, {q.p(start[1])})")
        sql = f"SELECT id FROM ticket WHERE {' AND '.join(where)} ORDER BY due_at, id LIMIT {limit + 1}"
        found = [r["id"] for r in await conn.execute_query_dict(sql, q.values)]
    if len(found) <= limit:  # then those without a deadline, by id
        q = _Sql(postgres)
        after_id = start[1] if start and start[0] is None else 0
        where = [*_filters(q, units, status, category, light), "due_at IS NULL", f"id > {int(after_id)}"]
        sql = f"SELECT id FROM ticket WHERE {' AND '.join(where)} ORDER BY id LIMIT {limit + 1 - len(found)}"
        found += [r["id"] for r in await conn.execute_query_dict(sql, q.values)]
    tickets = {t.id: t for t in await Ticket.filter(id__in=found[:limit]).prefetch_related("unit", "grid")}
    shown = [tickets[i] for i in found[:limit] if i in tickets]
    return shown, cursor_of(shown[-1]) if len(found) > limit and shown else None
