"""Figures at city scale: /stats, /export, /chart and the dashboard's first page, on PostgreSQL,
at 100k and 1M tickets.

    .venv/bin/python bench/figures.py [--url postgres://postgres@127.0.0.1:5432/test]
                                      [--sizes 100000 1000000] [--rounds 3] [--keep] [--reuse]
                                      [--reference] [--explain]

For each size it builds `gridbot_bench_figures_<100k|1m>` on the server the URL names (the
database in the URL is not touched), the way bench/sweep.py builds its million tickets (its
`row`, `add_grids`, `copy_rows`: COPY through asyncpg), then writes each ticket's history in SQL
(接单, 办结, a rating or 默认满意, some yellow and red lights with their 书面说明, a transfer
to a department for one ticket in seven, one in five of those still held there). `--reuse`
keeps a database that is already there (it is only migrated); `--keep` leaves them for the next
run (without it they are dropped at the end).

The city files about 2,100 complaints a day (64,500 in March 2026, as the sweep bench's March):
the two sizes are the same city with 47 days or 16 months of history, so March, the last 30 days
and what is open now are the same in both, and a ratio near 1 means the cost follows the period,
not the years kept. Clock frozen at 2026-04-01 10:00 (Shanghai). Timed, in rounds alternating
between the sizes (median of --rounds; in each round each operation is called 3 times in a row and
the median taken, as a running bot's connections and caches are warm — the first call of each
round is printed apart):

* stats: /stats for the district and its streets and departments, March (figures + text);
* export: the March workbook for the district, bytes of the .xlsx;
* chart: the chart's data (30 daily counts and the lights under each street); the PNG's
  drawing is timed apart (`render_ms`: matplotlib, the same at any size);
* page: the dashboard's first page of tickets (GET /tickets over HTTP, command centre, in work),
  and `page_all`: the first page of every ticket (status=all).

`--reference` also times the old Python pass (tests/figures_reference.py) for stats, chart and
export: the "before". `--explain` prints EXPLAIN ANALYZE of the figures' queries on the largest.

The last line is for scripts (ms, medians; ratios largest / smallest; ok=yes when every target
of issue 18 is met: at the largest, stats < 300, export < 1000, chart < 300, page < 100 ms,
each ≤ 1.5× the smallest):
figures size_small=100000 size_large=1000000 stats_ms=… stats_ratio=… export_ms=… … ok=yes
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402

from bench import sweep  # noqa: E402
from bench.sweep import H, NOW, SH, add_grids, copy_rows, pg, row, with_db  # noqa: E402
from bot.db import database, migrate  # noqa: E402
from bot.jurisdiction.load import load_jurisdiction_file  # noqa: E402

PER_DAY = 2_100
MARCH = "2026-03"
TARGETS_MS = {"stats": 300, "export": 1000, "chart": 300, "page": 100}
TARGET_RATIO = 1.5
REPEAT = 3  # calls of each operation in a round


def db_name(size: int) -> str:
    label = f"{size // 1_000_000}m" if size % 1_000_000 == 0 else f"{size // 1000}k"
    return f"gridbot_bench_figures_{label}"


def ticket_rows(size: int, grids: list[int]) -> list[tuple]:
    """`size` tickets, PER_DAY a day back from NOW, newest last in the table (COPY order is
    filing order, as in life). In work: the last day's, a third of the week before."""
    rng = random.Random(size)
    rows = []
    for i in range(size):
        filed = NOW - dt.timedelta(days=(size - i) / PER_DAY) + dt.timedelta(seconds=rng.random())
        age = NOW - filed
        grid = grids[i % len(grids)]
        if age < 24 * H or (age < 7 * 24 * H and i % 3 == 0):
            status = ("accepted", "assigned", "triage")[i % 3] if age < 24 * H else ("accepted", "assigned")[i % 2]
            light = "red" if age > 48 * H and i % 2 else "yellow" if age > 24 * H else "green"
            rows.append(row(f"C{i:08d}", grid, status, filed, light=light, accepted=status == "accepted"))
            if status == "triage":
                rows[-1] = rows[-1][:-2] + (None, None)  # waits at the command centre: no grid yet
        elif age < 5 * 24 * H and i % 4 == 0:  # resolved, the rating still awaited
            resolved = row(f"C{i:08d}", grid, "resolved", filed, closed=True)
            rows.append(resolved[:18] + (None,) + resolved[19:])  # no closed_at yet
        else:
            rows.append(row(f"C{i:08d}", grid, "closed", filed, closed=True))
    return rows


