"""The demo's web chat, through its JSON endpoints and live feeds, against the real bot.

The page (bot/sandbox/web/) only calls these endpoints, so what works here works for a visitor;
tests/test_e2e_demo_chromium.py checks the page itself in a real browser.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import sys
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from telegram import Bot, ForceReply, MessageEntity, User

from bot.clock import Clock, FrozenClock
from bot.sla import daily
from bot.sandbox import LoopbackBotAPI, make_png
from bot.sandbox.demo_state import clock_after, read_state, save_state
from bot.sandbox.views import message_view
from bot.messaging import outbox
from tests.e2e import COMMAND_CHAT
from tests.webtools import make_ticket
from tests.webdemo import (
    COMMUNITY, COMMUNITY_CHAT, GRID_CHAT, MANHOLE, RESIDENT, SQLITE_ONLY, WORKER, event_stream, web_demo,
)

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _button(message: dict, text: str) -> dict:
    for row in message["buttons"]:
        for button in row:
            if button["text"] == text:
                return button
    raise AssertionError(f"no button {text!r} in {message['buttons']}")


async def _file_a_ticket(demo, resident: int = RESIDENT) -> dict:
    """The 井盖 example from the page's first run, pressed through to 确认提交; returns the card."""
    await demo.post("/sandbox/send", {"as": resident, "chat_id": resident, "text": MANHOLE})
    # It names the place (南海街1号院门口), so no follow-up question: the summary comes at once.
    summary = await demo.api.wait_for_bot_message(resident, lambda m: "确认提交" in str(m.get("reply_markup")))
    await demo.post("/sandbox/press", {"as": resident, "chat_id": resident, "message_id": summary["message_id"],
                                       "button": "确认提交", "wait": True})
    await demo.api.wait_for_bot_message(resident, lambda m: "已受理" in (m.get("text") or ""), after=summary["message_id"])
    return await demo.api.wait_for_bot_message(GRID_CHAT, lambda m: "工单" in (m.get("text") or ""), after=0)


async def test_a_force_reply_opens_the_reply_box_of_the_people_it_names():
    """The page opens its reply box for the person a question names (a text mention) and for
    nobody else; a plain message opens none."""
    async with LoopbackBotAPI() as api, Bot(api.token, base_url=api.base_url) as bot:
        api.add_chat(-800, "supergroup", "网格群")
        worker, other = User(7101, "张丽", False), User(7102, "冯晓燕", False)
        await bot.send_message(-800, "张丽，请回复本消息：处理结果",
                               entities=[MessageEntity("text_mention", 0, 2, user=worker)],
                               reply_markup=ForceReply(selective=True, input_field_placeholder="处理结果"))
        await bot.send_message(-800, f"{other.first_name}已接单")
        asked, told = (message_view(m) for m in api.transcript(-800))
    assert asked["prompt"] == {"for": [worker.id], "placeholder": "处理结果"}
    assert "prompt" not in told and asked["buttons"] == []


