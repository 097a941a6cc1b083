"""Update delivery: how what users do reaches the bot, by long polling or by webhook.

getUpdates waits until something is pending (a newer poll ends an older one with 409, as two
instances polling Telegram see); setWebhook starts a worker that POSTs the updates one at a
time, in order, with the secret token header, and retries a few times before dropping one.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.sandbox.state import SandboxState
from bot.sandbox.wire import BotAPIError, JSONDict, api_method, bad, param_bool, param_int, param_json, param_str

logger = logging.getLogger(__name__)


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class UpdateDelivery(SandboxState):
    """getUpdates, the webhook methods, and the webhook worker."""

    def __init__(self, *, webhook_retry_delays: tuple[float, ...], **config: Any) -> None:
        super().__init__(**config)
        self.webhook_retry_delays = webhook_retry_delays
        self.webhook_deliveries: list[JSONDict] = []
        self._closing = False  # the server is stopping: polls return, the worker ends
        self._poll_generation = 0
        self._polls_waiting = 0
        self._webhook: Webhook | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- long polling ----------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        """True while a getUpdates call is parked on the server (a bot is listening)."""
        return self._polls_waiting > 0

    @property
    def pending_updates(self) -> list[JSONDict]:
        return copy.deepcopy(self._pending)

    @api_method("getUpdates")
    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        """Long polling: confirm by offset, return at once when something is pending, else wait.

        A newer getUpdates ends an older one with 409, as Telegram does when two instances poll.
        """
        if self._webhook is not None:
            raise BotAPIError(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        offset = param_int(params, "offset") or 0
        limit = min(max(param_int(params, "limit") or 100, 1), 100)
        timeout = min(max(param_int(params, "timeout") or 0, 0), 50)
        allowed = param_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        deadline = asyncio.get_running_loop().time() + timeout
        self._polls_waiting += 1
        self._notify()  # wakes an older poll so it can see it was superseded
        try:
            while True:
                if generation != self._poll_generation:
                    raise BotAPIError(
                        409, "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running"
                    )
                remaining = deadline - asyncio.get_running_loop().time()
                if self._pending or remaining <= 0 or self._closing or self._webhook is not None:
                    return copy.deepcopy(self._pending[:limit]) if self._webhook is None else []
                changed = self._changed
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    pass
        finally:
            self._polls_waiting -= 1

    def _confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset."""
        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    # -- webhook methods -------------------------------------------------------------------

    @api_method("setWebhook")
    async def _set_webhook(self, params: JSONDict) -> bool:
        url = param_str(params, "url") or ""
        secret = param_str(params, "secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad("secret token contains unallowed characters")
        if url and not re.match(r"^https?://", url):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if param_bool(params, "drop_pending_updates"):
            self._pending.clear()
        allowed = param_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        if not url:
            await self._remove_webhook()
            return True
        self._webhook = Webhook(url, secret, param_int(params, "max_connections") or 40)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._webhook_loop())
        self._notify()
        return True

    @api_method("deleteWebhook")
    async def _delete_webhook(self, params: JSONDict) -> bool:
        if param_bool(params, "drop_pending_updates"):
            self._pending.clear()
        await self._remove_webhook()
        return True

    @api_method("getWebhookInfo")
    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        hook = self._webhook
        info: JSONDict = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        if self._allowed_updates is not None:
            info["allowed_updates"] = list(self._allowed_updates)
        return info

    # -- the webhook worker ----------------------------------------------------------------

    async def _remove_webhook(self) -> None:
        self._webhook = None
        await self._stop_webhook_worker()
        self._notify()

    async def _stop_delivery(self) -> None:
        """The server stops: end the webhook worker and close its connections."""
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _webhook_loop(self) -> None:
        """Deliver pending updates one at a time, in order, while a webhook is set."""
        while self._webhook is not None and not self._closing:
            changed = self._changed
            if not self._pending:
                await changed.wait()
                continue
            update = self._pending[0]
            await self._deliver(self._webhook, update)
            if self._pending and self._pending[0] is update:
                self._pending.pop(0)
            self._notify()

    async def _deliver(self, hook: Webhook, update: JSONDict) -> bool:
        """POST one update; retry a few times like Telegram, then give up on it."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        for attempt, pause in enumerate((0.0, *self.webhook_retry_delays), start=1):
            if pause:
                await asyncio.sleep(pause)
            error = None
            try:
                async with self._session.post(hook.url, json=update, headers=headers) as response:
                    status: int | None = response.status
                    if not 200 <= response.status < 300:
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                status, error = None, f"Connection failed: {exc!r}"
            self.webhook_deliveries.append(
                {"update_id": update.get("update_id"), "attempt": attempt, "status": status, "error": error}
            )
            if error is None:
                return True
            hook.last_error_date, hook.last_error_message = int(self._now()), error
            logger.info("webhook delivery of update %s failed: %s", update.get("update_id"), error)
            self._notify()
        return False
