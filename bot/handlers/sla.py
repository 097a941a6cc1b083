"""书面说明 in a unit's chat: the button on a red digest, /explain 工单号, and the text that follows.

These handlers sit in handler group -1, ahead of the workflow's own (group 0): PTB runs one
matching handler per group, so a text that answers a 书面说明 request is taken here and
`ApplicationHandlerStop` keeps the group chat's other handlers from seeing it; any other text
passes through untouched. The rules live in bot/services/sla_sweep.py.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import (
    Application, ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler,
    filters,
)

from bot.handlers.context import runtime as _rt
from bot import logids, texts
from bot.services import outbox, sla_sweep
from bot.services.sla_sweep import Refused

log = logging.getLogger("gridbot.handlers.sla")

GROUP = -1
EXPLAIN_BUTTON = re.compile(r"^sla:exp:(\d{1,9})$")
GROUPS = filters.ChatType.GROUPS



async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """书面说明 pressed: the presser is asked, in this chat, to write the explanation."""
    query = update.callback_query
    data = query.data or ""
    user_id, chat_id = update.effective_user.id, update.effective_chat.id
    try:
        match = EXPLAIN_BUTTON.match(data)
        if match is None:
            raise Refused(texts.STALE_BUTTON)
        toast = await sla_sweep.ask_explanation(_rt(context), user_id, chat_id, ticket_id=int(match[1]))
    except Refused as exc:
        log.info("refused %r from user %s in chat %s: %s", data[:64], logids.person(user_id),
                 logids.chat(chat_id), exc)
        toast = str(exc)
    await query.answer(toast)
    outbox.wake_delivery()
    raise ApplicationHandlerStop


async def explain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/explain 工单号: the same as the button, for red tickets a digest had no button for."""
    rt, chat_id = _rt(context), update.effective_chat.id
    try:
        if not context.args:
            raise Refused(texts.SLA_USAGE_EXPLAIN)
        await sla_sweep.ask_explanation(rt, update.effective_user.id, chat_id, number=context.args[0])
    except Refused as exc:
        await outbox.enqueue([outbox.Outgoing(chat_id, str(exc))], now=rt.clock.now())
    outbox.wake_delivery()
    raise ApplicationHandlerStop


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group text: taken as the 书面说明 if this person was asked for one here; else left alone."""
    message = update.effective_message
    if message is None or not message.text or update.effective_user is None:
        return
    taken = await sla_sweep.take_explanation(_rt(context), update.effective_user.id,
                                             update.effective_chat.id, message.text)
    if taken:
        outbox.wake_delivery()
        raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^sla:"), group=GROUP)
    app.add_handler(CommandHandler("explain", explain, filters=GROUPS), group=GROUP)
    app.add_handler(MessageHandler(GROUPS & filters.TEXT & ~filters.COMMAND, on_text), group=GROUP)
