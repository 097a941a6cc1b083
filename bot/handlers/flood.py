"""Flood control per person: a resident who sends a burst is asked to slow down once,
and what they sent is still kept (the caller stores it quietly).

Only people heard from within the window are remembered: the others are forgotten as the
window passes (swept every window), so ten thousand residents a day leave nothing behind."""

from __future__ import annotations

import time
from collections import deque


class FloodGuard:
    def __init__(self, max_messages: int, window_seconds: float, monotonic=time.monotonic) -> None:
        self.max = max_messages
        self.window = window_seconds
        self._now = monotonic
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._swept = monotonic()

    def check(self, user_id: int) -> str:
        """'ok', 'warn' (first message over the limit in this window) or 'quiet'."""
        now = self._now()
        if now - self._swept > self.window:
            self._forget_quiet(now)
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.max:
            return "ok"
        if now - self._warned.get(user_id, -1e18) > self.window:
            self._warned[user_id] = now
            return "warn"
        return "quiet"


    def _forget_quiet(self, now: float) -> None:
        """Drop whoever sent nothing within the window and was not warned within it."""
        self._swept = now
        self._seen = {uid: seen for uid, seen in self._seen.items() if seen and now - seen[-1] <= self.window}
        self._warned = {uid: at for uid, at in self._warned.items() if now - at <= self.window}

    def __len__(self) -> int:
        """People remembered now."""
        return len(self._seen)
