"""Every feature's declared jobs, on APScheduler's AsyncIOScheduler in the bot's own loop.

Each instance runs its own in-memory scheduler (APScheduler 3 job stores can't be shared
between processes); correctness lives in the database: every job claims its work with a
conditional update, so several instances never do the same thing twice. The scheduler is
started from the task that opened the database, so its jobs see the same Tortoise context.

A job says how often it runs in the bot's time (bot/handlers/registry.py `Job.every`). Under
the demo's `--time-scale N` a minute of the bot's time passes in 60/N real seconds, so the
interval shrinks with it (to at least a second) and a visitor sees lights change.
"""

from __future__ import annotations

import functools
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.handlers.registry import Job
from bot.runtime import Runtime

log = logging.getLogger("gridbot.scheduler")


def tick_seconds(rt: Runtime, every: float = 60.0) -> float:
    """`every` seconds of the bot's clock in real seconds: 60 at scale 1, 1 s at scale >= 60."""
    scale = rt.clock.scale if rt.clock.scale > 0 else 1.0
    return max(1.0, every / max(scale, 1.0))


async def run_job(rt: Runtime, job: Job):
    """One run; a failed run is logged and retried at the next tick: the loop must live on."""
    try:
        return await job.run(rt)
    except Exception:
        log.exception("job %s failed", job.name)
        return None


def build_scheduler(rt: Runtime, jobs: dict[str, Job]) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=rt.settings.timezone)
    for name, job in jobs.items():
        scheduler.add_job(functools.partial(run_job, rt, job), "interval",
                          seconds=tick_seconds(rt, job.every.total_seconds()), id=name,
                          max_instances=1, coalesce=True)
    return scheduler
