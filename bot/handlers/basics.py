"""/start and /help, and the end of questions nobody answered in time."""

from __future__ import annotations

import datetime as dt

from bot import texts
from bot.channels.port import Inbound
from bot.handlers import pending
from bot.handlers.registry import Command, Feature, Job
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.channels import claims
from bot.messaging.outbox import Outgoing
from bot.jurisdiction.people import resident_for


async def start(rt, inbound: Inbound) -> None:
    """Private chat: what the bot does (and, for staff, where their cards go). Group chat:
    which unit this chat serves, and after /help the commands staff use there."""
    if inbound.private:
        reply = texts.WELCOME
        staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
        if staff is not None:
            unit = await staff.unit
            role = texts.ROLE_WORDS.get(staff.role, "")
            reply += "\n\n" + texts.STAFF_PRIVATE_HINT.format(unit=unit.name, role=role)
        else:  # a resident the bot has now met: staff can register them for care (/care)
            await resident_for(inbound.user_id, display_name=inbound.display_name, username=inbound.username,
                               now=rt.clock.now(), channel=inbound.channel)
    else:
        unit = await directory.unit_for_chat(inbound.chat_id, inbound.channel)
        reply = (texts.GROUP_UNBOUND.format(chat_id=inbound.chat_id) if unit is None
                 else texts.GROUP_WELCOME.format(unit=unit.name))
        if unit is not None and inbound.command == "help":
            reply += texts.GROUP_HELP
    await outbox.enqueue([Outgoing(inbound.chat_id, reply)], now=rt.clock.now())


async def expire_questions(rt) -> int:
    """Questions whose wait is over end, and each feature says so (bot/handlers/pending.py)."""
    return await pending.expire_due(rt, rt.router.registry.conversations)


async def prune_update_claims(rt) -> int:
    """Forget the update ids handled more than two days ago (bot/channels/claims.py)."""
    return await claims.prune(rt.clock.now())


FEATURE = Feature(
    name="basics",
    commands=[Command("start", start, menu=texts.COMMANDS["start"]),
              Command("help", start, menu=texts.COMMANDS["help"])],
    jobs=[Job("expire_questions", expire_questions, every=dt.timedelta(minutes=1)),
          Job("prune_update_claims", prune_update_claims, every=dt.timedelta(hours=1))],
)
