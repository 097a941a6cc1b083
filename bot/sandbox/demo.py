"""`gridbot demo`: the whole system on one machine, no Telegram account needed.

Migrates a SQLite file, loads the sample district (or `--jurisdiction FILE`, a district's own:
its units, people and chats are the page's, in a database of its own), starts the loopback Bot API and the real
bot polling it (exactly as it would poll Telegram), the scheduler, and the web chat page
(bot/sandbox/webchat.py) where you can be a resident, a grid worker, community or street staff,
the command centre or a department. The chats and the clock are saved beside the database, so
a restart goes on where it stopped; `--fresh` starts over. `--terminal` adds the older chat in
the terminal (handy over SSH without a browser).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from bot.config import Settings
from bot.db import database, migrate
from bot.models import ChatBinding, Staff
from bot.runner import GridBot
from bot.runtime import Runtime
from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.demo_state import clock_after, read_state
from bot.sandbox.directory import DEMO_RESIDENTS, Directory, Place
from bot.sandbox.keyboards import button_texts, keyboard_texts
from bot.sandbox.webchat import WebChat, wake_scheduler

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "yingze.yaml"
# GRIDBOT_DEMO_DIR puts the demo's data elsewhere (a read-only checkout; the tests' temp dirs).
DEMO_DIR = Path(os.environ.get("GRIDBOT_DEMO_DIR") or ROOT / "data")
DEMO_DB = DEMO_DIR / "demo.sqlite3"
DEMO_CHATS = DEMO_DIR / "demo-chats.json"  # the sandbox's chats and the clock, kept with the DB
RESIDENT_ID, RESIDENT_NAME = DEMO_RESIDENTS[0]

HELP = """\
在终端里和机器人对话（你现在是居民“{resident}”，在与机器人的私聊中）：
  直接输入文字         以当前身份发消息，例如：楼下早餐店油烟太大，天天熏到家里
  :press N            按下最近一条带按钮消息的第 N 个按钮
  :photo              发一张照片        :loc {lat:.4f} {lon:.4f}   发位置（{place}）
  :as 居民 | :as {worker} | :as {command}      切换身份（居民 / 网格员 / 指挥中心），并进入其私聊或工作群
  :chat 群名关键字      切换到某个工作群（如 :chat 网格）   :chats  列出所有群
  :chat 私聊           回到与机器人的私聊（工作人员在私聊中发 /web 得到网页工作台的登录链接）
  :help  帮助          :quit  退出（数据保留，下次接着用；--fresh 从头开始）