@SQLITE_ONLY
async def test_the_page_and_the_state_list_people_chats_places_examples_and_the_clock(db, db_url):
    async with web_demo(db_url) as demo:
        async with demo.http.get("/") as response:
            page = await response.text()
            assert response.status == 200 and "/static/app.js" in page and "/static/app.css" in page
            assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no CDN
        for asset, kind in (("/static/app.js", "javascript"), ("/static/app.css", "css")):
            async with demo.http.get(asset) as response:
                assert response.status == 200 and kind in response.content_type
                assert "https://" not in await response.text()  # nothing from the internet

        state = await demo.get("/sandbox/state")
        people = {p["name"]: p for p in state["people"]}
        assert people["王秀兰"]["kind"] == "resident" and people["王秀兰"]["id"] == RESIDENT
        assert len([p for p in state["people"] if p["kind"] == "resident"]) >= 3
        assert people["张丽"]["role"] == "worker" and people["张丽"]["kind"] == "staff"
        assert people["张丽"]["unit"] == "南海街一社区第一网格" and people["张丽"]["chat_id"] == GRID_CHAT
        roles = {p["role"] for p in state["people"]}
        assert {"worker", "community", "street", "command", "department"} <= roles

        chats = {c["id"]: c for c in state["chats"]}
        assert chats[GRID_CHAT]["kind"] == "grid" and chats[GRID_CHAT]["members"] == [WORKER]
        kinds = {c["kind"] for c in state["chats"]}
        assert {"district", "street", "community", "grid", "department"} <= kinds
        command = next(c for c in state["chats"] if c["kind"] == "district")
        assert people["冯晓燕"]["id"] in command["members"]
        assert state["chats"][0]["kind"] == "district"  # tree order: the command centre first

        places = {p["name"]: p for p in state["places"]}
        assert (places["南海街一社区第一网格"]["lat"], places["南海街一社区第一网格"]["lon"]) == (37.8605, 112.5640)
        assert [e["label"] for e in state["examples"]] == ["油烟", "噪音", "井盖"]
        assert state["examples"][2]["text"] == MANHOLE  # at 南海街1号院: 张丽's grid, as the guide says
        assert any(step.get("as") == WORKER and step.get("chat") == GRID_CHAT for step in state["guide"])
        staff_step = state["guide"][-1]  # the figures and the dashboard, shown by 南海街一社区's staff
        assert all(command in staff_step["text"] for command in ("/stats", "/chart", "/export", "/web"))
        assert staff_step["as"] == COMMUNITY and staff_step["chat"] == COMMUNITY_CHAT
        assert state["dashboard"] is None  # no dashboard in this one: no link to rewrite
        assert abs(state["clock"]["ts"] - demo.page.clock.now().timestamp()) < 5 and state["clock"]["scale"] == 1


@SQLITE_ONLY
async def test_a_resident_writes_and_the_bots_reply_is_in_the_chat_and_on_the_event_stream(db, db_url):
    async with web_demo(db_url) as demo, event_stream(demo) as events:
        sent = await demo.post("/sandbox/send", {"as": RESIDENT, "chat_id": RESIDENT, "text": MANHOLE})
        assert sent["message"]["text"] == MANHOLE and sent["message"]["sender"]["name"] == "王秀兰"

        mine = await events.until(lambda e: e["type"] == "message" and not e["message"]["from_bot"])
        assert mine["chat_id"] == RESIDENT and mine["message"]["text"] == MANHOLE
        reply = await events.until(lambda e: e["type"] == "message" and e["message"]["from_bot"])
        assert reply["chat_id"] == RESIDENT and reply["message"]["sender"]["name"] == "网格通"
        assert reply["message"]["buttons"], reply  # the summary offers 确认提交

        chat = await demo.get(f"/sandbox/chats/{RESIDENT}")
        assert chat["chat"]["kind"] == "private"
        assert [m["text"] for m in chat["messages"]] == [MANHOLE, reply["message"]["text"]]
        assert chat["messages"][1]["buttons"] == reply["message"]["buttons"]

        # A reply to a message is passed on as one (staff questions are answered that way).
        answered = await demo.post("/sandbox/send", {"as": RESIDENT, "chat_id": RESIDENT, "text": "就在门口",
                                                     "reply_to": reply["message"]["id"]})
        assert answered["message"]["reply_to"]["id"] == reply["message"]["id"]

        # What Telegram would refuse is refused: someone else's chat, an empty text, nobody.
        refused = await demo.post("/sandbox/send", {"as": RESIDENT, "chat_id": GRID_CHAT, "text": "我也来说两句"},
                                  status=403)
        assert "不是" in refused["error"]
        await demo.post("/sandbox/send", {"as": RESIDENT, "chat_id": RESIDENT, "text": "   "}, status=400)
        await demo.post("/sandbox/send", {"as": 42, "chat_id": 42, "text": "你好"}, status=404)
        await demo.post("/sandbox/send", {"as": RESIDENT, "chat_id": RESIDENT, "text": "长" * 4097}, status=400)


