"""What intake handles: a resident's private messages that answer nothing else (a new report,
or the next words of one), the report's buttons, /my, /cancel and a worker's /report."""

from __future__ import annotations

from bot import texts
from bot.channels.port import Inbound, Press
import datetime as dt

from bot.handlers.registry import (
    LOCATION, PHOTO, PRIVATE_ONLY, TEXT, Command, Conversation, Feature, Job,
)
from bot.intake import after_fix, report
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.intake import mine
from bot.workflow.buttons import MY_TICKET
from bot.messaging.outbox import Outgoing


def _draft_press(code: str):
    async def pressed(rt, press: Press, draft_id: int, version: int, arg=None) -> str | None:
        return await report.on_button(rt, report.Who.of(press), code, draft_id, version, arg)
    pressed.__name__ = f"draft_{code}"
    return pressed


async def _say(rt, chat_id: int, text: str, buttons=None) -> None:
    await outbox.enqueue([Outgoing(chat_id, text, buttons=buttons)], now=rt.clock.now())


async def my_tickets(rt, inbound: Inbound) -> None:
    """/my: the resident's own tickets, newest first, each a button to its history."""
    text, buttons = await mine.my_tickets(inbound.user_id, inbound.channel)
    await _say(rt, inbound.chat_id, text, buttons or None)


async def my_ticket(rt, press: Press, ticket_id: int) -> str | None:
    found = await mine.ticket_for_resident(press.user_id, ticket_id, rt.tz, rt.clock.now(), channel=press.channel)
    if found is None:
        return texts.NOT_ALLOWED
    await _say(rt, press.chat_id, found[0], found[1] or None)
    return None


async def cancel(rt, inbound: Inbound) -> None:
    await report.cancel(rt, inbound)


async def patrol(rt, inbound: Inbound) -> None:
    """/report: a worker files what they found on patrol (巡查上报)."""
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None:
        await _say(rt, inbound.chat_id, texts.NOT_STAFF)
        return
    await report.start_patrol(rt, report.Who.of(inbound), staff)


FEATURE = Feature(
    name="intake",
    actions={**{action: _draft_press(code) for code, action in report.DRAFT_ACTIONS.items()},
             MY_TICKET: my_ticket, after_fix.NOT_FIXED: after_fix.not_fixed,
             after_fix.SOMETHING_ELSE: after_fix.something_else},
    conversations=[Conversation(report.REPORT, take=report.take, accepts=frozenset({TEXT, PHOTO, LOCATION}),
                                expired=report.expired),
                   Conversation(after_fix.AFTER_FIX, take=after_fix.take, expired=after_fix.expired)],
    commands=[
        Command("my", my_tickets, PRIVATE_ONLY, menu=texts.COMMANDS["my"]),
        Command("cancel", cancel, menu=texts.COMMANDS["cancel"]),
        Command("report", patrol),
    ],
    private_message=report.new_report,
    jobs=[Job("forget_old_prompts", report.forget_old_prompts, every=dt.timedelta(hours=1))],
)
