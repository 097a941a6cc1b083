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

After a change of category or sub-category (`reclock`, both models): the clocks still running
take the new kind's limits, counted from when each started — filing (or the latest reopening),
the latest hand-over for 接单 — not from the change, with the pauses since then added back and
部门会商's limit if one was started. A light lit before stays in the audit trail (its event);
the ticket's light is lowered if the new limits say so, and raised by the sweep if they say
more. A stopped clock (办结, closed) keeps what it promised: the figures judge by it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

from bot.models import Light, Ticket, TicketEvent
from bot.runtime import Runtime
from bot.sla.policy import DUE_RUNS_IN, LIGHTS_RUN_IN, SlaPolicy
from bot.sla.steps import STEP_RUNS_IN, STEPS, StepClock, describe_limit
from bot.sla.worktime import HOURS, Span

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
        entries[step] = step_entry(span, start, rule.steps[step])
        if step == "handle":
            wd, hours, work = describe_limit(rule.steps[step].limit)
            changes.update(due_at=parse(entries[step]["due"]), due_workdays=wd, due_hours=hours, due_work_hours=work)
            if changes["due_at"] > now:
                changes["due_notified_at"] = None
    running = open_steps(entries, status)
    changes["steps"] = entries
    if not running:  # ended (closed, merged), or a step without a limit: the light stays as it was
        return changes
    changes["yellow_at"] = min(parse(entries[s]["yellow"]) for s in running)
    changes["red_at"] = min(parse(entries[s]["red"]) for s in running)
    changes.update(lowered(str(ticket.light), changes["yellow_at"], changes["red_at"], now))
    return changes


def step_entry(span: Span, start: dt.datetime, clock: StepClock,
               pauses: list[tuple[dt.datetime, dt.datetime]] = ()) -> dict:
    """One step's moments, from its start, moved later by the pauses taken since."""
    moments = {"due": span.deadline(start, clock.limit),
               "yellow": span.deadline(start, clock.limit, clock.yellow_at),
               "red": span.deadline(start, clock.limit, clock.red_at)}
    moments = {key: iso(shifted(span, value, clock.limit.unit, pauses)) for key, value in moments.items()}
    return {"from": iso(start), "limit": clock.limit.as_list(), **moments}


def lowered(light: str, yellow_at: dt.datetime, red_at: dt.datetime, now: dt.datetime) -> dict:
    """The light the moments say now, if lower than `light`, and the claims above it lifted (the
    sweep tells the next level again)."""
    worst = Light.RED.value if red_at <= now else Light.YELLOW.value if yellow_at <= now else Light.GREEN.value
    changes: dict = {}
    if _RANK[worst] < _RANK[light]:
        changes["light"] = Light(worst)
    if worst == Light.GREEN.value:
        changes.update(yellow_notified_at=None, red_notified_at=None)
    elif worst == Light.YELLOW.value:
        changes["red_notified_at"] = None
    return changes


def shifted(span: Span, moment: dt.datetime, unit: str, pauses) -> dt.datetime:
    for since, until in pauses:
        moment = span.shifted(moment, unit, since, until)
    return moment


# --- a new category or sub-category ------------------------------------------------------------

_HISTORY = ("reopened", "consulted", "paused", "resumed")
_MOMENTS = ("due_at", "yellow_at", "red_at", "due_workdays", "due_hours", "due_work_hours")


