"""/web: a staff member asks for a one-time link to the web dashboard (bot/web/).

Only in a private chat, only for staff. The link is sent as a direct reply, not through the
outbox, so the token is written nowhere but the message itself (the database keeps its hash).
If the reply fails, sending /web again makes a new link.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.runtime import Runtime
from bot.services import jurisdiction, weblogin

BASE_URL_KEY = "web_base_url"  # set in bot_data by GridBot when its web server runs


async def login_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with a login link (private chat, staff only); in a group, point to the private chat."""
    rt: Runtime = context.application.bot_data["rt"]
    message = update.effective_message
    if update.effective_user is None or message is None:  # a channel post, an anonymous admin
        raise ApplicationHandlerStop
    staff = await jurisdiction.staff_for_user(update.effective_user.id)
    if staff is None:
        await message.reply_text(texts.NOT_STAFF)
    elif update.effective_chat.type != ChatType.PRIVATE:
        await message.reply_text(texts.WEB_PRIVATE_ONLY)
    else:
        token = await weblogin.issue(staff, now=rt.clock.now())
        base = context.application.bot_data.get(BASE_URL_KEY) or rt.settings.web_url
        minutes = int(weblogin.LINK_LIFETIME.total_seconds() // 60)
        await message.reply_text(texts.WEB_LOGIN_LINK.format(url=f"{base}/login/{token}", minutes=minutes),
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))
    raise ApplicationHandlerStop  # handled: the catch-all for unknown commands must not answer too