HISTORY_SQL = [
    # 接单 by a worker of the grid (or nobody named, on the bench's own grids), 办结, the rating.
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, actor_id, action, unit_id, data)
       SELECT t.id, t.accepted_at, 'staff', (SELECT s.user_id FROM staff s WHERE s.unit_id = t.grid_id
              AND s.role = 'worker' ORDER BY s.id LIMIT 1), 'accepted', t.grid_id, '{}'
       FROM ticket t WHERE t.accepted_at IS NOT NULL""",
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, actor_id, action, unit_id, data)
       SELECT t.id, t.resolved_at, 'staff', (SELECT s.user_id FROM staff s WHERE s.unit_id = t.grid_id
              AND s.role = 'worker' ORDER BY s.id LIMIT 1), 'resolved', t.grid_id, '{}'
       FROM ticket t WHERE t.resolved_at IS NOT NULL""",
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, action, data)
       SELECT id, closed_at, CASE WHEN id % 10 < 6 THEN 'resident' ELSE 'system' END,
              CASE WHEN id % 10 < 6 THEN 'rated' ELSE 'auto_closed' END,
              CASE WHEN id % 10 < 4 THEN '{"rating": "satisfied"}' WHEN id % 10 < 6 THEN '{"rating": "basic"}'
                   ELSE '{}' END::jsonb
       FROM ticket WHERE status = 'closed'""",
    # One in twenty reopened by 不满意 on the way (then resolved again).
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, action, data)
       SELECT id, created_at + interval '20 hours', 'resident', 'reopened', '{"rating": "unsatisfied"}'
       FROM ticket WHERE status = 'closed' AND id % 20 = 7""",
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, action, data)
       SELECT id, yellow_at, 'system', 'lit_yellow', '{}' FROM ticket
       WHERE (id % 10 = 3 AND status = 'closed') OR light IN ('yellow', 'red')""",
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, action, data)
       SELECT id, red_at, 'system', 'lit_red', '{}' FROM ticket
       WHERE (id % 30 = 3 AND status = 'closed') OR light = 'red'""",
    """INSERT INTO explanation (ticket_id, round, unit_id, red_at, due_at, pending, text, explained_at,
                                explained_by_name)
       SELECT t.id, 0, t.grid_id, t.red_at, t.red_at + interval '24 hours', false,
              CASE WHEN t.id % 2 = 0 THEN '人手不足，已协调' END,
              CASE WHEN t.id % 2 = 0 THEN t.red_at + interval '5 hours' END,
              CASE WHEN t.id % 2 = 0 THEN '网格员' END
       FROM ticket t WHERE (t.id % 30 = 3 AND t.status = 'closed') OR (t.light = 'red' AND t.grid_id IS NOT NULL)""",
    # 转派 to a department for one in seven; one in five of those is held there still.
    """INSERT INTO ticket_event (ticket_id, created_at, actor_kind, action, unit_id, data)
       SELECT t.id, t.created_at + interval '1 hour', 'staff', 'transferred',
              (SELECT d.id FROM unit d WHERE d.level = 'department' ORDER BY d.id
               OFFSET (t.id / 7) % (SELECT count(*) FROM unit WHERE level = 'department') LIMIT 1), '{}'
       FROM ticket t WHERE t.id % 7 = 0 AND t.grid_id IS NOT NULL""",
    """UPDATE ticket t SET unit_id = e.unit_id, level = 'department' FROM ticket_event e
       WHERE e.ticket_id = t.id AND e.action = 'transferred' AND t.id % 35 = 0""",
]


