"""What the SLA work handles: the sweep and the daily report on a schedule, the 书面说明 button
on a red digest, /explain 工单号, and the explanation staff write."""

from __future__ import annotations

import datetime as dt
import logging
import time

from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers.registry import GROUPS_ONLY, PHOTO, TEXT, Command, Conversation, Feature, Job
from bot.refusals import Refused
from bot.messaging import outbox
from bot.sla import daily, explanations, lights
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
    actions={EXPLAIN_BUTTON: explain_pressed},
    conversations=[Conversation(explanations.EXPLAIN, take=explanations.take_explanation,
                                accepts=frozenset({TEXT, PHOTO}), expired=explanations.explanation_expired)],
    commands=[Command("explain", explain_command, GROUPS_ONLY)],
    jobs=[Job("sla_sweep", sweep, every=dt.timedelta(minutes=1)),
          Job("daily_report", daily_report, every=dt.timedelta(minutes=1))],
)
