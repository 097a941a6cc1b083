"""GET /healthz: can this instance do its work? A load balancer or a supervisor reads `status`.

200 and `"status": "ok"` when everything below holds; 503 and `"status": "degraded"` when
anything does not, with the part that failed named:

- `database`: a query answers; `database_write`: a small write commits (an upsert of one
  heartbeat row). `SELECT 1` alone said ok while every post failed on a full disk: reads still
  worked. The write is committed, not rolled back, because only a commit makes SQLite (in WAL
  mode) append to and sync its log, which is where a full disk or a read-only file fails; a
  rolled-back SQLite write never reaches the disk. On PostgreSQL the same write fails at once on
  a read-only server (a standby after failover, `default_transaction_read_only`), and its commit
  flushes the WAL. A disk with room left for one small row but not for a report is only seen
  when writes start failing; the outbox figure below catches what follows from that.
- `bot_api`: Telegram answers getMe (a good answer is kept for 30 s, so a balancer probing every
  second is not a getMe per second; a failure is checked again at the next probe); `bot`:
  "running", or "starting" while `gridbot run` is still waiting for the Bot API to answer.
- `outbox`: "stuck" when the oldest message not yet sent was queued more than
  `outbox_stuck_seconds` ago (GRIDBOT_HEALTH_OUTBOX_SECONDS, default 300): Telegram refuses,
  or delivery is not running. `outbox_oldest_due_seconds` says how long it has waited (a
  backoff does not reset it), `outbox_due` how many are due now (both null while the database
  is down). Every instance reads the same outbox, so every instance says so together.

Each check has a short time limit: a probe must not hang because a dependency does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.channels.port import DeliveryError, Sender
from tortoise import connections

from bot.clock import Clock
from bot.models import Outbox, OutboxStatus
from bot.models_web import HealthBeat

log = logging.getLogger("gridbot.health")

CHECK_SECONDS = 3.0
BOT_API_FRESH_SECONDS = 30.0
OUTBOX_STUCK_SECONDS = 300.0
WAITING = [OutboxStatus.PENDING, OutboxStatus.SENDING]


class Health:
    def __init__(self, sender: Sender, clock: Clock, *, outbox_stuck_seconds: float = OUTBOX_STUCK_SECONDS,
                 bot_running: Callable[[], bool] = lambda: True) -> None:
        self.sender = sender
        self.clock = clock
        self.outbox_stuck_seconds = outbox_stuck_seconds
        self.bot_running = bot_running
        self._bot_api_ok_at: float | None = None

    async def check(self) -> tuple[bool, dict]:
        outbox = await self._outbox()
        database = outbox is not None
        written = database and await self._write()
        bot_api = await self._bot_api()
        running = self.bot_running()
        due, oldest = outbox if outbox is not None else (None, None)
        stuck = oldest is not None and oldest > self.outbox_stuck_seconds * max(self.clock.scale, 1.0)
        healthy = database and written and bot_api and running and not stuck
        report = {
            "status": "ok" if healthy else "degraded",
            "database": _word(database),
            "database_write": _word(written),
            "bot_api": _word(bot_api),
            "bot": "running" if running else "starting",
            "outbox": None if outbox is None else ("stuck" if stuck else "ok"),
            "outbox_due": due,
            "outbox_oldest_due_seconds": oldest,
        }
        return healthy, report

    async def _outbox(self) -> tuple[int, int] | None:
        """(messages due now, seconds the oldest unsent one has waited), or None when the
        database does not answer."""
        now = self.clock.now()
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await connections.get("default").execute_query("SELECT 1")
                due = await Outbox.filter(status__in=WAITING, available_at__lte=now).count()
                first = await (Outbox.filter(status__in=WAITING).order_by("created_at").first()
                               .values_list("created_at", flat=True))
        except Exception as exc:  # any failure means "not reachable"; the type is enough to log
            log.warning("health: database not reachable (%s)", type(exc).__name__)
            return None
        return due, (max(int((now - first).total_seconds()), 0) if first else 0)

    async def _write(self) -> bool:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await HealthBeat.bulk_create([HealthBeat(name="healthz", at=self.clock.now())],
                                             on_conflict=["name"], update_fields=["at"])
        except Exception as exc:
            log.warning("health: the database does not take writes (%s: %s)", type(exc).__name__, exc)
            return False
        return True

    async def _bot_api(self) -> bool:
        if self._bot_api_ok_at is not None and time.monotonic() - self._bot_api_ok_at < BOT_API_FRESH_SECONDS:
            return True
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await self.sender.check()
        except (DeliveryError, TimeoutError, RuntimeError) as exc:  # the message may quote a URL with the token
            log.warning("health: Bot API not reachable (%s)", type(exc).__name__)
            self._bot_api_ok_at = None
            return False
        self._bot_api_ok_at = time.monotonic()
        return True


def _word(ok: bool) -> str:
    return "ok" if ok else "down"
