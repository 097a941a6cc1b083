"""`gridbot demo --jurisdiction FILE`: a district tries GridBot with its own file. The page's
people, chats and places are that file's (none of the sample's), the one-click 井盖 complaint
names a place of it and becomes a card in its grid's chat with its ticket prefix, and the demo
keeps its data apart from the sample's. A bad file is refused with its line, touching nothing."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

QINGSHUI = """\
district:
  code: qingshui
  name: 清水区
  ticket_prefix: QS
  chat: -1002000000001
  staff:
    - {id: 4200001, name: 周明, leader: true}
  streets:
    - code: hexi
      name: 河西街道
      chat: -1002000000201
      communities:
        - code: liushu
          name: 柳树社区
          chat: -1002000000301
          staff:
            - {id: 4200301, name: 孙红, leader: true}
          grids:
            - code: liushu-01
              name: 柳树社区第一网格
              aliases: [柳树湾小区]
              center: [30.5012, 114.3021]
              chat: -1002000000401
              staff:
                - {id: 4200401, name: 李卫东, leader: true}
"""
GRID_CHAT = -1002000000401


async def _start_demo(tmp_path: Path, *args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "GRIDBOT_DEMO_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--log-level", "WARNING", "demo", "--fresh", "--port", "0", *args,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _address(process: asyncio.subprocess.Process) -> str:
    printed = []
    async with asyncio.timeout(30):
        while "打开" not in "".join(printed):
            line = (await process.stdout.readline()).decode()
            assert line, f"the demo exited early: {''.join(printed)} {(await process.stderr.read()).decode()}"
            printed.append(line)
    return printed[-1].split("打开：")[1].split()[0]


class Events:
    """The page's server-sent events, read as they come (no polling, no sleeping)."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def bot_message(self, chat_id: int, predicate=lambda m: True) -> dict:
        async with asyncio.timeout(20):
            while True:
                line = await self.response.content.readline()
                assert line, "the event stream ended"
                if not line.startswith(b"data: "):
                    continue
                event = json.loads(line[6:])
                message = event.get("message") or {}
                if event.get("type") == "message" and event["chat_id"] == chat_id and message.get("from_bot") \
                        and predicate(message):
                    return message


async def test_the_demo_runs_on_a_districts_own_file(tmp_path):
    district = tmp_path / "qingshui.yaml"
    district.write_text(QINGSHUI, encoding="utf-8")
    process = await _start_demo(tmp_path, "--jurisdiction", str(district))
    try:
        url = await _address(process)
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.get("/sandbox/state") as response:
                state = await response.json()
            staff = {p["name"]: p for p in state["people"] if p["kind"] == "staff"}
            assert set(staff) == {"周明", "孙红", "李卫东"}  # the file's people, none of the sample's
            assert staff["李卫东"]["unit"] == "柳树社区第一网格" and staff["李卫东"]["chat_id"] == GRID_CHAT
            assert [c["title"] for c in state["chats"]] == ["清水区", "河西街道", "柳树社区", "柳树社区第一网格"]
            assert state["district"] == "清水区"
            assert [(p["name"], p["lat"], p["lon"]) for p in state["places"]] == [("柳树社区第一网格", 30.5012, 114.3021)]
            manhole = next(e["text"] for e in state["examples"] if e["label"] == "井盖")
            assert manhole.startswith("柳树湾小区")  # a place the district's residents name
            guide = " ".join(step["text"] for step in state["guide"])
            assert "李卫东" in guide and "孙红" in guide and "张丽" not in guide
            resident = state["default_person"]

            async with http.get("/sandbox/events", timeout=aiohttp.ClientTimeout(total=None)) as stream:
                events = Events(stream)
                async with http.post("/sandbox/send", json={"as": resident, "text": manhole}) as response:
                    assert response.status == 200
                reply = await events.bot_message(resident)
                while not any(b["text"] == "确认提交" for row in reply["buttons"] for b in row):
                    button = next(b for row in reply["buttons"] for b in row if b["text"] in ("跳过", "不是同一件事"))
                    async with http.post("/sandbox/press", json={"as": resident, "message_id": reply["id"],
                                                                 "data": button["data"]}) as response:
                        assert response.status == 200
                    reply = await events.bot_message(resident, lambda m: m["buttons"] or "已受理" in m["text"])
                confirm = next(b for row in reply["buttons"] for b in row if b["text"] == "确认提交")
                async with http.post("/sandbox/press", json={"as": resident, "message_id": reply["id"],
                                                             "data": confirm["data"]}) as response:
                    assert response.status == 200
                card = await events.bot_message(GRID_CHAT, lambda m: "工单" in m["text"])
            assert "QS-" in card["text"] and "柳树" in card["text"]
            assert any(b["text"] == "接单" for row in card["buttons"] for b in row)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()
    # Its own database and chats, beside the sample's (which this run never touched).
    assert (tmp_path / "demo-qingshui.sqlite3").exists() and (tmp_path / "demo-qingshui-chats.json").exists()
    assert not (tmp_path / "demo.sqlite3").exists()


async def test_a_bad_district_file_is_refused_with_its_line_and_nothing_is_made(tmp_path):
    district = tmp_path / "broken.yaml"
    district.write_text(QINGSHUI.replace("              chat: -1002000000401\n", ""), encoding="utf-8")
    process = await _start_demo(tmp_path, "--jurisdiction", str(district))
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 1
    assert "broken.yaml 第" in err.decode() and "缺少 chat" in err.decode(), err.decode()
    assert list(tmp_path.iterdir()) == [district]  # no database, no saved chats
