"""One clock for the whole bot.

Every deadline, light and sweep asks this clock, never `datetime.now()`, so tests move time
instead of sleeping and the demo can run a day in a minute. The database keeps UTC; people see
the local zone (Asia/Shanghai by default).
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc


class Clock:
    """Wall time, optionally shifted and sped up (the demo's fast-forward)."""

    def __init__(self, *, scale: float = 1.0, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self._scale = scale
        self._offset = offset
        self._anchor_real = time.time()
        self._anchor_virtual = self._anchor_real

    def now(self) -> dt.datetime:
        real = time.time()
        virtual = self._anchor_virtual + (real - self._anchor_real) * self._scale
        return dt.datetime.fromtimestamp(virtual, UTC) + self._offset

    def advance(self, delta: dt.timedelta) -> None:
        """Jump ahead (never back: deadlines already claimed must stay in the past)."""
        if delta < dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        self._offset += delta

    def set_scale(self, scale: float) -> None:
        now = self.now() - self._offset
        self._anchor_real = time.time()
        self._anchor_virtual = now.timestamp()
        self._scale = scale

    @property
    def scale(self) -> float:
        return self._scale


class FrozenClock(Clock):
    """A clock that stands still until a test moves it."""

    def __init__(self, start: dt.datetime) -> None:
        super().__init__()
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> None:
        if delta < dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        self._now += delta

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(UTC)


def local_zone(name: str = "Asia/Shanghai") -> ZoneInfo:
    return ZoneInfo(name)