async def build(server_url: str, size: int, *, reuse: bool) -> str:
    """The database for `size` tickets, built (or kept, with `reuse`), migrated, settled."""
    name = db_name(size)
    url = with_db(server_url, name)
    admin = await asyncpg.connect(pg(server_url))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and reuse:
            await admin.close()
            admin = None
            await migrate(url)  # a migration added since it was built
            return url
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        if admin is not None:
            await admin.close()
    print(f"— {size:,} tickets: building {name} …", flush=True)
    start = time.perf_counter()
    await migrate(url)
    async with database(url):
        await load_jurisdiction_file(sweep.EXAMPLE)
        grids = [g for g, _ in await add_grids(50)]
    await copy_rows(url, ticket_rows(size, grids))
    conn = await asyncpg.connect(pg(url))
    try:
        for sql in HISTORY_SQL:
            await conn.execute(sql)
        await conn.execute("VACUUM ANALYZE")
        await conn.execute("CHECKPOINT")
        events = await conn.fetchval("SELECT count(*) FROM ticket_event")
    finally:
        await conn.close()
    print(f"  built in {time.perf_counter() - start:.0f} s ({events:,} events)", flush=True)
    return url



class _NoChannel:
    """The web server's channel: the timed pages fetch no photo and probe nothing."""

    def __getattr__(self, name):
        raise RuntimeError(f"bench: no channel ({name})")


async def measure(url: str, *, reference: bool, render: bool) -> dict:
    """One round on one database: each operation once, in seconds."""
    import aiohttp

    from bot.clock import FrozenClock
    from bot.config import Settings
    from bot.figures import charts, export, stats, words
    from bot.jurisdiction import directory
    from bot.models import Role, Staff
    from bot.runtime import Runtime
    from bot.web import sessions
    from bot.web.auth import COOKIE
    from bot.web.server import WebServer

    out: dict = {}
    async with database(url):
        district = await directory.command_unit()
        march = stats.period(MARCH, NOW, SH)

        async def timed(key, make, repeat=REPEAT):
            """The median of `repeat` calls in a row (a running bot's pool and caches are warm)."""
            seconds = []
            for _ in range(repeat):
                start = time.perf_counter()
                result = await make()
                seconds.append(time.perf_counter() - start)
            out[key] = statistics.median(seconds)
            out[key + "_first"] = seconds[0]
            return result

        async def stats_text():
            own, children = await stats.figures_with_children(district, march)
            return words.stats_text(district, own, children, march), own

        _, own = await timed("stats", stats_text)
        out["received"] = own.received
        out["xlsx_bytes"] = len(await timed("export", lambda: export.workbook(district, march, tz=SH)))
        data = await timed("chart", lambda: charts.chart_data(district, NOW, SH))
        if render:
            start = time.perf_counter()
            charts.render_png(data)
            out["render"] = time.perf_counter() - start
        if reference:
            from tests import figures_reference as ref

            tree = await stats.tree_of_units()
            scope = [district, *tree.children(district.id)]
            old = await timed("stats_before", lambda: ref.figures_for_units(scope, march, tree=tree), 1)
            assert old[district.id] == own or _close(old[district.id], own), "the two paths disagree"
            days = stats.last_days(30, NOW, SH)
            await timed("chart_before", lambda: _old_chart(ref, district, days, tree), 1)

        rt = Runtime.from_settings(Settings(database_url=url, web_base_url=""), clock=FrozenClock(NOW),
                                   rate_limit=False)
        server = WebServer(rt, _NoChannel(), host="127.0.0.1", port=0)
        await server.start()
        try:
            staff = await Staff.filter(role=Role.COMMAND, active=True).order_by("id").first()
            token = await sessions.open_session(staff, now=NOW)
            async with aiohttp.ClientSession(cookies={COOKIE: token}) as client:
                for key, query in (("page", ""), ("page_all", "?status=all")):
                    async def get(query=query):
                        async with client.get(f"http://127.0.0.1:{server.port}/tickets{query}") as response:
                            assert response.status == 200, response.status
                            return await response.text()
                    html = await timed(key, get)
                    assert "下一页" in html
        finally:
            await server.stop()
    return out


