"""A storm: 10,000 tickets turn yellow at once over the sample district's 20 grid chats.

    .venv/bin/python bench/storm.py [--db sqlite|postgres] [--n 10000] [--red]
                                    [--url postgres://postgres@127.0.0.1:5432/test]

On a fresh database (`--db sqlite`: a file; `--db postgres`: a scratch database
`gridbot_bench_storm` made anew on the server of `--url`) with examples/yingze.yaml, it inserts
N assigned tickets spread evenly over the grids, all filed at the same moment, moves the clock
past their yellow light (`--red`: past red, which also writes to the communities and the command
centre and edits cards) and runs the sweep of bot/sla/lights.py once, timed.

Sending what it queued through Telegram's real limits (AIORateLimiter: 30 messages/s, 20 a
minute per group) against the sandbox would take minutes of real time to say what arithmetic
says, so the outbox rows the sweep wrote are read instead — texts, and the CSV files attached
when a chat's list does not fit in three messages:

* messages per chat (the most any chat gets; card edits count, Telegram limits them alike) and
  per chat per minute (the sweep runs every minute: this must stay within Telegram's 20 per
  group), in all, and how long Telegram's limits make delivering them take (a group's first 20
  a minute go at once, then one every 3 s; 30/s overall);
* every ticket number named exactly once in each chat that must hear of it — its grid's for
  yellow; with --red also its community's and the command centre's — counting reminder texts
  (not cards) and attached lists: `missing` pairs (chat, ticket) never named, `twice` named
  more than once (a summary naming a ticket its file lists too would show here), `stray` named
  in a chat that should not hear of it.

The last line printed is the summary, e.g.:
storm db=postgres tickets=10000 light=yellow chats=20 messages=40 files=20 max_per_chat=2
max_per_chat_per_min=2 mentioned_once=yes missing=0 twice=0 stray=0 sweep=0.45s delivery_at_limits=1.3s
(one line). Exit status 0 when every ticket is named once where it must be, no chat gets more
than 20 in a minute, and a second sweep right after finds nothing left to tell.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
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
from bot.models import ChatBinding, Level, Outbox, Status, Ticket, Unit  # noqa: E402
from bot.nlp.classify import label_of  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from bot.sla import lights  # noqa: E402
from bot.jurisdiction.load import load_jurisdiction_file  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
FILED = dt.datetime(2026, 4, 1, 10, 0, tzinfo=SH).astimezone(dt.timezone.utc)  # a Wednesday
EXAMPLE = REPO / "examples" / "yingze.yaml"
BENCH_DB = "gridbot_bench_storm"
NUMBER = re.compile(r"ST-\d{8}-\d{5}")
GROUP_PER_MINUTE = 20
GROUP_BURST, GROUP_EVERY = 20, 3.0  # Telegram: 20 messages a minute per group (aiolimiter: a burst of 20, then 1 per 3 s)
OVERALL_PER_SECOND = 30


async def fresh_database(kind: str, server_url: str) -> str:
    sqlite_path = Path(tempfile.mkdtemp(prefix="gridbot-storm-")) / "storm.sqlite3"
    return await fresh_bench_database(kind, server_url, name=BENCH_DB, sqlite_path=sqlite_path)


async def insert_tickets(n: int) -> list[tuple[str, int]]:
    """N tickets over the grids; returns (number, grid id) of each."""
    grids = await Unit.filter(level=Level.GRID, active=True).order_by("id")
    rows, made = [], []
    for i in range(n):
        grid = grids[i % len(grids)]
        number = f"ST-{FILED:%Y%m%d}-{i + 1:05d}"
        made.append((number, grid.id))
        rows.append(Ticket(
            number=number, text="积存渣土多日无人清理", category="construction", status=Status.ASSIGNED,
            grid_id=grid.id, unit_id=grid.id, level=Level.GRID, location_text=grid.name,
            created_at=FILED, updated_at=FILED, assigned_at=FILED,
            yellow_at=FILED + dt.timedelta(hours=24), red_at=FILED + dt.timedelta(hours=48),
            due_at=FILED + dt.timedelta(days=9)))
    await Ticket.bulk_create(rows, batch_size=1000)
    return made


async def audiences(made: list[tuple[str, int]], red: bool) -> set[tuple[int, str]]:
    """(chat, number) for every chat that must hear of each ticket: the grid's; for red also
    the community's (the grid's superior) and the command centre's."""
    units = {u.id: u for u in await Unit.all()}
    chats: dict[int, int] = {}
    for unit_id, chat_id in await ChatBinding.filter(purpose="unit").order_by("id").values_list("unit_id", "chat_id"):
        chats.setdefault(unit_id, chat_id)
    district = min(u.id for u in units.values() if u.level == Level.DISTRICT)
    pairs = set()
    for number, grid in made:
        targets = [grid] + ([units[grid].parent_id, district] if red else [])
        pairs.update((chats[unit], number) for unit in targets if unit in chats)
    return pairs


