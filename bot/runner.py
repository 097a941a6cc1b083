"""The composition root: builds the Telegram application, the delivery loop and the
scheduler, and runs them in one event loop with the database (Tortoise 1.x keeps its
connections in a ContextVar, so everything starts inside the task that opened them).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import json
import logging

from aiohttp import web
from telegram import BotCommand, Update
from telegram.ext import Application

from bot import handlers
from bot.channels.telegram.app import build_application
from bot.channels.telegram.inbound import CHANNEL as TELEGRAM
from bot.channels.telegram.sender import TelegramSender
from bot.db import database
from bot.delivery import Delivery
from bot.handlers.router import Router
from bot.runtime import Runtime
from bot.scheduler.jobs import build_scheduler
from bot.web.server import WebServer

log = logging.getLogger("gridbot.runner")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class GridBot:
    """One running bot instance: polling or webhook, plus delivery, the scheduler and, with
    `web_server=True`, the web server (dashboard, Open311, /metrics; bot/web/server.py)."""

    def __init__(self, rt: Runtime, *, webhook_url: str | None = None, webhook_port: int = 8443,
                 webhook_host: str = "127.0.0.1", web_server: bool = False) -> None:
        self.rt = rt
        self.webhook_url = webhook_url
        self.webhook_port = webhook_port
        self.webhook_host = webhook_host
        self.registry = handlers.registry()  # every feature's declarations; a clash stops us here
        rt.router = Router(rt, self.registry)
        self.app: Application = build_application(rt, rt.router)
        sender = TelegramSender(self.app.bot)
        rt.senders[TELEGRAM] = sender
        self.delivery = Delivery(sender, rt.clock)
        self.scheduler = build_scheduler(rt, self.registry.jobs)
        self._stack = contextlib.AsyncExitStack()
        self._web_runner: web.AppRunner | None = None
        self.web = WebServer(rt, self.app.bot) if web_server else None

    async def start(self, *, open_database: bool = True) -> None:
        if self.webhook_url and not self.rt.settings.webhook_secret:
            # Checked before anything opens: without the secret anyone could post updates.
            raise RuntimeError("webhook mode needs GRIDBOT_WEBHOOK_SECRET (the secret token "
                               "Telegram sends in X-Telegram-Bot-Api-Secret-Token)")
        try:
            await self._start(open_database)
        except BaseException:
            await self._stack.aclose()  # a half-started bot must not keep running
            raise

    async def _start(self, open_database: bool) -> None:
        if open_database:
            await self._stack.enter_async_context(database(self.rt.settings.database_url))
        await self.app.initialize()
        self._stack.push_async_callback(self.app.shutdown)
        # Closed after app.stop (the stack unwinds backwards): updates stop coming first, the
        # handlers in flight finish, then what they queued is sent before delivery stops.
        self._stack.push_async_callback(self._flush_and_stop_delivery)
        await self._set_commands()
        await self.app.start()
        self._stack.push_async_callback(self.app.stop)
        if self.webhook_url:
            await self._start_webhook()
        else:
            await self.app.updater.start_polling(
                poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES
            )
            self._stack.push_async_callback(self.app.updater.stop)
        self.delivery.start()
        self.scheduler.start()
        self._stack.callback(self.scheduler.shutdown, wait=False)
        if self.web is not None:
            await self._start_web_server()
        log.info("GridBot started (%s)", "webhook" if self.webhook_url else "polling")

    async def stop(self) -> None:
        await self._stack.aclose()
        log.info("GridBot stopped")

    async def _flush_and_stop_delivery(self, flush_seconds: float = 10.0) -> None:
        """SIGTERM: send what can be sent in a few seconds; the rest waits in the outbox for
        the next start (nothing is lost either way)."""
        if self.delivery.running:
            try:
                await self.delivery.drain(timeout=flush_seconds)
            except TimeoutError:
                log.warning("stopping with messages still queued; they go out at the next start")
        await self.delivery.stop()

    def run_jobs_now(self) -> None:
        """Run each periodic job (the SLA sweep, the daily report, auto-close) now rather than
        one interval after start. An interval restarts with every process: without this, what
        fell due while the bot was down waits another minute after it is back, and a process
        restarted more often than a job's interval (10 minutes for auto-close) never runs it.
        Each job claims its work in the database, so running at once next to other instances
        is safe."""
        now = dt.datetime.now(dt.timezone.utc)
        for job in self.scheduler.get_jobs():
            job.modify(next_run_time=now)

    async def _set_commands(self) -> None:
        try:
            await self.app.bot.set_my_commands([BotCommand(c, d) for c, d in self.registry.menu().items()])
        except Exception as exc:  # a menu is a nicety; never a reason not to start
            log.warning("setMyCommands failed: %s", type(exc).__name__)

    async def _start_web_server(self) -> None:
        """The dashboard's port taken is logged, not fatal: residents' reports must still flow."""
        try:
            await self.web.start()
        except OSError as exc:
            log.error("web dashboard not started: cannot listen on %s:%s (%s); set GRIDBOT_WEB_PORT",
                      self.web.host, self.web.port, exc.strerror or type(exc).__name__)
            self.web = None
            return
        self._stack.push_async_callback(self.web.stop)
        self.rt.web_base_url = self.web.base_url  # the address /web's links name

    async def _start_webhook(self) -> None:
        secret = self.rt.settings.webhook_secret
        web_app = web.Application()
        web_app.router.add_post("/telegram", self._on_webhook)
        self._web_runner = web.AppRunner(web_app)
        await self._web_runner.setup()
        self._stack.push_async_callback(self._web_runner.cleanup)  # also when the port is taken
        site = web.TCPSite(self._web_runner, self.webhook_host, self.webhook_port)
        await site.start()
        await self.app.bot.set_webhook(self.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.rt.settings.webhook_secret.encode()):
            log.warning("webhook request refused: bad secret")
            return web.Response(status=403)
        try:
            data = json.loads(await request.text())
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self.app.bot)
        except (ValueError, KeyError, TypeError, AttributeError):  # not an update: 400, not 500
            return web.Response(status=400)
        await self.app.update_queue.put(update)
        return web.Response(text="ok")


async def serve(rt: Runtime, stop: asyncio.Event, **kw) -> None:
    bot = GridBot(rt, **kw)
    await bot.start()
    bot.run_jobs_now()
    try:
        await stop.wait()
    finally:
        await bot.stop()
