"""The demo's web chat for tests: the loopback Bot API with the page's routes mounted, the real
bot polling it (tests/e2e.py's harness), the sample district, and an HTTP client."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

import aiohttp
import pytest

from bot.clock import Clock
from bot.sandbox import LoopbackBotAPI
from bot.sandbox.webchat import WebChat, wake_scheduler
from tests.e2e import Harness, start_harness

# The page reads the database once, at start (the people, the chats, the places); what the bot
# does on PostgreSQL is the e2e suite's business. So these tests run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

RESIDENT = 5550001  # 王秀兰, one of the page's invented residents
WORKER = 100101  # 张丽, 南海街一社区第一网格
GRID_CHAT = -1001000000401
COMMUNITY = 600101  # 梁淑芬, 南海街一社区 (community staff may /export)
COMMUNITY_CHAT = -1001000000301
MANHOLE = "南海街1号院门口井盖松了，踩上去晃"


@dataclass
class WebDemo:
    api: LoopbackBotAPI
    page: WebChat
    harness: Harness
    http: aiohttp.ClientSession

    @property
    def url(self) -> str:
        return self.api.url

    async def get(self, path: str) -> Any:
        async with self.http.get(path) as response:
            assert response.status == 200, (path, response.status, await response.text())
            return await response.json()

    async def post(self, path: str, body: dict, status: int = 200) -> Any:
        async with self.http.post(path, json=body) as response:
            data = await response.json()
            assert response.status == status, (path, body, response.status, data)
            return data


@asynccontextmanager
async def web_demo(db_url: str, *, clock: Clock | None = None, web_server: bool = False) -> AsyncIterator[WebDemo]:
    """Routes are mounted before the server starts (aiohttp freezes its router then).
    `web_server`: the dashboard too (on a free port), as the demo has it."""
    clock = clock or Clock()
    api = LoopbackBotAPI(now=lambda: clock.now().timestamp())
    page = WebChat(api, clock)
    page.mount(api.app)
    await api.start()
    harness = await start_harness(api, db_url, clock=clock, web_server=web_server)
    try:
        await page.load()
        if harness.bot.web is not None:
            page.dashboard = harness.bot.web.base_url
        page.wake = lambda: wake_scheduler(harness.bot.scheduler)
        page.start()
        async with aiohttp.ClientSession(base_url=api.url) as http:
            yield WebDemo(api, page, harness, http)
    finally:
        await harness.bot.stop()
        await page.stop()
        await api.stop()


class EventStream:
    """Reads /sandbox/events (server-sent events) line by line: no polling, no sleeping."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 10) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                line = await self.response.content.readline()
                if not line:
                    raise AssertionError("the event stream ended")
                if line.startswith(b"data: "):
                    return json.loads(line[6:])

    async def until(self, predicate, timeout: float = 10) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next(timeout)
                if predicate(event):
                    return event


@asynccontextmanager
async def event_stream(demo: WebDemo) -> AsyncIterator[EventStream]:
    async with demo.http.get("/sandbox/events", timeout=aiohttp.ClientTimeout(total=None)) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = EventStream(response)
        hello = await stream.next()
        assert hello["type"] == "hello", hello
        yield stream
