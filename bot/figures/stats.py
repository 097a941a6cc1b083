"""Figures for managers (受理量, 办结率, 按期办结率, 满意率 …) by unit and period.

The one place the figures are defined: /stats, /chart, /export, `gridbot export` and the web
dashboard all read them from here. README.md ("Figures: how each rate is computed") says the
same for people.

Which tickets a unit answers for ("its tickets")
  * a street, community or grid: tickets whose holder (`Ticket.unit`) or grid (`Ticket.grid`)
    is that unit or any unit under it — a case escalated from a grid still counts for the grid
    and everything above it;
  * a department: tickets it holds or held at any time (any event naming the department:
    转派, 会商 lead, 接单, 办结 …), including those it returned;
  * the district (指挥中心): every ticket, triage included.
  A ticket transferred to a department therefore counts for the department *and* for its grid's
  chain: children's figures need not add up to their parent's.
  A duplicate merged into another ticket (合并) is not counted anywhere, so one problem is never
  received twice; cancelled tickets are not counted either.

Figures over a period P = [start, end)
  received   受理量: tickets filed in P (`created_at` in P).
  done       of the tickets received in P, those now 已办结 (resolved, awaiting rating) or
             已关闭 (closed). A ticket reopened by 不满意 / 还没解决 / 驳回 is back in work and is
             not done until it is resolved again.
  resolved   办结量: tickets whose standing resolution (`resolved_at`, which a reopening or a
             驳回 clears) is in P and that are still resolved or closed: each ticket once, in the
             period of its last resolution.
  on_time    of `resolved`, those resolved no later than their deadline (`resolved_at <= due_at`;
             resolved late means `resolved_at > due_at`). The deadline is the one standing when
             it was resolved: a reopening sets a fresh one. No deadline counts as on time.
  closed     tickets closed in P (status closed, `closed_at` in P): rated, or closed by default.
  ratings    every rating given in P: 满意 and 基本满意 ("rated" events), 不满意 ("reopened"
             events carrying the rating) and 默认满意 ("auto_closed": no rating within the
             rating window). A ticket rated 不满意 and later 满意 gives two ratings.
  yellow/red tickets lit yellow / red in P (the sweep's "lit_yellow" / "lit_red" events), each
             ticket once per light.
  overdue    超期: tickets whose deadline fell in P, before now, and that were not resolved by it
             (`resolved_at` empty or later than `due_at`).
  reopened   重新处理: reopenings in P ("reopened" events: 不满意 and 还没解决; a manager's 驳回
             is not a resident's reopening and is not counted here).
  paused     暂停计时: tickets whose clocks were paused in P ("paused" events, bot/sla/pauses.py),
             each ticket once; the pause moves `due_at` later, so 按期办结 counts against it.
  open_now, yellow_now, red_now: tickets in work (triage, assigned, accepted) at the moment of
             asking, and their current light — whatever the period.
  accept hours: mean of (first 接单 − filing) over the tickets received in P that were accepted.
  resolve hours: mean of (`resolved_at` − filing) over `resolved`.
  top categories: the most frequent categories among the tickets received in P.

Rates (None when the denominator is 0, shown as "—")
  办结率      closure_rate      = done / received
  按期办结率  on_time_rate      = on_time / resolved
  满意率      satisfaction_rate = (满意 + 基本满意 + 默认满意) / (满意 + 基本满意 + 不满意 + 默认满意)
              默认满意 counts as 满意: the resident was asked and did not object within the window.

How it is computed: a handful of queries per call whatever the number of tickets or of units —
the unit tree, the tickets touched in P (filed, resolved, closed, due in P, still open, or with a
counted event in P), the counted events of P, the first acceptances, and the departments that
held those tickets — then one pass in Python attributes each ticket to every unit it counts
for. `figures_by_child` and `figures_for_units` cost the same as `figures`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, Subquery
from tortoise.functions import Min

from bot.figures.periods import Period, PeriodError, last_days, period  # noqa: F401 (the figures' API)
from bot.jurisdiction.tree import UnitTree, current as tree_of_units
from bot.models import OPEN_STATUSES, Level, Light, Status, Ticket, TicketEvent, Unit

UTC = dt.timezone.utc
NOT_COUNTED = (Status.MERGED, Status.CANCELLED)
DONE = (Status.RESOLVED, Status.CLOSED)
# The events the figures read, and what each means.
LIT_YELLOW, LIT_RED = "lit_yellow", "lit_red"
PAUSED = "paused"
COUNTED_EVENTS = ("rated", "reopened", "auto_closed", LIT_YELLOW, LIT_RED, PAUSED)
GOOD_RATINGS = ("satisfied", "basic", "default")
TOP_CATEGORIES = 3


# ─── the figures ─────────────────────────────────────────────────────────────────────────────


@dataclass
class Figures:
    """One unit's figures over one period; the module docstring defines every field."""

    received: int = 0
    done: int = 0
    resolved: int = 0
    on_time: int = 0
    closed: int = 0
    satisfied: int = 0  # 满意
    basic: int = 0  # 基本满意
    unsatisfied: int = 0  # 不满意
    default: int = 0  # 默认满意
    yellow: int = 0
    red: int = 0
    overdue: int = 0
    reopened: int = 0
    paused: int = 0  # tickets paused in P
    open_now: int = 0
    yellow_now: int = 0
    red_now: int = 0
    accepted: int = 0  # tickets received in P that were accepted: the mean's denominator
    accept_hours_sum: float = 0.0
    resolve_hours_sum: float = 0.0
    categories: Counter = field(default_factory=Counter)

    @property
    def late(self) -> int:
        return self.resolved - self.on_time

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied + self.default

    @property
    def closure_rate(self) -> float | None:
        """办结率 = done / received."""
        return _ratio(self.done, self.received)

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率 = on_time / resolved."""
        return _ratio(self.on_time, self.resolved)

    @property
    def satisfaction_rate(self) -> float | None:
        """满意率 = (满意 + 基本满意 + 默认满意) / all ratings given."""
        return _ratio(self.satisfied + self.basic + self.default, self.rated)

    @property
    def avg_accept_hours(self) -> float | None:
        return self.accept_hours_sum / self.accepted if self.accepted else None

    @property
    def avg_resolve_hours(self) -> float | None:
        return self.resolve_hours_sum / self.resolved if self.resolved else None

    def top_categories(self, n: int = TOP_CATEGORIES) -> list[tuple[str, int]]:
        """(category code, tickets received) most frequent first, ties by code."""
        return sorted(self.categories.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    @property
    def empty(self) -> bool:
        """Nothing happened in the period and nothing is open."""
        return not (self.received or self.resolved or self.closed or self.rated or self.yellow
                    or self.red or self.overdue or self.reopened or self.open_now)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


async def figures(unit: Unit, period: Period) -> Figures:
    """The unit's figures over the period (see the module docstring for what counts)."""
    return (await figures_for_units([unit], period))[unit.id]


