"""The web chat's live feeds: every message, edit, deletion, button answer and clock change,
as the page draws them, over a WebSocket (what the page uses) or server-sent events (where a
proxy drops WebSocket upgrades). A part of WebChat (webchat.py), which holds the state used here:
the sandbox (`api`), the clock, the time zone and the open streams."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any, AsyncIterator

from aiohttp import web

from bot.sandbox.views import clock_view, event_view

JSONDict = dict[str, Any]
PING_SECONDS = 15.0  # SSE keep-alive; also how a closed tab is noticed


class LiveFeeds:
    """The routes /sandbox/events and /sandbox/ws (mounted by WebChat.mount)."""

    api: Any
    clock: Any
    tz: Any
    _streams: set[asyncio.Queue[JSONDict]]

    async def _views(self) -> AsyncIterator[JSONDict | None]:
        """What both live feeds send: hello (with the clock), then every change as the page
        draws it; None when nothing happened for a while (a keep-alive)."""
        queue = self.api.subscribe()
        self._streams.add(queue)
        try:
            yield {"type": "hello", "clock": clock_view(self.clock, self.tz)}
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), PING_SECONDS)
                except TimeoutError:
                    yield None
                    continue
                if event.get("type") == "_close":
                    return
                view = event_view(event)
                if view is not None:
                    yield view
        finally:
            self.api.unsubscribe(queue)
            self._streams.discard(queue)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: every message, edit, deletion and button answer, and the clock."""
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        views = self._views()
        try:
            await response.write(b"retry: 2000\n\n")
            async for view in views:
                await response.write(b": ping\n\n" if view is None else _sse(view))
        except (ConnectionResetError, ConnectionError):
            pass  # the tab was closed
        finally:
            await views.aclose()
        return response

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        """The same feed over a WebSocket, which the page uses: an EventSource is a download
        that never ends, and headless Chromium's virtual time (the page's test) waits for those."""
        ws = web.WebSocketResponse(heartbeat=PING_SECONDS)
        await ws.prepare(request)

        async def pump() -> None:
            views = self._views()
            try:
                async for view in views:
                    if view is not None:
                        await ws.send_str(json.dumps(view, ensure_ascii=False))
            except (ConnectionResetError, ConnectionError):
                pass
            finally:
                await views.aclose()
                await ws.close()

        pumping = asyncio.create_task(pump())
        try:
            async for _ in ws:  # the page sends nothing; reading notices when it goes away
                pass
        finally:
            pumping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pumping
        return ws

    def _broadcast(self, event: JSONDict) -> None:
        for queue in self._streams:
            queue.put_nowait(event)


def _sse(data: JSONDict) -> bytes:
    return b"data: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"
