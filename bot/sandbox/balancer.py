"""A round-robin load balancer for webhook updates, as a deployment of several GridBot
instances puts in front of them: Telegram knows one webhook URL, and each POST goes to the
next instance in turn, headers (the secret) and body as they came; the instance's answer goes
back to Telegram. Used by the multi-instance test and `bench/intake.py --instances N`.
"""

from __future__ import annotations

import itertools
import socket
from collections import Counter

import aiohttp
from aiohttp import web

from bot.runner import SECRET_HEADER


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RoundRobin:
    def __init__(self, targets: list[str]) -> None:
        self.targets = itertools.cycle(targets)
        self.forwarded: Counter[str] = Counter()
        self.refused: list[tuple[str, object]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/telegram"

    async def __aenter__(self) -> RoundRobin:
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application()
        app.router.add_post("/telegram", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.runner.cleanup()
        await self.session.close()

    async def forward(self, request: web.Request) -> web.Response:
        target = next(self.targets)
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        if SECRET_HEADER in request.headers:
            headers[SECRET_HEADER] = request.headers[SECRET_HEADER]
        try:
            async with self.session.post(target, data=await request.read(), headers=headers) as answer:
                body = await answer.read()
                if answer.status == 200:
                    self.forwarded[target] += 1
                else:
                    self.refused.append((target, answer.status))
                return web.Response(status=answer.status, body=body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.refused.append((target, repr(exc)))
            return web.Response(status=502)
