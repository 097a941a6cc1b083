"""The daily report: yesterday's figures, to each unit's chat, once a day at sla.yaml's
`daily_report_at` (claimed once per local date across instances). A bot that was down at that
minute sends it when it is back, and one down over several mornings (or a demo clock jumped past
them) sends each missed day's, once, for the day it was due."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import replace

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from bot import channels
from bot import texts
from bot.jurisdiction.tree import UnitTree, current as tree_of_units
from bot.models import (
    OPEN_STATUSES, Level, ScheduledRun, Ticket, Unit,
)
from bot.runtime import Runtime
from bot.messaging import outbox
from bot.sla.digests import fit_sections
from bot.messaging.outbox import Outgoing
from bot.sla.policy import DUE_RUNS_IN

log = logging.getLogger("gridbot.sla")


CHANNEL = channels.DEFAULT
UTC = dt.timezone.utc


_FIGURES = ("received", "resolved", "open", "yellow", "red", "overdue")
CATCH_UP_DAYS = 7  # a bot down for a month sends the last week's reports, not thirty
LATE_AFTER = dt.timedelta(hours=1)  # a report sent later than this says so


async def daily_report(rt: Runtime) -> int:
    """Yesterday's figures, once a day at `daily_report_at` (local) or the first tick after it.

    Each unit's chat: its own tickets and those of the units under it (units with nothing at
    all are skipped); the command centre's chat: one message, a line per street (and per
    department with any). 受理/办结 count the reported day's; 未办结/黄灯/红灯/超期 are the
    state at report time. Claimed once per date across instances (ScheduledRun).

    A report whose moment passed while nobody ticked (the bot was down, or the demo's clock
    jumped 24 hours from before 08:30) is sent at the next tick, each missed day's once, for the
    day it was due, oldest first (at most CATCH_UP_DAYS of them), and says it comes late.
    Returns messages queued.
    """
    at = rt.sla.daily_report_at
    if at is None:
        return 0
    now = rt.clock.now()
    sent = 0
    for day in await _days_due(rt, at, now):
        sent += await _report_once(rt, day, at, now)
    if sent:
        outbox.wake_delivery()
    return sent


def _key(day: dt.date) -> str:
    return f"daily_report:{day.isoformat()}"


async def _claim(key: str, now: dt.datetime) -> bool:
    """Claim a date's report; False if another tick or instance has it."""
    if await ScheduledRun.exists(key=key):
        return False
    try:
        async with in_transaction():  # a savepoint inside the caller's: losing the race spoils nothing
            await ScheduledRun.create(key=key, created_at=now)
    except IntegrityError:
        return False
    return True


async def _days_due(rt: Runtime, at: dt.time, now: dt.datetime) -> list[dt.date]:
    """The dates whose report is due and unsent, oldest first: the latest (today once past `at`,
    else yesterday) and every one missed since the last report."""
    local = now.astimezone(rt.tz)
    latest = local.date() if local.time().replace(tzinfo=None) >= at else local.date() - dt.timedelta(days=1)
    last = await ScheduledRun.filter(key__startswith="daily_report:").order_by("-key").first()
    if last is None:
        if latest < local.date():
            # The first tick ever, before today's moment: the reports due before this bot ran are
            # none of its business. Marking yesterday's as done makes today's the first it sends,
            # however far the clock moves before the next tick.
            await _claim(_key(latest), now)
            return []
        return [latest]
    try:
        after = dt.date.fromisoformat(last.key.partition(":")[2]) + dt.timedelta(days=1)
    except ValueError:
        after = latest
    first = max(after, latest - dt.timedelta(days=CATCH_UP_DAYS - 1))
    return [first + dt.timedelta(days=n) for n in range((latest - first).days + 1)]


async def _report_once(rt: Runtime, due: dt.date, at: dt.time, now: dt.datetime) -> int:
    """The report due on `due` (the day before's figures), if this tick claims it."""
    async with in_transaction():
        if not await _claim(_key(due), now):
            return 0
        messages = await _report_messages(rt, due - dt.timedelta(days=1), now)
        moment = dt.datetime.combine(due, at, tzinfo=rt.tz)
        if now - moment > LATE_AFTER:
            note = texts.DAILY_LATE.format(due=f"{due.month}月{due.day}日 {at:%H:%M}")
            messages = [replace(m, text=m.text + note) for m in messages]
        await outbox.enqueue(messages, now=now)
    return len(messages)