@SQLITE_ONLY
async def test_pressing_buttons_files_a_ticket_and_the_workers_接单_edits_the_card_in_place(db, db_url):
    async with web_demo(db_url) as demo:
        card = await _file_a_ticket(demo)
        grid = await demo.get(f"/sandbox/chats/{GRID_CHAT}")
        (shown,) = [m for m in grid["messages"] if m["id"] == card["message_id"]]
        assert "接单" in [b["text"] for row in shown["buttons"] for b in row] and shown["edits"] == 0

        # A resident is no member of the grid's chat: the button is not theirs to press.
        await demo.post("/sandbox/press", {"as": RESIDENT, "chat_id": GRID_CHAT, "message_id": card["message_id"],
                                           "data": _button(shown, "接单")["data"]}, status=403)

        async with demo.http.ws_connect("/sandbox/ws") as ws:  # the page's own live feed
            hello = json.loads((await ws.receive(timeout=10)).data)
            assert hello["type"] == "hello"
            pressed = await demo.post("/sandbox/press", {"as": WORKER, "chat_id": GRID_CHAT,
                                                         "message_id": card["message_id"],
                                                         "data": _button(shown, "接单")["data"]})
            seen = []
            async with asyncio.timeout(10):
                while not any(e["type"] == "edit" and e["message"]["id"] == card["message_id"] for e in seen):
                    seen.append(json.loads((await ws.receive()).data))
            answer = next((e for e in seen if e["type"] == "callback_answer"), None)
            if answer is None:
                answer = await demo.api.wait_for_callback_answer(pressed["callback_query_id"])
            else:
                answer = answer["answer"]
            assert answer["callback_query_id"] == pressed["callback_query_id"]

        grid = await demo.get(f"/sandbox/chats/{GRID_CHAT}")
        (edited,) = [m for m in grid["messages"] if m["id"] == card["message_id"]]
        assert edited["edits"] >= 1 and "处理中" in edited["text"]
        assert "接单" not in [b["text"] for row in edited["buttons"] for b in row]
        number = card["text"].split()[2]  # "🟢 工单 YZ-…": the card is edited, not sent again
        assert len([m for m in grid["messages"] if number in m["text"] and "工单" in m["text"][:8]]) == 1

        await demo.post("/sandbox/press", {"as": WORKER, "chat_id": GRID_CHAT, "message_id": 9999, "data": "x"},
                        status=404)


@SQLITE_ONLY
async def test_locations_and_photos_as_the_page_sends_them(db, db_url):
    async with web_demo(db_url) as demo:
        sent = await demo.post("/sandbox/location", {"as": RESIDENT, "chat_id": RESIDENT, "place": "南海街一社区第一网格"})
        assert sent["message"]["location"] == {"lat": 37.8605, "lon": 112.5640}
        await demo.api.wait_for_bot_message(RESIDENT)  # the bot asks what the problem is
        typed = await demo.post("/sandbox/location", {"as": RESIDENT, "chat_id": RESIDENT, "lat": 37.86, "lon": 112.564})
        assert typed["message"]["location"] == {"lat": 37.86, "lon": 112.564}
        await demo.post("/sandbox/location", {"as": RESIDENT, "chat_id": RESIDENT, "lat": 137, "lon": 0}, status=400)
        await demo.post("/sandbox/location", {"as": RESIDENT, "chat_id": RESIDENT, "place": "火星"}, status=404)

        sample = await demo.post("/sandbox/photo", {"as": RESIDENT, "chat_id": RESIDENT, "sample": True})
        url = sample["message"]["photo"]["url"]
        async with demo.http.get(url) as response:
            assert response.status == 200 and response.content_type == "image/png"
            assert (await response.read())[:8] == b"\x89PNG\r\n\x1a\n"
        # The bot downloads the same file through the Bot API (getFile) when it keeps the photo.
        reply = await demo.api.wait_for_bot_message(RESIDENT, lambda m: "照片" in (m.get("text") or ""),
                                                    after=sample["message"]["id"])
        assert reply

        form = aiohttp.FormData()
        form.add_field("as", str(RESIDENT))
        form.add_field("chat_id", str(RESIDENT))
        form.add_field("photo", make_png(64, 48, (200, 30, 30)), filename="crack.png", content_type="image/png")
        async with demo.http.post("/sandbox/photo", data=form) as response:
            uploaded = await response.json()
            assert response.status == 200, uploaded
        assert uploaded["message"]["photo"]["width"] == 64
        bad = aiohttp.FormData()
        bad.add_field("as", str(RESIDENT))
        bad.add_field("chat_id", str(RESIDENT))
        bad.add_field("photo", b"not an image", filename="x.png", content_type="image/png")
        async with demo.http.post("/sandbox/photo", data=bad) as response:
            assert response.status == 400


