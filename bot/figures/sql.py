"""The figures' queries: each figure of bot/figures/stats.py summed in the database per group of
tickets that count for the same units, so the work is a few index range scans over the period,
never a pass over the years of tickets kept.

A ticket counts for its district, for its holder and its grid and every unit above them, and for
every department that ever held it. The queries sum per (holder, grid, units its events named) —
a few hundred groups in a district — and stats.py adds each group into the units it counts for.
`ticket.event_units` (",12,3,") and `ticket.first_accepted_at` are kept by triggers on
ticket_event (migration 0013_figures), so no figure joins the period's tickets with their
events; each part (filed, resolved, closed, due in the period, in work now) is one range of an
index that holds every column it reads. The period's events are summed per ticket first (a light
counts once per ticket) and joined to the stretch of tickets they name, by id.

PostgreSQL and SQLite both: `$n` placeholders become `?n`, the hour and JSON expressions differ;
on SQLite datetimes are compared as the text Tortoise stores (ISO 8601 in UTC, which sorts as time).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence

from tortoise import connections
from tortoise.transactions import in_transaction

UTC = dt.timezone.utc
OPEN = "('triage', 'assigned', 'accepted')"
DONE = "('resolved', 'closed')"
COUNTED = "t.merged_into_id IS NULL AND t.status NOT IN ('merged', 'cancelled')"


class Query:
    """SQL with numbered parameters in the connection's dialect."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.values: list = []

    def p(self, value, cast: str = "") -> str:
        if isinstance(value, dt.datetime):
            value = value.astimezone(UTC)
            cast = cast or "timestamptz"
            if not self.postgres:
                value = value.isoformat(sep=" ")
        self.values.append(value)
        n = len(self.values)
        return f"${n}::{cast}" if self.postgres and cast else f"${n}" if self.postgres else f"?{n}"

    def ids(self, ids: Sequence[int]) -> str:
        return "(" + ", ".join(str(int(i)) for i in ids) + ")" if ids else "(NULL)"

    def hours(self, later: str, earlier: str) -> str:
        if self.postgres:
            return f"GREATEST(EXTRACT(EPOCH FROM ({later} - {earlier}))::float8, 0) / 3600.0"
        return f"MAX((julianday({later}) - julianday({earlier})) * 24.0, 0)"

    def rating(self, column: str) -> str:
        return f"({column} ->> 'rating')" if self.postgres else f"json_extract({column}, '$.rating')"


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


@contextlib.asynccontextmanager
async def _session(postgres: bool) -> AsyncIterator:
    """A connection for a few queries. On PostgreSQL: a transaction (one snapshot) without JIT
    (compiling a plan costs more than these sums take), with room to hash the period's rows in
    memory, and no sorts where hashing does (it guesses the size of a WITH table badly, then
    sorts tens of thousands of rows to merge or group them)."""
    if not postgres:
        yield connections.get("default")
        return
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; "
                                  "SET LOCAL enable_mergejoin = off; SET LOCAL enable_sort = off")
        yield conn


async def rows(q: Query, sql: str) -> list[dict]:
    async with _session(q.postgres) as conn:
        return await conn.execute_query_dict(sql, q.values)


async def figure_sums(start: dt.datetime, end: dt.datetime, cutoff: dt.datetime) -> list[dict]:
    """Every figure, as rows {part, unit_id, grid_id, event_units, k1, k2, n, n2, h}:

    received  k1 category, k2 'y' if done now; n tickets, n2 of them accepted, h their hours to 接单;
    resolved  k1 'y' if on time; n tickets, h their hours to 办结;
    closed, overdue: n tickets;  open: k1 light, n tickets;
    events    k1 action, k2 rating; n tickets, n2 events (a light counts once per ticket).

    Two statements run at once (on PostgreSQL on two connections): the tickets' parts, each one
    range of one index (migration 0013_figures), and the events'."""
    tickets, events = Query(is_postgres()), Query(is_postgres())
    found = await asyncio.gather(_summed(tickets, "", _ticket_parts(tickets, start, end, cutoff)),
                                 _event_part(events, start, end))
    return found[0] + found[1]


