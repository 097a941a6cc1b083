"""Pauses that are written down: a ticket's clocks stop for a reason the rules allow
(sla.yaml `pauses`: waiting for the resident, 部门会商 in progress …), and start again.

* `/pause 工单号` in a unit's chat offers the allowed reasons as buttons; the press pauses every
  running clock of the ticket (lights, the steps' limits, the resolution deadline). Only staff
  who may act on the ticket (its holder, the units above, the command centre), only while a unit
  holds it (已派单 or 处理中), never twice at once.
* `/resume 工单号`, the card's 恢复计时 button, or any move of the ticket (接单, 办结, 上报 …)
  ends it. Every deadline is then moved later by the time the pause took, as its limit counts
  time (bot/sla/worktime.py `Span.shifted`): clock time for hours, the working time inside the
  windows for working hours, the working days reached for working days.
* Both ends are ticket events ("paused" with the reason, "resumed" with its length): the audit
  trail, /history, and the figures (bot/figures: tickets paused in the period). The card shows
  a pause on and the pauses so far. The sweep leaves a paused ticket alone.
"""

from __future__ import annotations

import datetime as dt

from bot import texts, timetext
from bot.jurisdiction.people import SYSTEM, Actor
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing
from bot.models import Light, Staff, Status, Ticket
from bot.refusals import Refused
from bot.runtime import Runtime
from bot.sla.clocks import entries_of, iso, open_steps, parse
from bot.sla.worktime import HOURS, WORK_HOURS, WORKDAYS
from bot.workflow import cards, tickets

PAUSABLE = (Status.ASSIGNED, Status.ACCEPTED)
_RANK = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


def reasons(rt: Runtime) -> dict[str, str]:
    return rt.sla.pauses


def check_may_pause(rt: Runtime, ticket: Ticket, code: str | None = None) -> None:
    if not rt.sla.pauses:
        raise Refused(texts.PAUSE_NONE_ALLOWED)
    if code is not None and code not in rt.sla.pauses:
        raise Refused(texts.STALE_BUTTON)
    if ticket.paused_at is not None:
        raise Refused(texts.PAUSE_ALREADY.format(number=ticket.number))
    if ticket.status not in PAUSABLE:
        raise Refused(texts.PAUSE_NOT_NOW.format(number=ticket.number, status=texts.STATUS_WORDS[str(ticket.status)]))


async def start(rt: Runtime, ticket: Ticket, staff: Staff, code: str) -> None:
    """Pause the ticket's clocks for the reason `code`. Call inside a transaction."""
    await tickets.require_holder(ticket, staff)
    check_may_pause(rt, ticket, code)
    now = rt.clock.now()
    if not await Ticket.filter(id=ticket.id, paused_at=None, status__in=list(PAUSABLE)).update(
            paused_at=now, pause_reason=code, updated_at=now):
        await tickets.reload(ticket)
        raise Refused(texts.PAUSE_ALREADY.format(number=ticket.number))  # someone was quicker
    await tickets.reload(ticket)
    words = rt.sla.pauses[code]
    await tickets.event(ticket, Actor.of_staff(staff), "paused", ticket.status, ticket.status, now,
                        unit=await ticket.unit, note=words, data={"reason": code})
    messages = await cards.refresh_card(rt, ticket)
    holder = await cards.holder_chat(ticket)
    if holder is not None:
        messages.append(Outgoing(holder, texts.PAUSED_SAY.format(number=ticket.number, reason=words),
                                 reply_to_ref=outbox.card_ref(ticket.id)))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def resume(rt: Runtime, ticket: Ticket, staff: Staff) -> None:
    """恢复计时 by staff who may act on the ticket. Call inside a transaction."""
    await tickets.require_holder(ticket, staff)
    if ticket.paused_at is None:
        raise Refused(texts.PAUSE_NOT_PAUSED.format(number=ticket.number))
    now = rt.clock.now()
    await end(rt, ticket, now, actor=Actor.of_staff(staff))
    messages = await cards.refresh_card(rt, ticket)
    holder = await cards.holder_chat(ticket)
    if holder is not None:
        messages.append(Outgoing(holder, texts.RESUMED_SAY.format(
            number=ticket.number, due=timetext.deadline(ticket.due_at, rt.tz)), reply_to_ref=outbox.card_ref(ticket.id)))
    await outbox.enqueue(messages, now=now, ticket=ticket)


async def end(rt: Runtime, ticket: Ticket, now: dt.datetime, *, actor: Actor = SYSTEM, by_move: bool = False) -> None:
    """End the pause on: extend the clocks by it and write it down (no messages: the caller's
    card refresh shows it)."""
    since = ticket.paused_at
    if since is None:
        return
    reason = ticket.pause_reason
    changes = extension(rt, ticket, since, now)
    seconds = max((now - since).total_seconds(), 0.0)
    changes.update(paused_at=None, pause_reason=None, pause_count=(ticket.pause_count or 0) + 1,
                   paused_seconds=(ticket.paused_seconds or 0.0) + seconds)
    if not await Ticket.filter(id=ticket.id, paused_at=since).update(**changes):
        await tickets.reload(ticket)
        return  # ended meanwhile by someone else
    await tickets.reload(ticket)
    await tickets.event(ticket, actor, "resumed", ticket.status, ticket.status, now,
                        note=rt.sla.pauses.get(reason or "", reason),
                        data={"reason": reason, "seconds": round(seconds), "by_move": by_move})


def extension(rt: Runtime, ticket: Ticket, since: dt.datetime, now: dt.datetime) -> dict:
    """The ticket's moments moved later by the pause [since, now), and its light lowered to what
    they say now (the claims above it lifted, so the sweep tells the next level again)."""
    span = rt.sla.span(rt.calendar, rt.tz)
    changes: dict = {}
    if ticket.due_at is not None:
        unit = WORKDAYS if ticket.due_workdays else WORK_HOURS if ticket.due_work_hours else HOURS
        changes["due_at"] = span.shifted(ticket.due_at, unit, since, now)
    status = str(ticket.status)
    if rt.sla.steps_model and ticket.steps:
        entries = entries_of(ticket.steps)
        for entry in entries.values():
            for key in ("due", "yellow", "red"):
                entry[key] = iso(span.shifted(parse(entry[key]), entry["limit"][0], since, now))
        changes["steps"] = entries
        if "handle" in entries:
            changes["due_at"] = parse(entries["handle"]["due"])
        running = open_steps(entries, status)
        if running:
            changes["yellow_at"] = min(parse(entries[s]["yellow"]) for s in running)
            changes["red_at"] = min(parse(entries[s]["red"]) for s in running)
    else:
        for key in ("yellow_at", "red_at"):
            if getattr(ticket, key) is not None:
                changes[key] = getattr(ticket, key) + (now - since)
    if status in rt.sla.lights_run_in:
        yellow, red = changes.get("yellow_at", ticket.yellow_at), changes.get("red_at", ticket.red_at)
        worst = Light.RED if red and red <= now else Light.YELLOW if yellow and yellow <= now else Light.GREEN
        if _RANK[worst] < _RANK[Light(str(ticket.light))]:
            changes["light"] = worst
            changes["red_notified_at"] = None
            if worst == Light.GREEN:
                changes["yellow_notified_at"] = None
    if changes.get("due_at") is not None and changes["due_at"] > now:
        changes["due_notified_at"] = None
    return changes