def named(rows: list[dict]) -> Counter:
    """(chat, number) -> times named in reminder texts and attached lists (cards aside)."""
    seen: Counter = Counter()
    for row in rows:
        if row["ref"] is not None:
            continue  # a card, edited in place: not a reminder
        if row["file_data"] is not None:
            listing = csv.reader(io.StringIO(bytes(row["file_data"]).decode("utf-8-sig")))
            column = next(listing).index("工单号")
            for line in listing:
                seen[(row["chat_id"], line[column])] += 1
        for number in NUMBER.findall(row["text"] or ""):
            seen[(row["chat_id"], number)] += 1
    return seen


def delivery_seconds(per_chat: Counter) -> float:
    """How long Telegram's limits make sending these take (the sends themselves are free)."""
    slowest_group = max((max(0, m - GROUP_BURST) * GROUP_EVERY for m in per_chat.values()), default=0.0)
    return max(slowest_group, sum(per_chat.values()) / OVERALL_PER_SECOND)


async def run(args: argparse.Namespace) -> int:
    url = await fresh_database(args.db, args.url)
    label_of("construction")  # the running bot has its classifier loaded; the first call reads the rule files
    async with database(url):
        await load_jurisdiction_file(EXAMPLE)
        made = await insert_tickets(args.n)
        expected = await audiences(made, args.red)
        clock = FrozenClock(FILED + dt.timedelta(hours=48 if args.red else 24, minutes=1))
        rt = Runtime.from_settings(Settings(database_url=url), clock=clock, rate_limit=True)
        started = time.perf_counter()
        result = await lights.sweep(rt)
        took = time.perf_counter() - started
        rows = await Outbox.all().order_by("id").values("chat_id", "text", "ref", "file_data", "available_at")
        again = await lights.sweep(rt)  # a second sweep right after: nothing left to tell

    per_chat = Counter(r["chat_id"] for r in rows)
    per_minute = Counter((r["chat_id"], r["available_at"].replace(second=0, microsecond=0)) for r in rows)
    files = sum(1 for r in rows if r["file_data"] is not None)
    seen = named(rows)
    missing = len(expected - seen.keys())
    twice = sum(1 for pair, times in seen.items() if times > 1)
    stray = len(seen.keys() - expected)
    once = missing == 0 and twice == 0 and stray == 0
    max_per_minute = max(per_minute.values(), default=0)
    print(f"sweep claimed yellow={result.yellow} red={result.red}; queued {result.digests} reminder messages and "
          f"{result.card_edits} card edits; second sweep claimed {again.claimed}", file=sys.stderr)
    print(f"storm db={args.db} tickets={args.n} light={'red' if args.red else 'yellow'} chats={len(per_chat)} "
          f"messages={len(rows)} files={files} max_per_chat={max(per_chat.values(), default=0)} "
          f"max_per_chat_per_min={max_per_minute} mentioned_once={'yes' if once else 'no'} "
          f"missing={missing} twice={twice} stray={stray} sweep={took:.2f}s "
          f"delivery_at_limits={delivery_seconds(per_chat):.1f}s")
    return 0 if once and max_per_minute <= GROUP_PER_MINUTE and again.claimed == 0 else 1


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