def _ticket_parts(q: Query, start: dt.datetime, end: dt.datetime, cutoff: dt.datetime) -> str:
    s, e, c = q.p(start), q.p(end), q.p(cutoff)
    none = "NULL::text" if q.postgres else "NULL"
    accepted = "t.first_accepted_at IS NOT NULL"
    head = "SELECT '{}' AS part, t.id, t.unit_id, t.grid_id, t.event_units, "
    parts = [
        head.format("received") + f"t.category AS k1, CASE WHEN t.status IN {DONE} THEN 'y' ELSE 'n' END AS k2, "
        f"CASE WHEN {accepted} THEN 1 ELSE 0 END AS v2, "
        f"CASE WHEN {accepted} THEN {q.hours('t.first_accepted_at', 't.created_at')} ELSE 0 END AS vh "
        f"FROM ticket t WHERE {COUNTED} AND t.created_at >= {s} AND t.created_at < {e}",
        head.format("resolved") + "CASE WHEN t.due_at IS NULL OR t.resolved_at <= t.due_at THEN 'y' ELSE 'n' END AS k1, "
        f"{none} AS k2, 0 AS v2, "
        f"{q.hours('t.resolved_at', 't.created_at')} AS vh FROM ticket t WHERE {COUNTED} "
        f"AND t.resolved_at >= {s} AND t.resolved_at < {e} AND t.status IN {DONE}",
        head.format("closed") + f"{none} AS k1, {none} AS k2, 0 AS v2, 0 AS vh FROM ticket t WHERE {COUNTED} "
        f"AND t.closed_at >= {s} AND t.closed_at < {e} AND t.status = 'closed'",
        head.format("overdue") + f"{none} AS k1, {none} AS k2, 0 AS v2, 0 AS vh FROM ticket t WHERE {COUNTED} "
        f"AND t.due_at >= {s} AND t.due_at < {c} AND (t.resolved_at IS NULL OR t.resolved_at > t.due_at)",
        _open_tickets(q),
    ]
    return " UNION ALL ".join(parts)


async def _event_part(q: Query, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The period's events — ratings and reopenings one row each, lights and pauses one row per
    ticket and kind — with their tickets looked up by id: one stretch of the primary key's index."""
    s, e = q.p(start), q.p(end)
    head = "SELECT 'events' AS part, t.id, t.unit_id, t.grid_id, t.event_units, "
    part = (head + "ev.action AS k1, ev.rating AS k2, ev.n AS v2, 0 AS vh FROM ev "
            f"JOIN ticket t ON t.id = ev.ticket_id WHERE {COUNTED} AND t.id >= (SELECT MIN(ticket_id) FROM ev) "
            "AND t.id <= (SELECT MAX(ticket_id) FROM ev)")
    period = f"created_at >= {s} AND created_at < {e}"
    events = (f"SELECT ticket_id, action, CASE WHEN action IN ('rated', 'reopened') THEN {q.rating('data')} END "
              f"AS rating, 1 AS n FROM ticket_event WHERE action IN ('rated', 'reopened', 'auto_closed') AND {period} "
              "UNION ALL SELECT DISTINCT ticket_id, action, NULL, 1 FROM ticket_event "
              f"WHERE action IN ('lit_yellow', 'lit_red', 'paused') AND {period}")
    return await _summed(q, f"ev AS {_materialized(q)}({events}), ", part)


def _open_tickets(q: Query) -> str:
    none = "NULL::text" if q.postgres else "NULL"
    return (f"SELECT 'open' AS part, t.id, t.unit_id, t.grid_id, t.event_units, t.light AS k1, {none} AS k2, "
            f"0 AS v2, 0 AS vh FROM ticket t WHERE {COUNTED} AND t.status IN {OPEN}")


async def _summed(q: Query, before: str, per_ticket: str) -> list[dict]:
    """The sums per (part, holder, grid, units its events named, k1, k2)."""
    key = "x.part, x.unit_id, x.grid_id, x.event_units, x.k1, x.k2"
    return await rows(q, f"WITH {before}x AS ({per_ticket}) SELECT {key}, COUNT(*) AS n, SUM(x.v2) AS n2, "
                         f"SUM(x.vh) AS h FROM x GROUP BY {key}")


async def open_sums() -> list[dict]:
    """The "open" part of `figure_sums` alone: the tickets in work now by light (the chart's)."""
    q = Query(is_postgres())
    return await _summed(q, "", _open_tickets(q))


async def daily_sums(days: Sequence[tuple[dt.datetime, dt.datetime]], *, everything: bool,
                     units: Sequence[int], department: int | None) -> list[dict]:
    """Received and resolved per day (index into `days`) of the tickets that count for one unit:
    all of them (`everything`: the district), else those whose holder or grid is one of `units`
    (the unit and every unit under it), or that `department` ever held."""
    q = Query(is_postgres())
    values = ", ".join(f"({i}, {q.p(a)}, {q.p(b)})" for i, (a, b) in enumerate(days))
    mine = "" if everything else f" AND (t.unit_id IN {q.ids(units)} OR t.grid_id IN {q.ids(units)}" + (
        f" OR t.event_units LIKE '%,{int(department)},%'"
        if department is not None else "") + ")"
    sql = (f"WITH d(n, s, e) AS (VALUES {values}) "
           f"SELECT d.n, 'received' AS kind, COUNT(*) AS c FROM d JOIN ticket t ON t.created_at >= d.s "
           f"AND t.created_at < d.e WHERE {COUNTED}{mine} GROUP BY d.n "
           f"UNION ALL SELECT d.n, 'resolved' AS kind, COUNT(*) AS c FROM d JOIN ticket t ON t.resolved_at >= d.s "
           f"AND t.resolved_at < d.e WHERE {COUNTED} AND t.status IN {DONE}{mine} GROUP BY d.n")
    return await rows(q, sql)


def _materialized(q: Query) -> str:
    """A WITH table read more than once, computed once."""
    return "MATERIALIZED " if q.postgres else ""
