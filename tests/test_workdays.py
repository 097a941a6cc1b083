"""Working days and deadlines counted in them.

Expected dates are worked out by hand in the comments, from the 2026 calendar
(chinesecalendar 1.11: Spring Festival off 02-15..02-23, make-up Saturdays 02-14 and 02-28;
Labour Day off 05-01..05-05, make-up Saturday 05-09; March 2026 has no holiday).
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest

from bot.sla import workdays
from bot.sla.workdays import WorkCalendar, WorkdayFileError

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


def local(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture
def cal():
    return WorkCalendar()


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which unknown years this process already warned about, so caplog sees the warning."""
    monkeypatch.setattr(workdays, "_warned_years", set())


# --- single days ------------------------------------------------------------------------------

def test_package_holidays_and_make_up_days(cal):
    assert cal.is_workday(dt.date(2026, 2, 14)) is True    # Saturday, make-up workday for 春节
    assert cal.is_workday(dt.date(2026, 2, 16)) is False   # Monday inside the Spring Festival break
    assert cal.is_workday(dt.date(2026, 10, 10)) is True   # Saturday, make-up workday for 国庆
    assert cal.is_workday(dt.date(2026, 3, 7)) is False    # ordinary Saturday


# --- add_workdays ----------------------------------------------------------------------------

def test_five_workdays_across_a_weekend(cal):
    # Filed Friday 2026-03-06 19:30 local. The filing day does not count; Mon 09 .. Fri 13 are
    # working days 1..5, so the case is due at the end of Friday 03-13 = Sat 03-14 00:00 local
    # = 2026-03-13 16:00 UTC.
    due = cal.add_workdays(local(2026, 3, 6, 19, 30), 5, SH)
    assert due == dt.datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    assert due.tzinfo == UTC


def test_the_filing_hour_does_not_matter_but_the_local_date_does(cal):
    # Friday 03-06 08:00 local: same day as above, same deadline.
    assert cal.add_workdays(local(2026, 3, 6, 8, 0), 5, SH) == dt.datetime(2026, 3, 13, 16, 0, tzinfo=UTC)
    # 2026-03-05 17:30 UTC is Thursday in UTC but already Friday 01:30 in Shanghai: the local date
    # (Friday) is what counts, so again end of Friday 03-13. Counting from the UTC date (Thursday)
    # would give Fri 06, Mon 09 .. Thu 12 -> end of Thursday 03-12.
    filed = dt.datetime(2026, 3, 5, 17, 30, tzinfo=UTC)
    assert cal.add_workdays(filed, 5, SH) == dt.datetime(2026, 3, 13, 16, 0, tzinfo=UTC)


def test_five_workdays_across_spring_festival_2026(cal):
    # Filed Friday 2026-02-13 evening. Sat 02-14 is a make-up workday (1); 02-15..02-23 are the
    # holiday; Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5) -> end of 02-27 = 02-28 00:00 local
    # = 02-27 16:00 UTC.
    # (Weekdays only would give end of Fri 02-20; holidays without make-up days end of Mon 03-02.)
    due = cal.add_workdays(local(2026, 2, 13, 20, 0), 5, SH)
    assert due == dt.datetime(2026, 2, 27, 16, 0, tzinfo=UTC)


def test_make_up_saturday_counts_as_a_workday(cal):
    # Filed Wed 2026-02-25: Thu 26 (1), Fri 27 (2), Sat 28 is a make-up workday (3)
    # -> end of Sat 02-28 = 03-01 00:00 local = 02-28 16:00 UTC. Skipping it would give Mon 03-02.
    assert cal.add_workdays(local(2026, 2, 25, 10, 0), 3, SH) == dt.datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    # Filed Fri 2026-05-08, one working day: Sat 05-09 is a make-up workday -> end of 05-09.
    assert cal.add_workdays(local(2026, 5, 8, 15, 0), 1, SH) == dt.datetime(2026, 5, 9, 16, 0, tzinfo=UTC)


def test_filed_on_a_holiday_counts_from_the_next_workday(cal):
    # Filed Tue 2026-02-17, inside the Spring Festival break. The first working day after it is
    # Tue 02-24 (day 1) -> end of 02-24 = 02-25 00:00 local = 02-24 16:00 UTC.
    assert cal.add_workdays(local(2026, 2, 17, 11, 0), 1, SH) == dt.datetime(2026, 2, 24, 16, 0, tzinfo=UTC)
    # Filed Sat 2026-03-07 (ordinary weekend): Mon 09..Fri 13 -> same as a Friday filing.
    assert cal.add_workdays(local(2026, 3, 7, 11, 0), 5, SH) == dt.datetime(2026, 3, 13, 16, 0, tzinfo=UTC)