def recount(policy: SlaPolicy, span: Span, ticket: Ticket, history: list[tuple[str, dt.datetime]],
            now: dt.datetime) -> dict:
    """The column changes that give a ticket's running clocks the limits of its (new) category
    and sub-category (see the module docstring). `history`: the ticket's reopened, consulted,
    paused and resumed events as (action, moment), oldest first."""
    status = str(ticket.status)
    if status not in DUE_RUNS_IN:
        return {}
    start = max([m for a, m in history if a == "reopened"], default=ticket.created_at).astimezone(UTC)
    spans, since = [], None
    for action, moment in history:  # each pause ended so far: [paused, resumed)
        if action == "paused":
            since = moment
        elif action == "resumed" and since is not None:
            spans.append((since, moment))
            since = None

    def after(begin: dt.datetime) -> tuple[bool, list]:
        consulted = any(a == "consulted" and m >= begin for a, m in history)
        return consulted, [(a, b) for a, b in spans if a >= begin]

    if policy.steps_model:
        return _recount_steps(policy, span, ticket, start, after, now)
    consulted, pauses = after(start)
    rule = policy.rule_for(ticket.category, ticket.urgent, cross_department=consulted,
                           subcategory=ticket.subcategory)
    changes = {  # the lights count clock hours from the start
        "yellow_at": shifted(span, start + dt.timedelta(hours=rule.yellow_after_hours), HOURS, pauses),
        "red_at": shifted(span, start + dt.timedelta(hours=rule.red_after_hours), HOURS, pauses),
        "due_at": shifted(span, span.deadline(start, rule.due), rule.due.unit, pauses),
        "due_workdays": rule.due_workdays, "due_hours": rule.due_hours, "due_work_hours": rule.due_work_hours,
    }
    if status in LIGHTS_RUN_IN:
        changes.update(lowered(str(ticket.light), changes["yellow_at"], changes["red_at"], now))
    if changes["due_at"] > now:
        changes["due_notified_at"] = None
    return changes


def _recount_steps(policy: SlaPolicy, span: Span, ticket: Ticket, start: dt.datetime, after,
                   now: dt.datetime) -> dict:
    status = str(ticket.status)
    entries = entries_of(ticket.steps)
    starts = {"dispatch": ticket.created_at, "accept": ticket.assigned_at, "handle": start}
    changes: dict = {}
    for step in STEPS:
        if status not in STEP_RUNS_IN[step]:
            continue  # a step that ended keeps the moments it had
        begin = parse(entries[step]["from"]) if step in entries else (starts.get(step) or now).astimezone(UTC)
        consulted, pauses = after(begin)
        rule = policy.rule_for(ticket.category, ticket.urgent, cross_department=consulted and step == "handle",
                               subcategory=ticket.subcategory)
        if step not in rule.steps:
            entries.pop(step, None)
            continue
        entries[step] = step_entry(span, begin, rule.steps[step], pauses)
        if step == "handle":
            wd, hours, work = describe_limit(rule.steps[step].limit)
            changes.update(due_at=parse(entries[step]["due"]), due_workdays=wd, due_hours=hours, due_work_hours=work)
            if changes["due_at"] > now:
                changes["due_notified_at"] = None
    changes["steps"] = entries
    running = open_steps(entries, status)
    if running:
        changes["yellow_at"] = min(parse(entries[s]["yellow"]) for s in running)
        changes["red_at"] = min(parse(entries[s]["red"]) for s in running)
        changes.update(lowered(str(ticket.light), changes["yellow_at"], changes["red_at"], now))
    return changes


async def clock_start(ticket: Ticket) -> dt.datetime:
    """When the ticket's running resolution clock started: its last reopening (which gave it
    fresh clocks, moves.reopen), else its filing."""
    if ticket.reopen_count:
        last = await TicketEvent.filter(ticket_id=ticket.id, action="reopened").order_by("-id").first()
        if last is not None:
            return last.created_at
    return ticket.created_at

async def reclock(rt: Runtime, ticket: Ticket, now: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """Recount the ticket's clocks after its category or sub-category changed (see `recount`).
    Returns the resolution deadline before and after when a moment changed, else None."""
    rows = await TicketEvent.filter(ticket_id=ticket.id, action__in=_HISTORY).order_by("id").values_list(
        "action", "created_at")
    history = [(action, moment.astimezone(UTC)) for action, moment in rows]
    changes = recount(rt.sla, rt.sla.span(rt.calendar, rt.tz), ticket, history, now)
    moved = any(key in changes and changes[key] != getattr(ticket, key) for key in _MOMENTS)
    if not moved and changes.get("steps", {}) == (entries_of(ticket.steps) if "steps" in changes else {}):
        return None  # the same limits: nothing to write, nothing to tell
    due_before = ticket.due_at
    await Ticket.filter(id=ticket.id).update(**changes)
    await ticket.refresh_from_db()
    return due_before, ticket.due_at


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

