"""The SLA sweep's cost against the size of the ticket table, on PostgreSQL.

    .venv/bin/python bench/sweep.py [--url postgres://postgres@127.0.0.1:5432/test]
                                          [--sizes 100000 1000000] [--due 1000] [--storm 10000]
                                          [--rounds 3] [--keep] [--policy FILE]

For each size it builds a scratch database `gridbot_bench_<size>` (dropped and made anew; the URL
only says where the server is; dropped again at the end unless --keep), migrates it, loads the sample district plus grids up to 50 grid
chats, and bulk-loads the table with COPY through asyncpg:

* history: closed tickets filed over the last two years (their clocks long past) — what makes
  a table grow to a million rows;
* the open workload, the same at every size: 20,000 open and not due (10,000 filed in the last
  23 hours and unaccepted, 10,000 accepted and within their deadline), and a backlog of 3,000
  already late and already told (2,000 unaccepted for days, 1,000 accepted and overdue) — the
  backlog stays in the index ranges the sweep reads, so it is part of the sweep's fixed cost.

`--policy FILE` sweeps with that SLA file instead of the shipped one (迎泽's filing model):
with `model: steps` (e.g. examples/sla-steps.yaml) every ticket also carries its steps'
moments (`Ticket.steps`: 接单 and 办结 while unaccepted, 办结 once accepted, as
bot/sla/clocks.py keeps them), an accepted ticket's lights are its handling step's, and the
sweep looks at the statuses the steps model lights (accepted too), naming the step it tells.

Then, with the clock frozen at Wednesday 2026-04-01 10:00 (Shanghai), it times:

* an idle sweep (nothing due): the fixed cost of looking;
* a sweep with `--due` tickets turning yellow;
* a storm: `--storm` tickets turning yellow at once over the 50 grid chats (at most three
  messages each, or a summary and the list as a file: bot/sla/digests.py);
* a storm of `--storm` tickets turning red at once (reminders to grids, communities and the
  command centre, 书面说明 owed for each, card edits capped at 10 per chat).

in rounds that alternate between the sizes (a busy machine slows both alike), and prints the
plan of the yellow query, the median times and messages queued per size, and the ratio between
the largest and the smallest table: about 1 means the cost follows what is due, not the table.

The last line is a summary for scripts (times in ms, medians, on the largest table; ratios
largest / smallest; `ok=yes` when the idle and the `--due` sweep take < 200 ms there and at
most 1.5× what they take on the smallest):
sweep size_small=100000 size_large=1000000 idle_ms=9.1 idle_ratio=0.98 due_ms=61.0 due_ratio=1.02
storm_yellow_ms=450.2 storm_red_ms=1900.3 storm_max_per_chat=2 model=filing ok=yes  (one line)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
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
from bot.sla import lights  # noqa: E402
from bot.sla.policy import SlaPolicy  # noqa: E402
from bot.jurisdiction.load import load_jurisdiction_file  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=SH).astimezone(dt.timezone.utc)
H = dt.timedelta(hours=1)
DB = "gridbot_bench"
EXAMPLE = REPO / "examples" / "yingze.yaml"
COLUMNS = (
    "number", "source", "anonymous", "text", "category", "confidence", "reasons", "urgent", "location_text",
    "followups", "level", "status", "light", "created_at", "updated_at", "assigned_at", "accepted_at",
    "resolved_at", "closed_at", "yellow_at", "red_at", "due_at", "due_workdays", "yellow_notified_at",
    "red_notified_at", "due_notified_at", "reopen_count", "grid_id", "unit_id", "event_units",
)
STEPS_COLUMNS = COLUMNS + ("steps",)
POLICY: SlaPolicy | None = None  # --policy; None: the shipped file
CATEGORIES = ("noise", "fumes", "facility", "sanitation", "construction", "street_order")
YELLOW_QUERY = (  # what the sweep asks for one status (lights.due_ids)
    "SELECT id FROM ticket WHERE yellow_notified_at IS NULL AND status IN ('accepted', 'assigned', 'resolved', "
    "'triage') AND status = 'assigned' AND yellow_at <= $1 AND paused_at IS NULL "
    "ORDER BY status, yellow_at, id LIMIT 20000 FOR NO KEY UPDATE SKIP LOCKED"
)


def with_db(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


def row(number: str, grid: int, status: str, filed: dt.datetime, *, light="green", accepted=False,
        closed=False, told_yellow=None, told_red=None, told_due=None, due=None) -> tuple:
    yellow, red = filed + 24 * H, filed + 48 * H
    due = due or filed + dt.timedelta(days=7)
    steps = POLICY is not None and POLICY.steps_model
    if steps and status != "assigned":  # only the handling step runs: its 80% and 100%
        yellow, red = filed + (due - filed) * 0.8, due
    values = (
        number, "resident", False, "楼上装修噪音很大", random.choice(CATEGORIES), 0.9, "[]", False, "惠民小区3号楼",
        "[]", "grid", status, light, filed, filed, filed,
        filed + 2 * H if accepted or closed else None,
        filed + 30 * H if closed else None, filed + 100 * H if closed else None,
        yellow, red, due, 5, told_yellow, told_red, told_due, 0, grid, grid,
        f",{grid},",  # as the "assigned" event of filing leaves it (migration 0013's trigger)
    )
    return values + (step_entries(status, filed, yellow, red, due),) if steps else values


def step_entries(status: str, filed: dt.datetime, yellow: dt.datetime, red: dt.datetime, due: dt.datetime) -> str:
    """`Ticket.steps` as bot/sla/clocks.py writes it, with the row's moments."""
    def entry(start, limit, y, r, d):
        return {"from": start.isoformat(), "limit": limit, "due": d.isoformat(), "yellow": y.isoformat(),
                "red": r.isoformat()}

    handle = entry(filed, ["workdays", 7.0], filed + (due - filed) * 0.8, due, due)
    entries = {"handle": handle}
    if status == "assigned":
        entries["accept"] = entry(filed, ["hours", 48.0], yellow, red, red)
    return json.dumps(entries, separators=(",", ":"))


