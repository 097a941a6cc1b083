"""`gridbot run` while the Bot API is down: it waits it out instead of exiting.

A real process against the loopback Bot API, which answers 502 to every call at first: the web
server comes up all the same (the dashboard, Open311 and /healthz, which says 503 with
"bot_api": "down" and "bot": "starting"), the bot keeps asking getMe with backoff, and once the
API answers it polls, and a resident's /start gets its answer.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot import texts
from bot.sandbox.balancer import free_port
from tests.procs import api, bots, district  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


async def first_answer(http: aiohttp.ClientSession, url: str, proc, timeout: float = 60) -> tuple[int, dict]:
    """GET `url` as soon as something listens there (while the process lives)."""
    async with asyncio.timeout(timeout):
        while True:
            assert not proc.died(), f"gridbot exited with {proc.proc.returncode}:\n{proc.log()}"
            try:
                async with http.get(url) as answer:
                    return answer.status, await answer.json()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)


async def test_run_waits_for_the_bot_api_and_serves_health_meanwhile(district, api, bots):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    api.outage()  # every method: 502 Bad Gateway
    proc = await bots("run", GRIDBOT_WEB_PORT=str(port))
    async with aiohttp.ClientSession() as http:
        status, health = await first_answer(http, base + "/healthz", proc)
        assert status == 503
        assert health["status"] == "degraded" and health["bot_api"] == "down" and health["bot"] == "starting"
        assert health["database"] == "ok" and health["database_write"] == "ok"
        async with http.get(base + "/open311/v2/services.json") as answer:
            assert answer.status == 200 and await answer.json()
        # It keeps asking, well past the 3.5 s after which it used to give up.
        await api.wait_for(lambda: api.arrived("getMe") >= 5 or proc.died(), 30, what="getMe asked again")
        assert not proc.died(), proc.log()
        assert not api.arrived("getUpdates")

        api.end_outage()
        resident = api.user(5550001, "王秀兰")
        await api.send_text(resident, "/start")
        reply = await api.wait_for_bot_message(resident.id, timeout=60)
        assert reply["text"] == texts.WELCOME
        async with asyncio.timeout(30):
            while True:
                async with http.get(base + "/healthz") as answer:
                    if answer.status == 200:
                        health = await answer.json()
                        break
                await asyncio.sleep(0.2)
        assert health["status"] == "ok" and health["bot"] == "running" and health["bot_api"] == "ok"
    assert "Bot API not answering getMe" in proc.log()
    assert api.token not in proc.log()
    assert await proc.stop() == 0
