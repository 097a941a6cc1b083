"""What a handler reads from python-telegram-bot's context: the runtime the composition root put there."""

from telegram.ext import ContextTypes

from bot.runtime import Runtime


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.application.bot_data["rt"]
