"""The demo's web chat page: a messenger in the browser, over the loopback Bot API.

Why: the demo should show the whole system to someone who has no Telegram account and no
token - a resident's complaint, the card in the grid's group chat, 接单, the lights turning
yellow and red - by clicking, not by reading logs. The page plays the *users*; the bot on the
other side is the real one, polling the loopback Bot API exactly as it polls Telegram.

Routes (mounted on the sandbox's own aiohttp app, before it starts):

    GET  /                       the page (bot/sandbox/web/index.html; app.js, app.css beside it)
    GET  /sandbox/state          people, chats (with members and the last message), places,
                                 example complaints, the guide, the clock
    GET  /sandbox/chats/{id}     one chat's messages as the page shows them
    POST /sandbox/send           {"as": user id, "chat_id", "text", "reply_to"?}
    POST /sandbox/press          {"as", "chat_id", "message_id", "data" | "button", "wait"?}
    POST /sandbox/location       {"as", "chat_id", "lat", "lon"} or {"as", "chat_id", "place"}
    POST /sandbox/photo          multipart (as, chat_id, photo, caption?) or {"as", "chat_id", "sample": true}
    POST /sandbox/clock          {"scale": 3600} and/or {"advance_hours": 24}
    GET  /sandbox/events         server-sent events fed by LoopbackBotAPI.subscribe()
    GET  /sandbox/ws             the same events over a WebSocket (what the page uses)
    GET  /sandbox/files/{id}     a stored file (photos in the chats)

Who may do what follows Telegram: a person writes in their own private chat with the bot and
in the group chats of their unit; everyone may *look* at every chat (it is a demo). Nothing
here reaches the internet; the page loads no file from anywhere but this server.

This module is the routes and their background work. The live feeds are in feeds.py, what the
page draws in views.py, who is in the demo in directory.py, the chats kept between runs in
demo_state.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import Clock
from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.demo_state import save_state
from bot.sandbox.directory import DEMO_RESIDENTS, Directory, Person, load_directory
from bot.sandbox.feeds import LiveFeeds
from bot.sandbox.sample_photo import cached_sample_photo
from bot.sandbox.views import KIND_LABELS, clock_view, message_view, page_state
from bot.sandbox.wire import MAX_PHOTO_BYTES, MAX_TEXT_LENGTH, BotAPIError

log = logging.getLogger("gridbot.sandbox.web")

WEB_DIR = Path(__file__).resolve().parent / "web"
JSONDict = dict[str, Any]

MAX_SCALE = 86_400.0  # one day per second
MAX_ADVANCE_HOURS = 24 * 30
SAVE_AFTER_SECONDS = 2.0  # the demo's chats are written at most this often


# ---------------------------------------------------------------------------------------------
# Waking the scheduler after a time jump


def wake_scheduler(scheduler: Any) -> int:
    """Run every job of the bot's APScheduler now (the SLA sweep, the daily report, auto-close).

    Why: jobs tick on real time; after the demo's clock jumps 24 h the visitor should see the
    lights and reports at once, not at the next tick. Every job is safe to run at any time
    (each claims its work in the database), so running them early changes nothing but when.
    """
    if scheduler is None or not getattr(scheduler, "running", False):
        return 0
    now = dt.datetime.now(dt.timezone.utc)
    jobs = scheduler.get_jobs()
    for job in jobs:
        job.modify(next_run_time=now)
    return len(jobs)


# ---------------------------------------------------------------------------------------------
# The page's server side


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Wake = Callable[[], Any]


class WebChat(LiveFeeds):
    """The web chat's routes and background work, on top of a LoopbackBotAPI."""

    def __init__(
        self,
        api: LoopbackBotAPI,
        clock: Clock,
        *,
        wake: Wake | None = None,
        residents: tuple[tuple[int, str], ...] = DEMO_RESIDENTS,
        timezone: str = "Asia/Shanghai",
        state_file: Path | None = None,
    ) -> None:
        self.api = api
        self.clock = clock
        self.wake = wake  # runs the scheduler's jobs now; set once the bot exists
        self.residents = residents
        self.tz = ZoneInfo(timezone)
        self.state_file = state_file
        self.directory = Directory()
        self._streams: set[asyncio.Queue[JSONDict]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._clock_changed = asyncio.Event()
        self.wakes = 0  # how often the scheduler was woken (the page shows nothing of it)
        self.dashboard: str | None = None  # the web dashboard's base URL, once it listens

    # -- setup -----------------------------------------------------------------------------

    def mount(self, app: web.Application) -> None:
        """Add the page's routes (before the app starts: aiohttp freezes its router)."""
        app.router.add_get("/", self._index)
        app.router.add_static("/static/", WEB_DIR, show_index=False, append_version=False)
        app.router.add_get("/sandbox/state", self._state)
        app.router.add_get("/sandbox/chats/{chat_id}", self._chat)
        app.router.add_post("/sandbox/send", self._send)
        app.router.add_post("/sandbox/press", self._press)
        app.router.add_post("/sandbox/location", self._location)
        app.router.add_post("/sandbox/photo", self._photo)
        app.router.add_post("/sandbox/clock", self._clock)
        app.router.add_get("/sandbox/events", self._events)
        app.router.add_get("/sandbox/ws", self._websocket)
        app.router.add_get("/sandbox/files/{file_id}", self._file)

    async def load(self) -> Directory:
        """Read the jurisdiction and make its people and chats known to the sandbox."""
        self.directory = await load_directory(self.residents)
        known = self.api.chats
        for person in self.directory.people:
            self.api.user(person.id, person.name)
        for chat in self.directory.chats:
            current = known.get(chat.id)
            if current is None or current.get("title") != chat.title:
                self.api.add_chat(chat.id, "supergroup", chat.title)
        return self.directory

    def start(self) -> None:
        """The background work: the fast clock's ticks and (for the demo) saving the chats."""
        self._tasks.append(asyncio.create_task(self._tick_while_fast()))
        if self.state_file is not None:
            self._tasks.append(asyncio.create_task(self._save_when_changed()))

    async def stop(self) -> None:
        for queue in list(self._streams):  # the open event streams end cleanly
            queue.put_nowait({"type": "_close"})
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.state_file is not None:
            save_state(self.state_file, self.api, self.clock)

    # -- helpers ---------------------------------------------------------------------------

    async def _body(self, request: web.Request) -> JSONDict:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise _Refused(400, "请求不是 JSON") from None
        if not isinstance(body, dict):
            raise _Refused(400, "请求应为 JSON 对象")
        return body

    def _actor(self, body: JSONDict) -> tuple[Person, int]:
        """Who acts and in which chat, checked the way Telegram would: members only."""
        try:
            user_id = int(body.get("as"))
            chat_id = int(body.get("chat_id", user_id))
        except (TypeError, ValueError):
            raise _Refused(400, "as 和 chat_id 应为数字") from None
        person = self.directory.person(user_id)
        if person is None:
            raise _Refused(404, "没有这个人")
        if chat_id == person.id:
            return person, chat_id
        chat = self.directory.chat(chat_id)
        if chat is None:
            raise _Refused(404, "没有这个聊天")
        if person.id not in chat.members:
            raise _Refused(403, f"{person.name}不是“{chat.title}”的成员，不能在这里发言")
        return person, chat_id

    def _user(self, person: Person):
        return self.api.user(person.id, person.name)

    # -- routes ----------------------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    async def _state(self, request: web.Request) -> web.Response:
        return _json(page_state(self.directory, self.api, self.clock, self.tz, self.dashboard))

    async def _chat(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.match_info["chat_id"])
        except ValueError:
            return _json({"ok": False, "error": "聊天 id 应为数字"}, 400)
        info = self.directory.chat(chat_id)
        person = self.directory.person(chat_id)
        if info is None and person is None:
            return _json({"ok": False, "error": "没有这个聊天"}, 404)
        chat = ({**asdict(info), "kind_label": KIND_LABELS.get(info.kind, "")} if info else
                {"id": chat_id, "title": "网格通", "kind": "private", "kind_label": KIND_LABELS["private"],
                 "members": [chat_id], "person": person.name if person else None})
        messages = [message_view(m) for m in self.api.transcript(chat_id)]
        return _json({"ok": True, "chat": chat, "messages": messages})

    async def _send(self, request: web.Request) -> web.Response:
        return await _guarded(self._do_send(request))

    async def _do_send(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person, chat_id = self._actor(body)
        text = str(body.get("text") or "").strip()
        if not text:
            raise _Refused(400, "消息是空的")
        if len(text.encode("utf-16-le")) // 2 > MAX_TEXT_LENGTH:
            raise _Refused(400, f"消息太长（最多 {MAX_TEXT_LENGTH} 字）")
        reply_to = None
        if body.get("reply_to") not in (None, ""):
            try:
                reply_to = {"message_id": int(body["reply_to"])}
            except (TypeError, ValueError):
                raise _Refused(400, "reply_to 应为消息 id") from None
        message = await self.api.send_text(self._user(person), text, chat_id=chat_id, reply_to=reply_to)
        return _json({"ok": True, "message": message_view(message)})

    async def _press(self, request: web.Request) -> web.Response:
        return await _guarded(self._do_press(request))

    async def _do_press(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person, chat_id = self._actor(body)
        try:
            message_id = int(body.get("message_id"))
        except (TypeError, ValueError):
            raise _Refused(400, "message_id 应为数字") from None
        data, button = body.get("data"), body.get("button")
        if not isinstance(data, str) and not isinstance(button, str):
            raise _Refused(400, "要按哪个按钮？（data 或 button）")
        try:
            query_id = await self.api.press(self._user(person), message_id, button if data is None else None,
                                            data=data if isinstance(data, str) else None, chat_id=chat_id)
        except LookupError as exc:
            raise _Refused(404, str(exc)) from None
        except ValueError as exc:
            raise _Refused(400, str(exc)) from None
        result: JSONDict = {"ok": True, "callback_query_id": query_id}
        if body.get("wait"):
            try:
                result["answer"] = await self.api.wait_for_callback_answer(query_id, timeout=10)
            except TimeoutError:
                result["answer"] = None
        return _json(result)

    async def _location(self, request: web.Request) -> web.Response:
        return await _guarded(self._do_location(request))

    async def _do_location(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        person, chat_id = self._actor(body)
        if body.get("place"):
            place = next((p for p in self.directory.places if p.name == body["place"]), None)
            if place is None:
                raise _Refused(404, "没有这个地点")
            lat, lon = place.lat, place.lon
        else:
            try:
                lat, lon = float(body.get("lat")), float(body.get("lon"))
            except (TypeError, ValueError):
                raise _Refused(400, "纬度和经度应为数字") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise _Refused(400, "纬度应在 -90 到 90 之间，经度在 -180 到 180 之间")
        message = await self.api.send_location(self._user(person), lat, lon, chat_id=chat_id)
        return _json({"ok": True, "message": message_view(message)})

    async def _photo(self, request: web.Request) -> web.Response:
        return await _guarded(self._do_photo(request))

    async def _do_photo(self, request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            upload = form.get("photo")
            if not isinstance(upload, web.FileField):
                raise _Refused(400, "没有收到照片")
            data = upload.file.read(MAX_PHOTO_BYTES + 1)
            if len(data) > MAX_PHOTO_BYTES:
                raise _Refused(400, "照片太大（最多 10 MB）")
            body: JSONDict = {"as": form.get("as"), "chat_id": form.get("chat_id"), "caption": form.get("caption")}
        else:
            body = await self._body(request)
            if not body.get("sample"):
                raise _Refused(400, "请上传照片，或用 {\"sample\": true} 发送示例照片")
            data = await asyncio.to_thread(cached_sample_photo)  # drawn once, off the event loop
        person, chat_id = self._actor(body)
        caption = str(body.get("caption") or "").strip() or None
        try:
            message = await self.api.send_photo(self._user(person), data, caption=caption, chat_id=chat_id)
        except BotAPIError:
            raise _Refused(400, "这不是能识别的图片（PNG、JPEG、GIF、WebP、BMP）") from None
        return _json({"ok": True, "message": message_view(message)})

    async def _clock(self, request: web.Request) -> web.Response:
        return await _guarded(self._do_clock(request))

    async def _do_clock(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        woke = 0
        if body.get("scale") is not None:
            try:
                scale = float(body["scale"])
            except (TypeError, ValueError):
                raise _Refused(400, "scale 应为数字") from None
            if not (math.isfinite(scale) and 1 <= scale <= MAX_SCALE):
                raise _Refused(400, f"scale 应在 1 到 {MAX_SCALE:g} 之间")
            self.clock.set_scale(scale)
            self._clock_changed.set()
        if body.get("advance_hours") is not None:
            try:
                hours = float(body["advance_hours"])
            except (TypeError, ValueError):
                raise _Refused(400, "advance_hours 应为数字") from None
            if not (math.isfinite(hours) and 0 < hours <= MAX_ADVANCE_HOURS):
                raise _Refused(400, f"advance_hours 应在 0 到 {MAX_ADVANCE_HOURS} 之间（时间只能往前走）")
            self.clock.advance(dt.timedelta(hours=hours))
            woke = await self._wake()
        view = clock_view(self.clock, self.tz)
        self._broadcast({"type": "clock", "clock": view})
        return _json({"ok": True, "clock": view, "woke": woke})

    async def _file(self, request: web.Request) -> web.Response:
        found = self.api.file_data(request.match_info["file_id"])
        if found is None:
            return _json({"ok": False, "error": "没有这个文件"}, 404)
        data, content_type = found
        headers = {"Cache-Control": "max-age=86400", "X-Content-Type-Options": "nosniff"}
        name = self.api.file_name(request.match_info["file_id"])
        if name is not None:  # a document (a workbook, a CSV list): saved under its own name
            headers["Content-Disposition"] = _attachment(name)
        return web.Response(body=data, content_type=content_type, headers=headers)

    # -- background work -------------------------------------------------------------------

    async def _wake(self) -> int:
        if self.wake is None:
            return 0
        try:
            result = self.wake()
            if asyncio.iscoroutine(result):
                result = await result
        except Exception:  # the page's time control must not fail because a job did
            log.exception("waking the scheduler failed")
            return 0
        self.wakes += 1
        return int(result or 0)

    async def _tick_while_fast(self) -> None:
        """While the clock runs fast, run the scheduler's jobs about once per simulated hour
        (at most once a real second): APScheduler counts real time, the bot counts the clock's."""
        while True:
            self._clock_changed.clear()
            scale = self.clock.scale
            if scale <= 1:
                await self._clock_changed.wait()
                continue
            interval = max(1.0, min(60.0, 3600.0 / scale))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._clock_changed.wait(), interval)
                continue  # the speed changed: start over with the new interval
            await self._wake()
            self._broadcast({"type": "clock", "clock": clock_view(self.clock, self.tz)})

    async def _save_when_changed(self) -> None:
        queue = self.api.subscribe()
        try:
            while True:
                await queue.get()
                await asyncio.sleep(SAVE_AFTER_SECONDS)  # gather a burst into one write
                while not queue.empty():
                    queue.get_nowait()
                try:
                    save_state(self.state_file, self.api, self.clock)
                except OSError as exc:
                    log.warning("could not save the demo's chats: %s", exc)
        finally:
            self.api.unsubscribe(queue)


def _json(data: JSONDict, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _attachment(name: str) -> str:
    """Content-Disposition for a download: the name as it is (RFC 6266's filename*, which every
    browser reads) and an ASCII stand-in for any that does not."""
    ascii_name = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


async def _guarded(work: Awaitable[web.Response]) -> web.Response:
    try:
        return await work
    except _Refused as refused:
        return _json({"ok": False, "error": refused.message}, refused.status)
