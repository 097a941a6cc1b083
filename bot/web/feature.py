"""/web: a staff member asks for a one-time link to the web dashboard (bot/web/).

Only in a private chat, only for staff. The link goes straight through the channel, not
through the outbox, so the token is written nowhere but the message itself (the database
keeps its hash). If sending fails, /web again makes a new link.
"""

from __future__ import annotations

from bot import texts
from bot.channels.port import Inbound
from bot.handlers.registry import Command, Feature
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.web import logins
from bot.messaging.outbox import Outgoing



async def login_link(rt, inbound: Inbound) -> None:
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None or not inbound.private:
        text = texts.NOT_STAFF if staff is None else texts.WEB_PRIVATE_ONLY
        await outbox.enqueue([Outgoing(inbound.chat_id, text)], now=rt.clock.now())
        return
    token = await logins.issue(staff, now=rt.clock.now())
    base = rt.settings.web_url if rt.web_base_url is None else rt.web_base_url
    minutes = int(logins.LINK_LIFETIME.total_seconds() // 60)
    await rt.senders[inbound.channel].send(
        inbound.chat_id, text=texts.WEB_LOGIN_LINK.format(url=f"{base}/login/{token}", minutes=minutes),
        buttons=None, photo=None, reply_to=None)


FEATURE = Feature(name="web", commands=[Command("web", login_link)])