async def _old_chart(ref, district, days, tree):
    await ref.daily_counts(district, days, SH)
    return await ref.figures_for_units([district, *tree.children(district.id)], days, tree=tree)


def _close(a, b) -> bool:
    import dataclasses

    x, y = dataclasses.asdict(a), dataclasses.asdict(b)
    return all(abs(x[k] - y[k]) < 1e-6 * max(1.0, abs(x[k])) if isinstance(x[k], float) else x[k] == y[k]
               for k in x)


async def explain(url: str) -> None:
    """EXPLAIN ANALYZE of the figures' statement for March, the way stats.py sends it."""
    from bot.figures import sql, stats

    original = sql.rows

    async def explained(q, text):
        async with sql._session(q.postgres) as conn:
            plan = await conn.execute_query_dict("EXPLAIN (ANALYZE, BUFFERS) " + text, q.values)
        print("\n".join("    " + r["QUERY PLAN"] for r in plan))
        return await original(q, text)

    sql.rows = explained
    try:
        async with database(url):
            march = stats.period(MARCH, NOW, SH)
            await sql.figure_sums(march.start, march.end, march.cutoff)
    finally:
        sql.rows = original


async def main_async(args) -> int:
    urls = {size: await build(args.url, size, reuse=args.reuse) for size in args.sizes}
    runs: dict[int, list[dict]] = {size: [] for size in args.sizes}
    sizes = list(args.sizes)
    for round_no in range(args.rounds):  # alternate which goes first: a busy neighbour slows both alike
        for size in (sizes if round_no % 2 == 0 else sizes[::-1]):
            runs[size].append(await measure(urls[size], reference=args.reference, render=round_no == 0))
        print(f"  round {round_no + 1}/{args.rounds} done", flush=True)
    keys = ["stats", "export", "chart", "page", "page_all"] + (["stats_before", "chart_before"] if args.reference else [])
    med = {size: {k: statistics.median(r[k] for r in rs) * 1000 for k in keys} for size, rs in runs.items()}
    print(f"\nmedians of {args.rounds} rounds, ms (March 2026 for the district; chart: the last 30 days):")
    for size in sizes:
        m, first = med[size], runs[size][0]
        print(f"  {size:>9,} tickets ({first['received']:,} filed in March): " + " | ".join(
            f"{k} {m[k]:.0f}" for k in keys) + f" | render {first['render'] * 1000:.0f} | xlsx {first['xlsx_bytes']:,} B")
        cold = {k: statistics.median(r[k + "_first"] for r in runs[size]) * 1000 for k in TARGETS_MS}
        print("      the first call of a round (new connections, no cached unit tree): "
              + " | ".join(f"{k} {v:.0f}" for k, v in cold.items()))
    small, big = min(sizes), max(sizes)
    ratio = {k: med[big][k] / med[small][k] for k in keys}
    if args.explain:
        print(f"\nthe figures' statement at {big:,} tickets:")
        await explain(urls[big])
    if not args.keep:
        admin = await asyncpg.connect(pg(args.url))
        try:
            for size in sizes:
                await admin.execute(f'DROP DATABASE IF EXISTS "{db_name(size)}" WITH (FORCE)')
        finally:
            await admin.close()
    ok = all(med[big][k] < TARGETS_MS[k] and ratio[k] <= TARGET_RATIO for k in TARGETS_MS)
    print("figures " + " ".join([f"size_small={small}", f"size_large={big}"] + [
        f"{k}_ms={med[big][k]:.1f} {k}_ratio={ratio[k]:.2f}" for k in keys]) + f" ok={'yes' if ok else 'no'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (the bench databases are made there)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench databases for the next run")
    parser.add_argument("--reuse", action="store_true", help="use the bench databases a --keep run left")
    parser.add_argument("--reference", action="store_true", help="also time the old Python pass (the before)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the figures' statement")
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
