"""What the SLA work handles: the sweep and the daily report on a schedule, the 书面说明 button
on a red digest, /explain 工单号, the explanation staff write, and pauses (/pause 工单号 with
its reason buttons, /resume 工单号 and the card's 恢复计时)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers.registry import GROUPS_ONLY, PHOTO, TEXT, Command, Conversation, Feature, Job
from tortoise.transactions import in_transaction

from bot.jurisdiction import directory
from bot.refusals import Refused
from bot.messaging import outbox
from bot.sla import daily, explanations, lights, pauses
from bot.models import Ticket
from bot.workflow import buttons as B
from bot.workflow.tickets import require_holder
from bot.workflow.views import visible_ticket
from bot.sla.digests import EXPLAIN_BUTTON
from bot.messaging.outbox import Outgoing

log = logging.getLogger("gridbot.sla")


async def explain_pressed(rt, press: Press, ticket_id: int) -> str | None:
    """书面说明 pressed: the presser is asked, in this chat, to write the explanation."""
    return await explanations.ask_explanation(rt, press, ticket_id=ticket_id)


async def explain_command(rt, inbound: Inbound) -> None:
    """/explain 工单号: the same as the button, for red tickets a digest had no button for."""
    try:
        if not inbound.args:
            raise Refused(texts.SLA_USAGE_EXPLAIN)
        await explanations.ask_explanation(rt, inbound, number=inbound.args[0])
    except Refused as exc:
        await outbox.enqueue([Outgoing(inbound.chat_id, str(exc))], now=rt.clock.now())


async def _staff_and_ticket(rt, who, *, ticket_id: int | None = None, number: str | None = None):
    staff = await directory.staff_for_user(who.user_id, who.channel)
    if staff is None:
        raise Refused(texts.NOT_STAFF)
    ticket = (await Ticket.get_or_none(id=ticket_id) if ticket_id is not None
              else await visible_ticket(number or "", staff))
    if ticket is None:
        raise Refused(texts.STALE_BUTTON if ticket_id is not None
                      else texts.TICKET_NOT_FOUND.format(number=(number or "")[:32]))
    return staff, ticket


async def pause_command(rt, inbound: Inbound) -> None:
    """/pause 工单号: the reasons sla.yaml allows, as buttons; the press pauses."""
    try:
        if not inbound.args:
            raise Refused(texts.PAUSE_USAGE)
        staff, ticket = await _staff_and_ticket(rt, inbound, number=inbound.args[0])
        await require_holder(ticket, staff)
        pauses.check_may_pause(rt, ticket)
        rows = [[(words, B.PAUSE.data(ticket.id, code))] for code, words in pauses.reasons(rt).items()]
        reply = Outgoing(inbound.chat_id, texts.PAUSE_PICK.format(number=ticket.number), buttons=rows)
    except Refused as exc:
        reply = Outgoing(inbound.chat_id, str(exc))
    await outbox.enqueue([reply], now=rt.clock.now())


async def resume_command(rt, inbound: Inbound) -> None:
    """/resume 工单号: the clocks run again, every deadline moved later by the pause."""
    try:
        if not inbound.args:
            raise Refused(texts.PAUSE_USAGE)
        async with in_transaction():
            staff, ticket = await _staff_and_ticket(rt, inbound, number=inbound.args[0])
            await pauses.resume(rt, ticket, staff)
    except Refused as exc:
        await outbox.enqueue([Outgoing(inbound.chat_id, str(exc))], now=rt.clock.now())


async def pause_pressed(rt, press: Press, ticket_id: int, code: str) -> str | None:
    async with in_transaction():
        staff, ticket = await _staff_and_ticket(rt, press, ticket_id=ticket_id)
        await pauses.start(rt, ticket, staff, code)
    return texts.PAUSED_TOAST


async def resume_pressed(rt, press: Press, ticket_id: int) -> str | None:
    async with in_transaction():
        staff, ticket = await _staff_and_ticket(rt, press, ticket_id=ticket_id)
        await pauses.resume(rt, ticket, staff)
    return texts.RESUMED_TOAST


async def sweep(rt) -> lights.SweepResult:
    """Lights, reminders, overdue alerts and missing 书面说明 (bot/sla/lights.py)."""
    from bot.web import metrics  # /metrics shows how long sweeps take

    started = time.perf_counter()
    result = await lights.sweep(rt)
    metrics.observe_sweep(time.perf_counter() - started)
    if result.claimed:
        log.info("sla sweep: %d yellow, %d red, %d overdue, %d missing explanations; %d digests, %d card edits",
                 result.yellow, result.red, result.overdue, result.missing_explanations, result.digests,
                 result.card_edits)
    return result


async def daily_report(rt) -> int:
    """Yesterday's figures, once a day at sla.yaml's daily_report_at (checked every tick, so a
    bot that was down at that minute sends it when it is back, and a fast demo clock works)."""
    return await daily.daily_report(rt)


FEATURE = Feature(
    name="sla",
    actions={EXPLAIN_BUTTON: explain_pressed, B.PAUSE: pause_pressed, B.RESUME: resume_pressed},
    conversations=[Conversation(explanations.EXPLAIN, take=explanations.take_explanation,
                                accepts=frozenset({TEXT, PHOTO}), expired=explanations.explanation_expired)],
    commands=[Command("explain", explain_command, GROUPS_ONLY), Command("pause", pause_command, GROUPS_ONLY),
              Command("resume", resume_command, GROUPS_ONLY)],
    jobs=[Job("sla_sweep", sweep, every=dt.timedelta(minutes=1)),
          Job("daily_report", daily_report, every=dt.timedelta(minutes=1))],
)
