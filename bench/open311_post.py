"""How long one huge Open311 POST holds the bot's event loop.

    .venv/bin/python bench/open311_post.py [--bytes 1000000] [--repeat 3]

Starts the bot with its web server on a fresh SQLite file (examples/yingze.yaml), against the
loopback Bot API, makes an API key, and posts a description of about `--bytes` bytes of
Chinese (UTF-8) to /open311/v2/requests.json from a thread of its own (so the client's work is
not counted). Meanwhile a task in the bot's loop wakes every 5 ms and records how late it
woke: the worst lateness is how long the loop was blocked — while it is, no resident, no
button and no other request is served. For comparison, the same with an ordinary description
and with the longest one GeoReport v2 allows (4,000 characters).

The last line is the summary, e.g.
open311_post bytes=999957 status=400 answer_ms=6 max_stall_ms=2 ordinary_status=201 ordinary_stall_ms=1 longest_status=201 longest_stall_ms=19
(before the 4,000-character limit the huge post was filed, 201, blocking the loop 0.76–1.06 s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.benchdb import fresh_bench_database  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import database  # noqa: E402
from bot.models import ChatBinding  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

EXAMPLE = REPO / "examples" / "yingze.yaml"
IN_GRID = (37.8600, 112.5640)  # 南海街一社区第一网格


def post(url: str, body: dict) -> tuple[int, float]:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.perf_counter() - started


async def worst_stall(url: str, body: dict) -> tuple[int, float, float]:
    """(status, seconds to answer, worst loop lateness in seconds) for one POST."""
    stop, worst = asyncio.Event(), 0.0

    async def watch() -> None:
        nonlocal worst
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - before - 0.005)

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(0.05)
    status, took = await asyncio.to_thread(post, url, body)
    stop.set()
    await watcher
    return status, took, worst


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bytes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from bot.runner import GridBot
    from bot.sandbox import LoopbackBotAPI
    from bot.intake import open311
    from bot.jurisdiction.load import load_jurisdiction_file

    with tempfile.TemporaryDirectory() as tmp:
        url = await fresh_bench_database("sqlite", "", name="", sqlite_path=Path(tmp) / "bench.sqlite3")
        async with database(url), LoopbackBotAPI() as api:
            await load_jurisdiction_file(EXAMPLE)
            for binding in await ChatBinding.all():
                api.add_chat(binding.chat_id, "supergroup", binding.title)
            settings = Settings(token=api.token, api_base_url=api.base_url, database_url=url, web_port=0)
            bot = GridBot(Runtime.from_settings(settings, clock=Clock(), rate_limit=False), web_server=True)
            await bot.start(open_database=False)
            try:
                key = await open311.new_key("bench", now=bot.rt.clock.now())
                endpoint = bot.web.base_url + "/open311/v2/requests.json"
                place = {"api_key": key, "lat": IN_GRID[0], "long": IN_GRID[1]}
                sentence = "楼下烧烤店油烟很大，天天熏到家里，"  # 17 characters, 51 bytes
                huge = sentence * (args.bytes // len(sentence.encode()))
                await worst_stall(endpoint, {**place, "description": "楼下油烟"})  # warm: jieba, routing
                runs = [await worst_stall(endpoint, {**place, "description": huge}) for _ in range(args.repeat)]
                ordinary = [await worst_stall(endpoint, {**place, "description": sentence}) for _ in range(args.repeat)]
                longest = (sentence * 300)[:4000]  # the longest the spec allows (4,000 characters)
                limit = [await worst_stall(endpoint, {**place, "description": longest}) for _ in range(args.repeat)]
            finally:
                await bot.stop()
    for status, took, stall in runs:
        print(f"huge: status {status}, answered in {took * 1000:.0f} ms, loop blocked up to {stall * 1000:.0f} ms")
    for status, took, stall in ordinary:
        print(f"ordinary: status {status}, answered in {took * 1000:.0f} ms, loop blocked up to {stall * 1000:.0f} ms")
    for status, took, stall in limit:
        print(f"4,000 characters: status {status}, answered in {took * 1000:.0f} ms, loop blocked up to {stall * 1000:.0f} ms")
    print(f"open311_post bytes={len(huge.encode())} status={runs[-1][0]} "
          f"answer_ms={min(r[1] for r in runs) * 1000:.0f} max_stall_ms={min(r[2] for r in runs) * 1000:.0f} "
          f"ordinary_status={ordinary[-1][0]} ordinary_stall_ms={min(r[2] for r in ordinary) * 1000:.0f} "
          f"longest_status={limit[-1][0]} longest_stall_ms={min(r[2] for r in limit) * 1000:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