@SQLITE_ONLY
async def test_files_the_bot_sends_with_a_caption_are_there_to_download_and_pictures_to_see(db, db_url):
    """/export's workbook, a reminder's CSV list (a digest too long for three messages goes as
    a file, through the outbox as here) and /chart's picture: each shows as what it is, and the
    file downloads under its own name with its bytes, not only the caption."""
    async with web_demo(db_url) as demo:
        await demo.post("/sandbox/send", {"as": COMMUNITY, "chat_id": COMMUNITY_CHAT, "text": "/export"})
        sent = await demo.api.wait_for_bot_message(COMMUNITY_CHAT, lambda m: "document" in m, timeout=30)
        csv = "\ufeff提醒,工单号\n红灯,YZ-20261201-0001\n".encode("utf-8")
        await outbox.enqueue([outbox.upload(COMMUNITY_CHAT, csv, "提醒清单-南海街一社区.csv", caption="🔴 红灯 1 件：清单见文件")],
                             now=demo.harness.rt.clock.now())
        outbox.wake_delivery()
        await demo.api.wait_for_bot_message(COMMUNITY_CHAT, lambda m: "清单见文件" in (m.get("caption") or ""))
        await demo.post("/sandbox/send", {"as": COMMUNITY, "chat_id": COMMUNITY_CHAT, "text": "/chart"})
        await demo.api.wait_for_bot_message(COMMUNITY_CHAT, lambda m: "photo" in m, timeout=30)

        chat = await demo.get(f"/sandbox/chats/{COMMUNITY_CHAT}")
        workbook, listing = [m for m in chat["messages"] if m["from_bot"] and "document" in m]
        assert "考核表" in workbook["text"] and workbook["document"]["name"].endswith(".xlsx")
        assert workbook["document"]["size"] == sent["document"]["file_size"] > 0
        async with demo.http.get(workbook["document"]["url"]) as response:
            assert response.status == 200 and response.content_type.endswith("spreadsheetml.sheet")
            assert (await response.read())[:2] == b"PK"  # a real .xlsx (a zip)
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment;") and workbook["document"]["name"] in disposition
        assert listing["text"] == "🔴 红灯 1 件：清单见文件" and listing["document"]["name"] == "提醒清单-南海街一社区.csv"
        async with demo.http.get(listing["document"]["url"]) as response:
            assert response.status == 200 and await response.read() == csv
            assert "filename*=UTF-8''" + quote("提醒清单-南海街一社区.csv") in response.headers["Content-Disposition"]
        picture = next(m for m in chat["messages"] if m["from_bot"] and "photo" in m)
        assert "近30天" in picture["text"] and "document" not in picture
        async with demo.http.get(picture["photo"]["url"]) as response:
            assert response.status == 200 and response.content_type == "image/png"
            assert "Content-Disposition" not in response.headers  # a picture is shown, not saved

        state = await demo.get("/sandbox/state")  # the chat list's last message names the file
        (community,) = [c for c in state["chats"] if c["id"] == COMMUNITY_CHAT]
        assert community["last"]["id"] == picture["id"]


