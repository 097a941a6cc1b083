"""Telegram updates → service calls → replies. No business rule lives here.

Private chats are residents' (bot/handlers/resident.py); group chats are units'
(bot/handlers/group.py). Every handler is thin: parse, call a service, wake delivery.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers import care, common, group, resident, sla, staff, web

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
    app.add_handler(CommandHandler("wish", care.wish))
    app.add_handler(CommandHandler("wishes", care.wish_list))
    app.add_handler(CommandHandler("care", care.care))
    app.add_handler(CommandHandler("household", care.household))
    app.add_handler(CommandHandler("visit", care.visit))
    app.add_handler(CommandHandler("score", care.score))
    # before everything else: the 需要帮助 press, a wish's delivery photo, a visit's note
    app.add_handler(MessageHandler(~filters.COMMAND & (filters.TEXT | filters.PHOTO | filters.LOCATION),
                                   care.intercept), group=-3)
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
    app.add_handler(CallbackQueryHandler(care.on_button, pattern=r"^(wish|visit):"))
    app.add_handler(CallbackQueryHandler(group.on_button))
    sla.register(app)  # 书面说明: button, /explain, the text after it (handler group -1)
    app.add_handler(CommandHandler("web", web.login_link), group=-2)  # dashboard login link (stops here)
    from bot.handlers import reports

    reports.register(app)  # /stats /chart /export (handler group -2)
    app.add_error_handler(common.on_error)
