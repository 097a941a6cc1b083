"""The delivery loop: sends outbox rows through a channel, once each, in order per chat.

Each chat with something due gets a task of its own (up to `concurrency` at once) holding that
chat's claimed rows, in order; the loop claims again for the other chats meanwhile, so a group
chat Telegram holds to 20 messages a minute waits alone and a resident's receipt does not wait
behind it.

Rows are claimed in the database (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite has one writer)
so several bot instances never send the same row. A claim is a short lease (`claim_seconds`)
that the loop renews every third of it while it holds rows, however long a send waits (a rate
limiter, a slow upload): a process killed mid-send leaves rows whose claims lapse within
seconds, and another pass takes them up again (at-least-once for the one message that was in
flight: Telegram has no idempotency key). A loop that could not renew in time lets its rows go
unsent rather than send what another instance may have claimed since.

Failures are sorted by what they mean. A transient one (a network error, a timeout, 5xx, 429, an
odd answer during an outage) is never a reason to give up: the row waits, as told (429) or with
exponential backoff capped at `backoff_cap_seconds` and jittered (so that a hundred chats do not
all knock at once when Telegram comes back), on the bot's clock, and is tried again until it is
delivered, however long the outage. Only a permanent answer (403: blocked, removed from the
group; 400: a refused request, a chat that is gone) ends a row, and never silently: a metric
(gridbot_outbox_undeliverable_total{reason}), a log line (the chat's kind and the row's id, never
a person's id) and, for a ticket's card, a note to the command centre (bot/messaging/undelivered.py).

Order per chat: a row is sent only after every earlier row of its chat is done (sent or given
up). While one of a chat's rows waits out a backoff, or is being sent by another instance, the
chat gets nothing else, so a message queued during an outage never overtakes one queued before it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import random

from tortoise.transactions import in_transaction

from bot import logids
from bot.batching import GroupCommit
from bot.channels.port import RetryLater, Sender, TargetMissing, Transient, Undeliverable
from bot.clock import Clock
from bot.models import MessageRef, Outbox, OutboxStatus
from bot.messaging import outbox
from bot.messaging import sql
from bot.messaging import undelivered
from bot.web import metrics

log = logging.getLogger("gridbot.delivery")


class Delivery:
    def __init__(
        self,
        sender: Sender,
        clock: Clock,
        *,
        batch: int = 100,
        concurrency: int = 16,
        poll_seconds: float = 1.0,
        claim_seconds: float = 10.0,
        backoff_first_seconds: float = 2.0,
        backoff_cap_seconds: float = 300.0,
    ) -> None:
        self.sender = sender
        self.clock = clock
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.claim_seconds = claim_seconds
        self.backoff_first_seconds = backoff_first_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self._slots = asyncio.Semaphore(concurrency)  # chats sent to at once
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._unlisten = None
        self._held: dict[int, dt.datetime] = {}  # rows claimed and not yet done with → when the claim lapses
        self._busy: dict[int, asyncio.Task] = {}  # chats being sent to now, by the loop's own tasks
        self._claiming = 0  # passes between claiming rows and handing them to chat tasks
        self._renewer: asyncio.Task | None = None
        # Rows finished and cards remembered while a statement is in flight go in the next one.
        self._finished = GroupCommit(self._finish_batch, most=sql.MOST, name="outbox-finished")
        self._remembered = GroupCommit(self._remember_batch, most=sql.MOST, name="outbox-refs")

    @property
    def claim(self) -> dt.timedelta:
        """A claim's length on the bot's clock: `claim_seconds` of real time, also under the
        demo's fast clock."""
        return self._real(self.claim_seconds)

    def _real(self, seconds: float) -> dt.timedelta:
        """`seconds` of real time on the bot's clock (a rehearsal's clock may run faster): a
        claim's lease and a 429's wait are about processes and Telegram, which keep real time."""
        return dt.timedelta(seconds=seconds * max(getattr(self.clock, "scale", 1.0), 1.0))

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long a row waits after its `attempts`-th transient failure: doubling from
        `backoff_first_seconds`, capped at `backoff_cap_seconds`, then a random half of it
        taken off ("equal jitter"), so retries spread out instead of arriving together.

        On the bot's clock, like every timer: under `--time-scale` an hour's outage is
        rehearsed in seconds, and what waited for Telegram arrives within the scaled cap once it
        is back (the loop looks again every `poll_seconds` of real time, at most)."""
        ceiling = min(self.backoff_first_seconds * 2 ** min(max(attempts - 1, 0), 30), self.backoff_cap_seconds)
        return dt.timedelta(seconds=ceiling * random.uniform(0.5, 1.0))

    # --- running ----------------------------------------------------------------------------

    def start(self) -> None:
        self._unlisten = outbox.on_new_messages(self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-delivery")
        self._renewer = asyncio.create_task(self._renew_forever(), name="outbox-claims")

    async def stop(self) -> None:
        self._stopping = True
        if self._unlisten:
            self._unlisten()
            self._unlisten = None  # a second stop (the runner's, after a test's) is a no-op
        if self._renewer:
            self._renewer.cancel()
        if self._task:
            self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=5)
            if not done:
                log.error("delivery loop did not stop in 5 s")
                self._task.print_stack()
        chats = list(self._busy.values())
        for task in chats:
            task.cancel()  # rows not finished lapse and are taken up again at the next start
        if chats:
            await asyncio.wait(chats, timeout=5)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        """Claim what is due for chats not already being sent to, hand each chat its rows, and
        go on: a group chat that Telegram holds to 20 messages a minute keeps its own task
        waiting, not everyone's. A chat's task wakes the loop when it is done."""
        while not self._stopping:
            self._wake.clear()
            try:
                claimed, _ = await self._start_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database hiccups: keep the loop alive, try again soon
                log.exception("delivery pass failed")
                claimed = 0
            if claimed >= self.batch or (claimed and self._wake.is_set()):
                continue  # more may be waiting: a full batch, or rows queued during the pass
            if not self._busy:
                self._idle.set()
            # asyncio.timeout, not wait_for: wait_for in 3.11 can swallow a cancellation that
            # arrives as the wake-up does, and the loop would never stop.
            try:
                async with asyncio.timeout(self.poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._idle.clear()

    # --- one pass ---------------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Claim and send what is due now, and wait until it is sent; returns how many rows
        were handled. (The running loop does not wait: see `_run`.)"""
        claimed, tasks = await self._start_due()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome
        return claimed

    async def _start_due(self) -> tuple[int, list[asyncio.Task]]:
        """Claim what is due for chats not being sent to already and start a task per chat.

        Chats are served side by side (up to `concurrency` at once), each in its own order: a
        busy group chat must not hold up a resident's receipt, and the round trips to the Bot
        API and the database overlap instead of adding up."""
        self._claiming += 1
        try:
            return await self._start_claimed(await self._claim(skip_chats=set(self._busy)))
        finally:
            self._claiming -= 1

    async def _start_claimed(self, rows: list[Outbox]) -> tuple[int, list[asyncio.Task]]:
        if not rows:
            return 0, []
        try:
            superseded = _superseded_edits(rows)
            refs = await _known_refs(rows)
        except BaseException:
            for row in rows:
                self._held.pop(row.id, None)  # they lapse and are taken up again
            raise
        by_chat: dict[int, list[Outbox]] = {}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        tasks = []
        for chat_id, chat_rows in by_chat.items():
            task = asyncio.create_task(self._deliver_chat(chat_rows, superseded, refs),
                                       name=f"outbox-chat-{chat_id}")
            self._busy[chat_id] = task
            task.add_done_callback(functools.partial(self._chat_done, chat_id, [r.id for r in chat_rows]))
            tasks.append(task)
        return len(rows), tasks

    def _chat_done(self, chat_id: int, ids: list[int], task: asyncio.Task) -> None:
        self._busy.pop(chat_id, None)
        for row_id in ids:
            self._held.pop(row_id, None)  # rows not done with (an error, a stop) lapse and are taken up again
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery to chat %s failed (outbox %s…)", logids.chat(chat_id), ids[0] if ids else "-",
                      exc_info=task.exception())
        self.wake()  # the chat may have more waiting

    async def _deliver_chat(self, rows: list[Outbox], superseded: set[int], refs: _Refs) -> None:
        async with self._slots:
            retry_at: dt.datetime | None = None
            for row in rows:
                if not self._still_ours(row):
                    # The claim lapsed (the database was out of reach): whoever claims it next
                    # sends it, and what follows it in this chat must not go before it.
                    log.warning("outbox %s: claim lapsed before sending, left to the next pass", row.id)
                    retry_at = retry_at or self.clock.now()
                    self._held.pop(row.id, None)
                    continue
                if row.id in superseded:
                    await self._finish(row, OutboxStatus.SENT, error="superseded by a later edit")
                elif retry_at is not None:
                    # keep the chat's order: what came after a failed row waits with it
                    await self._release(row, retry_at)
                else:
                    retry_at = await self._send_one(row, refs)
                self._held.pop(row.id, None)

    def _still_ours(self, row: Outbox) -> bool:
        until = self._held.get(row.id)
        return until is not None and self.clock.now() < until

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self.claim_seconds / 3)
            try:
                await self.renew_claims()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database hiccups: the next renewal may still be in time
                log.exception("renewing outbox claims failed")

    async def renew_claims(self) -> int:
        """Extend the claims on the rows this loop still holds (the ones being sent, those
        behind them). Once a claim has lapsed the row may be another instance's: let it go
        instead of extending someone else's claim. Returns the rows renewed."""
        now = self.clock.now()
        lapsed = [row_id for row_id, until in self._held.items() if now >= until]
        if lapsed:
            log.warning("outbox claims on %d rows lapsed before they could be renewed", len(lapsed))
            for row_id in lapsed:
                del self._held[row_id]
        held = sorted(self._held)
        if not held:
            return 0
        until = now + self.claim
        renewed = await sql.renew(held, until=until)
        for row_id in renewed:
            if row_id in self._held:  # not finished while the update ran
                self._held[row_id] = until
        return len(renewed)

    async def _claim(self, skip_chats: set[int] = frozenset()) -> list[Outbox]:
        now = self.clock.now()
        async with in_transaction() as conn:
            rows = await sql.pick_due(conn, now, limit=self.batch, skip_chats=skip_chats)
            if rows:
                claimed = await sql.claim_first_in_chat(conn, [r.id for r in rows], until=now + self.claim)
                rows = [r for r in rows if r.id in claimed]
        self._held.update({r.id: now + self.claim for r in rows})
        return rows

    async def _send_one(self, row: Outbox, refs: _Refs) -> dt.datetime | None:
        """Send a row; returns when to retry it if it must wait, else None."""
        attempts = row.attempts + 1
        try:
            message_id = await self._dispatch(row, refs)
        except RetryLater as exc:
            retry_at = self.clock.now() + self._real(max(exc.seconds, 0.5))
            log.warning("outbox %s: rate limited, retry in %.1fs", row.id, exc.seconds)
            await self._release(row, retry_at, attempts=attempts, error=str(exc), count=False)
            return retry_at
        except Transient as exc:
            wait = self.backoff(attempts)
            log.warning("outbox %s: attempt %d failed (%s), next in %.0fs", row.id, attempts, exc,
                        wait.total_seconds())
            retry_at = self.clock.now() + wait
            await self._release(row, retry_at, attempts=attempts, error=str(exc))
            return retry_at
        except Undeliverable as exc:
            await self._give_up(row, attempts, exc)
            return None
        await self._finish(row, OutboxStatus.SENT, attempts=attempts, message_id=message_id)
        return None

    async def _give_up(self, row: Outbox, attempts: int, exc: Undeliverable) -> None:
        """A permanent answer: the row ends, and says so (metric, log, the command centre for a card)."""
        log.warning("outbox %s: undeliverable to chat %s (%s): %s", row.id, logids.chat(row.chat_id),
                    exc.reason, exc)
        metrics.count_undeliverable(exc.reason)
        async with in_transaction() as conn:
            await self._finish(row, OutboxStatus.DEAD, attempts=attempts, error=str(exc), using_db=conn)
            noted = await undelivered.note_for_card(row, exc.reason, now=self.clock.now(), using_db=conn)
        if noted:
            log.warning("outbox %s: the command centre is told that a ticket's card did not arrive", row.id)
            self.wake()

    async def _dispatch(self, row: Outbox, refs: _Refs) -> int | None:
        existing = refs.get((row.channel, row.chat_id, row.ref)) if row.ref else None
        if row.file_kind == outbox.EDIT_ONLY:
            return await self._edit_only(row, existing)
        if existing is not None and not row.photo and row.file_data is None:
            try:
                sent = await self.sender.edit(row.chat_id, existing, text=row.text or "", buttons=row.buttons)
                return sent.message_id
            except TargetMissing:
                log.info("outbox %s: card %s gone, sending anew", row.id, row.ref)
        reply_to = refs.get((row.channel, row.chat_id, row.reply_to_ref)) if row.reply_to_ref else None
        if row.file_data is not None:
            sent = await self.sender.send_file(
                row.chat_id, kind=row.file_kind or "document", data=bytes(row.file_data),
                file_name=row.file_name or "file", caption=row.text, reply_to=reply_to,
            )
        else:
            sent = await self.sender.send(
                row.chat_id, text=row.text, buttons=row.buttons, photo=row.photo, reply_to=reply_to
            )
        if row.ref and sent.message_id is not None:
            await self._remember(row, sent.message_id)
            refs[(row.channel, row.chat_id, row.ref)] = sent.message_id  # a photo later in the batch replies to it
        return sent.message_id

    async def _edit_only(self, row: Outbox, existing: int | None) -> int | None:
        if existing is None:  # never shown (a later row superseded it), or not remembered yet
            return None
        try:
            return (await self.sender.edit(row.chat_id, existing, text=row.text or "", buttons=None)).message_id
        except TargetMissing:
            return None

    async def _remember(self, row: Outbox, message_id: int) -> None:
        await self._remembered.submit(sql.Remembered(row.channel, row.chat_id, row.ref, message_id))

    async def _remember_batch(self, refs: list[sql.Remembered]) -> list[None]:
        await sql.remember(refs, now=self.clock.now())
        return [None] * len(refs)

    async def _finish(self, row: Outbox, status: OutboxStatus, *, attempts=None, error=None, message_id=None,
                      using_db=None):
        done = sql.Finished(row.id, status, row.attempts if attempts is None else attempts, error, message_id,
                            drop_file=row.file_data is not None)  # sent or dead: the bytes go
        if using_db is not None:  # in the caller's transaction (giving up): alone
            await sql.finish([done], now=self.clock.now(), using_db=using_db)
        else:
            await self._finished.submit(done)

    async def _finish_batch(self, rows: list[sql.Finished]) -> list[None]:
        await sql.finish(rows, now=self.clock.now())
        return [None] * len(rows)

    async def _release(self, row: Outbox, retry_at: dt.datetime, *, attempts=None, error=None, count=True):
        await Outbox.filter(id=row.id).update(
            status=OutboxStatus.PENDING,
            available_at=retry_at,
            attempts=row.attempts if attempts is None or not count else attempts,
            error=error if error is not None else row.error,
            claimed_until=None,
        )

    # --- for tests and the demo -------------------------------------------------------------

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until nothing due is left (tests: 'every queued message has been tried')."""
        async def settled() -> None:
            while True:
                self.wake()
                self._idle.clear()
                await self._idle.wait()
                while not self._busy and not await sql.any_due(self.clock.now()):
                    # Looked at again after the query: a pass that claimed meanwhile holds rows
                    # that neither the query (claimed, not due) nor `_busy` (no task yet) shows.
                    if not (self._busy or self._claiming):
                        return
                    # A pass is under way: wait for its end without waking the loop again. Waking
                    # it each time left a wake-up pending for the next pass, which was then under
                    # way at every look (PostgreSQL: drains of seconds, some past their timeout).
                    self._idle.clear()
                    await self._idle.wait()

        await asyncio.wait_for(settled(), timeout)


_Refs = dict[tuple[str, int, str], int]  # (channel, chat, ref) → the message id it names



async def _known_refs(rows: list[Outbox]) -> _Refs:
    """The cards this batch edits or replies to, in one query instead of one per row."""
    wanted = {(r.channel, r.chat_id, ref) for r in rows for ref in (r.ref, r.reply_to_ref) if ref}
    if not wanted:
        return {}
    found = await MessageRef.filter(
        chat_id__in={chat for _, chat, _ in wanted}, ref__in={ref for _, _, ref in wanted}
    ).values_list("channel", "chat_id", "ref", "message_id")
    return {(channel, chat, ref): mid for channel, chat, ref, mid in found if (channel, chat, ref) in wanted}


def _superseded_edits(rows: list[Outbox]) -> set[int]:
    """Older versions of a card that a later row in the same batch replaces anyway.

    Sending only the newest text saves a flood of edits in a busy chat. A row is kept when
    something between it and its replacement replies to that card (a photo under it), since
    the card must exist before the reply.
    """
    skipped: set[int] = set()
    last_seen: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.reply_to_ref:
            last_seen.pop((row.chat_id, row.reply_to_ref), None)
        if row.ref and not row.photo:
            key = (row.chat_id, row.ref)
            if key in last_seen:
                skipped.add(last_seen[key])
            last_seen[key] = row.id
    return skipped
