"""GET /healthz: can this instance do its work? The database and the Bot API must answer.

200 and {"database": "ok", "bot_api": "ok", "outbox_due": N} when both do; 503 with the one
that is down marked "down" otherwise, so a load balancer or a supervisor can take the instance
out or restart it. `outbox_due` is how many messages are due and not yet sent (null while the
database is down): a number that keeps growing means delivery is stuck.

Each check has a short time limit: a probe must not hang because a dependency does. A good
Bot API answer is kept for 30 s, so that a balancer probing every second does not become a
getMe per second against Telegram; a failure is checked again at the next probe.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot
from telegram.error import TelegramError
from tortoise import connections

from bot.clock import Clock
from bot.models import Outbox, OutboxStatus

log = logging.getLogger("gridbot.health")

CHECK_SECONDS = 3.0
BOT_API_FRESH_SECONDS = 30.0


class Health:
    def __init__(self, bot: Bot, clock: Clock) -> None:
        self.bot = bot
        self.clock = clock
        self._bot_api_ok_at: float | None = None

    async def check(self) -> tuple[bool, dict]:
        database, due = await self._database()
        bot_api = await self._bot_api()
        report = {"database": _word(database), "bot_api": _word(bot_api), "outbox_due": due}
        return database and bot_api, report

    async def _database(self) -> tuple[bool, int | None]:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await connections.get("default").execute_query("SELECT 1")
                due = await Outbox.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING],
                                          available_at__lte=self.clock.now()).count()
            return True, due
        except Exception as exc:  # any failure means "not reachable"; the type is enough to log
            log.warning("health: database not reachable (%s)", type(exc).__name__)
            return False, None

    async def _bot_api(self) -> bool:
        if self._bot_api_ok_at is not None and time.monotonic() - self._bot_api_ok_at < BOT_API_FRESH_SECONDS:
            return True
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await self.bot.get_me()
        except (TelegramError, TimeoutError) as exc:  # the message may quote a URL with the token
            log.warning("health: Bot API not reachable (%s)", type(exc).__name__)
            self._bot_api_ok_at = None
            return False
        self._bot_api_ok_at = time.monotonic()
        return True


def _word(ok: bool) -> str:
    return "ok" if ok else "down"
