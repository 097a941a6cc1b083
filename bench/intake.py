"""Residents' complaints end to end: from the 确认提交 press to the card in the grid's chat.

    .venv/bin/python bench/intake.py [--db sqlite|postgres] [--n 200] [--rate 100]
                                     [--url postgres://postgres@127.0.0.1:5432/test]
                                     [--telegram-limits] [--profile FILE] [--sql-log FILE]

Two processes, as in production: this one runs the loopback Bot API and plays N residents
(real HTTP); the other is the bot — python-telegram-bot long-polling it, the delivery loop and
the scheduler of bot/runner.py, on a fresh database (`--db sqlite`: a file, WAL; `--db postgres`:
a scratch database `gridbot_bench_intake` made anew on the server of `--url`), migrated, with
the sample district (examples/yingze.yaml, 20 grids).

Each resident writes a complaint naming a place of one of the 20 grids, skips the follow-up
question if one is asked, says "not the same problem" if a similar open ticket is offered, and
confirms. The latency is from the confirm press to the moment the Bot API receives the card for
that ticket's grid chat; the throughput is complaints carded per second, from the first
resident's first message to the last card.

* Burst (default): all N residents start at once — what the bot sustains flat out.
* Offered load (`--rate R`): residents start at Poisson arrivals of R per second (seeded), so
  the latency is measured at a stated load — the p99 target.

Telegram's own limits (30 messages/s overall, 20 a minute per group) are off unless
`--telegram-limits`: with them the bench measures Telegram (about 6 complaints/s at ~5 calls
each), not the bot. One complaint is filed first to warm up (jieba's dictionary, connections)
and not counted. `--profile FILE` runs the bot process under pyinstrument (installed by hand;
not a dependency) and writes its text report to FILE.

The bot's CPU time, this process's (the Bot API and the residents: the harness) and the local
PostgreSQL server's are read from /proc over the measured run and reported per complaint: their
sum over the cores bounds the throughput. `--sql-log FILE` logs every query the bot sends.

The last line printed is the summary, e.g. (2 shared CPUs, 23 Nov 2026):
intake db=postgres n=300 mode=burst throughput=36.7/s p50=2761ms p95=3541ms p99=3675ms cpu_ms_per_complaint=bot:25.4,harness:6.3,db:6.4 errors=0
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.sandbox.residents import SAMPLE_COMPLAINTS, TICKET_NUMBER, file_complaint  # noqa: E402

EXAMPLE = REPO / "examples" / "yingze.yaml"
BENCH_DB = "gridbot_bench_intake"
WEBHOOK_SECRET = "bench-intake-secret"
FIRST_RESIDENT = 7_000_000


# ─── the bot process ────────────────────────────────────────────────────────────────────────


async def serve_bot(api_base: str, token: str, db_url: str, limits: bool,
                    webhook_url: str | None = None, port: int = 0) -> None:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.runner import GridBot
    from bot.runtime import Runtime

    settings = Settings(token=token, api_base_url=api_base, database_url=db_url, webhook_secret=WEBHOOK_SECRET)
    bot = GridBot(Runtime.from_settings(settings, clock=Clock(), rate_limit=limits),
                  webhook_url=webhook_url, webhook_port=port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bot.start()
    try:
        await stop.wait()
    finally:
        await bot.stop()


def bot_main(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.sql_log:  # every query the bot sends, to count them per complaint
        queries = logging.getLogger("tortoise.db_client")
        queries.addHandler(logging.FileHandler(args.sql_log))
        queries.setLevel(logging.DEBUG)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
        try:
            asyncio.run(serve_bot(args.api_base, args.token, args.db_url, args.telegram_limits,
                                  args.webhook_url, args.port))
        finally:
            profiler.stop()
            tree = profiler.output_text(unicode=True, color=False)
            flat = profiler.output_text(unicode=True, color=False, flat=True, flat_time="self")
            Path(args.profile).write_text(f"{tree}\n\n--- self time per function ---\n{flat}", encoding="utf-8")
    else:
        asyncio.run(serve_bot(args.api_base, args.token, args.db_url, args.telegram_limits,
                              args.webhook_url, args.port))


# ─── the database ───────────────────────────────────────────────────────────────────────────


async def fresh_database(kind: str, server_url: str, workdir: Path) -> str:
    from bench.benchdb import fresh_bench_database
    from bot.db import database
    from bot.jurisdiction.load import load_jurisdiction_file

    url = await fresh_bench_database(kind, server_url, name=BENCH_DB, sqlite_path=workdir / "intake.sqlite3")
    async with database(url):
        await load_jurisdiction_file(EXAMPLE)
    return url


async def grid_places(url: str) -> tuple[list[str], list[tuple[int, str]]]:
    from bot.db import database
    from bot.models import ChatBinding, Level, Unit

    async with database(url):
        places = [g.aliases[0] for g in await Unit.filter(level=Level.GRID, active=True).order_by("id")]
        chats = [(b.chat_id, b.title or "") for b in await ChatBinding.all()]
    return places, chats


# ─── the residents ──────────────────────────────────────────────────────────────────────────


def make_api():
    from bot.sandbox import LoopbackBotAPI

    class TimedBotAPI(LoopbackBotAPI):
        """Notes when each card reaches a group chat (the moment the Bot API stores it)."""

        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.cards: dict[str, float] = {}
            self.card_count: dict[str, int] = {}

        def _store(self, stored):
            message = stored.message
            text = message.get("text") or ""
            if stored.from_bot and message["chat"]["type"] != "private" and "类别" in text:
                found = TICKET_NUMBER.search(text)
                if found:
                    self.cards.setdefault(found[0], time.perf_counter())
                    self.card_count[found[0]] = self.card_count.get(found[0], 0) + 1
            super()._store(stored)

    return TimedBotAPI()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(name: str = "postgres") -> float:
    """CPU seconds used so far by every process called `name` on this machine (the database
    server's backends, when it runs here; 0 where it does not)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        if text[text.find("(") + 1:text.rfind(")")] == name:
            total += process_cpu(int(stat.parent.name))
    return total


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def run(args: argparse.Namespace) -> int:
    from bot.sandbox.balancer import RoundRobin, free_port

    workdir = Path(tempfile.mkdtemp(prefix="gridbot-intake-"))
    url = await fresh_database(args.db, args.url, workdir)
    places, chats = await grid_places(url)
    api = make_api()
    await api.start()
    for chat_id, title in chats:
        api.add_chat(chat_id, "supergroup", title)

    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bot", "--api-base", api.base_url,
               "--token", api.token, "--db-url", url]
    if args.telegram_limits:
        command.append("--telegram-limits")
    if args.profile:
        command += ["--profile", str(Path(args.profile).resolve())]
    if args.sql_log:
        command += ["--sql-log", str(Path(args.sql_log).resolve())]
    # One instance long-polls, as `gridbot run` does by default; several take webhooks behind a
    # round-robin balancer, as a deployment past one process does (README, "Running it for real").
    ports = [free_port() for _ in range(args.instances)] if args.instances > 1 else []
    balancer = RoundRobin([f"http://127.0.0.1:{port}/telegram" for port in ports]) if ports else None
    bots = []
    async with contextlib.AsyncExitStack() as stack:
        if balancer is not None:
            await stack.enter_async_context(balancer)
        for port in ports or [0]:
            extra = ["--webhook-url", balancer.url, "--port", str(port)] if balancer else []
            bots.append(await asyncio.create_subprocess_exec(*command, *extra, cwd=REPO,
                                                             stdin=asyncio.subprocess.DEVNULL))
        try:
            return await measure(args, api, places, bots, balancer)
        finally:
            for bot in bots:
                if bot.returncode is None:
                    bot.send_signal(signal.SIGTERM)
            for bot in bots:
                try:
                    await asyncio.wait_for(bot.wait(), 60)
                except TimeoutError:
                    bot.kill()
            await api.stop()


