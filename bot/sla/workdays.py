"""Working days in mainland China: holidays, make-up workdays (调休) and deadlines counted in them.

Three sources, asked in this order:

1. the override file `bot/policy/workdays.yaml` — what an admin typed in, e.g. the State Council's
   notice for next year before a new `chinesecalendar` release carries it, or a local extra day off;
2. the `chinese_calendar` package (official holidays and make-up workdays, 2004–2026 in 1.11);
3. for a year the package does not know: Monday–Friday. This is a guess, so it is logged once per
   year per process (logger "gridbot.workdays") — but it never raises: a ticket filed in mid-December
   must still get a deadline in January.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

from bot import yamlfile

log = logging.getLogger("gridbot.workdays")

UTC = dt.timezone.utc
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "policy" / "workdays.yaml"

# Years already warned about in this process: a sweep asks about the same dates thousands of times,
# and one line per year is enough to tell the admin the calendar needs updating.
_warned_years: set[int] = set()
_warn_lock = threading.Lock()


class _DatesAsText(yamlfile.SafeLoader):
    """SafeLoader that leaves 2027-01-01 as text, so a bad date is reported with its key
    (PyYAML's own date parsing raises a bare ValueError that names neither file nor key)."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class WorkdayFileError(ValueError):
    """The override file is malformed; the message names the file and the offending key."""


class WorkCalendar:
    """Answers "is this a working day?" and counts deadlines in working days."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        # date -> True (working day) / False (day off); wins over everything else.
        self._overrides: dict[dt.date, bool] = dict(overrides or {})

    @classmethod
    def from_file(cls, path: str | Path | None = None) -> WorkCalendar:
        """Build a calendar from the override file (default: the shipped `bot/policy/workdays.yaml`)."""
        path = Path(path) if path is not None else DEFAULT_PATH
        with open(path, encoding="utf-8") as fh:
            try:
                data = yaml.load(fh, Loader=_DatesAsText)  # noqa: S506 - a SafeLoader
            except yaml.YAMLError as exc:
                raise WorkdayFileError(f"{path}: not valid YAML: {exc}") from exc
        return cls(_parse_overrides(data, path))

    @property
    def overrides(self) -> dict[dt.date, bool]:
        return dict(self._overrides)

    # --- single days -------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        """True if `day` is a working day: override file, then the package, then Monday–Friday."""
        if isinstance(day, dt.datetime):
            # A datetime is also a date; its calendar day depends on the zone, so refuse to guess.
            raise TypeError("is_workday takes a date; convert the datetime to local time first")
        if day in self._overrides:
            return self._overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # The package has no data for this year (it raises for anything outside 2004–2026).
            self._warn_unknown_year(day.year)
            return day.weekday() < 5

    def next_workday(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    # --- deadlines ---------------------------------------------------------------------------

    def add_workdays(self, start: dt.datetime, n: int, tz: ZoneInfo) -> dt.datetime:
        """Deadline `n` working days after `start`, as an aware UTC datetime.

        Rule: take the local date of `start` (in `tz`); the filing day itself never counts, whatever
        the hour. Count working days strictly after it; the deadline is the END of the n-th one,
        i.e. the next local midnight after that day.

        - Filed Friday 19:00 with n=5 and no holiday in between: Mon..Fri are days 1..5, so the case
          is due at the end of the following Friday (Saturday 00:00 local).
        - Filed on a weekend or holiday: counting starts at the next working day, which is day 1 —
          the same deadline as a case filed on the last working day before the break.
        - A make-up workday (调休, e.g. Saturday 2026-02-14) counts like any working day.

        Why whole days: residents are promised "5个工作日内办结", which they read as "by the end of the
        5th working day", not "by the same minute"; it also keeps deadlines off the middle of the night.
        """
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("add_workdays needs an aware datetime")
        if n < 1:
            raise ValueError(f"n must be at least 1 working day, got {n}")
        day = start.astimezone(tz).date()
        for _ in range(n):
            day = self.next_workday(day)
        return _end_of_local_day(day, tz)

    def workdays_between(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a < d <= b (0 if b <= a).

        Same counting as `add_workdays`: the day a ticket was filed does not count, so for a ticket
        filed on local date `a` and closed on local date `b` this is the number of working days used;
        `workdays_between(a, nth_day) == n` for the day `add_workdays` ends on.
        """
        count = 0
        day = a + dt.timedelta(days=1)
        while day <= b:
            count += self.is_workday(day)
            day += dt.timedelta(days=1)
        return count

    # --- internals ---------------------------------------------------------------------------

    def _warn_unknown_year(self, year: int) -> None:
        with _warn_lock:
            if year in _warned_years:
                return
            _warned_years.add(year)
        known = sum(1 for d in self._overrides if d.year == year)
        log.warning(
            "chinese_calendar has no data for %d: treating Monday-Friday as working days "
            "(%d override date(s) for %d in the override file apply). "
            "Enter the State Council's holiday notice in bot/policy/workdays.yaml or upgrade chinesecalendar.",
            year, known, year,
        )


def _end_of_local_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """The local midnight that ends `day`, in UTC."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return midnight.astimezone(UTC)


def _parse_overrides(data: object, path: Path) -> dict[dt.date, bool]:
    """Turn the YAML document into {date: is_workday}, refusing anything ambiguous."""
    if data is None:  # an empty file (or only comments) means "no overrides"
        return {}
    if not isinstance(data, Mapping):
        raise WorkdayFileError(f"{path}: expected a mapping with keys 'holidays' and 'workdays'")
    unknown = set(data) - {"holidays", "workdays"}
    if unknown:
        raise WorkdayFileError(f"{path}: unknown key {sorted(map(str, unknown))[0]!r} (allowed: holidays, workdays)")
    holidays = _parse_dates(data.get("holidays"), "holidays", path)
    workdays = _parse_dates(data.get("workdays"), "workdays", path)
    both = holidays & workdays
    if both:
        raise WorkdayFileError(f"{path}: {min(both).isoformat()} is listed under both 'holidays' and 'workdays'")
    overrides = {d: False for d in holidays}
    overrides.update({d: True for d in workdays})
    return overrides


def _parse_dates(items: object, key: str, path: Path) -> set[dt.date]:
    if items is None:
        return set()
    if not isinstance(items, Iterable) or isinstance(items, (str, bytes, Mapping)):
        raise WorkdayFileError(f"{path}: '{key}' must be a list of ISO dates (YYYY-MM-DD)")
    return {_parse_date(item, key, path) for item in items}


def _parse_date(item: object, key: str, path: Path) -> dt.date:
    # Dates arrive as text (see _DatesAsText); a date object only when built in Python.
    if isinstance(item, dt.datetime):
        raise WorkdayFileError(f"{path}: '{key}' entry {item!r} has a time; give a date only")
    if isinstance(item, dt.date):
        return item
    if isinstance(item, str):
        try:
            return dt.date.fromisoformat(item.strip())
        except ValueError:
            pass
    raise WorkdayFileError(f"{path}: '{key}' entry {item!r} is not an ISO date (YYYY-MM-DD)")