@SQLITE_ONLY
async def test_the_time_control_jumps_the_bots_clock_and_runs_the_scheduler_now(db, db_url):
    async with web_demo(db_url) as demo, event_stream(demo) as events:
        scheduler = demo.harness.bot.scheduler
        jobs = {job.id for job in scheduler.get_jobs()}
        assert jobs, "the bot's scheduler has jobs"
        ran: set[str] = set()
        all_ran = asyncio.get_running_loop().create_future()

        def on_job(event) -> None:
            ran.add(event.job_id)
            if ran >= jobs and not all_ran.done():
                all_ran.set_result(True)

        scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        before = demo.page.clock.now()
        jumped = await demo.post("/sandbox/clock", {"advance_hours": 24})
        after = dt.datetime.fromisoformat(jumped["clock"]["now"])
        assert dt.timedelta(hours=24) <= after - before < dt.timedelta(hours=24, minutes=1)
        assert demo.harness.rt.clock.now() - before >= dt.timedelta(hours=24)  # the bot's own clock
        assert jumped["woke"] == len(jobs)
        await asyncio.wait_for(all_ran, 10)  # every job ran at once, not at its next tick
        clock_event = await events.until(lambda e: e["type"] == "clock")
        assert clock_event["clock"]["ts"] == pytest.approx(after.timestamp(), abs=1)

        # Faster: an hour a second. APScheduler counts real time, so the page wakes the jobs itself.
        ran.clear()
        all_ran = asyncio.get_running_loop().create_future()
        fast = await demo.post("/sandbox/clock", {"scale": 3600})
        assert fast["clock"]["scale"] == 3600 and demo.harness.rt.clock.scale == 3600
        await asyncio.wait_for(all_ran, 10)
        await demo.post("/sandbox/clock", {"scale": 1})
        assert demo.harness.rt.clock.scale == 1

        await demo.post("/sandbox/clock", {"advance_hours": -1}, status=400)  # never back
        await demo.post("/sandbox/clock", {"scale": 0}, status=400)
        await demo.post("/sandbox/clock", {"scale": "fast"}, status=400)


@SQLITE_ONLY
async def test_a_24_hour_jump_over_0830_still_brings_that_days_report_and_a_longer_one_each_days_once(db, db_url):
    """The demo opened at 07:00: +24 小时 jumps over 08:30 to 07:00 the next day. The report due
    at that 08:30 comes at once, saying it is late; a 72-hour jump brings the three reports it
    passed, one per day, each with its own day's figures, oldest first; none comes twice."""
    clock = FrozenClock(dt.datetime(2026, 3, 2, 7, 0, tzinfo=SHANGHAI))  # a Monday
    async with web_demo(db_url, clock=clock) as demo:
        await daily.daily_report(demo.harness.rt)  # the bot's tick at 07:00, before any jump
        await make_ticket(demo.harness, "南海街1号院门口井盖松了", "nanhaijie1-01", "facility")

        def report_of(day: int):
            return lambda m: f"3月{day}日工单日报" in (m.get("text") or "")

        await demo.post("/sandbox/clock", {"advance_hours": 24})  # 03-03 07:00
        first = await demo.api.wait_for_bot_message(COMMAND_CHAT, report_of(1))
        assert "原定3月2日 08:30" in first["text"] and "\n合计：0｜0｜1｜" in first["text"]
        await demo.post("/sandbox/clock", {"advance_hours": 72})  # 03-06 07:00
        await demo.api.wait_for_bot_message(COMMAND_CHAT, report_of(4))
        await demo.api.wait_for_bot_message(GRID_CHAT, report_of(4))
        grid = [m["text"] for m in demo.api.bot_messages(GRID_CHAT) if "工单日报" in (m.get("text") or "")]
        assert [t.split("】")[1].split("工单")[0] for t in grid] == ["3月1日", "3月2日", "3月3日", "3月4日"]
        assert "受理 1 件" in grid[1] and all("受理 0 件" in t for t in grid[:1] + grid[2:])  # each its own day's
        assert all("补发" in t for t in grid)

        await demo.post("/sandbox/clock", {"advance_hours": 2})  # 03-06 09:00: today's, on time
        on_time = await demo.api.wait_for_bot_message(COMMAND_CHAT, report_of(5))
        assert "补发" not in on_time["text"]
        reports = [m["text"].split("区")[1].split("工单")[0] for m in demo.api.bot_messages(COMMAND_CHAT)
                   if "工单日报" in (m.get("text") or "")]
        assert reports == ["3月1日", "3月2日", "3月3日", "3月4日", "3月5日"]  # once each, in order


