"""Telegram updates coming in: parsed safely from a webhook body, and processed once each.

`parse_webhook_body` turns a POSTed body into an Update, or raises `MalformedUpdate` for
anything that is not one (the webhook answers 400: nothing Telegram would send, so nothing to
send again). `OnceEach` is python-telegram-bot's update processor (the documented place to
wrap how updates are processed) with a claim in the database in front of each update
(bot/channels/claims.py): a copy Telegram sends again, to this instance or another,
is handled once. Updates in hand together are claimed together and marked done together
(bot/batching.py): one statement for a long poll's hundred updates, not a hundred.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Bot, Update
from telegram.ext import BaseUpdateProcessor

from bot.batching import GroupCommit
from bot.clock import Clock
from bot.channels import claims
from bot.channels.claims import State

log = logging.getLogger("gridbot.updates")


class MalformedUpdate(ValueError):
    pass


def parse_webhook_body(body: bytes, bot: Bot) -> Update:
    """An Update from the raw body, or MalformedUpdate. Whatever the body holds (invalid UTF-8,
    nesting deep enough to exhaust the parser, a date past the year 9999, NaN) ends here as a
    refusal, never as a server error."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedUpdate(f"not JSON: {type(exc).__name__}") from None
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if type(update_id) is not int or not 0 <= update_id < 2**63:  # bool is an int; the database's is 64-bit
        raise MalformedUpdate("an update is a JSON object with an integer update_id")
    try:
        return Update.de_json(data, bot)
    except Exception as exc:  # PTB's parsing of a field that is not what Telegram sends
        raise MalformedUpdate(f"not an update: {type(exc).__name__}") from None


class OnceEach(BaseUpdateProcessor):
    """Process updates concurrently (up to `max_concurrent_updates`), each update_id once."""

    def __init__(self, max_concurrent_updates: int, clock: Clock, *, lease_seconds: float = 30.0) -> None:
        super().__init__(max_concurrent_updates)
        self.clock = clock
        self.lease_seconds = lease_seconds
        self._claims = GroupCommit(self._claim_batch, name="update-claims")
        self._done = GroupCommit(self._done_batch, name="updates-done")

    async def _claim_batch(self, update_ids):
        lease = dt.timedelta(seconds=self.lease_seconds * self._scale)
        return await claims.claim_many(list(update_ids), now=self.clock.now(), lease=lease)

    async def _done_batch(self, update_ids):
        await claims.done_many(list(update_ids), now=self.clock.now())
        return [None] * len(update_ids)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def _scale(self) -> float:
        return max(getattr(self.clock, "scale", 1.0), 1.0)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        if update_id is None:
            await coroutine
            return
        if not await self._ours(update_id):
            coroutine.close()  # type: ignore[attr-defined]  # never started: nothing to undo
            log.info("update %s was handled already: this copy is dropped", update_id)
            return
        try:
            await coroutine
        finally:
            try:
                await self._done.submit(update_id)
            except Exception as exc:  # its lease lapses instead: a later copy is handled again
                log.warning("update %s: could not record it as handled (%s)", update_id, type(exc).__name__)

    async def _ours(self, update_id: int) -> bool:
        first = True
        while True:
            try:
                if first:  # with the other updates in hand now, in one INSERT
                    claim = await self._claims.submit(update_id)
                    first = False
                else:
                    lease = dt.timedelta(seconds=self.lease_seconds * self._scale)
                    claim = await claims.claim(update_id, now=self.clock.now(), lease=lease)
            except Exception as exc:
                # No database: the handlers cannot write either, so handling a copy twice can
                # change nothing twice; dropping it could lose the resident's words.
                log.warning("update %s: no claim (%s), handled anyway", update_id, type(exc).__name__)
                return True
            if claim.state == State.OURS:
                return True
            if claim.state == State.DONE:
                return False
            # Being handled elsewhere: wait for it to finish or for its holder's lease to lapse.
            left = (claim.until - self.clock.now()).total_seconds() / self._scale
            await asyncio.sleep(min(max(left, 0.05), 1.0))
