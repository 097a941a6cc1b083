"""Staff commands: /todo, /ticket, /history, /merge, /report."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.handlers.context import runtime as _rt
from bot import texts
from bot.services import intake, jurisdiction, outbox, staffviews, tickets
from bot.services.staffwork import Refused



async def _say(context, chat_id: int, text: str) -> None:
    await outbox.say(chat_id, text, now=_rt(context).clock.now())


async def _staff_or_refuse(update: Update, context) -> object | None:
    staff = await jurisdiction.staff_for_user(update.effective_user.id)
    if staff is None:
        await _say(context, update.effective_chat.id, texts.NOT_STAFF)
    return staff


async def todo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/todo in a unit's chat: its open tickets, oldest deadline first."""
    if await _staff_or_refuse(update, context) is None:
        return
    unit = await jurisdiction.unit_for_chat(update.effective_chat.id)
    if unit is None:
        await _say(context, update.effective_chat.id, texts.GROUP_UNBOUND.format(chat_id=update.effective_chat.id))
        return
    await _say(context, update.effective_chat.id, await staffviews.todo(unit, _rt(context).tz))


async def _ticket_from_args(update: Update, context, usage: str):
    """The staff member and the ticket named in the command, or None after saying why not."""
    staff = await _staff_or_refuse(update, context)
    if staff is None:
        return None, None
    if not context.args:
        await _say(context, update.effective_chat.id, usage)
        return None, None
    found = await staffviews.visible_ticket(context.args[0], staff)
    if found is None:
        await _say(context, update.effective_chat.id, texts.TICKET_NOT_FOUND.format(number=context.args[0][:32]))
    return staff, found


async def ticket(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ticket NUMBER: the card shown anew."""
    _, found = await _ticket_from_args(update, context, texts.USAGE_TICKET)
    if found is not None:
        await staffviews.show_card(_rt(context), found, update.effective_chat.id)


async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/history NUMBER: every change with who made it."""
    _, found = await _ticket_from_args(update, context, texts.USAGE_HISTORY)
    if found is not None:
        await _say(context, update.effective_chat.id, await staffviews.history(found, _rt(context).tz))


async def merge(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/merge DUPLICATE MAIN: the same problem reported twice."""
    staff = await _staff_or_refuse(update, context)
    if staff is None:
        return
    chat_id = update.effective_chat.id
    if len(context.args or []) != 2:
        await _say(context, chat_id, texts.USAGE_MERGE)
        return
    from tortoise.transactions import in_transaction

    async with in_transaction():
        dup = await staffviews.visible_ticket(context.args[0], staff)
        main = await staffviews.visible_ticket(context.args[1], staff)
        if dup is None or main is None:
            missing = context.args[0] if dup is None else context.args[1]
            await _say(context, chat_id, texts.TICKET_NOT_FOUND.format(number=missing[:32]))
            return
        try:
            await tickets.merge(_rt(context), dup, main, staff)
            reply = texts.MERGED_TOAST.format(dup=dup.number, main=main.number)
        except (tickets.IllegalMove, tickets.NotAllowed, Refused) as exc:
            reply = str(exc)
    await _say(context, chat_id, reply)


async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/report: a worker files what they found on patrol (巡查上报)."""
    staff = await _staff_or_refuse(update, context)
    if staff is None:
        return
    user = update.effective_user
    who = intake.Who(user.id, update.effective_chat.id, user.full_name, user.username)
    await intake.start_patrol(_rt(context), who, staff)
    outbox.wake_delivery()


def is_group(update: Update) -> bool:
    return update.effective_chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
