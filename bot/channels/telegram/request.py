"""python-telegram-bot's network layer on aiohttp instead of httpx.

Measured with bench/intake.py, httpx's client took 42% of the bot process's CPU (request
building, its connection pool, response streaming): more than the handlers and the database
together. aiohttp is already a dependency (the webhook, the dashboard, the sandbox) and does
the same work for a fraction of the cost. PTB documents BaseRequest as the place to plug in
another HTTP library; ptbcontrib has one, but it is not on PyPI, so this is our own.

Timeouts keep PTB's meaning, per request: read is the wait for each chunk of the answer (a
long poll passes its own, longer one), connect the TCP connect, pool the wait for a free
connection, and write bounds a whole upload (aiohttp has no separate write timeout).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger("gridbot.http")

_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    __slots__ = ("_pool_size", "_read", "_write", "_connect", "_pool", "_media_write", "_session")

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        # Made in initialize(): a ClientSession belongs to the event loop it was made in.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=BaseRequest.DEFAULT_NONE,
        write_timeout=BaseRequest.DEFAULT_NONE,
        connect_timeout=BaseRequest.DEFAULT_NONE,
        pool_timeout=BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        uploads = bool(request_data and request_data.contains_files)
        timeout = aiohttp.ClientTimeout(
            total=_given(write_timeout, self._media_write if uploads else None),
            connect=_given(pool_timeout, self._pool),
            sock_connect=_given(connect_timeout, self._connect),
            sock_read=_given(read_timeout, self._read),
        )
        body, headers = _body(request_data, uploads)
        try:
            async with self._session.request(method, url, data=body, headers=headers, timeout=timeout) as res:
                return res.status, await res.read()
        except asyncio.TimeoutError as exc:  # TimeoutError itself on 3.11
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut("Pool timeout: no free connection; the request was not sent") from exc
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(value, default):
    return default if value is BaseRequest.DEFAULT_NONE else value


def _body(request_data: RequestData | None, uploads: bool):
    """JSON for plain calls (the Bot API takes it, and it is the cheapest to build); multipart
    with the same fields when files go up."""
    if request_data is None:
        return None, None
    if not uploads:
        return request_data.json_payload, _JSON
    # quote_fields=False: aiohttp would otherwise percent-encode a file's name
    # ("%E6%97%B6%E9%99%90….csv"), and Telegram shows it so (aiohttp#3910); raw UTF-8 is what
    # browsers and httpx send, and what Telegram reads.
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
    for name, part in request_data.multipart_data.items():
        file_name, content = part[0], part[1]
        content_type = part[2] if len(part) > 2 else None
        form.add_field(name, content, filename=file_name, content_type=content_type)
    return form, None
