"""Keeping the demo's chats and clock between runs: the sandbox's chats are written beside the
database, and the clock goes on from where the last run left it."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.sandbox.botapi import LoopbackBotAPI

log = logging.getLogger("gridbot.sandbox.web")

JSONDict = dict[str, Any]


def save_state(path: Path, api: LoopbackBotAPI, clock: Clock) -> None:
    data = {"sandbox": api.export_state(), "clock": {"now": clock.now().timestamp()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def read_state(path: Path) -> tuple[JSONDict | None, float | None]:
    """What save_state() wrote: the sandbox's chats, and the clock's time then (the clock must
    never run back: deadlines already claimed must stay in the past). Unreadable: nothing."""
    if not path.exists():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sandbox = data["sandbox"]
        saved_now = float((data.get("clock") or {}).get("now") or 0) or None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("could not read %s (%s): the chats start empty", path, exc)
        return None, None
    return sandbox, saved_now


def clock_after(saved_now: float | None, *, scale: float = 1.0) -> Clock:
    """A clock that goes on from where the last run left it, never before the real time."""
    offset = max(0.0, (saved_now or 0.0) - time.time())
    return Clock(scale=scale, offset=dt.timedelta(seconds=offset))
