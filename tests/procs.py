"""Helpers for tests that run `gridbot run` as real processes and kill them.

* `ProbedBotAPI`: the loopback Bot API plus two things a kill test needs: it records each call
  as it *arrives* (the base class records a call only once answered), so a test can wait for a
  send to be in flight; and `hold()` parks one chosen call until the test lets it go, applied
  (Telegram got it, the client never heard back) or refused (it never got there).
* `BotProcess`: one `gridbot run` subprocess with the sandbox's environment; its log goes to a
  file (a pipe nobody reads would fill and stall the bot), shown when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest_asyncio

from bot.sandbox import BotAPIError, LoopbackBotAPI

GRIDBOT = Path(sys.executable).with_name("gridbot")
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "yingze.yaml"


@dataclass
class _Hold:
    method: str
    match: Callable[[dict], bool]
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    apply: bool = True
    params: dict | None = None


class ProbedBotAPI(LoopbackBotAPI):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.arrivals: list[tuple[str, dict]] = []  # (method, params) in the order calls came in
        self._current_params: dict = {}
        self._holds: list[_Hold] = []

    def hold(self, method: str, match: Callable[[dict], bool] = lambda params: True) -> _Hold:
        """Park the next call of `method` whose params satisfy `match` until `release()`."""
        hold = _Hold(method.lower(), match)
        self._holds.append(hold)
        return hold

    def release(self, hold: _Hold, *, apply: bool) -> None:
        """Let a held call go on: `apply=True` performs it (the message exists), False answers
        502 without performing it (it never reached Telegram)."""
        hold.apply = apply
        hold.released.set()

    def arrived(self, method: str, since: int = 0) -> int:
        """How many calls of `method` arrived at or after arrival index `since`."""
        return sum(1 for name, _ in self.arrivals[since:] if name.lower() == method.lower())

    async def _apply_delay(self, method: str) -> None:  # called for every call, before it is handled
        params = self._current_params
        self.arrivals.append((method, params))
        self._notify()
        for hold in self._holds:
            if hold.method == method.lower() and hold.params is None and hold.match(params):
                hold.params = params
                hold.arrived.set()
                self._notify()
                await hold.released.wait()
                if not hold.apply:
                    raise BotAPIError(502, "Bad Gateway")
                break
        await super()._apply_delay(method)

    async def _read_params(self, request):  # keep the params at hand for _apply_delay
        params = await super()._read_params(request)
        self._current_params = params
        return params


def text_of(params: dict) -> str:
    value = params.get("text") or params.get("caption") or ""
    return value if isinstance(value, str) else ""


class BotProcess:
    """`gridbot run [ARGS]` against a sandbox, its stderr in `log_path`."""

    def __init__(self, api: LoopbackBotAPI, db_url: str, log_path: Path, *args: str, **env: str) -> None:
        self.api = api
        self.args = args or ("run", "--no-web")
        self.log_path = log_path
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TELEGRAM_", "GRIDBOT_", "DATABASE_URL"))}
        self.env.update(
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_BOT_TOKEN=api.token,
            DATABASE_URL=db_url,
            GRIDBOT_JURISDICTION=str(EXAMPLE),
            PYTHONUNBUFFERED="1",
            **env,
        )
        self.proc: asyncio.subprocess.Process | None = None
        self.first_arrival = 0

    async def start(self) -> BotProcess:
        assert GRIDBOT.exists(), f"{GRIDBOT} is missing: run ./scripts/setup-env"
        self.first_arrival = len(getattr(self.api, "arrivals", []))
        self._log = open(self.log_path, "ab")
        self.proc = await asyncio.create_subprocess_exec(
            str(GRIDBOT), *self.args, env=self.env, cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL, stdout=self._log, stderr=self._log,
        )
        return self

    async def polling(self, timeout: float = 60) -> None:
        """Wait until this process has asked for updates (an older, killed process's parked
        poll would keep the sandbox's `polling` flag up, so count this one's calls)."""
        api = self.api
        await api.wait_for(lambda: api.arrived("getUpdates", self.first_arrival) or self.died(),
                           timeout, what="the bot's first getUpdates")
        assert not self.died(), f"gridbot exited with {self.proc.returncode}:\n{self.log()}"

    def died(self) -> bool:
        return self.proc is not None and self.proc.returncode is not None

    async def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a power cut or the OOM killer would do it."""
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
        self._close_log()

    async def stop(self, timeout: float = 20) -> int | None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._close_log()
        return self.proc.returncode if self.proc else None

    def _close_log(self) -> None:
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
        except FileNotFoundError:
            return ""


# ─── fixtures (import them into a test module to use them) ─────────────────────────────────


@pytest_asyncio.fixture
async def api():
    async with ProbedBotAPI() as api:
        yield api


@pytest_asyncio.fixture
async def district(db, api):
    """The sample district in the database, its group chats known to the sandbox."""
    from bot.models import ChatBinding
    from bot.jurisdiction.load import load_jurisdiction_file

    await load_jurisdiction_file(EXAMPLE)
    for binding in await ChatBinding.all():
        api.add_chat(binding.chat_id, "supergroup", binding.title)


@pytest_asyncio.fixture
async def bots(api, db_url, tmp_path):
    """`await bots(*args, **env)` starts `gridbot run` (default args: run --no-web); whatever is
    still running at the end is killed, and every process's log is printed (shown on failure)."""
    started: list[BotProcess] = []

    async def start(*args: str, **env: str) -> BotProcess:
        proc = await BotProcess(api, db_url, tmp_path / f"bot{len(started)}.log", *args, **env).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        await proc.kill()
    for proc in started:
        print(f"--- {proc.log_path.name} ---\n{proc.log()}")


def buttons(message: dict) -> list[str]:
    return [b["text"] for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def until(predicate: Callable[[], Any], timeout: float = 30) -> None:
    """For database state the sandbox cannot announce: look again every 50 ms."""
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)
