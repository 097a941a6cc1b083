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


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
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
    load = sub.add_parser("load-jurisdiction", help="load or update the jurisdiction file")
    load.add_argument("file", type=Path)
    run = sub.add_parser("run", help="run the bot (polling, or a webhook with --webhook)")
    run.add_argument("--webhook", metavar="URL", help="public URL Telegram posts updates to")
    run.add_argument("--listen", default="127.0.0.1:8443", help="host:port of the webhook server")
    demo = sub.add_parser("demo", help="the whole system on this machine, no Telegram token needed")
    demo.add_argument("--fresh", action="store_true", help="start over with an empty database")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--no-chat", action="store_true", help="no terminal chat (keep running)")

    args = parser.parse_args(argv)
    setup_logging(args.log_level)
    settings = Settings.from_env()
    return asyncio.run(_dispatch(args, settings)) or 0


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

        return await run_demo(fresh=args.fresh, port=args.port, chat=not args.no_chat)
    return 2


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


async def _load_jurisdiction(settings: Settings, path: Path) -> int:
    from bot.db import database
    from bot.services.jurisdiction import JurisdictionError, load_jurisdiction_file

    async with database(settings.database_url):
        try:
            report = await load_jurisdiction_file(path)
        except JurisdictionError as exc:
            print(str(exc), file=sys.stderr)
            return 1
    print(report.summary())
    return 0


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db import migrate
    from bot.runner import serve
    from bot.runtime import Runtime

    if not settings.token:
        print("TELEGRAM_BOT_TOKEN is not set (try `gridbot demo` for the sandbox)", file=sys.stderr)
        return 2
    await migrate(settings.database_url)
    if settings.jurisdiction:
        rc = await _load_jurisdiction(settings, settings.jurisdiction)
        if rc:
            return rc
    host, _, port = args.listen.rpartition(":")
    stop = asyncio.Event()
    _stop_on_signals(stop)
    await serve(
        Runtime.from_settings(settings), stop,
        webhook_url=args.webhook, webhook_host=host or "127.0.0.1", webhook_port=int(port),
    )
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
