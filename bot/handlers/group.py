"""A unit's group chat: card buttons, and the reasons staff write when asked."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import best_photo
from bot.handlers.context import runtime as _rt
from bot import texts
from bot.services import intake, outbox, staffwork, triage
from bot.services.staffwork import Refused

log = logging.getLogger("gridbot.handlers.group")

CARD_BUTTON = re.compile(r"^w:(acc|res|esc|tra|ret|ask|rej|con|tto|csel|cgo|cat|setc):(\d{1,9})(?::([a-z_0-9]{1,20}))?$")
TRIAGE_BUTTON = re.compile(r"^tr:(cat|grid|setcat|comm|setgrid):(\d{1,9})(?::([a-z_0-9]{1,20}))?$")



async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A card's button. Who may press is decided on the server, never trusted from the button."""
    query = update.callback_query
    data = query.data or ""
    user_id, chat_id = update.effective_user.id, update.effective_chat.id
    try:
        if m := CARD_BUTTON.match(data):
            toast = await staffwork.press(_rt(context), user_id, chat_id, m[1], int(m[2]), m[3])
        elif m := TRIAGE_BUTTON.match(data):
            toast = await triage.press(_rt(context), user_id, chat_id, m[1], int(m[2]), m[3])
        else:
            raise Refused(texts.STALE_BUTTON)
    except Refused as exc:
        log.warning("refused button %r from user %s in chat %s: %s", data[:64], user_id, chat_id, exc)
        toast = str(exc)
    await query.answer(toast)
    outbox.wake_delivery()


def _who(update: Update) -> intake.Who:
    user = update.effective_user
    return intake.Who(user.id, update.effective_chat.id, user.full_name, user.username)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group talk is ignored, unless the bot asked this person for something: a reason, a
    patrol report in progress, or a reply to a ticket's card (a question for the resident)."""
    message = update.effective_message
    if await intake.has_report(_who(update)):
        await intake.on_text(_rt(context), _who(update), message.text or "")
        outbox.wake_delivery()
        return
    replied = message.reply_to_message
    try:
        taken = await staffwork.on_text(_rt(context), update.effective_user.id, update.effective_chat.id,
                                        message.text or "", replied.message_id if replied else None)
    except Refused:
        return
    if taken:
        outbox.wake_delivery()


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if await intake.has_report(_who(update)):
        location = update.effective_message.location
        await intake.on_location(_rt(context), _who(update), location.latitude, location.longitude)
        outbox.wake_delivery()


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    photo = best_photo(message.photo, _rt(context).limits.max_photo_bytes)
    if await intake.has_report(_who(update)):
        await intake.on_photo(_rt(context), _who(update), photo.file_id, photo.file_unique_id, message.caption)
        outbox.wake_delivery()
        return
    try:
        taken = await staffwork.on_photo(_rt(context), update.effective_user.id, update.effective_chat.id,
                                         photo.file_id, photo.file_unique_id, message.caption)
    except Refused:
        return
    if taken:
        outbox.wake_delivery()