def test_add_workdays_refuses_naive_datetimes_and_zero_days(cal):
    with pytest.raises(ValueError):
        cal.add_workdays(dt.datetime(2026, 3, 6, 10, 0), 5, SH)
    with pytest.raises(ValueError):
        cal.add_workdays(local(2026, 3, 6, 10, 0), 0, SH)


# --- years the package does not know ----------------------------------------------------------

def test_fifteen_workdays_into_2027_falls_back_to_weekdays_with_one_warning(cal, caplog, fresh_warnings):
    # Filed Sun 2026-12-20. 2026 (package): Mon 21..Fri 25 (1-5), Mon 28..Thu 31 (6-9).
    # 2027 (unknown to the package -> Monday-Friday): Fri 01-01 (10), Mon 04..Fri 08 (11-15)
    # -> end of Fri 2027-01-08 = 01-09 00:00 local = 2027-01-08 16:00 UTC.
    caplog.set_level(logging.WARNING, logger="gridbot.workdays")
    due = cal.add_workdays(local(2026, 12, 20, 10, 0), 15, SH)
    assert due == dt.datetime(2027, 1, 8, 16, 0, tzinfo=UTC)
    # Asking again about 2027 must not repeat the warning.
    cal.add_workdays(local(2026, 12, 21, 10, 0), 15, SH)
    assert cal.is_workday(dt.date(2027, 1, 2)) is False   # Saturday
    warnings = [r for r in caplog.records if r.name == "gridbot.workdays" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2027" in warnings[0].getMessage()


def test_each_unknown_year_warns_once(cal, caplog, fresh_warnings):
    caplog.set_level(logging.WARNING, logger="gridbot.workdays")
    assert cal.is_workday(dt.date(2027, 3, 1)) is True    # Monday
    assert cal.is_workday(dt.date(2027, 3, 2)) is True    # Tuesday, same year: no new warning
    assert cal.is_workday(dt.date(2028, 3, 4)) is False   # Saturday, new year: one more warning
    years = [r.getMessage()[:40] for r in caplog.records if r.name == "gridbot.workdays"]
    assert len(years) == 2
    assert "2027" in years[0] and "2028" in years[1]


# --- the override file ------------------------------------------------------------------------

def write(tmp_path, text):
    path = tmp_path / "workdays.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_file_wins_over_the_package(tmp_path):
    cal = WorkCalendar.from_file(write(tmp_path, """
holidays:
  - 2026-03-10          # a Tuesday the package calls a working day
workdays:
  - "2026-03-14"        # a Saturday the package calls a day off (quoted: strings work too)
"""))
    assert cal.is_workday(dt.date(2026, 3, 10)) is False
    assert cal.is_workday(dt.date(2026, 3, 14)) is True
    # Filed Fri 03-06, 5 days: Mon 09 (1), Tue 10 off, Wed 11 (2), Thu 12 (3), Fri 13 (4),
    # Sat 14 (5) -> end of 03-14 = 03-15 00:00 local = 03-14 16:00 UTC.
    assert cal.add_workdays(local(2026, 3, 6, 10, 0), 5, SH) == dt.datetime(2026, 3, 14, 16, 0, tzinfo=UTC)


def test_override_file_covers_years_the_package_does_not_know(tmp_path, fresh_warnings):
    cal = WorkCalendar.from_file(write(tmp_path, "holidays: [2027-01-01]\nworkdays: []\n"))
    # Filed Wed 2026-12-30, 2 days: Thu 31 (1); Fri 2027-01-01 is off by the override;
    # Sat 02, Sun 03 weekend; Mon 04 (2) -> end of 01-04 = 01-05 00:00 local = 01-04 16:00 UTC.
    assert cal.add_workdays(local(2026, 12, 30, 10, 0), 2, SH) == dt.datetime(2027, 1, 4, 16, 0, tzinfo=UTC)


def test_shipped_override_file_loads():
    cal = WorkCalendar.from_file()
    # Whatever an admin adds, nothing may contradict itself; the shipped file is valid YAML.
    assert isinstance(cal.overrides, dict)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("holidays: [2026-03-10]\nworkdays: [2026-03-10]\n", "2026-03-10"),
        ("holiday: [2026-03-10]\n", "holiday"),
        ("holidays: [2026-13-40]\n", "holidays"),
        ("holidays: 2026-03-10\n", "holidays"),
    ],
)
def test_bad_override_file_is_refused(tmp_path, text, named):
    with pytest.raises(WorkdayFileError, match=named):
        WorkCalendar.from_file(write(tmp_path, text))


# --- counting ---------------------------------------------------------------------------------

def test_workdays_between(cal):
    # After Fri 02-13 up to and including Fri 02-27: 02-14 (make-up), 24, 25, 26, 27 = 5.
    assert cal.workdays_between(dt.date(2026, 2, 13), dt.date(2026, 2, 27)) == 5
    assert cal.workdays_between(dt.date(2026, 2, 27), dt.date(2026, 2, 13)) == 0
