"""Residents' complaints end to end: from the 确认提交 press to the card in the grid's chat.

    .venv/bin/python bench/intake.py [--db sqlite|postgres] [--n 200] [--rate 100]
                                     [--url postgres://postgres@127.0.0.1:5432/test]
                                     [--telegram-limits] [--profile FILE] [--cprofile FILE]
                                     [--sql-log FILE] [--concurrency C] [--no-bare] [--objects]

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
sum over the cores bounds the throughput (stderr also says how much of the bot's was the kernel's).
`--sql-log FILE` logs every query the bot sends; `--cprofile FILE` profiles the bot process with
cProfile over the measured run alone, in CPU time (a wall-clock profile charges the bot for the
moments the 2 shared cores run something else), and the bare bot's whole run into FILE.bare.

The baseline (bench/bare.py; `--no-bare` skips it): after GridBot, in the same run, a bare
python-telegram-bot bot on the same transport (GridBot's aiohttp request class) and the same
loopback Bot API is handed as many updates (one message per resident, the rest presses) and
makes as many Bot API calls as the complaints cost GridBot; `ratio` is GridBot's bot CPU over
the bare bot's. Also reported: updates, sends and database statements per complaint (counted in
the bot process, bench/querycount.py) and the bot's resident memory at the end (VmRSS) and at
its highest sample during the run. `--concurrency C` keeps at most C residents at it at once
(for long runs: `--n 10000 --concurrency 200 --no-bare`); `--objects` (and `--tracemalloc`)
print what the bot process holds more of after the run.

The last line printed is the summary, e.g. (2 shared CPUs, 2 Dec 2026):
intake db=postgres n=300 mode=burst instances=1 throughput=32.5/s p50=3596ms p95=5459ms p99=5615ms cpu_ms_per_complaint=bot:20.0,harness:4.3,db:5.2 bare_ptb_ms_per_complaint=3.40 ratio=5.9 updates_per_complaint=2.60 sends_per_complaint=5.20 queries_per_complaint=21.3 rss_mb=152 rss_peak_mb=152 errors=0
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


def report_on_signal(stats_file: str, profile=None) -> None:
    """SIGUSR1: write the statements sent to the database so far to `stats_file` (the harness
    reads it before and after the measured run); a `profile` given is switched on at the first
    and off at the second, so it holds the measured run alone."""
    from bench import querycount

    querycount.install()
    signals = [0]

    def write(*_):
        Path(stats_file).write_text(str(querycount.counted[0]))
        signals[0] += 1
        if profile is not None and signals[0] == 1:
            profile.enable()
        elif profile is not None and signals[0] == 2:
            profile.disable()

    signal.signal(signal.SIGUSR1, write)

    def objects(*_):  # SIGUSR2: what the process holds, by type (to find what grows)
        import collections
        import gc

        gc.collect()
        counts = collections.Counter(type(o).__qualname__ for o in gc.get_objects())
        import tracemalloc

        if tracemalloc.is_tracing():  # where the memory was allocated, by line (KB)
            for stat in tracemalloc.take_snapshot().statistics("lineno")[:40]:
                frame = stat.traceback[0]
                counts[f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno}"] = stat.size // 1024
        Path(stats_file + ".objects").write_text(
            "\n".join(f"{n} {name}" for name, n in counts.most_common(60)))

    signal.signal(signal.SIGUSR2, objects)


def bot_main(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    profile = None
    if args.cprofile:  # deterministic: exact call counts, and each function's own CPU time
        import cProfile

        profile = cProfile.Profile(time.process_time)
    if args.stats_file:
        report_on_signal(args.stats_file, profile)
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
    if args.bare:
        from bench.bare import serve_bare

        if profile is not None:
            profile.enable()
        try:
            asyncio.run(serve_bare(args.api_base, args.token, args.bare))
        finally:
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.cprofile)
        return
    if args.sql_log:  # every query the bot sends, to count them per complaint
        queries = logging.getLogger("tortoise.db_client")
        queries.addHandler(logging.FileHandler(args.sql_log))
        queries.setLevel(logging.DEBUG)
    if profile is not None:
        if not args.stats_file:
            profile.enable()
        try:
            asyncio.run(serve_bot(args.api_base, args.token, args.db_url, args.telegram_limits,
                                  args.webhook_url, args.port))
        finally:
            profile.disable()
            profile.dump_stats(args.cprofile)
    elif args.profile:
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


async def fresh_database(kind: str, server_url: str, name: str, workdir: Path) -> str:
    from bench.benchdb import fresh_bench_database
    from bot.db import database
    from bot.jurisdiction.load import load_jurisdiction_file

    url = await fresh_bench_database(kind, server_url, name=name, sqlite_path=workdir / "intake.sqlite3")
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
            self.card_texts: dict[str, list[str]] = {}  # what a doubled card said, each time

        def _store(self, stored):
            message = stored.message
            text = message.get("text") or ""
            if stored.from_bot and message["chat"]["type"] != "private" and "类别" in text:
                found = TICKET_NUMBER.search(text)
                if found:
                    self.cards.setdefault(found[0], time.perf_counter())
                    self.card_count[found[0]] = self.card_count.get(found[0], 0) + 1
                    self.card_texts.setdefault(found[0], []).append(text[:200])
            super()._store(stored)

    return TimedBotAPI()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    return sum(process_cpu_split(pid))


def process_cpu_split(pid: int) -> tuple[float, float]:
    """CPU seconds a process has used so far in user mode and in the kernel (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) / os.sysconf("SC_CLK_TCK"), int(fields[12]) / os.sysconf("SC_CLK_TCK")


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


