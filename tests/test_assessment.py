"""网格员考核 against a month of known events."""

import datetime as dt
from zoneinfo import ZoneInfo

from bot.models import Level, Light, Staff, Status, Ticket, TicketEvent, Unit
from bot.models_care import CareLevel, Household, Visit
from bot.figures.assessment import grid_scores, month_bounds
from bot.jurisdiction.load import load_jurisdiction_file
from bot.care.wishes import policy
from tests.e2e import EXAMPLE

TZ = ZoneInfo("Asia/Shanghai")
NOV = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.timezone.utc)


async def make_ticket(n, grid, *, source="resident", due_in=dt.timedelta(days=5), yellow_in=dt.timedelta(hours=24)):
    return await Ticket.create(number=f"T-{n}", source=source, text="x", category="noise", grid=grid, unit=grid,
                               level=Level.GRID, status=Status.ASSIGNED, created_at=NOV, updated_at=NOV,
                               due_at=NOV + due_in, yellow_at=NOV + yellow_in, red_at=NOV + 2 * yellow_in)


async def event(ticket, action, worker, at, **data):
    await TicketEvent.create(ticket=ticket, created_at=at, actor_kind="staff" if worker else "resident",
                             actor_id=worker.user_id if worker else 1, actor_name=worker.name if worker else None,
                             action=action, data=data)


async def test_a_month_of_known_work_scores_as_the_weights_say(db):
    await load_jurisdiction_file(EXAMPLE)
    grid = await Unit.get(code="nanhaijie1-01")
    zhang = await Staff.get(user_id=100101)
    hour = dt.timedelta(hours=1)
    # 1 patrol find; 2 accepted (1 on time, 1 after yellow); 3 resolved (2 on time, 1 late);
    # ratings: one 满意, one 默认满意; one 不满意 reopening; one red light in the grid
    patrol = await make_ticket(1, grid, source="patrol")
    await event(patrol, "submitted", zhang, NOV)
    t2, t3, t4 = [await make_ticket(n, grid) for n in (2, 3, 4)]
    await event(t2, "accepted", zhang, NOV + hour)
    await event(t3, "accepted", zhang, NOV + 30 * hour)  # after its yellow moment
    await event(t2, "resolved", zhang, NOV + 2 * hour)
    await event(t3, "resolved", zhang, NOV + 40 * hour)
    await event(t4, "resolved", zhang, NOV + dt.timedelta(days=6))  # past due
    await event(t2, "rated", None, NOV + 3 * hour, rating="satisfied")
    await event(t3, "auto_closed", None, NOV + dt.timedelta(days=4), rating="default")
    await event(t4, "reopened", None, NOV + dt.timedelta(days=7), rating="unsatisfied")
    await Ticket.filter(id=t4.id).update(red_notified_at=NOV + 48 * hour, light=Light.RED)
    # visits: 2 done; one household overdue at month end
    household = await Household.create(grid=grid, label="a", care_level=CareLevel.KEY, created_at=NOV,
                                       next_due_at=NOV + dt.timedelta(days=40))
    late = await Household.create(grid=grid, label="b", care_level=CareLevel.KEY, created_at=NOV,
                                  next_due_at=NOV + dt.timedelta(days=3))
    for day in (1, 2):
        await Visit.create(household=household, staff_user_id=zhang.user_id, staff_name=zhang.name,
                           created_at=NOV + dt.timedelta(days=day))
    # October work does not count in November
    old = await make_ticket(9, grid)
    await event(old, "resolved", zhang, NOV - dt.timedelta(days=20))

    start, end = month_bounds(2026, 11, TZ)
    grid_score, workers = await grid_scores(grid, start, end, now=end + dt.timedelta(days=1))
    counts = workers[0].counts
    assert workers[0].name == "张丽"
    assert counts == {
        "patrol_found": 1, "accepted_on_time": 1, "resolved_on_time": 2, "resolved_late": 1, "reopened": 1,
        "red_lights": 1, "visits_done": 2, "visits_missed": 1, "satisfied": 2, "unsatisfied": 1,
    }
    w = policy().weights
    expected = sum(w[k] * v for k, v in counts.items())
    assert workers[0].total == round(expected, 1)
    assert grid_score.counts["red_lights"] == 1 and grid_score.total == workers[0].total  # one worker
    assert late.id  # the overdue household is what visits_missed counted
