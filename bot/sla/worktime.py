"""Limits counted in working time: working hours (道路不洁 5 个工作小时) and shares of a limit
(a light at 80% of a step's time).

Working hours are windows of local time (sla.yaml `work_hours`, e.g. 08:30–12:00 and 13:30–17:30)
on working days — the same calendar of holidays and make-up days as every working-day deadline
(bot/sla/workdays.py: the override file, then chinesecalendar, then Monday–Friday with a logged
warning for a year the package does not know). Time outside the windows does not count: a
5-working-hour limit filed at 16:00 on a Friday has 1.5 h that day and falls due on Monday at
12:00, the end of the morning window.

Three units a limit may be given in, each measured by `Span`:

* `hours`      clock hours, 7×24;
* `work_hours` working hours inside the windows;
* `workdays`   whole working days, as `WorkCalendar.add_workdays` counts them: the filing day
  never counts and the limit ends at the end (local midnight) of the n-th working day after
  it. A share of it (80%) counts the whole 24 h of each working day from the start of the
  first one, so 80% of 5 working days is the end of the 4th.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.sla.workdays import WorkCalendar

UTC = dt.timezone.utc
HOURS, WORK_HOURS, WORKDAYS = "hours", "work_hours", "workdays"
UNITS = (HOURS, WORK_HOURS, WORKDAYS)
DAY = dt.timedelta(days=1)
WHOLE_DAY = ((dt.timedelta(0), DAY),)
MAX_DAYS = 3660  # a walk gives up after ten years: a limit that long is a typo, not a deadline

# Windows as offsets from local midnight: (start, end), sorted, not overlapping.
Windows = Sequence[tuple[dt.timedelta, dt.timedelta]]


def offset(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute)


@dataclass(frozen=True)
class Limit:
    """A step's time allowed: `amount` of `unit` (one of UNITS)."""

    unit: str
    amount: float

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unknown unit {self.unit!r}")

    def as_list(self) -> list:
        return [self.unit, self.amount]

    @classmethod
    def from_list(cls, raw) -> Limit:
        return cls(str(raw[0]), float(raw[1]))


class Span:
    """Adds and measures working time on a calendar, in the zone people live in."""

    def __init__(self, calendar: WorkCalendar, tz: ZoneInfo, work_hours: Windows | None = None) -> None:
        self.calendar = calendar
        self.tz = tz
        self.work_hours = tuple(work_hours or ())

    # --- limits ------------------------------------------------------------------------------

    def deadline(self, start: dt.datetime, limit: Limit, share: float = 1.0) -> dt.datetime:
        """The moment `share` of `limit` has passed since `start` (aware; result UTC)."""
        start = _utc(start)
        if limit.unit == HOURS:
            return start + dt.timedelta(hours=limit.amount * share)
        if limit.unit == WORK_HOURS:
            return self.add(start, dt.timedelta(hours=limit.amount * share), self._windows())
        n = int(limit.amount)
        if share == 1.0:
            return self.calendar.add_workdays(start, n, self.tz)
        # From the start of the first working day after the filing day, whole working days count.
        first = self.calendar.next_workday(start.astimezone(self.tz).date())
        begin = dt.datetime.combine(first, dt.time(0), tzinfo=self.tz).astimezone(UTC)
        return self.add(begin, DAY * (n * share), WHOLE_DAY)

    def shifted(self, moment: dt.datetime, unit: str, paused_from: dt.datetime, paused_to: dt.datetime) -> dt.datetime:
        """`moment` moved later by the time a pause took, as the limit's unit counts it: the clock
        time (hours), the working time inside the windows (work_hours), or the working days the
        pause reached into after the day it began (workdays: a pause within one day buys none)."""
        moment, paused_from, paused_to = _utc(moment), _utc(paused_from), _utc(paused_to)
        if paused_to <= paused_from:
            return moment
        if unit == HOURS:
            return moment + (paused_to - paused_from)
        if unit == WORK_HOURS:
            return self.add(moment, self.between(paused_from, paused_to, self._windows()), self._windows())
        days = self.calendar.workdays_between(paused_from.astimezone(self.tz).date(),
                                              paused_to.astimezone(self.tz).date())
        local = moment.astimezone(self.tz)
        midnight = (local.hour, local.minute, local.second) == (0, 0, 0)
        day = local.date() - DAY if midnight else local.date()  # a deadline at 24:00 ends the day before
        for _ in range(days):
            day = self.calendar.next_workday(day)
        if midnight:
            return dt.datetime.combine(day + DAY, dt.time(0), tzinfo=self.tz).astimezone(UTC)
        return dt.datetime.combine(day, local.time(), tzinfo=self.tz).astimezone(UTC)

    # --- the walk ----------------------------------------------------------------------------

    def add(self, start: dt.datetime, amount: dt.timedelta, windows: Windows) -> dt.datetime:
        """The moment `amount` of time inside `windows` on working days has passed since `start`.
        A deadline that uses up a window exactly is that window's end (12:00, not 13:30)."""
        start = _utc(start)
        left = amount
        if left <= dt.timedelta(0):
            return start
        day = start.astimezone(self.tz).date()
        for _ in range(MAX_DAYS):
            if self.calendar.is_workday(day):
                midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
                for begin, end in windows:
                    w_start = _local_at(midnight, begin)
                    w_end = _local_at(midnight, end)
                    if w_end <= start:
                        continue
                    frm = max(w_start, start)
                    room = w_end - frm
                    if left <= room:
                        return frm + left
                    left -= room
            day += DAY
        raise ValueError(f"working time of {amount} from {start} does not end within {MAX_DAYS} days")

    def between(self, a: dt.datetime, b: dt.datetime, windows: Windows) -> dt.timedelta:
        """Time inside `windows` on working days between `a` and `b`."""
        a, b = _utc(a), _utc(b)
        total = dt.timedelta(0)
        day = a.astimezone(self.tz).date()
        last = b.astimezone(self.tz).date()
        while day <= last:
            if self.calendar.is_workday(day):
                midnight = dt.datetime.combine(day, dt.time(0), tzinfo=self.tz)
                for begin, end in windows:
                    frm, to = max(_local_at(midnight, begin), a), min(_local_at(midnight, end), b)
                    if to > frm:
                        total += to - frm
            day += DAY
        return total

    def _windows(self) -> Windows:
        if not self.work_hours:
            raise ValueError("a limit in working hours needs sla.yaml's work_hours")
        return self.work_hours


def _local_at(midnight: dt.datetime, off: dt.timedelta) -> dt.datetime:
    """Local midnight plus an offset, as the wall clock reads it (24:00 is the next midnight)."""
    if off >= DAY:
        return dt.datetime.combine(midnight.date() + DAY, dt.time(0), tzinfo=midnight.tzinfo).astimezone(UTC)
    wall = dt.datetime.combine(midnight.date(), (dt.datetime.min + off).time(), tzinfo=midnight.tzinfo)
    return wall.astimezone(UTC)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time needs aware datetimes")
    return moment.astimezone(UTC)