async def measure(args, api, places, bots, balancer) -> int:
    def started() -> bool:
        if any(bot.returncode is not None for bot in bots):
            return True
        if balancer is None:
            return api.polling
        return len(api.calls_to("setWebhook")) >= len(bots)

    await api.wait_for(started, 120, what="every bot instance ready")
    if any(bot.returncode is not None for bot in bots):
        raise SystemExit("a bot process exited at start")
    warm = api.user(FIRST_RESIDENT - 1, "预热")
    await file_complaint(api, warm, places[0] + "小区门口的井盖松动了，走上去咣当响", args.timeout)

    residents = [api.user(FIRST_RESIDENT + i, f"居民{i:03d}") for i in range(args.n)]
    # Resident i: grid i % 20 and a complaint that varies with i // 20, so the first 100 are
    # all different (grid, category) pairs; later ones meet a similar open ticket.
    wording = [places[i % len(places)] + SAMPLE_COMPLAINTS[(i // len(places) + i) % len(SAMPLE_COMPLAINTS)]
               for i in range(args.n)]
    rng = random.Random(1)
    starts, clock = [], 0.0
    for _ in range(args.n):
        starts.append(clock)
        if args.rate:
            clock += rng.expovariate(args.rate)

    errors: list[str] = []
    # Where a complaint's CPU goes: the bot processes, this one (the Bot API, the balancer and
    # the residents: the harness) and the database server. Their sum over the cores bounds
    # the throughput; unlike wall time, a busy machine does not distort it.
    def cpu_now() -> tuple[float, float, float]:
        return sum(process_cpu(bot.pid) for bot in bots), time.process_time(), server_cpu()

    cpu_before = cpu_now()
    began = time.perf_counter()

    async def one(i: int):
        await asyncio.sleep(max(0.0, began + starts[i] - time.perf_counter()))
        try:
            return await file_complaint(api, residents[i], wording[i], args.timeout)
        except Exception as exc:  # counted and shown, the others go on
            errors.append(f"{residents[i].id}: {type(exc).__name__}: {exc}"[:300])
            return None

    done = [r for r in await asyncio.gather(*(one(i) for i in range(args.n))) if r]
    numbers = {number for number, _ in done}
    try:
        await api.wait_for(lambda: numbers <= api.cards.keys(), args.timeout, what="every card")
    except TimeoutError as exc:
        errors.append(str(exc))
    latencies = [(api.cards[n] - pressed) * 1000 for n, pressed in done if n in api.cards]
    last_card = max((api.cards[n] for n in numbers if n in api.cards), default=time.perf_counter())
    elapsed = last_card - began
    doubled = sum(1 for n in numbers if api.card_count.get(n, 0) > 1)
    bot_ms, harness_ms, db_ms = ((after - before) * 1000 / max(len(numbers), 1)
                                 for after, before in zip(cpu_now(), cpu_before))
    if balancer is not None and balancer.refused:
        errors.append(f"the balancer saw {len(balancer.refused)} refused updates: {balancer.refused[:3]}")

    for line in errors[:5]:
        print("error:", line, file=sys.stderr)
    mode = f"rate={args.rate:g}/s" if args.rate else "burst"
    if latencies:
        print(f"cards {len(latencies)}/{args.n}, doubled {doubled}; latency mean {statistics.mean(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms; wall {elapsed:.2f} s", file=sys.stderr)
    print(f"intake db={args.db} n={args.n} mode={mode} instances={len(bots)} "
          f"throughput={len(latencies) / elapsed:.1f}/s "
          f"p50={percentile(latencies, 50):.0f}ms p95={percentile(latencies, 95):.0f}ms "
          f"p99={percentile(latencies, 99):.0f}ms cpu_ms_per_complaint=bot:{bot_ms:.1f},harness:{harness_ms:.1f},"
          f"db:{db_ms:.1f} errors={len(errors) + doubled}")
    return 1 if errors or doubled else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=200, help="residents, one complaint each (default 200)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="offered load: complaints started per second (Poisson); 0 = all at once")
    parser.add_argument("--url", default=os.environ.get("GRIDBOT_TEST_POSTGRES_URL")
                        or "postgres://postgres@127.0.0.1:5432/test", help="the PostgreSQL server (--db postgres)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds any one step may take")
    parser.add_argument("--telegram-limits", action="store_true",
                        help="Telegram's rate limits in the bot (AIORateLimiter), as `gridbot run` has them")
    parser.add_argument("--profile", metavar="FILE", help="profile the bot process with pyinstrument into FILE")
    parser.add_argument("--sql-log", metavar="FILE", help="log every query of the bot process to FILE")
    parser.add_argument("--instances", type=int, default=1,
                        help="bot processes; more than one take webhooks behind a round-robin balancer "
                             "(PostgreSQL only)")
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--webhook-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--api-base", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bot:
        bot_main(args)
        return 0
    if args.instances > 1 and args.db != "postgres":
        parser.error("several instances need PostgreSQL (--db postgres), as in production")
    if args.profile:
        try:
            import pyinstrument  # noqa: F401
        except ImportError:
            parser.error("--profile needs pyinstrument: .venv/bin/pip install pyinstrument (not a dependency)")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
