"""The Telegram adapter's way in: python-telegram-bot receives updates (long polling or a
webhook), this turns each into an `Inbound` or a `Press` and hands it to the router.

One handler for every update: which feature a message belongs to is the router's decision
(bot/handlers/router.py), never the order of PTB handler groups.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot import texts
from bot.channels.port import Press
from bot.channels.telegram import inbound
from bot.channels.telegram.request import AiohttpRequest
from bot.channels.telegram.updates import OnceEach

log = logging.getLogger("gridbot.telegram")


def build_application(rt, router) -> Application:
    settings = rt.settings
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        # concurrently, each update_id once (a copy Telegram sends again is dropped)
        .concurrent_updates(OnceEach(256, rt.clock))
        .request(AiohttpRequest(read_timeout=settings.telegram_timeout,
                                connect_timeout=settings.telegram_timeout))
        # a long poll holds its connection: a pool of its own, as PTB's default has
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
    )
    if rt.rate_limit:
        # Telegram's own limits (30 msg/s, 20 msg/min per group); a 429 still comes back to
        # the delivery loop (max_retries=0), which reschedules the row instead of blocking.
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    app = builder.build()

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        parsed = inbound.parse(update, bot_username=context.bot.username or "",
                               max_photo_bytes=rt.limits.max_photo_bytes)
        if isinstance(parsed, Press):
            toast = await router.press(parsed)
            await update.callback_query.answer(toast)
        elif parsed is not None:
            await router.message(parsed)
        elif update.callback_query is not None:
            await update.callback_query.answer()

    app.add_handler(TypeHandler(Update, on_update))
    app.add_error_handler(on_error)
    return app


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
