"""Asking once whether a message answers a question that waits, or is something new.

A worker asked the resident "具体在几号楼？"; the resident then writes "小区门口路灯坏了".
Guessing either way loses something: the worker waits for nothing, or a new complaint goes
nowhere. So the router asks once, "这是回答工作人员的问题吗？", keeping the message in a
pending question of its own kind; either button sends it on, and if nobody presses, it goes to
the worker who asked (the person who waits for it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot import texts
from bot.channels.port import Inbound, Photo, Press
from bot.handlers import pending
from bot.handlers.actions import ID, Action
from bot.handlers.pending import PendingKind
from bot.handlers.registry import Conversation, Feature
from bot.models import Pending
from bot.refusals import Refused
from bot.messaging.outbox import Outgoing


def stored(inbound: Inbound) -> dict:
    data = dataclasses.asdict(inbound)
    data["args"] = list(inbound.args)
    return data


def restored(data: dict) -> Inbound:
    data = dict(data)
    data["photo"] = Photo(**data["photo"]) if data.get("photo") else None
    data["location"] = tuple(data["location"]) if data.get("location") else None
    data["args"] = tuple(data.get("args") or ())
    return Inbound(**data)


async def ask(rt, question: Pending, inbound: Inbound) -> None:
    now = rt.clock.now()
    row = await pending.open_pending(
        WHICH, channel=inbound.channel, chat_id=inbound.chat_id, user_id=inbound.user_id, now=now,
        data={"message": stored(inbound), "question": question.id})
    await _enqueue(rt, Outgoing(inbound.chat_id, texts.WHICH_QUESTION, ref=_ref(row.id), buttons=[
        [(texts.BTN_WHICH_ANSWER, ANSWER.data(row.id))], [(texts.BTN_WHICH_NEW, NEW.data(row.id))]]))


def _ref(row_id: int) -> str:
    return f"{PROMPT_PREFIX}{row_id}"


async def _answered(rt, row: Pending, chose: str) -> None:
    """The question keeps its words and what was chosen; its buttons go."""
    from bot.messaging import outbox

    text = f"{texts.WHICH_QUESTION}\n{chose}" if chose else texts.WHICH_QUESTION
    await outbox.enqueue([outbox.edit_only(row.chat_id, _ref(row.id), text)],
                         now=rt.clock.now())


async def _enqueue(rt, message: Outgoing) -> None:
    from bot.messaging import outbox

    await outbox.enqueue([message], now=rt.clock.now())


async def _held(rt, press: Press, row_id: int) -> Pending:
    row = await Pending.filter(id=row_id, kind=WHICH.name, user_id=press.user_id,
                             chat_id=press.chat_id).select_for_update().first()
    if row is None or not await pending.close(row):
        raise Refused(texts.STALE_BUTTON)
    return row


async def _as_answer(rt, row: Pending) -> None:
    """The held message goes to the question it was asked beside, if that still waits;
    otherwise it is a new report (nothing is dropped)."""
    message = restored(row.data["message"])
    question = await Pending.filter(id=row.data.get("question")).select_for_update().first()
    conversation = rt.router.registry.conversations.get(question.kind) if question else None
    if question is None or conversation is None or not pending.is_live(question, rt.clock.now()):
        await _as_new(rt, row)
        return
    await conversation.take(rt, question, message)


async def _as_new(rt, row: Pending) -> None:
    taker = rt.router.registry.private_message
    if taker is not None:
        await taker(rt, restored(row.data["message"]))


async def answer_pressed(rt, press: Press, row_id: int) -> str | None:
    row = await _held(rt, press, row_id)
    await _answered(rt, row, texts.WHICH_CHOSE_ANSWER)
    await _as_answer(rt, row)
    return None


async def new_pressed(rt, press: Press, row_id: int) -> str | None:
    row = await _held(rt, press, row_id)
    await _answered(rt, row, texts.WHICH_CHOSE_NEW)
    await _as_new(rt, row)
    return None


async def _expired(rt, row: Pending) -> list[Outgoing]:
    await _answered(rt, row, "")
    await _as_answer(rt, row)
    return []


async def _take_nothing(rt, row: Pending, inbound: Inbound) -> None:
    """Never reached: a WHICH row accepts no message (the buttons answer it)."""


PROMPT_PREFIX = "which:"  # the question's message: which:<pending id>
ANSWER = Action("q:ans", ID)
NEW = Action("q:new", ID)
WHICH = PendingKind("which", dt.timedelta(minutes=30))

FEATURE = Feature(
    name="which",
    actions={ANSWER: answer_pressed, NEW: new_pressed},
    conversations=[Conversation(WHICH, take=_take_nothing, accepts=frozenset(), expired=_expired)],
)