"""


def demo_files(district_code: str | None) -> tuple[Path, Path]:
    """The database and the saved chats: the sample's, or a district's own beside them, so
    trying a district's file never mixes its tickets and chats with the sample's (or another's)."""
    if district_code is None:
        return DEMO_DB, DEMO_CHATS
    return DEMO_DIR / f"demo-{district_code}.sqlite3", DEMO_DIR / f"demo-{district_code}-chats.json"


async def run_demo(*, fresh: bool = False, port: int = 8080, terminal: bool = False, time_scale: float = 1.0,
                   host: str = "127.0.0.1", jurisdiction: Path | None = None) -> int:
    """`jurisdiction`: a district's own file instead of the sample (its units, people and chats
    are the page's; the residents are invented); checked before anything is touched."""
    from bot.jurisdiction.load import apply_jurisdiction, read_jurisdiction_file
    from bot.jurisdiction.spec import JurisdictionError

    try:
        district = read_jurisdiction_file(jurisdiction or EXAMPLE)
    except JurisdictionError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    db_file, chats_file = demo_files(None if jurisdiction is None else district.district.code)
    if fresh:
        for path in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm"), chats_file):
            path.unlink(missing_ok=True)
    db_url = f"sqlite://{db_file}"
    await migrate(db_url)
    async with database(db_url):
        report = await apply_jurisdiction(district)
        print(f"辖区已加载（{district.district.name}，{district.source}）：{report.summary()}")
        saved_chats, saved_now = read_state(chats_file)
        clock = clock_after(saved_now, scale=time_scale)  # never earlier than where the last run stopped
        # The port is taken: any free one will do (the address printed below is the one to open).
        api = LoopbackBotAPI(host=host, port=port if _port_free(port) else 0,
                             now=lambda: clock.now().timestamp())
        if saved_chats:
            api.import_state(saved_chats)
        page = WebChat(api, clock, state_file=chats_file)
        page.mount(api.app)
        directory = await page.load()
        await api.start()
        # The dashboard listens where the page does: a phone that opened the page reaches it too.
        settings = Settings(token=api.token, api_base_url=api.base_url, database_url=db_url,
                            web_host=host, web_port=8081 if _port_free(8081) else 0)
        bot = GridBot(Runtime.from_settings(settings, clock=clock), web_server=True)
        await bot.start(open_database=False)
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        if bot.web is not None:
            # /web's links name this address; the page swaps in the host it was opened from.
            address = f"[{shown_host}]" if ":" in shown_host else shown_host  # IPv6
            page.dashboard = bot.rt.web_base_url = f"http://{address}:{bot.web.port}"
        page.wake = lambda: wake_scheduler(bot.scheduler)
        page.start()
        # The jobs run once now, not a minute from now: the daily report learns where this run
        # starts (bot/sla/daily.py), so a +24 小时 pressed at once at 07:00 still brings the
        # 08:30 report it jumps over.
        wake_scheduler(bot.scheduler)
        print(f"网格通演示已启动，在浏览器中打开：http://{shown_host}:{api.port}/")
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"（在 {host} 上监听：同一网络里的设备用本机的地址和端口 {api.port} 也能打开，演示页不需要登录。）")
        if page.dashboard is not None:
            print(f"网页工作台：{page.dashboard}（在聊天页切换为工作人员，在与网格通的私聊里发送 /web 得到登录链接）")
        if time_scale != 1:
            print(f"时间加速 {time_scale:g} 倍：机器人的 1 小时 = 现实 {3600 / time_scale:g} 秒，"
                  "黄灯、红灯、超期提醒会在演示中出现。")
        try:
            if terminal and sys.stdin.isatty():
                await TerminalChat(api, directory).run()
            else:
                print("按 Ctrl-C 停止（数据保留，下次接着用；--fresh 从头开始）。")
                await _wait_for_signal()
        finally:
            await bot.stop()
            await page.stop()  # saves the chats and the clock
            await api.stop()
    print("已停止，数据保存在", db_file.parent)
    return 0


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


