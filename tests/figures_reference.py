"""The figures' first implementation, kept as the reference the SQL path (bot/figures/stats.py,
bot/figures/sql.py) is compared with (tests/test_figures_sql.py; `bench/figures.py --reference`
times it as the "before"): load every ticket the period touches, its counted events, first
acceptances and the departments that held it, then one pass in Python attributes each ticket to
every unit it counts for. Same definitions: the docstring of bot/figures/stats.py."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.functions import Min

from bot.figures.periods import Period
from bot.figures.stats import COUNTED_EVENTS, DONE, LIT_RED, LIT_YELLOW, NOT_COUNTED, PAUSED, DayCount, Figures
from bot.jurisdiction.tree import UnitTree, current as tree_of_units
from bot.models import OPEN_STATUSES, Level, Light, Status, Ticket, TicketEvent, Unit

UTC = dt.timezone.utc


async def figures_for_units(units: Sequence[Unit], period: Period, *,
                            tree: UnitTree | None = None) -> dict[int, Figures]:
    """Figures for any set of units (by unit id) at the cost of one: e.g. every unit of the
    district for the monthly export."""
    tree = tree or await tree_of_units()
    snap = await _Snapshot.load(period)
    result = {u.id: Figures() for u in units}
    wanted = set(result)
    for row in snap.tickets.values():
        members = tree.counts_for(row.unit_id, row.grid_id, snap.held.get(row.id, ())) & wanted
        if members:
            _count_ticket(row, period, snap, [result[m] for m in members])
    seen: set[tuple[int, int, str]] = set()
    for ticket_id, action, data in snap.events:
        row = snap.tickets.get(ticket_id)
        if row is None:
            continue  # a merged or cancelled ticket
        members = tree.counts_for(row.unit_id, row.grid_id, snap.held.get(row.id, ())) & wanted
        for unit_id in members:
            _count_event(result[unit_id], action, data, seen_key=(unit_id, ticket_id, action), seen=seen)
    return result


def _count_ticket(row: _Row, period: Period, snap: _Snapshot, into: Iterable[Figures]) -> None:
    received = row.created_at in period
    resolved = row.resolved_at in period and row.status in DONE
    on_time = resolved and (row.due_at is None or row.resolved_at <= row.due_at)
    closed = row.status == Status.CLOSED and row.closed_at in period
    overdue = (row.due_at is not None and period.start <= row.due_at < period.cutoff
               and (row.resolved_at is None or row.resolved_at > row.due_at))
    is_open = row.status in OPEN_STATUSES
    first_accept = snap.first_accept.get(row.id) if received else None
    for f in into:
        if received:
            f.received += 1
            f.categories[row.category] += 1
            if row.status in DONE:
                f.done += 1
            if first_accept is not None:
                f.accepted += 1
                f.accept_hours_sum += _hours(first_accept - row.created_at)
        if resolved:
            f.resolved += 1
            f.resolve_hours_sum += _hours(row.resolved_at - row.created_at)
            if on_time:
                f.on_time += 1
        if closed:
            f.closed += 1
        if overdue:
            f.overdue += 1
        if is_open:
            f.open_now += 1
            if row.light == Light.YELLOW:
                f.yellow_now += 1
            elif row.light == Light.RED:
                f.red_now += 1


def _count_event(f: Figures, action: str, data: dict, *, seen_key, seen: set) -> None:
    if action == "rated":
        rating = (data or {}).get("rating")
        if rating == "satisfied":
            f.satisfied += 1
        elif rating == "basic":
            f.basic += 1
    elif action == "auto_closed":
        f.default += 1
    elif action == "reopened":
        f.reopened += 1
        if (data or {}).get("rating") == "unsatisfied":
            f.unsatisfied += 1
    elif action == PAUSED:
        if seen_key not in seen:  # each ticket once per period
            seen.add(seen_key)
            f.paused += 1
    elif action in (LIT_YELLOW, LIT_RED):
        if seen_key in seen:
            return  # each ticket once per light per period
        seen.add(seen_key)
        if action == LIT_YELLOW:
            f.yellow += 1
        else:
            f.red += 1


def _hours(delta: dt.timedelta) -> float:
    return max(delta.total_seconds(), 0.0) / 3600


async def daily_counts(unit: Unit, period: Period, tz: ZoneInfo) -> list[DayCount]:
    """Received and resolved per local day of the period (same rules as `received` and
    `resolved` above), every day listed, zeros included."""
    tree = await tree_of_units()
    snap = await _Snapshot.load(period)
    received: Counter = Counter()
    resolved: Counter = Counter()
    for row in snap.tickets.values():
        if unit.id not in tree.counts_for(row.unit_id, row.grid_id, snap.held.get(row.id, ())):
            continue
        if row.created_at in period:
            received[row.created_at.astimezone(tz).date()] += 1
        if row.resolved_at in period and row.status in DONE:
            resolved[row.resolved_at.astimezone(tz).date()] += 1
    first = period.start.astimezone(tz).date()
    last = (period.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return [DayCount(d, received[d], resolved[d]) for d in days]


@dataclass
class _Row:
    id: int
    unit_id: int | None
    grid_id: int | None
    category: str
    status: str
    light: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime | None


_ROW_FIELDS = ("id", "unit_id", "grid_id", "category", "status", "light", "created_at",
               "resolved_at", "closed_at", "due_at")


@dataclass
class _Snapshot:
    tickets: dict[int, _Row]
    events: list[tuple[int, str, dict]]
    first_accept: dict[int, dt.datetime]
    held: dict[int, set[int]]

    @classmethod
    async def load(cls, period: Period) -> _Snapshot:
        start, end = period.start.astimezone(UTC), period.end.astimezone(UTC)
        cutoff = period.cutoff.astimezone(UTC)

        def within(name: str) -> Q:
            return Q(**{f"{name}__gte": start, f"{name}__lt": end})

        events_in_period = TicketEvent.filter(within("created_at"), action__in=COUNTED_EVENTS)
        touched = Ticket.filter(merged_into_id__isnull=True, status__not_in=list(NOT_COUNTED)).filter(
            within("created_at") | within("resolved_at") | within("closed_at")
            | Q(due_at__gte=start, due_at__lt=cutoff) | Q(status__in=list(OPEN_STATUSES))
            | Q(id__in=Subquery(events_in_period.values("ticket_id")))
        )
        tickets = {}
        for values in await touched.values_list(*_ROW_FIELDS):
            row = _Row(*values)
            row.created_at = _aware(row.created_at)
            row.resolved_at = _aware(row.resolved_at)
            row.closed_at = _aware(row.closed_at)
            row.due_at = _aware(row.due_at)
            row.status, row.light = str(row.status), str(row.light)
            tickets[row.id] = row
        events = [(tid, action, data if isinstance(data, dict) else {})
                  for tid, action, data in await events_in_period.order_by("id")
                  .values_list("ticket_id", "action", "data")]
        first_accept = {
            tid: _aware(first) for tid, first in await (
                TicketEvent.filter(action="accepted", ticket__created_at__gte=start, ticket__created_at__lt=end)
                .annotate(first=Min("created_at")).group_by("ticket_id").values_list("ticket_id", "first"))
        }
        held: dict[int, set[int]] = defaultdict(set)
        for tid, unit_id in await (
                TicketEvent.filter(unit__level=Level.DEPARTMENT, ticket_id__in=Subquery(touched.values("id")))
                .distinct().values_list("ticket_id", "unit_id")):
            held[tid].add(unit_id)
        return cls(tickets, events, first_accept, held)


def _aware(value) -> dt.datetime | None:
    """Datetimes from the database, aware in UTC (an aggregate comes back as text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
