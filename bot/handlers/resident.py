"""A resident's private chat with the bot: reports, buttons, /my, ratings."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers.common import best_photo
from bot.handlers.context import runtime as _rt
from bot import texts
from bot.services import feedback, intake, outbox, relay, residents
from bot.services.ratelimit import FloodGuard

DRAFT_BUTTON = re.compile(r"^r:(ok|no|skip|more|anon|cat|setcat|comm|grid|noplace|dupyes|dupno):(\d{1,9}):(\d{1,6})(?::([a-z_0-9]{1,20}))?$")
RATE_BUTTON = re.compile(r"^rate:(\d{1,9}):([a-z]{1,16})$")
MY_BUTTON = re.compile(r"^my:(\d{1,9})$")
SKIP_COMMENT = re.compile(r"^c:skip:(\d{1,9})$")
NOT_FIXED_BUTTON = re.compile(r"^nf:(\d{1,9})$")
ANSWER_BUTTON = re.compile(r"^ans:(\d{1,9})$")



def _who(update: Update) -> intake.Who:
    user = update.effective_user
    return intake.Who(user.id, update.effective_chat.id, user.full_name, user.username)


def _reply_to(update: Update) -> dict:
    """Which message this one replies to, and its words (a question from staff, perhaps)."""
    replied = update.effective_message.reply_to_message
    if replied is None:
        return {}
    return {"reply_to": replied.message_id, "replied_text": replied.text or replied.caption}


def _guard(context: ContextTypes.DEFAULT_TYPE) -> FloodGuard:
    rt = _rt(context)
    guard = context.application.bot_data.get("flood")
    if guard is None:
        # On the bot's clock, like every other timer: a test (or the demo) moves it.
        guard = context.application.bot_data["flood"] = FloodGuard(
            rt.limits.flood_messages, rt.limits.flood_seconds, monotonic=lambda: rt.clock.now().timestamp())
    return guard


async def _reply(context, chat_id: int, text: str, buttons=None) -> None:
    await outbox.say(chat_id, text, now=_rt(context).clock.now(), buttons=buttons)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Words from a resident: part of a report, an answer, or a comment on a fix."""
    who = _who(update)
    verdict = _guard(context).check(who.user_id)
    if verdict == "warn":
        await _reply(context, who.chat_id, texts.TOO_FAST)
    await intake.on_text(_rt(context), who, update.effective_message.text or "", quiet=verdict != "ok",
                         **_reply_to(update))
    outbox.wake_delivery()


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo of the problem (the largest size Telegram offers)."""
    message = update.effective_message
    photo = best_photo(message.photo, _rt(context).limits.max_photo_bytes)
    await intake.on_photo(_rt(context), _who(update), photo.file_id, photo.file_unique_id, message.caption,
                          **_reply_to(update))
    outbox.wake_delivery()


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Where the problem is: the nearest grid takes it."""
    location = update.effective_message.location
    await intake.on_location(_rt(context), _who(update), location.latitude, location.longitude)
    outbox.wake_delivery()


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(context, update.effective_chat.id, texts.STICKER_NOT_SUPPORTED)


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(context, update.effective_chat.id, texts.VOICE_NOT_SUPPORTED)


async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _reply(context, update.effective_chat.id, texts.UNSUPPORTED)


async def my(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/my: the resident's own tickets, newest first, each a button to its history."""
    text, buttons = await residents.my_tickets(update.effective_user.id)
    await _reply(context, update.effective_chat.id, text, buttons or None)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await intake.cancel(_rt(context), _who(update))
    outbox.wake_delivery()


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button in a private chat. Data is parsed strictly; anything else is stale."""
    query = update.callback_query
    data = query.data or ""
    rt = _rt(context)
    toast = texts.STALE_BUTTON
    if m := DRAFT_BUTTON.match(data):
        toast = await intake.on_button(rt, _who(update), m[1], int(m[2]), int(m[3]), m[4])
    elif m := RATE_BUTTON.match(data):
        toast = await feedback.rate(rt, update.effective_user.id, update.effective_chat.id, int(m[1]), m[2])
    elif m := SKIP_COMMENT.match(data):
        await feedback.skip_comment(rt, update.effective_user.id, update.effective_chat.id)
        toast = texts.COMMENT_THANKS
    elif m := ANSWER_BUTTON.match(data):
        toast = await relay.start_answer(rt, update.effective_user.id, int(m[1]))
    elif m := MY_BUTTON.match(data):
        found = await residents.ticket_for_resident(update.effective_user.id, int(m[1]), rt.tz, rt.clock.now())
        if found is None:
            toast = texts.NOT_ALLOWED
        else:
            await _reply(context, update.effective_chat.id, found[0], found[1] or None)
            toast = None
    elif m := NOT_FIXED_BUTTON.match(data):
        toast = await feedback.not_fixed(rt, update.effective_user.id, int(m[1]))
    await query.answer(toast)
    outbox.wake_delivery()
