"""/start, /help, what the bot can't read, and the one error handler."""

from __future__ import annotations

import logging

from collections.abc import Sequence

from telegram import PhotoSize, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot import texts
from bot.services import jurisdiction, outbox

log = logging.getLogger("gridbot.handlers")


def best_photo(sizes: Sequence[PhotoSize], limit: int) -> PhotoSize:
    """The largest size Telegram offers that is within `limit`. Telegram sends each photo in
    several sizes, so an oversized original costs nothing: a smaller copy is kept instead, and
    the resident is never asked to send it again. The smallest is kept if none says it fits."""
    fitting = [size for size in sizes if size.file_size is None or size.file_size <= limit]
    return fitting[-1] if fitting else sizes[0]


async def _say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    """Through the outbox like every reply: Telegram down for a while delays it, never loses it."""
    await outbox.say(chat_id, text, now=context.bot_data["rt"].clock.now())


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Private chat: what the bot does. Group chat: which unit this chat serves."""
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        staff = await jurisdiction.staff_for_user(update.effective_user.id)
        reply = texts.WELCOME
        if staff is not None:
            unit = await staff.unit
            role = texts.ROLE_WORDS.get(staff.role, "")
            reply = texts.WELCOME + "\n\n" + texts.STAFF_PRIVATE_HINT.format(unit=unit.name, role=role)
        await _say(context, chat.id, reply)
        return
    unit = await jurisdiction.unit_for_chat(chat.id)
    if unit is None:
        await _say(context, chat.id, texts.GROUP_UNBOUND.format(chat_id=chat.id))
    else:
        await _say(context, chat.id, texts.GROUP_WELCOME.format(unit=unit.name))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat.type == ChatType.PRIVATE:
        await _say(context, update.effective_chat.id, texts.UNKNOWN_COMMAND)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the fault once and tell a resident in private to try again; nothing is lost
    because drafts and outbox rows are only changed inside committed transactions."""
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(texts.BUSY)
        except Exception:  # the channel itself may be what failed
            pass
        return
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE and update.effective_message:
        try:
            await update.effective_message.reply_text(texts.BUSY)
        except Exception:
            pass
