"""Moments as people read them, written one way wherever they appear (cards, /todo, digests and
their CSV lists, the dashboard, /history, /my).

Two kinds of moment, two functions:

* `deadline` — when something must be done by. A deadline at local midnight is the end of the
  day before, and reads as an office states it: "12-03 24:00", never "12-04 00:00" (which a
  worker reads as a day later than it is).
* `moment` — when something happened or will happen (a step in a ticket's history, the time of
  a reminder): "12-04 00:00" is the first minute of the 4th.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DAY, YEAR_DAY = "%m-%d", "%Y-%m-%d"  # with the year in a workbook, which outlives the month
NONE = "—"


def deadline(at: dt.datetime | None, tz: ZoneInfo, *, year: bool = False, none: str = NONE) -> str:
    """Month-day hour:minute of a deadline where people are; local midnight is 24:00 of the day before."""
    if at is None:
        return none
    local = at.astimezone(tz)
    day = YEAR_DAY if year else DAY
    if (local.hour, local.minute) == (0, 0):
        return (local - dt.timedelta(days=1)).strftime(day) + " 24:00"
    return local.strftime(f"{day} %H:%M")


def moment(at: dt.datetime | None, tz: ZoneInfo, *, year: bool = False, none: str = NONE) -> str:
    """Month-day hour:minute of an event where people are."""
    if at is None:
        return none
    return at.astimezone(tz).strftime(f"{YEAR_DAY if year else DAY} %H:%M")