TARGET_S, TARGET_RATIO = 0.200, 1.5  # issue 9: the idle and the --due sweep, on the largest table
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
    steps = POLICY is not None and POLICY.steps_model
    for i in range(1000):  # accepted, overdue, told (the steps model lights them too: told as well)
        filed = NOW - dt.timedelta(days=12)
        told = {"told_yellow": NOW - dt.timedelta(days=3), "told_red": NOW - dt.timedelta(days=2)} if steps else {}
        rows.append(row(f"O{i:08d}", grids[i % len(grids)], "accepted", filed, accepted=True, light="red" if steps else "green",
                        due=NOW - dt.timedelta(days=2), told_due=NOW - dt.timedelta(days=2), **told))
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
        columns = STEPS_COLUMNS if len(rows[0]) == len(STEPS_COLUMNS) else COLUMNS
        await conn.copy_records_to_table("ticket", records=rows, columns=columns)
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


def runtime(url: str) -> Runtime:
    rt = Runtime.from_settings(Settings(database_url=url), clock=FrozenClock(NOW), rate_limit=False)
    if POLICY is not None:
        rt.sla = POLICY
    return rt


async def timed_sweep(rt: Runtime) -> tuple[float, lights.SweepResult]:
    start = time.perf_counter()
    result = await lights.sweep(rt)
    return time.perf_counter() - start, result


