"""Injected faults: what goes wrong with Telegram, on demand.

A call can fail (429 with ``retry_after``, 5xx, or ``applied``: performed and still reported
as failed), be delayed past the client's timeout, hit an outage that lasts until it is ended,
or be refused with 403 because the user blocked the bot (or it was removed from the group).
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from bot.sandbox.state import SandboxState
from bot.sandbox.wire import BotAPIError


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None
    applied: bool
    remaining: int


class FaultInjection(SandboxState):
    """The faults a test asks for; the server consults them on every call."""

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self._faults: dict[str, deque[Fault]] = {}
        self._outage: tuple[frozenset[str], int, str] | None = None  # (methods or {"*"}, status, description)
        self._delays: dict[str, deque[list[float]]] = {}
        self._blocked: dict[int, str] = {}  # chat id -> the 403's description

    def fail(
        self,
        method: str,
        status: int = 500,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        *,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any) fail with ``status``.

        ``applied=True`` performs the call and then reports the error: the message exists but
        the bot was told it failed (the at-least-once window a retrying sender must survive).
        429 always carries ``parameters.retry_after`` (default 1), as Telegram's does.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = f"Error {status}"
        fault = Fault(status, description, retry_after, applied, times)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    def delay(self, method: str, seconds: float, times: int = 1) -> None:
        """Pause the next ``times`` calls of ``method`` ("*" = any) before handling them."""
        self._delays.setdefault(method.lower(), deque()).append([seconds, times])

    def block(self, chat_id: int, description: str | None = None) -> None:
        """Sends and edits into ``chat_id`` get 403 until unblock()."""
        if description is None:
            chat = self._chats.get(chat_id)
            kind = chat["type"] if chat else "private"
            if kind == "private":
                description = "Forbidden: bot was blocked by the user"
            else:
                description = f"Forbidden: bot was kicked from the {kind} chat"
        self._blocked[chat_id] = description

    def unblock(self, chat_id: int) -> None:
        self._blocked.pop(chat_id, None)

    def outage(self, *methods: str, status: int = 502, description: str | None = None) -> None:
        """Every call of ``methods`` (none named: every method) fails with ``status`` until
        ``end_outage()``: Telegram down for as long as a test wants, not for a counted number
        of calls. Nothing is performed while it lasts."""
        if description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = f"Error {status}"
        names = frozenset(m.lower() for m in methods) or frozenset({"*"})
        self._outage = (names, status, description)

    def end_outage(self) -> None:
        self._outage = None

    # -- consulted by the server on every call --------------------------------------------

    def _check_outage(self, method: str) -> None:
        if self._outage is None:
            return
        names, status, description = self._outage
        if "*" in names or method.lower() in names:
            raise BotAPIError(status, description)

    def _take_fault(self, method: str) -> Fault | None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    @staticmethod
    def _fault_error(fault: Fault) -> BotAPIError:
        parameters = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
        return BotAPIError(fault.status, fault.description, parameters)

    async def _apply_delay(self, method: str) -> None:
        for key in (method.lower(), "*"):
            queue = self._delays.get(key)
            if queue:
                entry = queue[0]
                entry[1] -= 1
                if entry[1] <= 0:
                    queue.popleft()
                await asyncio.sleep(entry[0])
                return
