"""The figures computed in the database (bot/figures/stats.py, bot/figures/sql.py) give what the
first implementation gave (tests/figures_reference.py: every touched ticket loaded, one pass in
Python) on random histories: tickets in any state, held by grids, communities, streets or
departments or in triage, merged and cancelled ones, events of every kind the figures read (and
some they do not), moments on the edges of the period. Every unit, several periods, the chart's
days and lights; SQLite and, with GRIDBOT_TEST_POSTGRES_URL, PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.figures import stats
from bot.jurisdiction import cache
from bot.jurisdiction.load import load_jurisdiction_file
from bot.models import Light, Status, Ticket, TicketEvent, Unit
from tests import figures_reference as reference
from tests.e2e import EXAMPLE

TZ = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 3, 30, tzinfo=UTC)
PERIODS = [stats.period("2026-11", NOW, TZ), stats.period("week", NOW, TZ), stats.period("today", NOW, TZ),
           stats.period("2026-10", NOW, TZ), stats.last_days(30, NOW, TZ)]
EDGES = sorted({m for p in PERIODS for m in (p.start, p.end, p.cutoff)})
HOLDERS = ["nanhaijie1-01", "nanhaijie1-02", "wenmiao-01", "haixi-01", "nanhaijie1", "miaoqian", "liuxiang",
           "yingze", "chengguan", "shizheng", "huanwei", None]
GRIDS = ["nanhaijie1-01", "nanhaijie1-02", "wenmiao-01", "haixi-01", "qingnianlu-01", None]
EVENT_UNITS = [None, "chengguan", "shizheng", "huanwei", "nanhaijie1-01", "miaoqian"]
ACTIONS = ["accepted", "resolved", "rated", "reopened", "auto_closed", "lit_yellow", "lit_red", "paused",
           "transferred", "rejected", "submitted"]
RATINGS = [None, "satisfied", "basic", "unsatisfied", "default"]

moment = st.one_of(
    st.sampled_from(EDGES).flatmap(lambda m: st.sampled_from([m, m - dt.timedelta(microseconds=1),
                                                              m + dt.timedelta(seconds=1)])),
    st.integers(0, 75 * 24 * 3600 * 1000).map(
        lambda ms: dt.datetime(2026, 9, 25, tzinfo=UTC) + dt.timedelta(milliseconds=ms)),
)
event = st.tuples(st.sampled_from(ACTIONS), moment, st.sampled_from(EVENT_UNITS), st.sampled_from(RATINGS))
ticket = st.fixed_dictionaries({
    "grid": st.sampled_from(GRIDS), "holder": st.sampled_from(HOLDERS), "status": st.sampled_from(list(Status)),
    "light": st.sampled_from(list(Light)), "category": st.sampled_from(["noise", "fumes", "facility"]),
    "created": moment, "resolved": st.none() | moment, "closed": st.none() | moment, "due": st.none() | moment,
    "events": st.lists(event, max_size=5),
})
history = st.lists(ticket, min_size=1, max_size=14)


def draw(strategy, n: int) -> list:
    """n examples from hypothesis (the database is async: collect them, then run them)."""
    found = []

    @settings(max_examples=n, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example):
        found.append(example)

    collect()
    return found


async def load(tickets: list[dict]) -> None:
    await TicketEvent.all().delete()
    await Ticket.all().update(merged_into_id=None)
    await Ticket.all().delete()
    units = {u.code: u for u in await Unit.all()}
    first = None
    for i, spec in enumerate(tickets):
        t = await Ticket.create(
            number=f"YZ-H-{i:04d}", text="测试", category=spec["category"], grid=units.get(spec["grid"]),
            unit=units.get(spec["holder"]), status=spec["status"], light=spec["light"],
            created_at=spec["created"], updated_at=spec["created"], resolved_at=spec["resolved"],
            closed_at=spec["closed"], due_at=spec["due"],
            merged_into=first if spec["status"] == Status.MERGED else None)
        first = first or t
        for action, at, unit_code, rating in spec["events"]:
            await TicketEvent.create(ticket=t, created_at=at, actor_kind="system", action=action,
                                     unit=units.get(unit_code), data={"rating": rating} if rating else {})


def same(new: stats.Figures, old: stats.Figures) -> bool:
    a, b = dataclasses.asdict(new), dataclasses.asdict(old)
    for hours in ("accept_hours_sum", "resolve_hours_sum"):  # SQLite's julianday keeps milliseconds
        if a.pop(hours) != pytest.approx(b.pop(hours), rel=1e-9, abs=1e-5):
            return False
    return a == b


async def test_the_database_gives_what_the_python_pass_gave(db):
    await load_jurisdiction_file(EXAMPLE)
    cache.forget_cached()
    units = await Unit.all().order_by("id")
    charted = [u for u in units if u.code in ("yingze", "nanhaijie", "nanhaijie1-01", "chengguan", "shizheng")]
    for tickets in draw(history, 25):
        await load(tickets)
        for period in PERIODS:
            new = await stats.figures_for_units(units, period)
            old = await reference.figures_for_units(units, period)
            wrong = [u.code for u in units if not same(new[u.id], old[u.id])]
            assert not wrong, (period.label, wrong, tickets)
        days = PERIODS[-1]
        for unit in charted:
            assert await stats.daily_counts(unit, days, TZ) == await reference.daily_counts(unit, days, TZ), unit.code
            own, children = await stats.open_with_children(unit)
            old = await reference.figures_for_units([unit, *(c for c, _ in children)], days)
            for u, f in [(unit, own), *children]:
                assert (f.open_now, f.yellow_now, f.red_now) == (
                    old[u.id].open_now, old[u.id].yellow_now, old[u.id].red_now), u.code


async def test_first_acceptance_is_kept_by_the_database(db):
    """ticket.first_accepted_at (migration 0013_figures): the earliest 接单, whatever order the
    events come in, and never cleared by a save of the ticket."""
    from tortoise import connections

    await load_jurisdiction_file(EXAMPLE)
    t = await Ticket.create(number="YZ-A-1", text="测试", category="noise", status=Status.ACCEPTED,
                            created_at=NOW, updated_at=NOW)

    async def first():
        rows = await connections.get("default").execute_query_dict(
            f"SELECT first_accepted_at FROM ticket WHERE id = {t.id}")
        return stats._aware(rows[0]["first_accepted_at"])

    assert await first() is None
    for hours in (5, 2, 9):
        await TicketEvent.create(ticket=t, created_at=NOW + dt.timedelta(hours=hours), actor_kind="staff",
                                 action="accepted")
    await TicketEvent.create(ticket=t, created_at=NOW, actor_kind="staff", action="resolved")
    t.status = Status.RESOLVED
    await t.save()
    assert await first() == NOW + dt.timedelta(hours=2)