async def prepare(server_url: str, size: int) -> tuple[str, list[int], dict]:
    """A fresh database with `size` tickets (and the district), settled; returns its URL."""
    name = f"{DB}_{size}"
    url = with_db(server_url, name)
    admin = await asyncpg.connect(pg(server_url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    await migrate(url)
    info: dict = {"size": size}
    async with database(url):
        await load_jurisdiction_file(EXAMPLE)
        grid_ids = [g for g, _ in await add_grids(50)]
        rt = runtime(url)
        await copy_rows(url, due_rows("W", 60, grid_ids, red=False))
        await copy_rows(url, due_rows("X", 60, grid_ids, red=True))
        await lights.sweep(rt)  # warm-up
        info["load_s"] = await copy_rows(url, base_rows(size, grid_ids), settle=True)
        info["plan"] = await explain(url)
    return url, grid_ids, info


async def measure(url: str, grid_ids: list[int], round_no: int, due: int, storm: int) -> dict:
    """One round on one database: idle sweeps, `due` turning yellow, a yellow and a red storm."""
    out: dict = {}
    async with database(url):
        rt = runtime(url)
        idle = []
        for _ in range(5):
            seconds, result = await timed_sweep(rt)
            assert result.claimed == 0, result
            idle.append(seconds)
        out["idle_s"] = statistics.median(idle)

        await copy_rows(url, due_rows(f"D{round_no}-", due, grid_ids, red=False))
        out["due_s"], result = await timed_sweep(rt)
        assert result.yellow == due, result
        out["due_msgs"] = result.digests

        await copy_rows(url, due_rows(f"Y{round_no}-", storm, grid_ids, red=False))
        before = await Outbox.all().order_by("-id").first()
        out["storm_s"], result = await timed_sweep(rt)
        assert result.yellow == storm, result
        chats = list(await Outbox.filter(id__gt=before.id if before else 0).values_list("chat_id", flat=True))
        out["storm_msgs"] = result.digests
        out["storm_max_per_chat"] = max((chats.count(c) for c in set(chats)), default=0)

        await copy_rows(url, due_rows(f"R{round_no}-", storm, grid_ids, red=True))
        out["red_s"], result = await timed_sweep(rt)
        assert result.red == storm, result
        out["red_msgs"], out["red_cards"] = result.digests, result.card_edits
    return out


async def main_async(args) -> int:
    prepared = []
    for size in args.sizes:
        print(f"— {size:,} tickets: loading with COPY …", flush=True)
        url, grids, info = await prepare(args.url, size)
        prepared.append((url, grids, info))
        print(f"  {info['load_s']:.1f} s; the sweep's yellow query with nothing due (EXPLAIN ANALYZE):")
        for line in info["plan"]:
            if any(k in line for k in ("Scan", "Index Cond", "Execution")):
                print("    " + line.strip())
    # Rounds alternate between the databases (and which goes first), so a busy neighbour on the
    # machine slows both alike.
    runs: dict[int, list[dict]] = {info["size"]: [] for _, _, info in prepared}
    for round_no in range(args.rounds):
        for url, grids, info in (prepared if round_no % 2 == 0 else prepared[::-1]):
            runs[info["size"]].append(await measure(url, grids, round_no, args.due, args.storm))
        print(f"  round {round_no + 1}/{args.rounds} done", flush=True)
    keys = ("idle_s", "due_s", "storm_s", "red_s")
    medians = {size: {k: statistics.median(r[k] for r in rs) for k in keys} for size, rs in runs.items()}
    print(f"\nmedians of {args.rounds} rounds (the table grows by {args.due + 2 * args.storm:,} rows a round):")
    for size, rs in runs.items():
        m, last = medians[size], rs[-1]
        print(f"  {size:>9,} tickets: idle sweep {m['idle_s'] * 1000:7.1f} ms | {args.due:,} yellow "
              f"{m['due_s'] * 1000:7.1f} ms ({last['due_msgs']} messages) | {args.storm:,} yellow "
              f"{m['storm_s'] * 1000:7.1f} ms ({last['storm_msgs']} messages, ≤{last['storm_max_per_chat']} per chat, "
              f"0 card edits) | {args.storm:,} red {m['red_s'] * 1000:7.1f} ms ({last['red_msgs']} messages, "
              f"{last['red_cards']} card edits)")
    small, big = min(medians), max(medians)
    if len(medians) >= 2:
        print(f"\nratio {big:,} / {small:,} tickets ({big / small:.0f}× the table):")
        for key, label in [("idle_s", "idle sweep"), ("due_s", f"{args.due:,} due"),
                           ("storm_s", f"{args.storm:,} yellow"), ("red_s", f"{args.storm:,} red")]:
            print(f"  {label:<14} {medians[big][key] / medians[small][key]:5.2f}×")
    if not args.keep:
        admin = await asyncpg.connect(pg(args.url))
        try:
            for size in args.sizes:
                await admin.execute(f'DROP DATABASE IF EXISTS "{DB}_{size}" WITH (FORCE)')
        finally:
            await admin.close()
    ratio = {key: medians[big][key] / medians[small][key] for key in keys}
    ok = all(medians[big][key] < TARGET_S and ratio[key] <= TARGET_RATIO for key in ("idle_s", "due_s"))
    worst = max(r["storm_max_per_chat"] for rs in runs.values() for r in rs)
    print(f"sweep size_small={small} size_large={big} idle_ms={medians[big]['idle_s'] * 1000:.1f} "
          f"idle_ratio={ratio['idle_s']:.2f} due_ms={medians[big]['due_s'] * 1000:.1f} due_ratio={ratio['due_s']:.2f} "
          f"storm_yellow_ms={medians[big]['storm_s'] * 1000:.1f} storm_red_ms={medians[big]['red_s'] * 1000:.1f} "
          f"storm_max_per_chat={worst} model={POLICY.model if POLICY else 'filing'} ok={'yes' if ok else 'no'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server (the scratch database gridbot_bench is made there)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--storm", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--policy", type=Path, default=None,
                        help="an SLA file to sweep with (default: the shipped one); e.g. examples/sla-steps.yaml")
    parser.add_argument("--db-prefix", default=DB,
                        help="name of the scratch databases, <prefix>_<size> (apart from a colleague's run)")
    args = parser.parse_args(argv)
    globals()["DB"] = args.db_prefix
    globals()["POLICY"] = SlaPolicy.load(args.policy) if args.policy else None
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
