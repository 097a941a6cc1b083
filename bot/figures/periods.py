"""The periods figures are asked for: today, this week, a month; [start, end) in UTC, read in
the district's local time, with the label people read (2026年11月, 今日（11月23日）…)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import texts

UTC = dt.timezone.utc
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_TODAY = {"today", "day", "今天", "今日"}
_WEEK = {"week", "本周"}
_MONTH_WORDS = {"month", "本月"}
_LAST_MONTH = {"lastmonth", "last-month", "上月"}


class PeriodError(ValueError):
    """A period the user typed that we do not understand; the message is for them."""


@dataclass(frozen=True)
class Period:
    """[start, end): aware datetimes in UTC. `now` is when it was asked (deadlines after it are
    not overdue yet); `label` is how people read it (2026年11月, 今日（11月23日）…)."""

    start: dt.datetime
    end: dt.datetime
    label: str
    now: dt.datetime | None = None

    @property
    def cutoff(self) -> dt.datetime:
        """The end, or now if that is earlier: what can have fallen due by the time of asking."""
        return min(self.end, self.now) if self.now else self.end

    def __contains__(self, moment: dt.datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(UTC)


def _month(year: int, month: int, now: dt.datetime, tz: ZoneInfo) -> Period:
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(_local_midnight(first, tz), _local_midnight(following, tz),
                  texts.STATS_PERIOD_MONTH.format(year=year, month=month), now)


def period(spec: str | None, now: dt.datetime, tz: ZoneInfo) -> Period:
    """`today` | `week` (Monday to Sunday) | `month` (the default) | `YYYY-MM`, in local time
    (also 今天, 本周, 本月, and `lastmonth` / 上月). Raises PeriodError for anything else."""
    word = (spec or "month").strip().lower()
    local = now.astimezone(tz)
    today = local.date()
    if word in _TODAY:
        return Period(_local_midnight(today, tz), _local_midnight(today + dt.timedelta(days=1), tz),
                      texts.STATS_PERIOD_TODAY.format(month=today.month, day=today.day), now)
    if word in _WEEK:
        monday = today - dt.timedelta(days=today.weekday())
        sunday = monday + dt.timedelta(days=6)
        return Period(_local_midnight(monday, tz), _local_midnight(monday + dt.timedelta(days=7), tz),
                      texts.STATS_PERIOD_WEEK.format(start=_md(monday), end=_md(sunday)), now)
    if word in _MONTH_WORDS:
        return _month(today.year, today.month, now, tz)
    if word in _LAST_MONTH:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return _month(last.year, last.month, now, tz)
    match = _MONTH.fullmatch(word)
    if match and 1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= 2999:
        return _month(int(match[1]), int(match[2]), now, tz)
    raise PeriodError(texts.STATS_BAD_PERIOD.format(spec=(spec or "")[:20]))


def last_days(days: int, now: dt.datetime, tz: ZoneInfo) -> Period:
    """The last `days` local days, today included (the chart's 近30天)."""
    today = now.astimezone(tz).date()
    first = today - dt.timedelta(days=days - 1)
    return Period(_local_midnight(first, tz), _local_midnight(today + dt.timedelta(days=1), tz),
                  texts.STATS_PERIOD_DAYS.format(days=days, start=_md(first), end=_md(today)), now)


def _md(day: dt.date) -> str:
    return texts.STATS_MONTH_DAY.format(month=day.month, day=day.day)
