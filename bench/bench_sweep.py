"""The SLA sweep's cost against the size of the ticket table, on PostgreSQL.

    .venv/bin/python bench/bench_sweep.py [--url postgres://postgres@127.0.0.1:5432/test]
                                          [--sizes 100000 1000000] [--due 1000] [--storm 10000]

For each size it builds a scratch database `gridbot_bench` (dropped and made anew; the URL only
says where the server is), migrates it, loads the sample district plus grids up to 50 grid
chats, and bulk-loads the table with COPY through asyncpg:

* history: closed tickets filed over the last two years (their clocks long past) — what makes
  a table grow to a million rows;
* the open workload, the same at every size: 20,000 open and not due (10,000 filed in the last
  23 hours and unaccepted, 10,000 accepted and within their deadline), and a backlog of 3,000
  already late and already told (2,000 unaccepted for days, 1,000 accepted and overdue) — the
  backlog stays in the index ranges the sweep reads, so it is part of the sweep's fixed cost.

Then, with the clock frozen at Wednesday 2026-04-01 10:00 (Shanghai), it times:

* an idle sweep (nothing due): the fixed cost of looking;
* a sweep with `--due` tickets turning yellow;
* a storm: `--storm` tickets turning yellow at once over the 50 grid chats (one digest each);
* a storm of `--storm` tickets turning red at once (digests to grids, communities and the
  command centre, 书面说明 owed for each, card edits capped at 10 per chat).

and prints, per size, the times, the messages queued, the plan of the yellow query, and finally
the ratio between the largest and the smallest table: about 1 means the cost follows what is due,
not the table.
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
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402

from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import database, migrate  # noqa: E402
from bot.models import ChatBinding, Level, Outbox, Unit  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.services import sla_sweep  # noqa: E402
from bot.services.jurisdiction import load_jurisdiction_file  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=SH).astimezone(dt.timezone.utc)
H = dt.timedelta(hours=1)
DB = "gridbot_bench"
EXAMPLE = REPO / "examples" / "yingze.yaml"
COLUMNS = (
    "number", "source", "anonymous", "text", "category", "confidence", "reasons", "urgent", "location_text",
    "followups", "level", "status", "light", "created_at", "updated_at", "assigned_at", "accepted_at",
    "resolved_at", "closed_at", "yellow_at", "red_at", "due_at", "due_workdays", "yellow_notified_at",
    "red_notified_at", "due_notified_at", "reopen_count", "grid_id", "unit_id",
)
CATEGORIES = ("noise", "fumes", "facility", "sanitation", "construction", "street_order")
YELLOW_QUERY = (  # what the sweep asks for one status (see sla_sweep._claim)
    "SELECT id FROM ticket WHERE status = 'assigned' AND yellow_at <= $1 AND yellow_notified_at IS NULL "
    "ORDER BY yellow_at, id LIMIT 20000 FOR NO KEY UPDATE SKIP LOCKED"
)


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def row(number: str, grid: int, status: str, filed: dt.datetime, *, light="green", accepted=False,
        closed=False, told_yellow=None, told_red=None, told_due=None, due=None) -> tuple:
    yellow, red = filed + 24 * H, filed + 48 * H
    due = due or filed + dt.timedelta(days=7)
    return (
        number, "resident", False, "楼上装修噪音很大", random.choice(CATEGORIES), 0.9, "[]", False, "惠民小区3号楼",
        "[]", "grid", status, light, filed, filed, filed,
        filed + 2 * H if accepted or closed else None,
        filed + 30 * H if closed else None, filed + 100 * H if closed else None,
        yellow, red, due, 5, told_yellow, told_red, told_due, 0, grid, grid,
    )


OPEN_NOT_DUE = 20_000
BACKLOG = 3_000


def base_rows(size: int, grids: list[int]) -> list[tuple]:
    rng = random.Random(size)
    rows = []
    closed = size - OPEN_NOT_DUE - BACKLOG
    for i in range(closed):
        filed = NOW - dt.timedelta(days=10 + rng.random() * 720)
        rows.append(row(f"H{i:08d}", grids[i % len(grids)], "closed", filed, closed=True))
    for i in range(OPEN_NOT_DUE):
        filed = NOW - dt.timedelta(hours=rng.random() * 23)
        status = "accepted" if i % 2 else "assigned"
        rows.append(row(f"F{i:08d}", grids[i % len(grids)], status, filed, accepted=status == "accepted"))
    for i in range(2000):  # unaccepted for days, both lights told
        filed = NOW - dt.timedelta(days=3, hours=rng.random() * 10)
        rows.append(row(f"B{i:08d}", grids[i % len(grids)], "assigned", filed, light="red",
                        told_yellow=filed + 24 * H, told_red=filed + 48 * H, due=NOW + dt.timedelta(days=2)))
    for i in range(1000):  # accepted, overdue, told
        filed = NOW - dt.timedelta(days=12)
        rows.append(row(f"O{i:08d}", grids[i % len(grids)], "accepted", filed, accepted=True,
                        due=NOW - dt.timedelta(days=2), told_due=NOW - dt.timedelta(days=2)))
    return rows


def due_rows(prefix: str, count: int, grids: list[int], *, red: bool) -> list[tuple]:
    rows = []
    for i in range(count):
        if red:  # unaccepted 48 h: red now; its yellow was told a day ago
            filed = NOW - 48 * H - dt.timedelta(minutes=1 + i % 50)
            rows.append(row(f"{prefix}{i:07d}", grids[i % len(grids)], "assigned", filed, light="yellow",
                            told_yellow=filed + 24 * H))
        else:
            filed = NOW - 24 * H - dt.timedelta(minutes=1 + i % 50)
            rows.append(row(f"{prefix}{i:07d}", grids[i % len(grids)], "assigned", filed))
    return rows


async def copy_rows(url: str, rows: list[tuple], *, settle: bool = False) -> float:
    """COPY the rows in; `settle`: then VACUUM ANALYZE and CHECKPOINT, so the timings that follow
    do not pay for the load (hint bits, statistics, dirty buffers)."""
    start = time.perf_counter()
    conn = await asyncpg.connect(pg(url))
    try:
        await conn.copy_records_to_table("ticket", records=rows, columns=COLUMNS)
        loaded = time.perf_counter() - start
        await conn.execute("VACUUM ANALYZE ticket" if settle else "ANALYZE ticket")
        if settle:
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return loaded


async def explain(url: str) -> list[str]:
    conn = await asyncpg.connect(pg(url))
    try:
        async with conn.transaction():
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + YELLOW_QUERY, NOW)
    finally:
        await conn.close()
    return [r[0] for r in plan]


async def add_grids(total: int) -> list[tuple[int, int]]:
    """Grids with their chats, adding some under 南海街一社区 until there are `total`."""
    grids = [(b.unit_id, b.chat_id) for b in await ChatBinding.filter(unit__level=Level.GRID).order_by("id")]
    community = await Unit.get(code="nanhaijie1")
    n = 0
    while len(grids) < total:
        n += 1
        unit = await Unit.create(code=f"bench-{n:02d}", name=f"测试第{n}网格", level=Level.GRID, parent=community)
        await ChatBinding.create(chat_id=-1003000000000 - n, unit=unit, title=unit.name)
        grids.append((unit.id, -1003000000000 - n))
    return grids


async def timed_sweep(rt: Runtime) -> tuple[float, sla_sweep.SweepResult]:
    start = time.perf_counter()
    result = await sla_sweep.sweep(rt)
    return time.perf_counter() - start, result


async def run_size(server_url: str, size: int, due: int, storm: int) -> dict:
    url = with_db(server_url, DB)
    admin = await asyncpg.connect(pg(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await admin.close()
    await migrate(url)
    out: dict = {"size": size}
    async with database(url):
        await load_jurisdiction_file(EXAMPLE)
        grids = await add_grids(50)
        grid_ids = [g for g, _ in grids]
        rt = Runtime.from_settings(Settings(database_url=url), clock=FrozenClock(NOW), rate_limit=False)
        await copy_rows(url, due_rows("W", 60, grid_ids, red=False))  # warm-up: prepared statements
        await copy_rows(url, due_rows("X", 60, grid_ids, red=True))
        await sla_sweep.sweep(rt)
        out["load_s"] = await copy_rows(url, base_rows(size, grid_ids), settle=True)
        out["plan"] = await explain(url)
        idle = []
        for _ in range(7):
            seconds, result = await timed_sweep(rt)
            assert result.claimed == 0, result
            idle.append(seconds)
        out["idle_s"] = statistics.median(idle)

        timings = []
        for attempt in range(3):
            await copy_rows(url, due_rows(f"D{attempt}", due, grid_ids, red=False))
            seconds, result = await timed_sweep(rt)
            assert result.yellow == due, result
            timings.append(seconds)
        out["due_s"], out["due_msgs"] = statistics.median(timings), result.digests

        await copy_rows(url, due_rows("Y", storm, grid_ids, red=False))
        before = await Outbox.all().count()
        out["storm_s"], result = await timed_sweep(rt)
        assert result.yellow == storm, result
        chats = await Outbox.filter(id__gt=before).values_list("chat_id", flat=True) if before else []
        out["storm_msgs"] = result.digests
        out["storm_max_per_chat"] = max((list(chats).count(c) for c in set(chats)), default=0)

        await copy_rows(url, due_rows("R", storm, grid_ids, red=True))
        out["red_s"], result = await timed_sweep(rt)
        assert result.red == storm, result
        out["red_msgs"], out["red_cards"] = result.digests, result.card_edits
        out["rows"] = size + 3 * due + 2 * storm + 120
    return out


async def main_async(args) -> int:
    results = []
    for size in args.sizes:
        print(f"— {size:,} tickets: loading …", flush=True)
        r = await run_size(args.url, size, args.due, args.storm)
        results.append(r)
        print(f"  loaded with COPY in {r['load_s']:.1f} s; the yellow query, nothing due (EXPLAIN ANALYZE):")
        for line in r["plan"]:
            if any(k in line for k in ("Scan", "Index Cond", "Execution", "rows=")):
                print("    " + line.strip())
        print(f"  idle sweep (nothing due)          {r['idle_s'] * 1000:8.1f} ms (median of 7)")
        print(f"  {args.due:>6,} turning yellow            {r['due_s'] * 1000:8.1f} ms, {r['due_msgs']} digests (median of 3)")
        print(f"  {args.storm:>6,} turning yellow (storm)    {r['storm_s'] * 1000:8.1f} ms, {r['storm_msgs']} digests "
              f"(at most {r['storm_max_per_chat']} per chat), 0 card edits")
        print(f"  {args.storm:>6,} turning red (storm)       {r['red_s'] * 1000:8.1f} ms, {r['red_msgs']} digests, "
              f"{r['red_cards']} card edits")
    if len(results) >= 2:
        small, big = results[0], results[-1]
        print(f"\nratio {big['size']:,} / {small['size']:,} tickets ({big['size'] / small['size']:.0f}× the table):")
        for key, label in [("idle_s", "idle sweep"), ("due_s", f"{args.due:,} due"),
                           ("storm_s", f"{args.storm:,} yellow"), ("red_s", f"{args.storm:,} red")]:
            print(f"  {label:<14} {big[key] / small[key]:5.2f}×")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (the scratch database gridbot_bench is made there)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--storm", type=int, default=10_000)
    args = parser.parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
