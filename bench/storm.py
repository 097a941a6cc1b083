"""A storm: 10,000 tickets turn yellow at once over the sample district's 20 grid chats.

    .venv/bin/python bench/storm.py [--db sqlite|postgres] [--n 10000] [--red]
                                    [--url postgres://postgres@127.0.0.1:5432/test]

On a fresh database (`--db sqlite`: a file; `--db postgres`: a scratch database
`gridbot_bench_storm` made anew on the server of `--url`) with examples/yingze.yaml, it inserts
N assigned tickets spread evenly over the grids, all filed at the same moment, moves the clock
past their yellow light (`--red`: past red, which also writes to the communities and the command
centre and edits cards) and runs the sweep of bot/services/sla_sweep.py once, timed.

Sending what it queued through Telegram's real limits (AIORateLimiter: 30 messages/s, 20 a
minute per group) against the sandbox would take minutes of real time to say what arithmetic
says, so the outbox rows the sweep wrote are read instead:

* messages per chat (the most any chat gets) and in all, and how long Telegram's limits make
  delivering them take (a group's first 20 a minute go at once, then one every 3 s; 30/s overall);
* every ticket number in the digests, once in each chat that must hear of it (yes/no); else how
  many (chat, ticket) pairs are listed, how many are only counted in a section's "另有 N 件"
  line, and how many are named twice in one chat (must be 0); accounted: listed + counted is
  every ticket in every such chat.

The last line printed is the summary, e.g.:
storm db=postgres tickets=10000 light=yellow chats=20 messages=20 max_per_chat=1 mentioned_once=no
listed=2165 summarised=7835 twice=0 accounted=yes sweep=2.46s delivery_at_limits=0.7s
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.benchdb import fresh_bench_database  # noqa: E402
from bot.clock import FrozenClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import database  # noqa: E402
from bot.models import Level, Outbox, Status, Ticket, Unit  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.services import sla_sweep  # noqa: E402
from bot.services.jurisdiction import load_jurisdiction_file  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
FILED = dt.datetime(2026, 4, 1, 10, 0, tzinfo=SH).astimezone(dt.timezone.utc)  # a Wednesday
EXAMPLE = REPO / "examples" / "yingze.yaml"
BENCH_DB = "gridbot_bench_storm"
NUMBER = re.compile(r"ST-\d{8}-\d{5}")
MORE = re.compile(r"另有\s*(\d+)\s*件")
GROUP_BURST, GROUP_EVERY = 20, 3.0  # Telegram: 20 messages a minute per group (aiolimiter: a burst of 20, then 1 per 3 s)
OVERALL_PER_SECOND = 30


async def fresh_database(kind: str, server_url: str) -> str:
    sqlite_path = Path(tempfile.mkdtemp(prefix="gridbot-storm-")) / "storm.sqlite3"
    return await fresh_bench_database(kind, server_url, name=BENCH_DB, sqlite_path=sqlite_path)


async def insert_tickets(n: int) -> list[str]:
    grids = await Unit.filter(level=Level.GRID, active=True).order_by("id")
    rows, numbers = [], []
    for i in range(n):
        grid = grids[i % len(grids)]
        number = f"ST-{FILED:%Y%m%d}-{i + 1:05d}"
        numbers.append(number)
        rows.append(Ticket(
            number=number, text="积存渣土多日无人清理", category="construction", status=Status.ASSIGNED,
            grid_id=grid.id, unit_id=grid.id, level=Level.GRID, location_text=grid.name,
            created_at=FILED, updated_at=FILED, assigned_at=FILED,
            yellow_at=FILED + dt.timedelta(hours=24), red_at=FILED + dt.timedelta(hours=48),
            due_at=FILED + dt.timedelta(days=9)))
    await Ticket.bulk_create(rows, batch_size=1000)
    return numbers


def delivery_seconds(per_chat: Counter) -> float:
    """How long Telegram's limits make sending these take (the sends themselves are free)."""
    slowest_group = max((max(0, m - GROUP_BURST) * GROUP_EVERY for m in per_chat.values()), default=0.0)
    return max(slowest_group, sum(per_chat.values()) / OVERALL_PER_SECOND)


async def run(args: argparse.Namespace) -> int:
    url = await fresh_database(args.db, args.url)
    async with database(url):
        await load_jurisdiction_file(EXAMPLE)
        numbers = await insert_tickets(args.n)
        clock = FrozenClock(FILED + dt.timedelta(hours=48 if args.red else 24, minutes=1))
        rt = Runtime.from_settings(Settings(database_url=url), clock=clock, rate_limit=True)
        started = time.perf_counter()
        result = await sla_sweep.sweep(rt)
        took = time.perf_counter() - started
        rows = await Outbox.all().order_by("id").values("chat_id", "text", "ref")
        again = await sla_sweep.sweep(rt)  # a second sweep right after: nothing left to tell

    per_chat = Counter(r["chat_id"] for r in rows)
    digests = [(r["chat_id"], r["text"]) for r in rows if (r["text"] or "").startswith("⏰")]
    # (chat, ticket) -> times named in that chat's digests; a ticket is told once per chat that
    # hears of it: its grid's for yellow; with --red also its community's and the command centre's.
    mentions = Counter((chat, n) for chat, text in digests for n in NUMBER.findall(text))
    summarised = sum(int(m) for _, text in digests for m in MORE.findall(text))
    audiences = 3 if args.red else 1
    listed = sum(1 for times in mentions.values() if times == 1)
    twice = sum(1 for times in mentions.values() if times > 1)
    assert {n for _, n in mentions} <= set(numbers)
    accounted = sum(mentions.values()) + summarised == args.n * audiences
    once = listed == args.n * audiences and twice == 0
    print(f"sweep claimed yellow={result.yellow} red={result.red}; queued {result.digests} digests and "
          f"{result.card_edits} card edits; second sweep claimed {again.claimed}", file=sys.stderr)
    print(f"storm db={args.db} tickets={args.n} light={'red' if args.red else 'yellow'} chats={len(per_chat)} "
          f"messages={len(rows)} max_per_chat={max(per_chat.values(), default=0)} "
          f"mentioned_once={'yes' if once else 'no'} listed={listed} summarised={summarised} twice={twice} "
          f"accounted={'yes' if accounted else 'no'} sweep={took:.2f}s "
          f"delivery_at_limits={delivery_seconds(per_chat):.1f}s")
    return 0 if twice == 0 and accounted and again.claimed == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--n", type=int, default=10_000, help="tickets turning at once (default 10000)")
    parser.add_argument("--red", action="store_true", help="past red instead of yellow")
    parser.add_argument("--url", default=os.environ.get("GRIDBOT_TEST_POSTGRES_URL")
                        or "postgres://postgres@127.0.0.1:5432/test", help="the PostgreSQL server (--db postgres)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
