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

How it is computed: in the database (bot/figures/sql.py), whatever the number of units — the
tickets' figures summed per (holder, grid, category), the period's events per (holder, grid),
each once more per department that held the tickets — then each group is added into every unit
it counts for (bot/jurisdiction/tree.py). The work follows the tickets of the period, not the
years kept: index range scans of migration 0013_figures. `figures_by_child` and
`figures_for_units` cost the same as `figures`. tests/figures_reference.py keeps the first
implementation (every touched ticket loaded, one pass in Python); tests/test_figures_sql.py
holds the two to the same answers on random histories.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.figures import sql
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
    result = {u.id: Figures() for u in units}
    _attribute(tree, await sql.figure_sums(period.start, period.end, period.cutoff), result)
    return result


async def open_with_children(unit: Unit) -> tuple[Figures, list[tuple[Unit, Figures]]]:
    """Only `open_now`, `yellow_now` and `red_now` (the chart's lights), for the unit and each
    active unit directly under it: one query over the tickets in work."""
    tree = await tree_of_units()
    children = tree.children(unit.id)
    result = {u.id: Figures() for u in [unit, *children]}
    _attribute(tree, await sql.open_sums(), result)
    return result[unit.id], [(child, result[child.id]) for child in children]


def _attribute(tree: UnitTree, rows: list[dict], result: dict[int, Figures]) -> None:
    """The sums of bot/figures/sql.py into every unit asked about that their tickets count for:
    the district, the holder, the grid and all above them, the departments their events named."""
    groups: dict[tuple, Figures] = defaultdict(Figures)
    for r in rows:
        _apply(groups[(r["unit_id"], r["grid_id"], r["event_units"])], r)
    wanted = set(result)
    for (unit_id, grid_id, named), part in groups.items():
        for member in tree.counts_for(unit_id, grid_id, _held(tree, named)) & wanted:
            _add(result[member], part)


def _apply(f: Figures, r: dict) -> None:
    """One row of bot/figures/sql.py's sums into a group's figures."""
    part, n, k1, k2 = r["part"], int(r["n"]), r["k1"], r["k2"]
    events = int(r["n2"] or 0)
    if part == "received":
        f.received += n
        f.categories[k1] += n
        f.done += n if k2 == "y" else 0
        f.accepted += int(r["n2"] or 0)
        f.accept_hours_sum += float(r["h"] or 0)
    elif part == "resolved":
        f.resolved += n
        f.on_time += n if k1 == "y" else 0
        f.resolve_hours_sum += float(r["h"] or 0)
    elif part == "closed":
        f.closed += n
    elif part == "overdue":
        f.overdue += n
    elif part == "open":
        f.open_now += n
        f.yellow_now += n if k1 == Light.YELLOW else 0
        f.red_now += n if k1 == Light.RED else 0
    elif k1 == "rated":  # events: n2 counts them
        f.satisfied += events if k2 == "satisfied" else 0
        f.basic += events if k2 == "basic" else 0
    elif k1 == "auto_closed":
        f.default += events
    elif k1 == "reopened":
        f.reopened += events
        f.unsatisfied += events if k2 == "unsatisfied" else 0
    elif k1 == LIT_YELLOW:  # each ticket once per light: n counts tickets
        f.yellow += n
    elif k1 == LIT_RED:
        f.red += n
    elif k1 == PAUSED:  # each ticket once
        f.paused += n


_SUMMED = ("received", "done", "accepted", "accept_hours_sum", "resolved", "on_time", "resolve_hours_sum",
           "closed", "overdue", "open_now", "yellow_now", "red_now", "satisfied", "basic", "unsatisfied",
           "default", "reopened", "yellow", "red", "paused")


def _add(into: Figures, part: Figures) -> None:
    for name in _SUMMED:
        setattr(into, name, getattr(into, name) + getattr(part, name))
    into.categories.update(part.categories)


async def tickets_counting_for(unit: Unit, ticket_ids: Iterable[int], *, tree: UnitTree | None = None,
                               fields: Sequence[str] = ()) -> dict[int, tuple]:
    """Those of these tickets that count for the unit (same rule as the figures), merged and
    cancelled ones left out: {id: the values of `fields`}."""
    ids = sorted({int(i) for i in ticket_ids})
    tree = tree or await tree_of_units()
    mine: dict[int, tuple] = {}
    columns = "".join(f", t.{name}" for name in fields)
    for chunk in (ids[i:i + 2000] for i in range(0, len(ids), 2000)):
        q = sql.Query(sql.is_postgres())
        for r in await sql.rows(q, f"SELECT t.id, t.unit_id, t.grid_id, t.event_units{columns} FROM ticket t "
                                   f"WHERE t.id IN {q.ids(chunk)} AND {sql.COUNTED}"):
            held = _held(tree, r["event_units"])
            if unit.id in tree.counts_for(r["unit_id"], r["grid_id"], held):
                mine[r["id"]] = tuple(r[name] for name in fields)
    return mine


def _held(tree: UnitTree, named: str | None) -> list[int]:
    """The departments among the units a ticket's events named (",12,3,")."""
    return [u for u in (int(x) for x in (named or "").split(",") if x)
            if u in tree.units and tree.units[u].level == Level.DEPARTMENT]


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
    first = period.start.astimezone(tz).date()
    last = (period.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    bounds = [(max(_midnight(d, tz), period.start), min(_midnight(d + dt.timedelta(days=1), tz), period.end))
              for d in days]
    under = [unit.id, *(u.id for u in tree.descendants(unit.id, active=False))]
    found = {(r["n"], r["kind"]): int(r["c"]) for r in await sql.daily_sums(
        bounds, everything=unit.id in tree.roots, units=under,
        department=unit.id if unit.level == Level.DEPARTMENT else None)}
    return [DayCount(d, found.get((i, "received"), 0), found.get((i, "resolved"), 0)) for i, d in enumerate(days)]


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(UTC)


# ─── the data behind it ──────────────────────────────────────────────────────────────────────


def _aware(value) -> dt.datetime | None:
    """Datetimes from the database, aware in UTC (an aggregate comes back as text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
