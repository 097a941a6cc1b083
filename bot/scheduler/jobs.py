"""Periodic jobs, on APScheduler's AsyncIOScheduler in the bot's own event loop.

Each instance runs its own in-memory scheduler (APScheduler 3 job stores can't be shared
between processes); correctness lives in the database: every job claims its work with a
conditional update, so several instances never do the same thing twice. The scheduler is
started from the task that opened the database, so its jobs see the same Tortoise context.

Intervals are real seconds; the jobs themselves read `rt.clock`. Under the demo's
`--time-scale N` the SLA tick runs every 60/N seconds (at least every second), so a minute of
the bot's time still gets its sweep and a visitor sees lights change.
"""

from __future__ import annotations

import logging
import time

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from bot.services import sla_sweep, tickets, update_claims

log = logging.getLogger("gridbot.scheduler")


async def close_unrated(rt: Runtime) -> int:
    """Resolved tickets nobody rated within the window close as 默认满意."""
    try:
        return await tickets.auto_close_unrated(rt)
    except Exception:  # a failed pass is retried at the next tick; the loop must live on
        log.exception("close_unrated failed")
        return 0


async def sla_tick(rt: Runtime) -> sla_sweep.SweepResult | None:
    """Lights, reminders, overdue alerts and missing 书面说明 (bot/services/sla_sweep.py)."""
    from bot.web import metrics  # /metrics shows how long sweeps take

    started = time.perf_counter()
    try:
        result = await sla_sweep.sweep(rt)
    except Exception:
        log.exception("sla sweep failed")
        return None
    metrics.observe_sweep(time.perf_counter() - started)
    if result.claimed:
        log.info("sla sweep: %d yellow, %d red, %d overdue, %d missing explanations; %d digests, %d card edits",
                 result.yellow, result.red, result.overdue, result.missing_explanations, result.digests,
                 result.card_edits)
    return result


async def daily_report(rt: Runtime) -> int:
    """Yesterday's figures, once a day at sla.yaml's daily_report_at (checked every tick, so a
    bot that was down at that minute sends it when it is back, and a fast demo clock works)."""
    try:
        return await sla_sweep.daily_report(rt)
    except Exception:
        log.exception("daily report failed")
        return 0


async def prune_update_claims(rt: Runtime) -> int:
    """Forget the update ids handled more than two days ago (bot/services/update_claims.py)."""
    try:
        return await update_claims.prune(rt.clock.now())
    except Exception:
        log.exception("pruning update claims failed")
        return 0


def tick_seconds(rt: Runtime, every: float = 60.0) -> float:
    """`every` seconds of the bot's clock in real seconds: 60 at scale 1, 1 s at scale >= 60."""
    scale = rt.clock.scale if rt.clock.scale > 0 else 1.0
    return max(1.0, every / max(scale, 1.0))


def build_scheduler(rt: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=rt.settings.timezone)
    scheduler.add_job(close_unrated, "interval", args=[rt], seconds=tick_seconds(rt, 600),
                      id="close_unrated", max_instances=1, coalesce=True)
    scheduler.add_job(sla_tick, "interval", args=[rt], seconds=tick_seconds(rt), id="sla_sweep",
                      max_instances=1, coalesce=True)
    scheduler.add_job(daily_report, "interval", args=[rt], seconds=tick_seconds(rt), id="daily_report",
                      max_instances=1, coalesce=True)
    scheduler.add_job(prune_update_claims, "interval", args=[rt], seconds=tick_seconds(rt, 3600),
                      id="prune_update_claims", max_instances=1, coalesce=True)
    return scheduler
