"""The composition root: builds the Telegram application, the delivery loop and the
scheduler, and runs them in one event loop with the database (Tortoise 1.x keeps its
connections in a ContextVar, so everything starts inside the task that opened them).

Starting does not depend on Telegram answering: the web server (dashboard, Open311, /healthz)
and the scheduler come up first, then the bot asks for getMe until the Bot API answers (backoff
up to `bot_api_retry_cap` seconds; /healthz says "bot_api": "down" and "bot": "starting"
meanwhile) and only then polls or sets its webhook. A token Telegram rejects (401) is not an
outage: that still stops the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import logging
import random
import warnings

from aiohttp import web
from telegram import BotCommand, Update
from telegram.error import BadRequest, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot import handlers
from bot.channels.telegram.app import build_application
from bot.channels.telegram.inbound import CHANNEL as TELEGRAM
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import MalformedUpdate, parse_webhook_body
from bot.db import database
from bot.messaging.delivery import Delivery
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
                 webhook_host: str = "127.0.0.1", web_server: bool = False,
                 bot_api_retry_first: float = 0.5, bot_api_retry_cap: float = 30.0) -> None:
        self.rt = rt
        self.webhook_url = webhook_url
        self.webhook_port = webhook_port
        self.webhook_host = webhook_host
        self.bot_api_retry_first = bot_api_retry_first
        self.bot_api_retry_cap = bot_api_retry_cap
        self.registry = handlers.registry()  # every feature's declarations; a clash stops us here
        rt.router = Router(rt, self.registry)
        self.app: Application = build_application(rt, rt.router)
        sender = TelegramSender(self.app.bot)
        rt.senders[TELEGRAM] = sender
        self.delivery = Delivery(sender, rt.clock)
        self.scheduler = build_scheduler(rt, self.registry.jobs)
        self.connected = False  # the Bot API answered and updates are coming in
        self._stack = contextlib.AsyncExitStack()
        self._web_runner: web.AppRunner | None = None
        self.web = WebServer(rt, sender, bot_running=lambda: self.connected) if web_server else None

    async def start(self, *, open_database: bool = True, jobs_now: bool = False) -> None:
        """Everything up; returns once the bot polls (or its webhook is set), however long the
        Bot API takes to answer. `jobs_now`: run each periodic job at once (`run_jobs_now`)."""
        if self.webhook_url and not self.rt.settings.webhook_secret:
            # Checked before anything opens: without the secret anyone could post updates.
            raise RuntimeError("webhook mode needs GRIDBOT_WEBHOOK_SECRET (the secret token "
                               "Telegram sends in X-Telegram-Bot-Api-Secret-Token)")
        try:
            await self._start(open_database, jobs_now)
        except BaseException:
            await self._stack.aclose()  # a half-started bot must not keep running
            raise

    async def _start(self, open_database: bool, jobs_now: bool) -> None:
        if open_database:
            await self._stack.enter_async_context(database(self.rt.settings.database_url))
        # First what works without Telegram: the dashboard, Open311 and /healthz (which says
        # what is down), and the jobs at their intervals (they only queue messages).
        if self.web is not None:
            await self._start_web_server()
        self.scheduler.start()
        self._stack.callback(self.scheduler.shutdown, wait=False)
        self._stack.push_async_callback(self.app.bot.shutdown)  # its HTTP sessions, if getMe never answered
        await self._until_answered("getMe", self.app.initialize)
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
            await self._until_answered("deleteWebhook", self._start_polling)
            self._stack.push_async_callback(self.app.updater.stop)
        self.delivery.start()
        self.connected = True
        if jobs_now:  # what fell due while no instance ran, at once (not during a refused start)
            self.run_jobs_now()
        log.info("GridBot started (%s)", "webhook" if self.webhook_url else "polling")

    async def _until_answered(self, what: str, call) -> None:
        """`call()` until the Bot API answers: an outage is waited out (backoff doubling from
        `bot_api_retry_first` to `bot_api_retry_cap` seconds, jittered). A rejected token and a
        refused request (400: a webhook URL Telegram will not take) are final."""
        wait = self.bot_api_retry_first
        while True:
            try:
                await call()
                return
            except (InvalidToken, BadRequest):
                raise
            except TelegramError as exc:
                pause = _retry_after(exc) if isinstance(exc, RetryAfter) else wait * random.uniform(0.5, 1.0)
                # the type and Telegram's words, never the URL (it holds the token): redacted anyway
                log.warning("Bot API not answering %s (%s: %s); trying again in %.1f s",
                            what, type(exc).__name__, exc, pause)
                await asyncio.sleep(pause)
                wait = min(wait * 2, self.bot_api_retry_cap)

    async def _start_polling(self) -> None:
        await self.app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)

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

        async def set_webhook() -> None:
            await self.app.bot.set_webhook(self.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES)

        await self._until_answered("setWebhook", set_webhook)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.rt.settings.webhook_secret.encode()):
            log.warning("webhook request refused: bad secret")
            return web.Response(status=403)
        try:
            update = parse_webhook_body(await request.read(), self.app.bot)
        except MalformedUpdate as exc:  # not an update: 400, not 500 (Telegram would not send it again)
            log.info("webhook request refused: %s", exc)
            return web.Response(status=400)
        # A copy of an update already handled is dropped when its turn comes (OnceEach), not
        # here: the answer stays quick, and a slow one is what makes Telegram send copies.
        await self.app.update_queue.put(update)
        return web.Response(text="ok")


def _retry_after(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta in 23
        warnings.simplefilter("ignore")
        seconds = exc.retry_after
    return seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)


async def serve(rt: Runtime, stop: asyncio.Event, **kw) -> None:
    """Run until `stop` is set, also while the start still waits for the Bot API.

    The bot lives in a task of its own, from start to stop: Tortoise keeps its connections in a
    ContextVar, so the task that opened the database must be the one that closes it."""
    bot = GridBot(rt, **kw)

    async def lifetime() -> None:
        await bot.start(jobs_now=True)  # a start cancelled while waiting cleans up after itself
        try:
            await asyncio.Event().wait()  # until cancelled
        finally:
            await bot.stop()

    running = asyncio.create_task(lifetime(), name="gridbot")
    stopping = asyncio.create_task(stop.wait(), name="gridbot-stop-signal")
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    if not running.cancelled():
        running.result()  # a start that failed for good (a rejected token) raises here
