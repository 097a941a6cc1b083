"""The bot's web server: the staff dashboard, Open311 GeoReport v2 and Prometheus /metrics.

One aiohttp application on GRIDBOT_WEB_HOST:GRIDBOT_WEB_PORT, started by GridBot
(bot/runner.py) in the bot's own event loop, so it shares the database context, the clock and
the channel's sender (the photo proxy fetches files through it). The webhook server, when there is
one, stays a separate application on its own port.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

import jinja2
from aiohttp import web
from bot.channels.port import Sender

from bot import texts
from bot.runtime import Runtime
from bot.web import dashboard, metrics, open311
from bot.web.health import Health
from bot.web.auth import Sessions

log = logging.getLogger("gridbot.web")

TEMPLATES = Path(__file__).resolve().parent / "templates"
SERVER = web.AppKey("server", object)
_RequestKey = getattr(web, "RequestKey", None)  # aiohttp >= 3.12; plain strings before
NONCE = _RequestKey("nonce", str) if _RequestKey else "nonce"
STAFF = _RequestKey("staff", object) if _RequestKey else "staff"


def templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals.update(LIGHTS=texts.LIGHTS, STATUS_WORDS=texts.STATUS_WORDS)
    return env


class WebServer:
    def __init__(self, rt: Runtime, sender: Sender, *, host: str | None = None, port: int | None = None,
                 bot_running: Callable[[], bool] = lambda: True) -> None:
        self.rt = rt
        self.sender = sender  # the channel: the dashboard's photos, /healthz's check
        self.host = rt.settings.web_host if host is None else host
        self.port = rt.settings.web_port if port is None else port
        self.sessions = Sessions(secure=rt.settings.web_base_url.lower().startswith("https://"))
        self.templates = templates()
        self.health = Health(sender, rt.clock, outbox_stuck_seconds=rt.settings.health_outbox_seconds,
                             bot_running=bot_running)
        self.app = web.Application(middlewares=[_headers])
        self.app[SERVER] = self
        dashboard.add_routes(self.app)
        open311.add_routes(self.app)
        self.app.router.add_get("/metrics", _metrics)
        self.app.router.add_get("/healthz", _health)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """Where people's browsers reach the dashboard: GRIDBOT_WEB_BASE_URL, else host:port."""
        if self.rt.settings.web_base_url:
            return self.rt.settings.web_base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen (port 0 picks a free port; `port` tells which afterwards)."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        log.info("web dashboard, Open311 and /metrics on %s (listening on %s:%s)", self.base_url, self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def render(self, request: web.Request, name: str, status: int = 200, **context) -> web.Response:
        context.setdefault("staff", request.get(STAFF))
        context.setdefault("nav", "")
        context["nonce"] = request[NONCE]
        html = self.templates.get_template(name).render(**context)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def server_of(request: web.Request) -> WebServer:
    return request.app[SERVER]


@web.middleware
async def _headers(request: web.Request, handler):
    """Headers every answer carries: no framing, no sniffing, no referrer to another site (a
    login link must not travel), and a content policy that lets only our own inline script run.
    "same-origin" rather than "no-referrer": with no-referrer a browser sends `Origin: null` on
    our own form posts, and /login could not tell them from another site's (bot/web/auth.py)."""
    request[NONCE] = secrets.token_urlsafe(16)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects are raised
        _secure(request, exc)
        raise
    _secure(request, response)
    return response


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.content_type == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"script-src 'nonce-{request[NONCE]}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


async def _metrics(request: web.Request) -> web.Response:
    body = await metrics.render(server_of(request).rt.clock.now())
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


async def _health(request: web.Request) -> web.Response:
    """bot/web/health.py: 200 when the database reads and writes, the Bot API answers and the
    outbox moves; 503 ("status": "degraded") naming what does not."""
    healthy, report = await server_of(request).health.check()
    return web.json_response(report, status=200 if healthy else 503)
