"""What the workflow handles: the card's and triage's buttons, the reasons staff are asked
for, questions to the resident and their answers, the rating and its comment, the staff
commands about tickets, and closing what nobody rated."""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from bot import texts
from bot.channels.port import Inbound, Press
from bot.refusals import Refused
from bot.handlers.registry import GROUPS_ONLY, LOCATION, PHOTO, TEXT, Command, Conversation, Feature, Job, Replies
from bot.workflow import buttons as B
from bot.workflow import feedback
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.workflow import relay
from bot.workflow import views
from bot.workflow import presses
from bot.workflow import ladder
from bot.workflow import moves
from bot.workflow import triage
from bot.workflow import site_photos
from bot.workflow import whereabouts
from bot.messaging.outbox import Outgoing


def _card(code: str):
    async def pressed(rt, press: Press, ticket_id: int, arg: int | None = None) -> str | None:
        return await presses.press(rt, press, code, ticket_id, arg)
    pressed.__name__ = f"card_{code}"
    return pressed


def _triage(code: str):
    async def pressed(rt, press: Press, ticket_id: int, arg=None) -> str | None:
        return await triage.press(rt, press, code, ticket_id, arg)
    pressed.__name__ = f"triage_{code}"
    return pressed


async def _say(rt, chat_id: int, text: str) -> None:
    await outbox.enqueue([Outgoing(chat_id, text)], now=rt.clock.now())


async def _staff_or_refuse(rt, inbound: Inbound):
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None:
        await _say(rt, inbound.chat_id, texts.NOT_STAFF)
    return staff


async def todo(rt, inbound: Inbound) -> None:
    """/todo in a unit's chat: its open tickets, oldest deadline first."""
    if await _staff_or_refuse(rt, inbound) is None:
        return
    unit = await directory.unit_for_chat(inbound.chat_id, inbound.channel)
    if unit is None:
        await _say(rt, inbound.chat_id, texts.GROUP_UNBOUND.format(chat_id=inbound.chat_id))
        return
    await _say(rt, inbound.chat_id, await views.todo(unit, rt.tz))


async def _ticket_from_args(rt, inbound: Inbound, usage: str):
    """The staff member and the ticket named in the command, or None after saying why not."""
    staff = await _staff_or_refuse(rt, inbound)
    if staff is None:
        return None, None
    if not inbound.args:
        await _say(rt, inbound.chat_id, usage)
        return None, None
    found = await views.visible_ticket(inbound.args[0], staff)
    if found is None:
        await _say(rt, inbound.chat_id, texts.TICKET_NOT_FOUND.format(number=inbound.args[0][:32]))
    return staff, found


async def show_ticket(rt, inbound: Inbound) -> None:
    """/ticket NUMBER: the card shown anew."""
    _, found = await _ticket_from_args(rt, inbound, texts.USAGE_TICKET)
    if found is not None:
        await views.show_card(rt, found, inbound.chat_id)


async def history(rt, inbound: Inbound) -> None:
    """/history NUMBER: every change with who made it."""
    _, found = await _ticket_from_args(rt, inbound, texts.USAGE_HISTORY)
    if found is not None:
        await _say(rt, inbound.chat_id, await views.history(found, rt.tz))


async def merge(rt, inbound: Inbound) -> None:
    """/merge DUPLICATE MAIN: the same problem reported twice."""
    staff = await _staff_or_refuse(rt, inbound)
    if staff is None:
        return
    if len(inbound.args) != 2:
        await _say(rt, inbound.chat_id, texts.USAGE_MERGE)
        return
    async with in_transaction():
        dup = await views.visible_ticket(inbound.args[0], staff)
        main = await views.visible_ticket(inbound.args[1], staff)
        if dup is None or main is None:
            missing = inbound.args[0] if dup is None else inbound.args[1]
            await _say(rt, inbound.chat_id, texts.TICKET_NOT_FOUND.format(number=missing[:32]))
            return
        try:
            await ladder.merge(rt, dup, main, staff)
            reply = texts.MERGED_TOAST.format(dup=dup.number, main=main.number)
        except Refused as exc:
            reply = str(exc)
    await _say(rt, inbound.chat_id, reply)


async def close_unrated(rt) -> int:
    """Resolved tickets nobody rated within the window close as 默认满意."""
    return await moves.auto_close_unrated(rt)


async def _nothing(rt, row, inbound) -> None:
    """A picker answered by its buttons only."""


FEATURE = Feature(
    name="workflow",
    actions={
        B.ACCEPT: _card("acc"), B.RESOLVE: _card("res"), B.ESCALATE: _card("esc"), B.TRANSFER: _card("tra"),
        B.TRANSFER_TO: _card("tto"), B.RETURN: _card("ret"), B.ASK: _card("ask"), B.REJECT: _card("rej"),
        B.CONSULT: _card("con"), B.CONSULT_PICK: _card("csel"), B.CONSULT_GO: _card("cgo"),
        B.RECATEGORISE: _card("cat"), B.SET_CATEGORY: _card("setc"),
        B.SET_SUBCATEGORY: _card("sub"), B.CLEAR_SUBCATEGORY: _card("nosub"), B.SET_URGENCY: _card("urg"),
        B.TRIAGE_CATEGORY: _triage("cat"), B.TRIAGE_SET_CATEGORY: _triage("setcat"),
        B.TRIAGE_GRID: _triage("grid"), B.TRIAGE_COMMUNITY: _triage("comm"), B.TRIAGE_SET_GRID: _triage("setgrid"),
        B.RATE: feedback.rate, B.SKIP_COMMENT: feedback.skip_comment, B.NOT_FIXED: feedback.not_fixed,
        relay.REPLY_BUTTON: relay.reply_pressed,
        site_photos.PICK: site_photos.picked, site_photos.NONE: site_photos.not_a_ticket,
    },
    conversations=[
        Conversation(presses.REASON, take=presses.take_reason, accepts=frozenset({TEXT, PHOTO}),
                     expired=presses.reason_expired),
        Conversation(presses.CONSULT, take=_nothing, accepts=frozenset(), expired=presses.consult_expired),
        Conversation(relay.ANSWER, take=relay.take_answer, accepts=frozenset({TEXT, PHOTO}),
                     expired=relay.expired, not_an_answer=relay.looks_like_a_new_complaint),
        Conversation(feedback.COMMENT, take=feedback.take_comment),
        Conversation(site_photos.WHICH, take=site_photos._nothing, accepts=frozenset(), expired=site_photos.expired),
        Conversation(whereabouts.WHERE, take=whereabouts.take, accepts=frozenset({TEXT, LOCATION, PHOTO}),
                     expired=whereabouts.expired, not_an_answer=relay.looks_like_a_new_complaint),
    ],
    replies=[Replies(relay.ASK_PREFIX, relay.take_reply_to_question),
             Replies(relay.ASKED_PREFIX, relay.take_reply_to_question),
             Replies(outbox.CARD_PREFIX, relay.take_reply_to_card)],
    commands=[
        Command("todo", todo, GROUPS_ONLY),
        Command("ticket", show_ticket),
        Command("history", history),
        Command("merge", merge),
    ],
    jobs=[Job("close_unrated", close_unrated, every=dt.timedelta(minutes=10))],
    group_message=site_photos.plain,  # a photo without words, replying to no card
)