class TerminalChat:
    """A tiny messenger in the terminal: who you are, which chat, and what the bot says."""

    def __init__(self, api: LoopbackBotAPI, directory: Directory | None = None) -> None:
        self.api = api
        self.user = api.user(RESIDENT_ID, RESIDENT_NAME)
        self.chat_id = RESIDENT_ID
        self.names: dict[int, str] = {}
        self.help = _help(directory or Directory())

    async def run(self) -> None:
        for chat_id, info in self.api.chats.items():
            self.names[chat_id] = info.get("title") or str(chat_id)
        events = self.api.subscribe()
        printer = asyncio.create_task(self._print_events(events))
        print(self.help)
        try:
            while True:
                line = await asyncio.to_thread(_read_line, self._prompt())
                if line is None or line.strip() == ":quit":
                    return
                try:
                    await self._handle(line.strip())
                except (ValueError, LookupError) as exc:  # a typo must not end the demo
                    print(f"没看懂这条命令（{exc}）。输入 :help 查看用法。")
        finally:
            printer.cancel()
            self.api.unsubscribe(events)

    def _prompt(self) -> str:
        return f"[{self.user.first_name} @ {self.names.get(self.chat_id, '私聊')}]> "

    async def _handle(self, line: str) -> None:
        if not line:
            return
        if line == ":help":
            print(self.help)
        elif line == ":chats":
            for chat_id, name in self.names.items():
                print(f"  {name}  ({chat_id})")
        elif line.startswith(":as "):
            await self._switch_user(line[4:].strip())
        elif line.startswith(":chat "):
            self._switch_chat(line[6:].strip())
        elif line.startswith(":press "):
            await self._press(line[7:].strip())
        elif line == ":photo":
            await self.api.send_photo(self.user, chat_id=self.chat_id)
        elif line.startswith(":loc "):
            lat, lon = (float(x) for x in line[5:].split()[:2])
            await self.api.send_location(self.user, lat, lon, chat_id=self.chat_id)
        else:
            await self.api.send_text(self.user, line, chat_id=self.chat_id)

    async def _switch_user(self, name: str) -> None:
        if name in ("居民", RESIDENT_NAME):
            self.user, self.chat_id = self.api.user(RESIDENT_ID, RESIDENT_NAME), RESIDENT_ID
            return
        staff = await Staff.filter(name=name).prefetch_related("unit").first()
        if staff is None:
            print("没有这个人。")
            return
        self.user = self.api.user(staff.user_id, staff.name)
        binding = await ChatBinding.filter(unit_id=staff.unit_id, purpose="unit").first()
        self.chat_id = binding.chat_id if binding else staff.user_id
        print(f"你现在是 {staff.name}（{staff.unit.name}），在 {self.names.get(self.chat_id, '私聊')}。")

    def _switch_chat(self, keyword: str) -> None:
        if keyword == "私聊":
            self.chat_id = self.user.id
            return
        for chat_id, name in self.names.items():
            if keyword in name:
                self.chat_id = chat_id
                print(f"已切换到 {name}")
                return
        print("没有找到这个群。")

    async def _press(self, which: str) -> None:
        for message in reversed(self.api.transcript(self.chat_id)):
            buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
            if buttons:
                index = int(which) - 1 if which.isdigit() else -1
                if not 0 <= index < len(buttons):
                    print("没有这个按钮。")
                    return
                data = buttons[index].get("callback_data")
                if data is None:
                    print(f"这个按钮是链接：{buttons[index].get('url', '')}")
                    return
                await self.api.press(self.user, message, data=data, chat_id=self.chat_id)
                return
        print("这个聊天里没有按钮。")

    async def _print_events(self, events: asyncio.Queue) -> None:
        while True:
            self.show(await events.get())

    def show(self, event: dict) -> None:
        """Print one sandbox event: the bot's messages and edits, and its button answers."""
        kind, message = event.get("type"), event.get("message")
        if kind == "callback_answer" and event.get("answer", {}).get("text"):
            print(f"\n  （提示）{event['answer']['text']}")
        if kind not in ("message", "edit") or not message or not message.get("from_bot"):
            return
        where = self.names.get(message["chat"]["id"], "私聊")
        label = "更新" if kind == "edit" else "网格通"
        body = message.get("text") or message.get("caption") or ("[照片]" if message.get("photo") else "")
        print(f"\n[{where}] {label}：{body}")
        for i, text in enumerate(button_texts(message), start=1):  # what `:press N` presses
            print(f"    ({i}) {text}")
        if keyboard_texts(message):  # a reply keyboard: its buttons are typed, not pressed
            print(f"    键盘：{' | '.join(keyboard_texts(message))}")


def _help(directory: Directory) -> str:
    """The terminal's help, with this district's people and a place of it."""
    def first(role: str, fallback: str) -> str:
        return next((p.name for p in directory.people if p.role == role), fallback)

    worker = directory.person(directory.guide_worker) if directory.guide_worker else None
    place = directory.places[0] if directory.places else Place("网格中心", 37.8605, 112.5640)
    return HELP.format(resident=RESIDENT_NAME, worker=worker.name if worker else first("worker", "网格员姓名"),
                       command=first("command", "指挥中心人员姓名"), lat=place.lat, lon=place.lon, place=place.name)


def _read_line(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None
