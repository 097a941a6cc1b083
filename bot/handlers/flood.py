"""Flood control per person: a resident who sends a burst is asked to slow down once,
and what they sent is still kept (the caller stores it quietly)."""

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

    def check(self, user_id: int) -> str:
        """'ok', 'warn' (first message over the limit in this window) or 'quiet'."""
        now = self._now()
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
