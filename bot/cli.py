"""`gridbot` command line: migrate, load the jurisdiction, run the bot, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path

from bot import logids
from bot.config import Settings, redact_url
from bot.nlp import pii

log = logging.getLogger("gridbot")


class RedactingFormatter(logging.Formatter):
    """Replaces secrets (the bot token, the webhook secret) wherever they appear in a line,
    tracebacks included: PTB puts the token in some exception messages. Phone and ID-card
    numbers are masked by the rule every outgoing text uses (bot/nlp/pii.py: 138****5678), and
    a Telegram user id that reached the text unhashed (a database error quoting a row) becomes
    its keyed hash (bot/logids.py)."""

    def __init__(self, fmt: str | None = None, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return pii.mask_numbers(logids.redact(text))

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(RedactingFormatter):
    """One JSON object per line (`--log-json`), for log collectors; redacted the same way."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False))


def setup_logging(level: str = "INFO", secrets: tuple[str, ...] = (), *, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(JsonFormatter(secrets=secrets))
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    logging.basicConfig(level=level.upper(), handlers=[handler])  # no-op if already set up
    # httpx logs every request URL, and a Bot API URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is expected when jobs are woken early
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    # At DEBUG aiosqlite logs every query twice with its parameters: residents' own words, and
    # so much of it that a supervisor's pipe fills and the bot stalls on a log write.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gridbot", description="网格通 GridBot")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-json", action="store_true", help="one JSON object per log line")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("makemigrations", help="write a migration for changed models (developers)")
    exp = sub.add_parser("export", help="write the assessment workbook (.xlsx) of a month, as /export does")
    exp.add_argument("out", type=Path, help="the .xlsx file to write")
    exp.add_argument("--month", default="month", help="YYYY-MM (default: this month), or today / week")
    exp.add_argument("--unit", default=None, help="a unit code (default: the whole district)")
    from bot.figures import stats_cli

    stats_cli.add_parser(sub)
    cls = sub.add_parser("classify", help="classify a text (or --jsonl FILE) and print JSON")
    cls.add_argument("text", nargs="?")
    cls.add_argument("--jsonl", type=argparse.FileType("r", encoding="utf-8"),
                     help="a file of lines like {\"text\": ...}; '-' reads standard input")
    from bot import rules_cli

    rules_cli.add_parser(sub)
    load = sub.add_parser("load-jurisdiction", help="load or update the jurisdiction file")
    load.add_argument("file", type=Path)
    run = sub.add_parser("run", help="run the bot (polling, or a webhook with --webhook)")
    run.add_argument("--webhook", metavar="URL", help="public URL Telegram posts updates to")
    run.add_argument("--listen", default="127.0.0.1:8443", help="host:port of the webhook server")
    run.add_argument("--no-web", action="store_true",
                     help="no web server (dashboard, Open311, /metrics on GRIDBOT_WEB_HOST:GRIDBOT_WEB_PORT)")
    run.add_argument("--time-scale", type=_positive_scale, default=1.0, metavar="N",
                     help="rehearsals only: the bot's clock runs N times faster (3600: an hour a second), "
                          "and every timer with it (the sweep, the daily report, reminders, rating "
                          "timeouts, delivery's retry backoff)")
    key = sub.add_parser("open311-key", help="make (or replace) an Open311 client's API key and print it once")
    key.add_argument("name", help="the client, e.g. 12345热线")
    key.add_argument("--unit", action="append", default=[], metavar="CODE",
                     help="a unit whose tickets (and those of the units under it) the key may read; "
                          "repeatable. Without: it reads only the requests it filed")
    demo = sub.add_parser("demo", help="the whole system on this machine, no Telegram token needed")
    demo.add_argument("--fresh", action="store_true", help="start over with an empty database")
    demo.add_argument("--jurisdiction", type=Path, metavar="FILE",
                      help="a district's own jurisdiction file instead of the sample (examples/yingze.yaml): "
                           "its units, people and chats, in a demo database of its own")
    demo.add_argument("--port", type=int, default=8080, help="the web chat page's port (taken: any free one)")
    demo.add_argument("--host", default="127.0.0.1",
                      help="address to listen on; 0.0.0.0 lets a phone on your network open the page")
    demo.add_argument("--terminal", action="store_true",
                      help="also chat in this terminal (:as 张丽, :press 1 …), e.g. over SSH without a browser")
    demo.add_argument("--no-chat", action="store_true", help=argparse.SUPPRESS)  # the old default: now always so
    demo.add_argument("--time-scale", type=_positive_scale, default=1.0, metavar="N",
                      help="run the bot's clock N times faster (e.g. 3600: an hour a second) so "
                           "lights and deadlines change while you watch")

    args = parser.parse_args(argv)
    if args.command == "classify":  # pure text work: no database, no event loop
        from bot import classify_cli

        if args.jsonl is not None:
            return classify_cli.classify_jsonl(args.jsonl)
        if not args.text:
            parser.error("classify needs a text or --jsonl FILE")
        return classify_cli.classify_one(args.text)
    if args.command == "rules" and args.rules_command == "eval":  # pure text work too
        return rules_cli.run_eval(args)
    settings = Settings.from_env()
    logids.configure(settings.log_key)
    setup_logging(args.log_level, (settings.token, settings.webhook_secret, settings.log_key),
                  as_json=args.log_json)
    try:
        return asyncio.run(_dispatch(args, settings)) or 0
    except KeyboardInterrupt:
        return 130
    except Exception:  # through the redacting log handler, never a raw traceback with the token
        log.exception("gridbot %s failed", args.command)
        return 1


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import db

    if args.command == "migrate":
        await db.migrate(settings.database_url)
        log.info("migrated %s", redact_url(settings.database_url))
        return 0
    if args.command == "makemigrations":
        return await _makemigrations(settings)
    if args.command == "load-jurisdiction":
        return await _load_jurisdiction(settings, args.file)
    if args.command == "run":
        return await _run(settings, args)
    if args.command == "open311-key":
        return await _open311_key(settings, args.name, args.unit)
    if args.command == "export":
        return await _export(settings, args)
    if args.command == "stats":
        from bot.figures import stats_cli

        return await stats_cli.run(settings, args)
    if args.command == "rules":
        from bot import rules_cli

        run = {"export": rules_cli.run_export, "suggest": rules_cli.run_suggest, "train": rules_cli.run_train,
               "train-urgency": rules_cli.run_train_urgency, "train-category": rules_cli.run_train_category}
        return await run[args.rules_command](settings, args)
    if args.command == "demo":
        from bot.sandbox.demo import run_demo

        return await run_demo(fresh=args.fresh, port=args.port, host=args.host, terminal=args.terminal,
                              time_scale=args.time_scale, jurisdiction=args.jurisdiction)
    return 2


def _positive_scale(value: str) -> float:
    try:
        scale = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 1 <= scale <= 1_000_000:
        raise argparse.ArgumentTypeError("the time scale must be between 1 and 1000000")
    return scale


async def _makemigrations(settings: Settings) -> int:
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    from bot.db import tortoise_config

    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        written = await MigrationAutodetector(ctx.apps, config["apps"]).write()
    for path in written:
        print(path)
    return 0


async def _load_jurisdiction(settings: Settings, path: Path, *, migrated: bool = False) -> int:
    from bot.db import database, migrate
    from bot.jurisdiction.load import apply_jurisdiction, read_jurisdiction_file
    from bot.jurisdiction.spec import JurisdictionError

    try:  # checked before the database is touched: a bad file changes nothing
        jurisdiction = read_jurisdiction_file(path)
    except JurisdictionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not migrated:
        await migrate(settings.database_url)  # a fresh database has no tables yet
    async with database(settings.database_url):
        report = await apply_jurisdiction(jurisdiction)
    print(report.summary())
    if not report.changed:
        print("辖区文件与数据库一致，没有变化。")
    return 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from telegram.error import InvalidToken

    from bot.clock import Clock
    from bot.db import migrate
    from bot.runner import serve
    from bot.runtime import Runtime

    if not settings.token:
        print("TELEGRAM_BOT_TOKEN is not set (try `gridbot demo` for the sandbox)", file=sys.stderr)
        return 2
    if args.webhook and not settings.webhook_secret:
        print("--webhook needs GRIDBOT_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -): Telegram sends it "
              "with every update so the bot can refuse forged ones", file=sys.stderr)
        return 2
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        print(f"--listen wants HOST:PORT, not {args.listen!r}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    _stop_on_signals(stop)
    await migrate(settings.database_url)
    if settings.jurisdiction:
        rc = await _load_jurisdiction(settings, settings.jurisdiction, migrated=True)
        if rc:
            return rc
    clock = Clock(scale=args.time_scale)
    if args.time_scale != 1:
        _warn_time_scale(args.time_scale)
    try:
        await serve(
            Runtime.from_settings(settings, clock=clock), stop,
            webhook_url=args.webhook, webhook_host=host or "127.0.0.1", webhook_port=int(port),
            web_server=not args.no_web,
        )
    except InvalidToken:  # PTB's message quotes the token: say it without
        print("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token", file=sys.stderr)
        return 2
    return 0


def _warn_time_scale(scale: float) -> None:
    """Said loudly, and first: a bot on a fast clock files real deadlines in the future, lights
    tickets red within minutes and closes unrated ones by itself. For rehearsals, never a pilot."""
    hour = 3600 / scale
    log.warning("=" * 72)
    log.warning("TIME SCALE %g: the bot's clock runs %g times faster than real time "
                "(1 hour of the bot's = %.3g real seconds)", scale, scale, hour)
    log.warning("every timer follows it: the sweep and its reminders, the daily report, rating "
                "timeouts, delivery's retry backoff; and so do the waits for people's answers (a "
                "report in progress, a 办结 reason) and the dashboard's login links and sessions.")
    log.warning("For rehearsals only, never a live district.")
    log.warning("=" * 72)


async def _open311_key(settings: Settings, name: str, units: list[str]) -> int:
    """Print a new API key for an Open311 client; only its hash is kept, so this is the one
    time anyone sees it. Running it again for the same name replaces the old key and units."""
    from bot.clock import Clock
    from bot.db import database, migrate
    from bot.intake.open311 import new_key

    if not name.strip() or len(name.strip()) > 64:
        print("the client's name is 1 to 64 characters", file=sys.stderr)
        return 2
    await migrate(settings.database_url)
    async with database(settings.database_url):
        try:
            key = await new_key(name, now=Clock().now(), units=units)
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    print(key)
    reads = (f"reads the requests it files and every ticket of {', '.join(units)} and the units under it"
             if units else "reads only the requests it files (give --unit CODE to read a unit's tickets)")
    print(f"Open311 API key for {name.strip()}: shown once, keep it safe. Send it as api_key (or the "
          f"header X-Api-Key) with POST and GET /open311/v2/requests.json; it {reads}.", file=sys.stderr)
    return 0


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - Windows
            pass


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    """`gridbot export --month 2026-11 out.xlsx`: the same workbook /export sends."""
    from zoneinfo import ZoneInfo

    from bot.clock import Clock
    from bot.db import database, migrate
    from bot.models import Unit
    from bot.figures import export
    from bot.jurisdiction import directory
    from bot.figures import stats

    tz = ZoneInfo(settings.timezone)
    try:
        period = stats.period(args.month, Clock().now(), tz)
    except stats.PeriodError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    await migrate(settings.database_url)
    async with database(settings.database_url):
        if args.unit:
            unit = await Unit.get_or_none(code=args.unit)
        else:
            unit = await directory.command_unit()
        if unit is None:
            print(f"no unit {args.unit!r}" if args.unit else "no district loaded: run load-jurisdiction first",
                  file=sys.stderr)
            return 2
        data = await export.workbook(unit, period, tz=tz)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{args.out}: {unit.name} {period.label} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