def test_the_chats_and_the_clock_outlive_a_restart(tmp_path):
    """What the demo writes on Ctrl-C: the next run shows the same chats, goes on numbering
    messages (the bot edits cards by message id), serves the same photos, and its clock never
    runs back (deadlines already claimed must stay in the past)."""

    async def scenario() -> None:
        path = tmp_path / "demo-chats.json"
        first = LoopbackBotAPI()
        first.add_chat(GRID_CHAT, "supergroup", "南海街一社区第一网格")
        person = first.user(RESIDENT, "王秀兰")
        await first.send_text(person, MANHOLE)
        photo = await first.send_photo(person, make_png(10, 10))
        workbook = first._files.add_document(b"PK\x03\x04", "考核表.xls", "application/vnd.ms-excel")
        clock = Clock(offset=dt.timedelta(hours=30))
        save_state(path, first, clock)

        second = LoopbackBotAPI()
        saved, saved_now = read_state(path)
        second.import_state(saved)
        assert [m["message_id"] for m in second.transcript(RESIDENT)] == [1, 2]
        assert second.transcript(RESIDENT)[0]["text"] == MANHOLE
        assert second.chats[GRID_CHAT]["title"] == "南海街一社区第一网格"
        again = await second.send_text(second.user(RESIDENT, "王秀兰"), "还在吗")
        assert again["message_id"] == 3
        data, kind = second.file_data(photo["photo"][-1]["file_id"])
        assert kind == "image/png" and data == make_png(10, 10)
        assert second.file_data(workbook.file_id) == (b"PK\x03\x04", "application/vnd.ms-excel")
        assert second.file_name(workbook.file_id) == "考核表.xls"  # downloads under its name still
        restored = clock_after(saved_now)
        assert restored.now() >= clock.now() - dt.timedelta(seconds=1)

        assert read_state(tmp_path / "missing.json") == (None, None)
        (tmp_path / "broken.json").write_text("{", encoding="utf-8")
        assert read_state(tmp_path / "broken.json") == (None, None)

    asyncio.run(scenario())


async def test_gridbot_demo_serves_the_page_stops_on_ctrl_c_and_keeps_its_chats(tmp_path):
    """`gridbot demo` as a visitor runs it: --fresh forgets an earlier run, ONE address is
    printed, the page is served, the real bot answers; Ctrl-C stops it cleanly and leaves the
    chats for the next run (which restores them: test_the_chats_and_the_clock_outlive_a_restart)."""
    env = {**os.environ, "GRIDBOT_DEMO_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    # An earlier run's leftovers: a chat that --fresh must forget, a database it must not open.
    earlier = LoopbackBotAPI()
    await earlier.send_text(earlier.user(RESIDENT, "王秀兰"), "上次说的话")
    save_state(tmp_path / "demo-chats.json", earlier, Clock())
    (tmp_path / "demo.sqlite3").write_bytes(b"not a database")

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--log-level", "WARNING", "demo", "--fresh", "--port", "0",
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        printed = []
        async with asyncio.timeout(30):
            while "打开" not in "".join(printed):
                line = (await process.stdout.readline()).decode()
                assert line, f"the demo exited early: {''.join(printed)} {(await process.stderr.read()).decode()}"
                printed.append(line)
        urls = [line for line in printed if "http://" in line and "工作台" not in line]
        assert len(urls) == 1, printed  # the one address to open (the staff dashboard has its own line)
        url = urls[0].split("打开：")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/"), url

        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.get("/") as response:
                assert response.status == 200 and "网格通" in await response.text()
            async with http.get(f"/sandbox/chats/{RESIDENT}") as response:
                assert (await response.json())["messages"] == []  # --fresh forgot the earlier chat
            async with http.get("/sandbox/events", timeout=aiohttp.ClientTimeout(total=None)) as events:
                async with http.post("/sandbox/send", json={"as": RESIDENT, "text": "/start"}) as response:
                    assert response.status == 200
                async with asyncio.timeout(20):  # the real bot, polling the sandbox, answers
                    while True:
                        line = await events.content.readline()
                        assert line, "the event stream ended"
                        if line.startswith(b"data: ") and json.loads(line[6:]).get("message", {}).get("from_bot"):
                            break
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err.decode()
    assert "已停止" in out.decode()
    saved, saved_now = read_state(tmp_path / "demo-chats.json")
    kept = [m for m in saved["messages"] if m["message"]["chat"]["id"] == RESIDENT]
    assert [m["message"].get("text") for m in kept][0] == "/start" and any(m["from_bot"] for m in kept)
    assert saved_now is not None
    assert (tmp_path / "demo.sqlite3").read_bytes()[:16] == b"SQLite format 3\x00"