async def figures_by_child(unit: Unit, period: Period) -> list[tuple[Unit, Figures]]:
    """The figures of each active unit directly under this one (for the district: its streets,
    then its departments), in the jurisdiction file's order."""
    _, rows = await figures_with_children(unit, period)
    return rows


async def figures_with_children(unit: Unit, period: Period) -> tuple[Figures, list[tuple[Unit, Figures]]]:
    """The unit's own figures and its children's, from one pass over the data."""
    tree = await tree_of_units()
    children = tree.children(unit.id)
    found = await figures_for_units([unit, *children], period, tree=tree)
    return found[unit.id], [(child, found[child.id]) for child in children]


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


async def tickets_counting_for(unit: Unit, ticket_ids: Iterable[int], *,
                               tree: UnitTree | None = None) -> set[int]:
    """Those of these tickets that count for the unit (same rule as the figures), merged and
    cancelled ones left out."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return set()
    tree = tree or await tree_of_units()
    mine: set[int] = set()
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        held: dict[int, set[int]] = defaultdict(set)
        for tid, unit_id in await (TicketEvent.filter(unit__level=Level.DEPARTMENT, ticket_id__in=chunk)
                                   .distinct().values_list("ticket_id", "unit_id")):
            held[tid].add(unit_id)
        for tid, unit_id, grid_id in await (
                Ticket.filter(id__in=chunk, merged_into_id__isnull=True, status__not_in=list(NOT_COUNTED))
                .values_list("id", "unit_id", "grid_id")):
            if unit.id in tree.counts_for(unit_id, grid_id, held.get(tid, ())):
                mine.add(tid)
    return mine


# ─── per day (the chart) ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    received: int
    resolved: int


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


# ─── the data behind it ──────────────────────────────────────────────────────────────────────


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
