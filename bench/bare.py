"""The baseline for bench/intake.py: a bare python-telegram-bot bot that does nothing but
take updates and send, over GridBot's own transport (bot/channels/telegram/request.py: the
aiohttp request class, a pool of its own for the long poll, updates processed concurrently)
and the same loopback Bot API, in a process of its own so its CPU is read as the bot's is.

It is given the number of sends per update that the complaints cost GridBot in the same run:
each update it gets is answered (a press with answerCallbackQuery, a message with a reply
carrying a button to press), and further messages go out until its sends reach that share.
So the two processes handle the same updates and make the same number of Bot API calls; what
is left of GridBot's CPU above this one's is GridBot's own work (routing, the database,
the outbox, the texts).

The residents it is driven by write one message and press the reply's button as many times
as GridBot's residents pressed on average (`bare_resident`).
"""

from __future__ import annotations

import asyncio
import signal

from bot.sandbox.botapi import LoopbackBotAPI
from bot.sandbox.state import SandboxUser

BUTTON = "好"


async def serve_bare(api_base: str, token: str, sends_per_update: float) -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

    from bot.channels.telegram.request import AiohttpRequest

    app = (ApplicationBuilder().token(token).base_url(api_base)
           .concurrent_updates(256)
           .request(AiohttpRequest())
           .get_updates_request(AiohttpRequest(connection_pool_size=1))
           .build())
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON, callback_data="b")]])
    owed = {"updates": 0, "sent": 0}

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        owed["updates"] += 1
        # This update's share of the sends, rounded so the total matches GridBot's.
        share = round(owed["updates"] * sends_per_update) - owed["sent"]
        owed["sent"] += share
        chat_id = update.effective_chat.id
        if update.callback_query is not None:
            await update.callback_query.answer("收到")
            share -= 1
        elif update.message is not None:
            await context.bot.send_message(chat_id, "收到：" + (update.message.text or "")[:40],
                                           reply_markup=keyboard)
            share -= 1
        for i in range(share):
            await context.bot.send_message(chat_id, f"第{i + 1}条")

    app.add_handler(TypeHandler(Update, on_update))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)
        await stop.wait()
        await app.updater.stop()
        await app.stop()


async def bare_resident(api: LoopbackBotAPI, resident: SandboxUser, text: str, presses: int,
                        timeout: float = 60) -> None:
    """One message, then `presses` presses on the reply's button, each waited for."""
    await api.send_text(resident, text)
    reply = await api.wait_for_bot_message(resident.id, lambda m: "reply_markup" in m, timeout=timeout)
    for _ in range(presses):
        query = await api.press(resident, reply, BUTTON)
        await api.wait_for_callback_answer(query, timeout=timeout)
