"""Pending conversations: a question the bot asked one person, waiting for their answer.

A resident's report in progress, a worker asked for the reason of a 办结, a 书面说明, a
question a worker sent a resident (追问), a comment after a rating: each is a row (the `draft`
table) that knows its kind (whose feature takes the answer), the chat and the one person who
may answer, what it is about (`subject`, e.g. the ticket), the message it was asked in
(`prompt_ref`: a reply to that message answers it) and when it stops waiting (`expires_at`).
Rows live in the database, so a restart or a second instance behind a webhook loses nothing.

A person may have several open at once in one chat (a worker asked about two tickets, a
resident whose report is half written when a worker's question arrives): a reply to a
prompt answers that prompt; anything else goes to the newest (bot/handlers/router.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import datetime as dt
import logging

from tortoise.transactions import in_transaction

from bot.handlers import sql
from bot.models import Pending, MessageRef
from bot.messaging import outbox
from bot.messaging.outbox import Outgoing

log = logging.getLogger("gridbot.pending")

PROMPT_PREFIX = "pending:"


@dataclass(frozen=True)
class PendingKind:
    """A kind of question: its name (stored on each row) and how long one waits for its answer.
    The feature that takes the answers declares a Conversation for it (bot/handlers/registry.py)."""

    name: str
    wait: dt.timedelta
EXPIRE_BATCH = 200


def prompt_ref(pending_id: int, n: int = 0) -> str:
    """The ref of the n-th prompt of a question (each its own message: a ref shared by two
    messages would make the second an edit of the first)."""
    return f"{PROMPT_PREFIX}{pending_id}:{n}"


async def open_pending(
    kind: PendingKind,
    *,
    channel: str,
    chat_id: int,
    user_id: int,
    now: dt.datetime,
    subject: str | int = "",
    step: str = "",
    data: dict | None = None,
    prompt: Outgoing | None = None,
    remember_prompt: bool = False,
    prompt_ref_: str | None = None,
) -> Pending:
    """Ask a question: the row, and the prompt message. With `remember_prompt` (a group chat,
    where privacy mode shows the bot only replies to its own messages) the prompt is queued
    under a ref of its own, so a reply to it is recognised once delivery records where it
    landed; `prompt_ref_` names a message the caller sent itself. One of a kind per subject: a
    second ask replaces the first. Call inside the caller's transaction."""
    subject = str(subject)
    await Pending.filter(channel=channel, chat_id=chat_id, user_id=user_id, kind=kind.name,
                       subject=subject).delete()
    row = await Pending.create(
        channel=channel, chat_id=chat_id, user_id=user_id, kind=kind.name, subject=subject,
        step=step or kind.name, data=data or {}, created_at=now, updated_at=now,
        expires_at=now + kind.wait, prompt_ref=prompt_ref_,
    )
    if prompt is not None:
        await ask_again(row, prompt, now=now, remember=remember_prompt)
    return row


async def ask_again(row: Pending, prompt: Outgoing, *, now: dt.datetime, remember: bool) -> None:
    """Another prompt of the same question (a report's next step): a reply to it answers it."""
    if remember:
        count = int(row.data.get("prompts", 0)) + 1
        row.data["prompts"] = count
        row.prompt_ref = prompt_ref(row.id, count)
        await row.save(update_fields=["prompt_ref", "data"])
        prompt = dataclasses.replace(prompt, ref=row.prompt_ref)
    await outbox.enqueue([prompt], now=now)


async def create_once(kind: PendingKind, *, channel: str, chat_id: int, user_id: int, now: dt.datetime,
                      subject: str | int = "", step: str = "", data: dict | None = None) -> Pending:
    """A row that two messages arriving together must not both create (a resident's first
    words and photo): the loser of the race gets the winner's row."""
    row = await sql.insert_unless_there(dict(
        channel=channel, chat_id=chat_id, user_id=user_id, kind=kind.name, subject=str(subject),
        step=step or kind.name, data=data or {}, prompt_ref=None, created_at=now, updated_at=now,
        expires_at=now + kind.wait))
    if row is not None:
        return row
    return await (Pending.filter(channel=channel, chat_id=chat_id, user_id=user_id, kind=kind.name,
                               subject=str(subject)).select_for_update().first())


async def of_person(channel: str, chat_id: int, user_id: int) -> list[Pending]:
    """Everything waiting for this person in this chat, newest first, locked for this message
    (PostgreSQL; SQLite has one writer): the one read the router makes."""
    return await sql.of_person(channel, chat_id, user_id)


async def held(row_id: int, *, chat_id: int, user_id: int, kind: PendingKind) -> Pending | None:
    """The question a button names, if it is still this person's in this chat, locked."""
    return await sql.held(row_id, chat_id=chat_id, user_id=user_id, kind=kind.name)


async def by_prompt(channel: str, chat_id: int, ref: str) -> Pending | None:
    """The question that was asked in the message named `ref`, whoever it was asked of."""
    return await Pending.filter(channel=channel, chat_id=chat_id, prompt_ref=ref).select_for_update().first()


def is_live(row: Pending, now: dt.datetime) -> bool:
    return row.expires_at is None or now < row.expires_at


async def touch(row: Pending, now: dt.datetime, kind: PendingKind | None = None) -> None:
    """Saved after a step: the newest question is the one a plain message answers, and a
    conversation that moves on waits afresh."""
    row.updated_at = now
    if kind is not None:
        row.expires_at = now + kind.wait
    await sql.save(row)


async def close(row: Pending) -> bool:
    """Done with: True if this call removed it (not someone a moment earlier). Where its
    prompts landed is forgotten too: nothing will edit or answer them again."""
    removed = await sql.delete(row.id)
    # Only `ask_again` remembers where prompts landed, and it names the newest in prompt_ref
    # (never unset): a question asked without one (a resident's own report) has none to forget.
    if removed and (row.prompt_ref or "").startswith(f"{PROMPT_PREFIX}{row.id}:"):
        await _forget_prompts(row)
    return removed


async def _forget_prompts(row: Pending) -> None:
    await MessageRef.filter(channel=row.channel, chat_id=row.chat_id,
                            ref__startswith=f"{PROMPT_PREFIX}{row.id}:").delete()


async def expire_due(rt, conversations: dict, *, limit: int = EXPIRE_BATCH) -> int:
    """The questions whose time is up: each is claimed (deleted) once, whatever the number of
    instances, and its feature says so to the person."""
    now = rt.clock.now()
    due = await Pending.filter(expires_at__lte=now).order_by("expires_at").limit(limit)
    ended = 0
    for row in due:
        async with in_transaction():
            if not await Pending.filter(id=row.id, expires_at__lte=now).delete():
                continue  # answered, or claimed by another instance, meanwhile
            await _forget_prompts(row)
            conversation = conversations.get(row.kind)
            messages = await conversation.expired(rt, row) if conversation and conversation.expired else []
            if messages:
                await outbox.enqueue(messages, now=now)
            ended += 1
    if ended:
        outbox.wake_delivery()
        log.info("%d pending questions expired", ended)
    return ended
