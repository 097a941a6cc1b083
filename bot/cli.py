"""`gridbot` command line: migrate, load the jurisdiction, run the bot, run the demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot.config import Settings, redact_url

log = logging.getLogger("gridbot")


class RedactingFormatter(logging.Formatter):
    """Replaces secrets (the bot token, the webhook secret) wherever they appear in a line,
    tracebacks included: PTB puts the token in some exception messages."""

    def __init__(self, fmt: str, secrets: tuple[str, ...] = ()) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(level: str = "INFO", secrets: tuple[str, ...] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    logging.basicConfig(level=level.upper(), handlers=[handler])  # no-op if already set up
    # httpx logs every request URL, and a Bot API URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("tortoise").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gridbot", description="网格通 GridBot")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("makemigrations", help="write a migration for changed models (developers)")
    cls = sub.add_parser("classify", help="classify a text (or --jsonl FILE) and print JSON")
    cls.add_argument("text", nargs="?")
    cls.add_argument("--jsonl", type=argparse.FileType("r", encoding="utf-8"),
                     help="a file of lines like {\"text\": ...}; '-' reads standard input")
    load = sub.add_parser("load-jurisdiction", help="load or update the jurisdiction file")
    load.add_argument("file", type=Path)
    run = sub.add_parser("run", help="run the bot (polling, or a webhook with --webhook)")
    run.add_argument("--webhook", metavar="URL", help="public URL Telegram posts updates to")
    run.add_argument("--listen", default="127.0.0.1:8443", help="host:port of the webhook server")
    demo = sub.add_parser("demo", help="the whole system on this machine, no Telegram token needed")
    demo.add_argument("--fresh", action="store_true", help="start over with an empty database")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--no-chat", action="store_true", help="no terminal chat (keep running)")
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
    settings = Settings.from_env()
    setup_logging(args.log_level, (settings.token, settings.webhook_secret))
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
    if args.command == "demo":
        from bot.sandbox.demo import run_demo

        return await run_demo(fresh=args.fresh, port=args.port, chat=not args.no_chat,
                              time_scale=args.time_scale)
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
    from bot.services.jurisdiction import JurisdictionError, apply_jurisdiction, read_jurisdiction_file

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
    try:
        await serve(
            Runtime.from_settings(settings), stop,
            webhook_url=args.webhook, webhook_host=host or "127.0.0.1", webhook_port=int(port),
        )
    except InvalidToken:  # PTB's message quotes the token: say it without
        print("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token", file=sys.stderr)
        return 2
    return 0


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover - Windows
            pass


if __name__ == "__main__":
    sys.exit(main())
