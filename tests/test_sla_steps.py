"""The steps model, working hours, sub-categories and pauses (bot/sla/steps.py, worktime.py,
clocks.py, pauses.py), with the example file examples/sla-steps.yaml.

Working hours 08:30–12:00 and 13:30–17:30 on working days. The 2026 dates: 国庆 Oct 1–7 off, the
make-up Saturday 10-10 a working day; 2027 is not in chinesecalendar 1.11 (Monday–Friday then).
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
import yaml

from bot import texts
from bot.clock import FrozenClock
from bot.config import Settings
from bot.figures import export, stats
from bot.figures.periods import Period
from bot.jurisdiction.load import load_jurisdiction_file
from bot.jurisdiction.people import SYSTEM
from bot.models import Light, Outbox, Staff, Status, Ticket, TicketEvent, Unit
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla import lights, pauses
from bot.sla.policy import PolicyError, SlaPolicy
from bot.sla.workdays import WorkCalendar
from bot.workflow import filing, moves
from tests.e2e import COMMAND_CHAT, EXAMPLE, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
ROOT = Path(__file__).resolve().parent.parent
STEPS_FILE = ROOT / "examples" / "sla-steps.yaml"
SHIPPED = ROOT / "bot" / "policy" / "sla.yaml"
MIN = dt.timedelta(minutes=1)
ROAD_DIRTY = "南海街1号院门口路面脏乱，没人清扫"


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture(scope="module")
def steps_policy() -> SlaPolicy:
    return SlaPolicy.load(STEPS_FILE)


def due_of(policy: SlaPolicy, filed: dt.datetime, cal: WorkCalendar | None = None, **kw) -> dt.datetime:
    d = policy.deadlines("sanitation", False, filed, calendar=cal or WorkCalendar(), tz=SH,
                         subcategory="road_dirty", **kw)
    return d.due_at.astimezone(SH)


# --- five working hours, the clock moved across every kind of day ------------------------------

@pytest.mark.parametrize(("filed", "due", "why"), [
    (local(2026, 11, 20, 16, 0), local(2026, 11, 23, 12, 0), "Friday 16:00: 1.5 h, the weekend, 3.5 h on Monday"),
    (local(2026, 11, 23, 11, 0), local(2026, 11, 23, 17, 30), "across the lunch break: 1 h, 12:00-13:30 off, 4 h"),
    (local(2026, 11, 23, 12, 30), local(2026, 11, 24, 9, 30), "filed at lunch: 4 h from 13:30, 1 h from 08:30"),
    (local(2026, 9, 30, 16, 0), local(2026, 10, 8, 12, 0), "the day before 国庆: Oct 1-7 off"),
    (local(2026, 10, 9, 16, 0), local(2026, 10, 10, 12, 0), "a make-up Saturday (10-10) is a working day"),
    (local(2026, 11, 21, 10, 0), local(2026, 11, 23, 15, 0), "filed on a Saturday: 3.5 h from Monday 08:30, 1.5 h from 13:30"),
])
def test_five_working_hours_fall_due_at_the_right_minute(steps_policy, filed, due, why):
    assert due_of(steps_policy, filed) == due, why


def test_into_2027_weekdays_count_and_the_admin_is_told(steps_policy, caplog):
    # chinesecalendar knows no 2027: Monday-Friday count, with one warning for the year …
    from bot.sla import workdays

    workdays._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="gridbot.workdays"):
        assert due_of(steps_policy, local(2026, 12, 31, 16, 0)) == local(2027, 1, 1, 12, 0)
    assert any("2027" in r.getMessage() and "workdays.yaml" in r.getMessage() for r in caplog.records)
    # … until the State Council's notice is typed into workdays.yaml: 元旦 off, Monday then.
    cal = WorkCalendar({dt.date(2027, 1, 1): False})
    assert due_of(steps_policy, local(2026, 12, 31, 16, 0), cal) == local(2027, 1, 4, 12, 0)


def test_shares_of_a_limit(steps_policy):
    cal = WorkCalendar()
    span = steps_policy.span(cal, SH)
    from bot.sla.worktime import Limit

    start = local(2026, 11, 20, 16, 0)  # Friday
    assert span.deadline(start, Limit("work_hours", 2), 0.8).astimezone(SH) == local(2026, 11, 23, 8, 36)
    assert span.deadline(start, Limit("hours", 24), 0.8).astimezone(SH) == local(2026, 11, 21, 11, 12)
    # 80% of 5 working days is the end of the 4th (Mon..Thu), 100% the end of Friday.
    assert span.deadline(start, Limit("workdays", 5), 0.8).astimezone(SH) == local(2026, 11, 27, 0, 0)
    assert span.deadline(start, Limit("workdays", 5)).astimezone(SH) == local(2026, 11, 28, 0, 0)


# --- the file: both models, each documented, every mistake named -------------------------------

def test_the_shipped_file_is_the_filing_model_and_the_example_is_steps(steps_policy):
    shipped = SlaPolicy.load()
    assert shipped.model == "filing" and not shipped.steps_model and shipped.pauses == {}
    assert steps_policy.steps_model and set(steps_policy.pauses) == {"resident", "consult"}
    rule = steps_policy.rule_for("noise", False)
    assert {s: (c.limit.unit, c.limit.amount, c.yellow_at, c.red_at) for s, c in rule.steps.items()} == {
        "dispatch": ("hours", 24, 0.8, 1.0), "accept": ("work_hours", 2, 0.8, 1.0),
        "handle": ("workdays", 7, 0.8, 1.0), "callback": ("hours", 24, 0.8, 1.0)}
    assert steps_policy.rule_for("utility", False).steps["dispatch"].limit.amount == 2
    assert steps_policy.rule_for("noise", True).steps["handle"].limit.as_list() == ["hours", 2]
    assert steps_policy.rule_for("noise", False, cross_department=True).steps["handle"].limit.amount == 15
    assert steps_policy.subcategory_for("sanitation", ROAD_DIRTY) == "road_dirty"
    assert steps_policy.subcategory_for("sanitation", "楼下垃圾桶满了") is None
    d = steps_policy.deadlines("sanitation", False, local(2026, 11, 20, 16, 0), calendar=WorkCalendar(), tz=SH,
                               subcategory="road_dirty")
    assert steps_policy.describe_due(d) == "5个工作小时内办结"
    # The shipped file carries the steps model as a commented example that loads as it is.
    commented = "\n".join(line[2:] for line in SHIPPED.read_text(encoding="utf-8").splitlines()
                          if line.startswith("# ") and "STEPS-EXAMPLE" not in line)
    block = commented.split("BEGIN steps model example\n", 1)[1].split("END steps model example", 1)[0]
    assert SlaPolicy.load_text(block, "sla.yaml (example)").steps_model


def test_filing_model_with_a_deadline_in_working_hours(tmp_path):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["work_hours"] = ["08:30-12:00", "13:30-17:30"]
    data["categories"]["sanitation"] = {"due_work_hours": 5}
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    policy = SlaPolicy.load(path)
    d = policy.deadlines("sanitation", False, local(2026, 11, 20, 16, 0), calendar=WorkCalendar(), tz=SH)
    assert d.due_at.astimezone(SH) == local(2026, 11, 23, 12, 0)
    assert d.red_at.astimezone(SH) == local(2026, 11, 22, 16, 0)  # the lights stay clock hours
    assert policy.describe_due(d) == "5个工作小时内办结"


def _steps_data() -> dict:
    return yaml.safe_load(STEPS_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d.update(model="stages"), "model"),
    (lambda d: d["defaults"].update(yellow_after_hours=24), "defaults.yellow_after_hours"),
    (lambda d: d["defaults"].pop("handle_workdays"), "defaults.handle_workdays"),
    (lambda d: d["defaults"].update(handle_hours=48), "defaults.handle_workdays"),  # two units
    (lambda d: d["defaults"].update(lights={"yellow_at": 1.2, "red_at": 1.0}), "red_at"),
    (lambda d: d["defaults"].update(lights={"yelow_at": 0.8}), "defaults.lights.yelow_at"),
    (lambda d: d["defaults"].update(accept_lights={"yellow_at": "soon"}), "defaults.accept_lights.yellow_at"),
    (lambda d: d["urgent"].update(handle_minutes=30), "urgent.handle_minutes"),
    (lambda d: d["cross_department"].update(accept_hours=1), "cross_department.accept_hours"),
    (lambda d: d.pop("work_hours"), "work_hours"),
    (lambda d: d.update(work_hours=["08:30-12:00", "11:00-17:30"]), "work_hours[1]"),
    (lambda d: d.update(work_hours=["8:30 to 12"]), "work_hours[0]"),
    (lambda d: d["categories"]["sanitation"]["subcategories"]["road_dirty"].pop("label"),
     "categories.sanitation.subcategories.road_dirty.label"),
    (lambda d: d["categories"]["sanitation"]["subcategories"]["road_dirty"].update(handle_work_hours=0),
     "categories.sanitation.subcategories.road_dirty.handle_work_hours"),
    (lambda d: d["pauses"].update({"Lunch Break": "午休"}), "pauses.Lunch Break"),
])
def test_a_wrong_steps_file_is_refused_with_the_key_named(tmp_path, change, named):
    data = copy.deepcopy(_steps_data())
    change(data)
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        SlaPolicy.load(path)
    assert named in str(info.value) and str(path) in str(info.value)


def test_a_filing_file_may_not_use_step_keys(tmp_path):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["categories"]["noise"] = {"accept_hours": 2}
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"categories\.noise\.accept_hours: a key of model: steps"):
        SlaPolicy.load(path)


# --- the steps model at work: filing, the sweep, moves, pauses, the figures ----------------------

@pytest_asyncio.fixture
async def rt(db, db_url):
    await load_jurisdiction_file(EXAMPLE)
    rt = Runtime.from_settings(Settings(database_url=db_url), clock=FrozenClock(local(2026, 4, 1, 10, 0)),
                               rate_limit=False)
    rt.sla = SlaPolicy.load(STEPS_FILE)
    return rt


async def file(rt, text="南海街1号院楼下早餐店油烟太大", category="fumes", triage=False) -> Ticket:
    grid = await Unit.get(code="nanhaijie1-01")
    new = filing.NewTicket(
        text=text, category=category, confidence=0.9, reasons=["油烟"], urgent=False, resident=None,
        anonymous=False, grid=None if triage else grid, location_text="南海街1号院", lat=None, lon=None,
        followups=[], photos=[], triage_reason="类别不确定" if triage else None, source="patrol",
    )
    return await filing.file_ticket(rt, new, actor=SYSTEM, resident_chat=None)


async def last_card(ticket: Ticket) -> str:
    row = await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, ref=f"card:{ticket.id}").order_by("-id").first()
    return row.text


async def test_each_step_lights_at_80_percent_of_its_own_limit(rt):
    ticket = await file(rt)  # Wed 2026-04-01 10:00, assigned at once: accept (2 wh) and handle (7 wd) run
    assert set(ticket.steps) == {"accept", "handle"}
    assert ticket.yellow_at.astimezone(SH) == local(2026, 4, 1, 11, 36)  # 80% of 2 working hours
    assert ticket.red_at.astimezone(SH) == local(2026, 4, 1, 12, 0)
    # 7 working days after Wed 04-01, 清明 Apr 4-6 off: Thu 02 Fri 03 Tue 07 .. Fri 10, Mon 13 -> end of 04-13.
    assert ticket.due_at.astimezone(SH) == local(2026, 4, 14, 0, 0)
    assert "环节时限：🟢接单 04-01 12:00；🟢办结 04-13 24:00" in await last_card(ticket)

    rt.clock.set(local(2026, 4, 1, 11, 35))
    assert (await lights.sweep(rt)).claimed == 0
    rt.clock.set(local(2026, 4, 1, 11, 36))
    assert (await lights.sweep(rt)).yellow == 1
    digest = (await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, text__startswith="⏰").order_by("-id").first()).text
    assert "当前环节" in digest and f"🟡 {ticket.number}｜油烟异味｜南海街1号院｜接单" in digest
    card = await last_card(ticket)
    assert card.startswith("🟡") and "🟡接单 04-01 12:00；🟢办结" in card

    # 接单 ends the accept step: the handling step alone runs, still green, so the light goes down.
    rt.clock.set(local(2026, 4, 1, 11, 50))
    await moves.accept(rt, ticket, await Staff.get(user_id=WORKER_NHJ1_01))
    await ticket.refresh_from_db()
    assert ticket.light == Light.GREEN and ticket.yellow_notified_at is None
    assert ticket.red_at == ticket.due_at  # red at 100% of the handling step
    rt.clock.set(local(2026, 4, 1, 12, 30))
    assert (await lights.sweep(rt)).claimed == 0  # the accept step's red no longer applies

    # 办结 opens the callback step (24 h): yellow at 80%, in the resolved status.
    rt.clock.set(local(2026, 4, 2, 9, 0))
    await moves.resolve(rt, ticket, await Staff.get(user_id=WORKER_NHJ1_01), "已协调店家安装净化器", [])
    await ticket.refresh_from_db()
    assert ticket.yellow_at.astimezone(SH) == local(2026, 4, 3, 4, 12)
    rt.clock.set(local(2026, 4, 3, 4, 12))
    result = await lights.sweep(rt)
    assert result.yellow == 1
    digest = (await Outbox.filter(chat_id=GRID_NHJ1_01_CHAT, text__startswith="⏰").order_by("-id").first()).text
    assert f"{ticket.number}｜油烟异味｜南海街1号院｜回访" in digest
    figures = await stats.figures(await Unit.get(code="nanhaijie1-01"),
                                  Period(local(2026, 4, 1), local(2026, 5, 1), "4月", now=rt.clock.now()))
    assert (figures.resolved, figures.on_time) == (1, 1)


async def test_a_triage_ticket_runs_the_dispatch_step(rt):
    ticket = await file(rt, triage=True)
    assert set(ticket.steps) == {"dispatch", "handle"}
    assert ticket.yellow_at.astimezone(SH) == local(2026, 4, 2, 5, 12)  # 80% of 24 h
    rt.clock.set(local(2026, 4, 2, 5, 12))
    claimed = await lights.sweep(rt)
    assert claimed.yellow == 1


async def test_tickets_of_the_filing_model_are_not_lit_by_the_steps_model(rt):
    steps = rt.sla
    rt.sla = SlaPolicy.load()  # filed and accepted under 迎泽's model …
    ticket = await file(rt)
    await moves.accept(rt, ticket, await Staff.get(user_id=WORKER_NHJ1_01))
    rt.sla = steps  # … then the district switches models
    rt.clock.set(local(2026, 4, 3, 11, 0))  # its old yellow (24 h) and red (48 h) have passed
    result = await lights.sweep(rt)
    assert (result.yellow, result.red) == (0, 0)


async def test_a_pause_stops_every_clock_and_moves_the_deadline_by_its_working_time(rt):
    rt.clock.set(local(2026, 11, 20, 16, 0))  # Friday
    ticket = await file(rt, text=ROAD_DIRTY, category="sanitation")
    assert ticket.subcategory == "road_dirty" and ticket.due_work_hours == 5
    assert ticket.due_at.astimezone(SH) == local(2026, 11, 23, 12, 0)
    card = await last_card(ticket)
    assert "环境卫生·道路不洁" in card and "5个工作小时内办结" in card
    worker = await Staff.get(user_id=WORKER_NHJ1_01)
    rt.clock.set(local(2026, 11, 20, 16, 10))
    await moves.accept(rt, ticket, worker)

    with pytest.raises(Refused):
        await pauses.start(rt, ticket, worker, "lunch")  # not a reason the rules allow
    rt.clock.set(local(2026, 11, 20, 17, 0))
    await pauses.start(rt, ticket, worker, "resident")
    with pytest.raises(Refused, match="已经暂停"):
        await pauses.start(rt, ticket, worker, "resident")
    card = await last_card(ticket)
    assert "⏸ 暂停计时：等待居民补充情况（11-20 17:00 起" in card and "恢复计时" in str(
        (await Outbox.filter(ref=f"card:{ticket.id}").order_by("-id").first()).buttons)
    rt.clock.set(local(2026, 11, 23, 12, 30))  # past the deadline as it stood, but paused
    assert (await lights.sweep(rt)).claimed == 0

    # Resumed at Monday 13:30: 0.5 h on Friday and 3.5 h on Monday morning were paused.
    rt.clock.set(local(2026, 11, 23, 13, 30))
    await pauses.resume(rt, ticket, worker)
    await ticket.refresh_from_db()
    assert ticket.paused_at is None and ticket.pause_count == 1
    assert ticket.due_at.astimezone(SH) == local(2026, 11, 23, 17, 30)
    assert ticket.steps["handle"]["due"] == ticket.due_at.astimezone(UTC).isoformat()
    assert "已暂停计时 1 次，共 68.5小时" in await last_card(ticket)
    events = await TicketEvent.filter(ticket_id=ticket.id, action__in=["paused", "resumed"]).order_by("id")
    assert [(e.action, e.note, e.data.get("reason")) for e in events] == [
        ("paused", "等待居民补充情况", "resident"), ("resumed", "等待居民补充情况", "resident")]

    # Resolved at 16:00: late by the deadline it had, on time by the one the pause moved.
    rt.clock.set(local(2026, 11, 23, 16, 0))
    await moves.resolve(rt, ticket, worker, "已清扫", [])
    grid = await Unit.get(code="nanhaijie1-01")
    period = Period(local(2026, 11, 1), local(2026, 12, 1), "11月", now=rt.clock.now())
    f = await stats.figures(grid, period)
    assert (f.resolved, f.on_time, f.paused) == (1, 1, 1)
    row = dict(zip(texts.EXPORT_COLUMNS[3:], export._figure_cells(f)))
    assert row["暂停计时"] == 1 and row["按期办结"] == 1


async def test_a_move_ends_a_pause_and_the_shipped_file_allows_none(rt):
    ticket = await file(rt)
    worker = await Staff.get(user_id=WORKER_NHJ1_01)
    rt.clock.set(local(2026, 4, 1, 10, 30))
    await pauses.start(rt, ticket, worker, "consult")
    rt.clock.set(local(2026, 4, 1, 11, 0))
    await moves.accept(rt, ticket, worker)  # 接单 ends the pause
    await ticket.refresh_from_db()
    assert ticket.paused_at is None and ticket.status == Status.ACCEPTED
    resumed = await TicketEvent.get(ticket_id=ticket.id, action="resumed")
    assert resumed.data["by_move"] is True and resumed.data["seconds"] == 1800

    rt.sla = SlaPolicy.load()  # the shipped file allows no pause
    with pytest.raises(Refused, match="没有规定"):
        await pauses.start(rt, ticket, worker, "resident")


async def test_turning_red_as_it_falls_due_is_named_once_in_the_command_centre(rt):
    """The handling step's red is at 100% of its limit, the moment the ticket falls due: the
    command centre hears of it once, as red, not a second time as overdue in the same digest."""
    ticket = await file(rt)
    await moves.accept(rt, ticket, await Staff.get(user_id=WORKER_NHJ1_01))
    await ticket.refresh_from_db()
    assert ticket.red_at == ticket.due_at
    before = await Outbox.filter(chat_id=COMMAND_CHAT).count()
    rt.clock.set(ticket.due_at + dt.timedelta(minutes=1))
    result = await lights.sweep(rt)
    assert (result.red, result.overdue) == (1, 1)
    told = [m.text for m in await Outbox.filter(chat_id=COMMAND_CHAT).order_by("id").offset(before)]
    assert sum(text.count(ticket.number) for text in told) == 1, told
    assert await TicketEvent.filter(ticket_id=ticket.id, action="overdue").exists()  # still on record
