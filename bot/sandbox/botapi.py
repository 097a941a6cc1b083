"""A loopback Telegram Bot API server (aiohttp) with a driver API for tests and the demo.

Why: the bot must be exercised end to end - the real python-telegram-bot ``Application``,
its retries, its error mapping - without Telegram. So this server speaks the Bot API wire
protocol (``POST /bot<TOKEN>/<method>``, ``{"ok": ..., "result": ...}``) and behaves like
Telegram where behaviour tends to break bots in production: message ids per chat, long
polling, 409 when polling while a webhook is set, "message is not modified", 4096-character
limits, ``callback_data`` over 64 bytes, parse_mode errors, a blocked user's 403, 429 with
``retry_after``, an outage (``outage``: every call answers 502 until it ends), group privacy
mode. The driver side (``send_text``, ``press``, ``transcript``, ``wait_for``...) plays the
users and reads what the bot did.

``LoopbackBotAPI`` is put together from its parts, one module each: the chats' state
(state.py), the driver (driver.py), the methods that send, edit and read (methods.py), long
polling and webhooks (delivery.py), injected faults (faults.py); parse modes (formatting.py),
keyboards (keyboards.py), images and files (media.py) and the wire format (wire.py) beside
them. This module is the HTTP server: lifecycle, routes, and the one place every call passes.

Everything runs in one event loop; nothing here is thread-safe, by design.

Deliberate differences from Telegram (documented so nobody is surprised):
- setWebhook accepts plain ``http://`` URLs (the test receiver has no certificate).
- A webhook update that still fails after the retries is dropped (Telegram keeps trying).
- Photos keep the uploaded bytes as the largest size; smaller sizes are generated grey PNGs.
- A delayed (``delay``) call still takes effect after the pause, even if the client gave up:
  exactly the "sent but the client saw a timeout" window real Telegram has.
"""

from __future__ import annotations

import copy
import json
import logging
import secrets
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

from bot.sandbox.delivery import UpdateDelivery
from bot.sandbox.driver import Driver
from bot.sandbox.media import content_type
from bot.sandbox.methods import BotMethods
from bot.sandbox.state import RecordedCall
from bot.sandbox.wire import MAX_UPLOAD_BYTES, BotAPIError, JSONDict, Upload, bad

logger = logging.getLogger(__name__)


class LoopbackBotAPI(Driver, BotMethods, UpdateDelivery):
    """The Bot API on 127.0.0.1 plus the driver API that plays users and reads the chats."""

    def __init__(
        self,
        token: str = "123456:SANDBOX-TOKEN",
        bot_id: int = 123456,
        bot_username: str = "gridbot_sandbox_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "网格通 Sandbox",
        group_privacy: bool = True,
        webhook_retry_delays: tuple[float, ...] = (0.05, 0.25, 1.0),
        now: Callable[[], float] = time.time,
    ) -> None:
        bot_user = {"id": bot_id, "is_bot": True, "first_name": bot_first_name, "username": bot_username}
        super().__init__(
            bot_user=bot_user, group_privacy=group_privacy, now=now, webhook_retry_delays=webhook_retry_delays
        )
        self.token = token
        self.host = host
        self._requested_port = port
        self.app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        self.add_routes(self.app)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods = self._collect_methods()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> "LoopbackBotAPI":
        """Listen on host:port (port 0 picks a free one; read it back from ``port``)."""
        self._closing = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Wake long polls so shutdown is quick, stop webhook delivery, close the socket."""
        self._closing = True
        self._notify(all_chats=True)
        await self._stop_delivery()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "LoopbackBotAPI":
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the loopback Bot API is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    def add_routes(self, app: web.Application) -> None:
        """Install the Bot API routes on ``app``; extra routes (a web chat page) may share it.

        aiohttp freezes the router on start, so add other routes to ``api.app`` before start().
        """
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    def _collect_methods(self) -> dict[str, tuple[str, Callable[[JSONDict], Awaitable[Any]]]]:
        methods = {}
        for attribute in dir(type(self)):
            name = getattr(getattr(type(self), attribute), "_bot_api_name", None)
            if name:
                methods[name.lower()] = (name, getattr(self, attribute))
        return methods

    # -- HTTP layer ------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Token check, fault injection, dispatch, recording: one place for every call."""
        received = time.monotonic()
        requested = request.match_info["method"]
        known = self._methods.get(requested.lower())
        method = known[0] if known else requested
        params: JSONDict = {}
        try:
            params = await self._read_params(request)
            if not secrets.compare_digest(request.match_info["token"].encode(), self.token.encode()):
                raise BotAPIError(401, "Unauthorized")
            await self._apply_delay(method)
            self._check_outage(method)
            fault = self._take_fault(method)
            if fault and not fault.applied:
                raise self._fault_error(fault)
            if known is None:
                raise BotAPIError(404, "Not Found: method not found")
            result = await known[1](params)
            if fault:
                raise self._fault_error(fault)
            status, body = 200, {"ok": True, "result": result}
        except BotAPIError as error:
            status, body = error.status, error.body()
        except Exception as exc:  # a sandbox bug must be visible, not a hung bot
            logger.exception("loopback Bot API failed on %s", method)
            status = 500
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"}
        self._record(method, params, status, received, body)
        return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _read_params(self, request: web.Request) -> JSONDict:
        """Merge query string and body: JSON, form-urlencoded, or multipart (files read)."""
        params: JSONDict = dict(request.query)
        if request.content_type == "application/json":
            try:
                text = await request.text()
                body = json.loads(text) if text.strip() else {}
            except ValueError:
                raise bad("can't parse JSON request body") from None
            if body is not None and not isinstance(body, dict):
                raise bad("JSON request body must be an object")
            params.update(body or {})
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    value = Upload(value.filename, value.content_type, value.file.read())
                params[key] = value
        return params

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        path = request.match_info["path"]
        stored = self._files.by_path.get(path)
        if request.match_info["token"] != self.token:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        elif stored is None:
            status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            self._record("file", {"file_path": path}, 200, received, None)
            return web.Response(body=stored.data, content_type=content_type(path))
        self._record("file", {"file_path": path}, status, received, body)
        return web.json_response(body, status=status)

    def _record(self, method: str, params: JSONDict, status: int, received: float, body: JSONDict | None) -> None:
        summary = {k: v.summary() if isinstance(v, Upload) else v for k, v in params.items()}
        self.calls.append(RecordedCall(method, summary, status, received, copy.deepcopy(body)))
        self._notify()
