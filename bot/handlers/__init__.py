"""Telegram updates → service calls → replies. No business rule lives here.

Private chats are residents' (bot/handlers/resident.py); group chats are units'
(bot/handlers/group.py). Every handler is thin: parse, call a service, wake delivery.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers import common, group, resident, staff

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS


def register(app: Application) -> None:
    app.add_handler(CommandHandler(["start", "help"], common.start))
    app.add_handler(CommandHandler("my", resident.my, filters=PRIVATE))
    app.add_handler(CommandHandler("cancel", resident.cancel, filters=PRIVATE))
    app.add_handler(CommandHandler("todo", staff.todo, filters=GROUPS))
    app.add_handler(CommandHandler("ticket", staff.ticket))
    app.add_handler(CommandHandler("history", staff.history))
    app.add_handler(CommandHandler("merge", staff.merge))
    app.add_handler(CommandHandler("report", staff.report))
    app.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))

    app.add_handler(MessageHandler(PRIVATE & filters.TEXT, resident.on_text))
    app.add_handler(MessageHandler(PRIVATE & filters.PHOTO, resident.on_photo))
    app.add_handler(MessageHandler(PRIVATE & filters.LOCATION, resident.on_location))
    app.add_handler(MessageHandler(PRIVATE & filters.Sticker.ALL, resident.on_sticker))
    app.add_handler(MessageHandler(PRIVATE & (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE), resident.on_voice))
    app.add_handler(MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, resident.on_other))

    app.add_handler(MessageHandler(GROUPS & filters.TEXT, group.on_text))
    app.add_handler(MessageHandler(GROUPS & filters.PHOTO, group.on_photo))
    app.add_handler(MessageHandler(GROUPS & filters.LOCATION, group.on_location))

    app.add_handler(CallbackQueryHandler(resident.on_button, pattern=r"^(r|rate|my|c|ans|nf):"))
    app.add_handler(CallbackQueryHandler(group.on_button))
    app.add_error_handler(common.on_error)
