"""A ticket's clocks as it moves, in the steps model (bot/sla/steps.py says which step runs
when): each step's moments are worked out when the step opens and kept on the ticket
(`Ticket.steps`), and the columns the sweep reads — `yellow_at`, `red_at` (the earliest of the
open steps') and `due_at` (the handling step's deadline) — follow them. The filing model (迎泽's)
sets its columns at filing, reopening and 会商 as it always has; this module leaves it alone.

After every move (`after_move`, called by bot/workflow in the transaction of the move): a pause
still on ends first (bot/sla/pauses.py: a move ends it, the clocks extended by it), then the
steps that open now get their moments. A light can only go down at a move — a step that opens
starts green, the handling step runs on — so the ticket's light is lowered to the worst open
step's now and the claims of the levels above it are lifted, ready for the sweep to tell the
next one. Raising a light is the sweep's alone (it tells people in the same transaction).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from bot.models import Light, Ticket
from bot.runtime import Runtime
from bot.sla.policy import SlaPolicy
from bot.sla.steps import STEP_RUNS_IN, STEPS, describe_limit
from bot.sla.worktime import Span

UTC = dt.timezone.utc
_RANK = {Light.GREEN.value: 0, Light.YELLOW.value: 1, Light.RED.value: 2}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(UTC)


def entries_of(raw) -> dict[str, dict]:
    """`Ticket.steps` as a dict, whether the driver gave JSON text or a mapping."""
    if raw is None:
        return {}
    if isinstance(raw, str):
        raw = json.loads(raw)
    return dict(raw) if isinstance(raw, Mapping) else {}


def open_steps(entries: Mapping[str, dict], status: str) -> list[str]:
    """The steps with clocks that run in this status, in the order of a case."""
    return [s for s in STEPS if s in entries and status in STEP_RUNS_IN[s]]


def light_of(entry: Mapping, now: dt.datetime) -> str:
    if parse(entry["red"]) <= now:
        return Light.RED.value
    if parse(entry["yellow"]) <= now:
        return Light.YELLOW.value
    return Light.GREEN.value


def worst_step(entries: Mapping[str, dict], status: str, level: str) -> str | None:
    """The open step that reached `level` ("yellow" or "red") first: the one a reminder names."""
    steps = open_steps(entries, status)
    return min(steps, key=lambda s: parse(entries[s][level]), default=None)


def plan(policy: SlaPolicy, span: Span, ticket: Ticket, now: dt.datetime, *, reset: bool = False,
         cross_department: bool = False) -> dict:
    """The column changes that bring a ticket's steps up to its status (steps model)."""
    rule = policy.rule_for(ticket.category, ticket.urgent, cross_department=cross_department,
                           subcategory=ticket.subcategory)
    entries = {} if reset else entries_of(ticket.steps)
    status = str(ticket.status)
    starts = {"dispatch": ticket.created_at, "accept": ticket.assigned_at, "callback": ticket.resolved_at}
    changes: dict = {}
    for step in STEPS:
        if status not in STEP_RUNS_IN[step] or step not in rule.steps:
            continue
        entry = entries.get(step)
        if step == "handle":
            if entry is not None and not cross_department:
                continue
            start = parse(entry["from"]) if entry else now  # 会商 recounts from the step's start
        else:
            start = starts[step] or now
            if entry is not None and entry["from"] == iso(start):
                continue
        clock = rule.steps[step]
        entries[step] = {
            "from": iso(start), "limit": clock.limit.as_list(),
            "due": iso(span.deadline(start, clock.limit)),
            "yellow": iso(span.deadline(start, clock.limit, clock.yellow_at)),
            "red": iso(span.deadline(start, clock.limit, clock.red_at)),
        }
        if step == "handle":
            wd, hours, work = describe_limit(clock.limit)
            changes.update(due_at=parse(entries[step]["due"]), due_workdays=wd, due_hours=hours, due_work_hours=work)
            if changes["due_at"] > now:
                changes["due_notified_at"] = None
    running = open_steps(entries, status)
    changes["steps"] = entries
    if not running:  # ended (closed, merged), or a step without a limit: the light stays as it was
        return changes
    changes["yellow_at"] = min(parse(entries[s]["yellow"]) for s in running)
    changes["red_at"] = min(parse(entries[s]["red"]) for s in running)
    worst = max((light_of(entries[s], now) for s in running), key=_RANK.__getitem__, default=Light.GREEN.value)
    if _RANK[worst] < _RANK[str(ticket.light)]:
        changes["light"] = Light(worst)
    if worst == Light.GREEN.value:
        changes.update(yellow_notified_at=None, red_notified_at=None)
    elif worst == Light.YELLOW.value:
        changes["red_notified_at"] = None
    return changes


async def after_move(rt: Runtime, ticket: Ticket, now: dt.datetime, *, reset: bool = False,
                     cross_department: bool = False) -> None:
    """What the clocks do after a move of this ticket (see the module docstring)."""
    from bot.sla import pauses

    if ticket.paused_at is not None:
        await pauses.end(rt, ticket, now, by_move=True)
    if not rt.sla.steps_model:
        return
    changes = plan(rt.sla, rt.sla.span(rt.calendar, rt.tz), ticket, now, reset=reset,
                   cross_department=cross_department)
    await Ticket.filter(id=ticket.id).update(**changes)
    await ticket.refresh_from_db()

