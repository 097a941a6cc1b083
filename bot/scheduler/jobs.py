"""Periodic jobs, on APScheduler's AsyncIOScheduler in the bot's own event loop.

Each instance runs its own in-memory scheduler (APScheduler 3 job stores can't be shared
between processes); correctness lives in the database: every job claims its work with a
conditional update, so several instances never do the same thing twice. The scheduler is
started from the task that opened the database, so its jobs see the same Tortoise context.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.runtime import Runtime
from bot.services import tickets

log = logging.getLogger("gridbot.scheduler")


async def close_unrated(rt: Runtime) -> int:
    """Resolved tickets nobody rated within the window close as 默认满意."""
    try:
        return await tickets.auto_close_unrated(rt)
    except Exception:  # a failed pass is retried at the next tick; the loop must live on
        log.exception("close_unrated failed")
        return 0


def build_scheduler(rt: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=rt.settings.timezone)
    scheduler.add_job(close_unrated, "interval", args=[rt], minutes=10, id="close_unrated",
                      max_instances=1, coalesce=True)
    return scheduler
