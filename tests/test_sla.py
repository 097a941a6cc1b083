"""The SLA policy file and the deadlines it produces.

Expected moments are worked out by hand from the shipped bot/policy/sla.yaml:
defaults 24 h / 48 h / 5 working days; 部门会商 15 working days; urgent 1 h / 2 h / 1 working day;
safety 2 h / 4 h / 2 working days, urgent safety due within 2 hours; rating 3 days; explanation 24 h.
March 2026 has no public holiday (Mon 09..Fri 13, Mon 16..Fri 20, Mon 23..Fri 27 are working days).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.sla.policy import Deadlines, PolicyError, SlaPolicy
from bot.sla.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
SHIPPED = Path(__file__).resolve().parent.parent / "bot" / "policy" / "sla.yaml"

# Friday 2026-03-06 10:00 in Shanghai = 02:00 UTC.
FILED = dt.datetime(2026, 3, 6, 10, 0, tzinfo=SH)
FILED_UTC = dt.datetime(2026, 3, 6, 2, 0, tzinfo=UTC)


def end_of_local_day(y, m, d):
    """Local midnight after that day, in UTC (Shanghai is UTC+8 all year: 16:00 UTC the same date)."""
    return dt.datetime(y, m, d, 16, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy():
    return SlaPolicy.load()


@pytest.fixture
def cal():
    return WorkCalendar()


def deadlines(policy, cal, category, urgent, filed=FILED, **kw):
    return policy.deadlines(category, urgent, filed, calendar=cal, tz=SH, **kw)


# --- the shipped policy -----------------------------------------------------------------------

def test_default_clocks(policy, cal):
    d = deadlines(policy, cal, "noise", False)
    assert d.yellow_at == FILED_UTC + dt.timedelta(hours=24)
    assert d.red_at == FILED_UTC + dt.timedelta(hours=48)
    # 5 working days after Fri 03-06: Mon 09 .. Fri 13 -> end of 03-13.
    assert d.due_at == end_of_local_day(2026, 3, 13)
    assert (d.due_workdays, d.due_hours) == (5, None)
    assert all(t.tzinfo == UTC for t in (d.yellow_at, d.red_at, d.due_at))
    assert policy.describe_due(d) == "5个工作日内办结"


def test_cross_department_gets_fifteen_workdays(policy, cal):
    d = deadlines(policy, cal, "construction", False, cross_department=True)
    # Mon 09..Fri 13 (1-5), Mon 16..Fri 20 (6-10), Mon 23..Fri 27 (11-15) -> end of 03-27.
    assert d.due_at == end_of_local_day(2026, 3, 27)
    assert d.due_workdays == 15
    assert policy.describe_due(d) == "15个工作日内办结"
    # The acceptance lights do not change for 部门会商.
    assert d.yellow_at == FILED_UTC + dt.timedelta(hours=24)


def test_cross_department_into_2027_does_not_crash(policy, cal):
    # Sun 2026-12-20 + 15 working days (weekday fallback in 2027): Dec 21-25, 28-31, Fri 2027-01-01,
    # Jan 04-08 -> end of Fri 2027-01-08.
    d = deadlines(policy, cal, "dispute", False, filed=dt.datetime(2026, 12, 20, 9, 0, tzinfo=SH),
                  cross_department=True)
    assert d.due_at == end_of_local_day(2027, 1, 8)


def test_urgent_clocks(policy, cal):
    d = deadlines(policy, cal, "noise", True)
    assert d.yellow_at == FILED_UTC + dt.timedelta(hours=1)
    assert d.red_at == FILED_UTC + dt.timedelta(hours=2)
    # A present danger: someone on site within two clock hours, whatever the day.
    assert d.due_at == FILED_UTC + dt.timedelta(hours=2)
    assert policy.describe_due(d) == "2小时内到场处置"


def test_every_urgent_danger_gets_the_same_promise(policy, cal):
    # 燃气泄漏 is classified safety, 电梯困人 utility: the danger sets the clock, not the category.
    promises = {code: policy.describe_due(deadlines(policy, cal, code, True)) for code in
                ("noise", "fumes", "facility", "sanitation", "construction", "street_order", "dispute",
                 "safety", "utility", "other")}
    assert set(promises.values()) == {"2小时内到场处置"}, promises


def test_urgent_wins_over_cross_department(policy, cal):
    d = deadlines(policy, cal, "noise", True, cross_department=True)
    assert d.due_at == FILED_UTC + dt.timedelta(hours=2)   # still two hours, not 15 working days
    assert (d.due_workdays, d.due_hours) == (None, 2)


def test_safety_category_is_shorter(policy, cal):
    d = deadlines(policy, cal, "safety", False)
    assert d.yellow_at == FILED_UTC + dt.timedelta(hours=2)
    assert d.red_at == FILED_UTC + dt.timedelta(hours=4)
    # Two working days after Fri 03-06: Mon 09, Tue 10 -> end of 03-10.
    assert d.due_at == end_of_local_day(2026, 3, 10)
    assert policy.describe_due(d) == "2个工作日内办结"


def test_urgent_safety_is_due_in_hours(policy, cal):
    d = deadlines(policy, cal, "safety", True)
    # Global urgent lights (1 h / 2 h) and deadline (2 clock hours) over safety's own clocks.
    assert d.yellow_at == FILED_UTC + dt.timedelta(hours=1)
    assert d.red_at == FILED_UTC + dt.timedelta(hours=2)
    assert d.due_at == FILED_UTC + dt.timedelta(hours=2)
    assert (d.due_workdays, d.due_hours) == (None, 2)
    assert policy.describe_due(d) == "2小时内到场处置"


def test_rating_and_explanation_windows(policy):
    assert policy.rating_timeout == dt.timedelta(days=3)
    assert policy.explanation_deadline == dt.timedelta(hours=24)


def test_unknown_category_and_naive_time_are_refused(policy, cal):
    with pytest.raises(ValueError, match="pigeons"):
        deadlines(policy, cal, "pigeons", False)
    with pytest.raises(ValueError):
        deadlines(policy, cal, "noise", False, filed=dt.datetime(2026, 3, 6, 10, 0))


def test_deadlines_is_frozen(policy, cal):
    d = deadlines(policy, cal, "noise", False)
    assert isinstance(d, Deadlines)
    with pytest.raises(AttributeError):
        d.due_at = FILED_UTC  # type: ignore[misc]


# --- a policy of one's own --------------------------------------------------------------------

def shipped_data():
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path, data):
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_custom_category_in_hours_and_minutes(tmp_path, cal):
    data = shipped_data()
    data["categories"]["fumes"] = {"yellow_after_hours": 0.25, "red_after_hours": 0.5, "due_hours": 0.5}
    policy = SlaPolicy.load(write(tmp_path, data))
    d = policy.deadlines("fumes", False, FILED, calendar=cal, tz=SH)
    assert d.yellow_at == FILED_UTC + dt.timedelta(minutes=15)
    assert d.due_at == FILED_UTC + dt.timedelta(minutes=30)
    assert policy.describe_due(d) == "30分钟内到场处置"
    # The other categories keep the defaults.
    assert policy.deadlines("noise", False, FILED, calendar=cal, tz=SH).due_workdays == 5


def test_category_due_hours_replaces_inherited_workdays(tmp_path, cal):
    data = shipped_data()
    data["categories"]["utility"] = {"due_hours": 12}
    policy = SlaPolicy.load(write(tmp_path, data))
    d = policy.deadlines("utility", False, FILED, calendar=cal, tz=SH)
    assert (d.due_workdays, d.due_hours) == (None, 12)
    assert d.due_at == FILED_UTC + dt.timedelta(hours=12)
    assert d.red_at == FILED_UTC + dt.timedelta(hours=48)   # lights from defaults


def _set(data, dotted, value):
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


def _drop(data, dotted):
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        node = node[key]
    del node[last]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: _set(d, "defaults.red_after_hours", "soon"), "defaults.red_after_hours"),
        (lambda d: _set(d, "defaults.due_workdays", True), "defaults.due_workdays"),
        (lambda d: _set(d, "defaults.due_workdays", 2.5), "defaults.due_workdays"),
        (lambda d: _set(d, "categories.safety.yelow_after_hours", 1), "categories.safety.yelow_after_hours"),
        (lambda d: _set(d, "categories.fire", {"due_workdays": 1}), "categories.fire"),
        (lambda d: _set(d, "urgent.due_workdays", 1), "urgent.due_hours"),         # both due keys
        (lambda d: _set(d, "urgent.yellow_after_hours", 3), "urgent.red_after_hours"),  # red before yellow
        (lambda d: _set(d, "rating_timeout_days", 0), "rating_timeout_days"),
        (lambda d: _set(d, "explanation_deadline_hours", -1), "explanation_deadline_hours"),
        (lambda d: _set(d, "escalation", {}), "escalation"),
        (lambda d: _drop(d, "rating_timeout_days"), "rating_timeout_days"),
        (lambda d: _drop(d, "defaults.due_workdays"), "defaults.due_workdays"),
        (lambda d: _drop(d, "cross_department"), "cross_department"),
    ],
)
def test_bad_policy_file_is_refused_with_the_key_named(tmp_path, change, named):
    data = shipped_data()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(PolicyError) as info:
        SlaPolicy.load(path)
    message = str(info.value)
    assert named in message
    assert str(path) in message


def test_unparsable_policy_file_is_refused(tmp_path):
    path = tmp_path / "sla.yaml"
    path.write_text("defaults: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="YAML"):
        SlaPolicy.load(path)


def test_clock_statuses_match_the_ticket_model():
    # The sweep filters on these; a status added to the model must be placed on purpose.
    from bot.models import OPEN_STATUSES, Status
    from bot.sla.policy import DUE_RUNS_IN, LIGHTS_RUN_IN

    assert set(DUE_RUNS_IN) == {s.value for s in OPEN_STATUSES}
    assert set(LIGHTS_RUN_IN) == {Status.TRIAGE.value, Status.ASSIGNED.value}