def memory_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


async def objects_held(bot, stats_file: Path) -> dict[str, int]:
    """The bot process's objects by type, after a collection (SIGUSR2)."""
    path = Path(str(stats_file) + ".objects")
    path.unlink(missing_ok=True)
    bot.send_signal(signal.SIGUSR2)
    for _ in range(1000):
        if path.exists() and path.read_text().strip():
            break
        await asyncio.sleep(0.01)
    return {line.split(" ", 1)[1]: int(line.split(" ", 1)[0]) for line in path.read_text().splitlines()}


async def queries_sent(bots, files: list[Path]) -> int:
    """The statements the bot processes have sent to the database so far (SIGUSR1, see
    `report_on_signal`)."""
    total = 0
    for bot, path in zip(bots, files):
        path.unlink(missing_ok=True)
        bot.send_signal(signal.SIGUSR1)
        for _ in range(500):
            if path.exists() and path.read_text().strip():
                break
            await asyncio.sleep(0.01)
        total += int(path.read_text())
    return total


class Window:
    """What the Bot API saw from a point on: updates handed out, calls the bot made."""

    def __init__(self, api) -> None:
        self.api = api
        self.first_update = len(api.updates)
        self.first_call = len(api.calls)

    @property
    def updates(self) -> int:
        return len(self.api.updates) - self.first_update

    @property
    def sends(self) -> int:
        return sum(1 for call in self.api.calls[self.first_call:] if call.method != "getUpdates")

    def methods(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for call in self.api.calls[self.first_call:]:
            if call.method != "getUpdates":
                counts[call.method] = counts.get(call.method, 0) + 1
        return counts


async def stop_bots(bots) -> None:
    for bot in bots:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
    for bot in bots:
        try:
            await asyncio.wait_for(bot.wait(), 60)
        except TimeoutError:
            bot.kill()


async def run(args: argparse.Namespace) -> int:
    from bot.sandbox.balancer import RoundRobin, free_port

    workdir = Path(tempfile.mkdtemp(prefix="gridbot-intake-"))
    url = await fresh_database(args.db, args.url, args.db_name, workdir)
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
    if args.cprofile:
        command += ["--cprofile", str(Path(args.cprofile).resolve())]
    if args.tracemalloc:
        command.append("--tracemalloc")
    # One instance long-polls, as `gridbot run` does by default; several take webhooks behind a
    # round-robin balancer, as a deployment past one process does (README, "Running it for real").
    ports = [free_port() for _ in range(args.instances)] if args.instances > 1 else []
    balancer = RoundRobin([f"http://127.0.0.1:{port}/telegram" for port in ports]) if ports else None
    stats = [workdir / f"queries-{i}" for i in range(max(len(ports), 1))]
    bots = []
    async with contextlib.AsyncExitStack() as stack:
        if balancer is not None:
            await stack.enter_async_context(balancer)
        try:
            bots = [await asyncio.create_subprocess_exec(
                        *command, "--stats-file", str(path),
                        *(["--webhook-url", balancer.url, "--port", str(port)] if balancer else []),
                        cwd=REPO, stdin=asyncio.subprocess.DEVNULL)
                    for path, port in zip(stats, ports or [0])]
            result = await measure(args, api, places, bots, balancer, stats)
            await stop_bots(bots)
            if args.bare_baseline and result["complaints"]:
                bare_command = [sys.executable, str(Path(__file__).resolve()), "--serve-bot",
                                "--api-base", api.base_url, "--token", api.token,
                                "--bare", f"{result['sends'] / result['updates']:.6f}"]
                if args.cprofile:  # the bare bot's whole run, start included
                    bare_command += ["--cprofile", str(Path(args.cprofile).resolve()) + ".bare"]
                bots = [await asyncio.create_subprocess_exec(*bare_command, cwd=REPO,
                                                             stdin=asyncio.subprocess.DEVNULL)]
                result.update(await measure_bare(args, api, bots, result))
            return summarise(args, result, len(stats))
        finally:
            await stop_bots(bots)
            await api.stop()


async def measure(args, api, places, bots, balancer, stats: list[Path]) -> dict:
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

    queries_before = await queries_sent(bots, stats)
    objects_before = await objects_held(bots[0], stats[0]) if args.objects else {}
    window = Window(api)
    cpu_before = cpu_now()
    kernel_before = sum(process_cpu_split(bot.pid)[1] for bot in bots)
    began = time.perf_counter()
    in_flight = asyncio.Semaphore(args.concurrency or args.n)
    peak = [0.0]

    async def one(i: int):
        await asyncio.sleep(max(0.0, began + starts[i] - time.perf_counter()))
        async with in_flight:
            try:
                return await file_complaint(api, residents[i], wording[i], args.timeout)
            except Exception as exc:  # counted and shown, the others go on
                errors.append(f"{residents[i].id}: {type(exc).__name__}: {exc}"[:300])
                return None
            finally:
                if i % 100 == 0:
                    peak[0] = max(peak[0], sum(memory_mb(bot.pid)[0] for bot in bots))

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
    complaints = max(len(numbers), 1)
    bot_ms, harness_ms, db_ms = ((after - before) * 1000 / complaints
                                 for after, before in zip(cpu_now(), cpu_before))
    kernel_ms = (sum(process_cpu_split(bot.pid)[1] for bot in bots) - kernel_before) * 1000 / complaints
    updates, sends, methods = window.updates, window.sends, window.methods()
    queries = await queries_sent(bots, stats) - queries_before
    rss = sum(memory_mb(bot.pid)[0] for bot in bots)
    if args.objects:  # what grew over the run, by type
        after = await objects_held(bots[0], stats[0])
        grown = sorted(after, key=lambda k: objects_before.get(k, 0) - after[k])[:25]
        print("objects grown:", ", ".join(f"{k} {objects_before.get(k, 0)}→{after[k]}" for k in grown), file=sys.stderr)
    if balancer is not None and balancer.refused:
        errors.append(f"the balancer saw {len(balancer.refused)} refused updates: {balancer.refused[:3]}")

    for line in errors[:5]:
        print("error:", line, file=sys.stderr)
    for number in sorted(n for n in numbers if api.card_count.get(n, 0) > 1)[:3]:
        print(f"doubled: {number} posted {api.card_count[number]} times: " + " | ".join(
            t.replace("\n", " / ") for t in api.card_texts[number]), file=sys.stderr)
    if latencies:
        print(f"cards {len(latencies)}/{args.n}, doubled {doubled}; latency mean {statistics.mean(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms; wall {elapsed:.2f} s; Bot API calls {methods}; "
              f"bot CPU {bot_ms:.1f} ms per complaint, {kernel_ms:.1f} of it in the kernel", file=sys.stderr)
    return dict(complaints=len(numbers), latencies=latencies, elapsed=elapsed, bot_ms=bot_ms,
                harness_ms=harness_ms, db_ms=db_ms, updates=updates, sends=sends, queries=queries,
                rss=rss, rss_peak=max(peak[0], rss), errors=len(errors) + doubled)


async def measure_bare(args, api, bots, gridbot: dict) -> dict:
    """The bare PTB bot over the same transport and Bot API: as many residents, each writing
    once and pressing as often as GridBot's pressed on average, until it has made as many
    calls as GridBot did."""
    from bench.bare import bare_resident

    await api.wait_for(lambda: api.polling or bots[0].returncode is not None, 120, what="the bare bot ready")
    if bots[0].returncode is not None:
        raise SystemExit("the bare bot exited at start")
    n = gridbot["complaints"]
    presses = (gridbot["updates"] - n) / n  # one message each, the rest are presses
    warm = api.user(FIRST_RESIDENT - 2, "预热二")
    await bare_resident(api, warm, "预热", 1, args.timeout)
    await api.wait_for(lambda: not api.pending_updates, args.timeout, what="the warm-up handled")
    residents = [api.user(FIRST_RESIDENT + 100_000 + i, f"对照{i:03d}") for i in range(n)]
    in_flight = asyncio.Semaphore(args.concurrency or n)

    async def one(i: int) -> None:
        async with in_flight:
            await bare_resident(api, residents[i], SAMPLE_COMPLAINTS[i % len(SAMPLE_COMPLAINTS)],
                                round((i + 1) * presses) - round(i * presses), args.timeout)

    window = Window(api)
    before, kernel_before = process_cpu(bots[0].pid), process_cpu_split(bots[0].pid)[1]
    await asyncio.gather(*(one(i) for i in range(n)))
    await api.wait_for(lambda: window.sends >= gridbot["sends"], args.timeout, what="the bare bot's sends")
    bare_ms = (process_cpu(bots[0].pid) - before) * 1000 / n
    kernel_ms = (process_cpu_split(bots[0].pid)[1] - kernel_before) * 1000 / n
    print(f"bare PTB bot: {window.updates} updates, {window.sends} calls {window.methods()}; "
          f"{bare_ms:.2f} ms CPU per complaint, {kernel_ms:.2f} of it in the kernel", file=sys.stderr)
    return dict(bare_ms=bare_ms, bare_updates=window.updates, bare_sends=window.sends)


def summarise(args, r: dict, instances: int) -> int:
    n = max(r["complaints"], 1)
    latencies = r["latencies"]
    mode = f"rate={args.rate:g}/s" if args.rate else "burst"
    if args.concurrency:
        mode += f",concurrency={args.concurrency}"
    bare = ""
    if "bare_ms" in r:
        bare = f" bare_ptb_ms_per_complaint={r['bare_ms']:.2f} ratio={r['bot_ms'] / max(r['bare_ms'], 1e-9):.1f}"
    print(f"intake db={args.db} n={args.n} mode={mode} instances={instances} "
          f"throughput={len(latencies) / max(r['elapsed'], 1e-9):.1f}/s "
          f"p50={percentile(latencies, 50):.0f}ms p95={percentile(latencies, 95):.0f}ms "
          f"p99={percentile(latencies, 99):.0f}ms cpu_ms_per_complaint=bot:{r['bot_ms']:.1f},"
          f"harness:{r['harness_ms']:.1f},db:{r['db_ms']:.1f}{bare} "
          f"updates_per_complaint={r['updates'] / n:.2f} sends_per_complaint={r['sends'] / n:.2f} "
          f"queries_per_complaint={r['queries'] / n:.1f} rss_mb={r['rss']:.0f} rss_peak_mb={r['rss_peak']:.0f} "
          f"errors={r['errors']}")
    return 1 if r["errors"] else 0


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
    parser.add_argument("--cprofile", metavar="FILE",
                        help="profile the bot process with cProfile into FILE (pstats; read with python -m pstats)")
    parser.add_argument("--sql-log", metavar="FILE", help="log every query of the bot process to FILE")
    parser.add_argument("--instances", type=int, default=1,
                        help="bot processes; more than one take webhooks behind a round-robin balancer "
                             "(PostgreSQL only)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="at most this many residents at once (default: all of them)")
    parser.add_argument("--no-bare", dest="bare_baseline", action="store_false",
                        help="skip the bare python-telegram-bot baseline")
    parser.add_argument("--objects", action="store_true",
                        help="print which kinds of objects the bot process holds more of after the run")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="with --objects: also the bot's memory by the line that allocated it (KB; slow)")
    parser.add_argument("--db-name", default=BENCH_DB, help=f"the scratch PostgreSQL database (default {BENCH_DB})")
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--stats-file", help=argparse.SUPPRESS)
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