async def unit_figures(rt: Runtime, day: dt.date, now: dt.datetime) -> dict[int | None, dict[str, int]]:
    """Per holding unit id (None: triage): the six figures, not yet summed up the tree."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=rt.tz).astimezone(dt.timezone.utc)
    end = start + dt.timedelta(days=1)
    figures: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_FIGURES, 0))

    async def add(name: str, query, by_light: bool = False) -> None:
        columns = ("unit_id", "light", "n") if by_light else ("unit_id", "n")
        grouped = query.annotate(n=Count("id")).group_by(*columns[:-1]).values(*columns)
        for row in await grouped:
            if by_light:
                figures[row["unit_id"]]["open"] += row["n"]
                if row["light"] in ("yellow", "red"):
                    figures[row["unit_id"]][str(row["light"])] += row["n"]
            else:
                figures[row["unit_id"]][name] += row["n"]

    await add("received", Ticket.filter(created_at__gte=start, created_at__lt=end))
    await add("resolved", Ticket.filter(resolved_at__gte=start, resolved_at__lt=end))
    await add("open", Ticket.filter(status__in=list(OPEN_STATUSES)), by_light=True)
    await add("overdue", Ticket.filter(status__in=sorted(DUE_RUNS_IN), due_at__lt=now))
    return figures


async def _report_messages(rt: Runtime, day: dt.date, now: dt.datetime) -> list[Outgoing]:
    tree = await tree_of_units()
    if tree.district is None:
        return []
    direct = await unit_figures(rt, day, now)
    totals: dict[int, dict[str, int]] = {uid: dict.fromkeys(_FIGURES, 0) for uid in tree.units}
    for unit_id, values in direct.items():
        owner = unit_id if unit_id in tree.units else tree.district.id  # triage: the command centre
        for key in _FIGURES:
            totals[owner][key] += values[key]
    own = {uid: dict(v) for uid, v in totals.items()}  # before rolling up
    for unit in sorted(tree.units.values(), key=lambda u: -_depth(u, tree)):
        parent = tree.superior(unit)
        if parent is not None:
            for key in _FIGURES:
                totals[parent.id][key] += totals[unit.id][key]
    date_words = texts.DAILY_DATE.format(month=day.month, day=day.day)
    messages: list[Outgoing] = []
    for unit in sorted(tree.units.values(), key=lambda u: u.id):
        chat_id = tree.chat(unit)
        if chat_id is None or not unit.active or unit.id == tree.district.id or not any(totals[unit.id].values()):
            continue
        messages.append(Outgoing(chat_id, texts.DAILY_UNIT.format(unit=unit.name, date=date_words, **totals[unit.id])))
    command = tree.chat(tree.district)
    if command is not None and any(totals[tree.district.id].values()):
        rows = []
        children = sorted((u for u in tree.units.values() if u.parent_id == tree.district.id and u.active),
                          key=lambda u: (u.level != Level.STREET, u.id))
        for unit in children:
            if unit.level == Level.STREET or any(totals[unit.id].values()):
                rows.append(texts.DAILY_ROW.format(unit=unit.name, **totals[unit.id]))
        if any(own[tree.district.id].values()):
            rows.append(texts.DAILY_ROW.format(unit=texts.DAILY_COMMAND_OWN, **own[tree.district.id]))
        rows.append(texts.DAILY_ROW.format(unit=texts.DAILY_TOTAL, **totals[tree.district.id]))
        head = texts.DAILY_COMMAND_HEAD.format(district=tree.district.name, date=date_words)
        messages.append(Outgoing(command, fit_sections(head, [("", rows, len(rows))])))
    return messages


def _depth(unit: Unit, tree: UnitTree) -> int:
    depth, seen = 0, {unit.id}
    while (unit := tree.superior(unit)) is not None and unit.id not in seen:
        seen.add(unit.id)
        depth += 1
    return depth
