"""What care work handles: /wish, /wishes, /care, /household, /visit, /score; the wish and
visit buttons; the 需要帮助 key of a vulnerable resident's keyboard; the delivery photo and the
visit note those ask for; and the reminders of unclaimed wishes and visits falling due."""

from __future__ import annotations

import datetime as dt
import re

from bot.refusals import Refused
from bot import texts
from bot.channels.port import Inbound, Press
from bot.handlers.registry import LOCATION, PHOTO, TEXT, Command, Conversation, Feature, Job
from bot.figures import assessment
from bot.care import helpcall
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.care import visits
from bot.care import wishes
from bot.messaging.outbox import Outgoing

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


async def _say(rt, chat_id: int, text: str, buttons=None) -> None:
    await outbox.enqueue([Outgoing(chat_id, text, buttons=buttons)], now=rt.clock.now())


async def _staff(rt, who):
    staff = await directory.staff_for_user(who.user_id, who.channel)
    if staff is None:
        await _say(rt, who.chat_id, texts.NOT_STAFF)
    return staff


async def wish(rt, inbound: Inbound) -> None:
    """/wish 心愿 | 受益人情况: community staff publish a 微心愿 to the volunteers."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    try:
        await wishes.post(rt, staff, inbound.chat_id, inbound.text or "")
    except Refused as exc:
        await _say(rt, inbound.chat_id, str(exc))


async def wish_list(rt, inbound: Inbound) -> None:
    """/wishes: the wishes of the units this person answers for (in a group: of the chat's unit)."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    unit = None if inbound.private else await directory.unit_for_chat(inbound.chat_id, inbound.channel)
    await _say(rt, inbound.chat_id, await wishes.listing(staff, unit))


async def care(rt, inbound: Inbound) -> None:
    """/care USER_ID 类别 [网格编号]: mark a resident as needing care (private chat only)."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    args = inbound.args
    if not inbound.private or len(args) < 2 or not args[0].isdigit() or len(args[0]) > 15:
        await _say(rt, inbound.chat_id, texts.CARE_USAGE)
        return
    reply = await helpcall.mark(rt, staff, int(args[0]), args[1], args[2] if len(args) > 2 else None)
    await _say(rt, inbound.chat_id, reply)


async def household(rt, inbound: Inbound) -> None:
    """/household 称呼 重点|一般|放心 [备注]: in private only — households are personal."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    args = inbound.args
    if not inbound.private or len(args) < 2:
        await _say(rt, inbound.chat_id, texts.HOUSEHOLD_USAGE)
        return
    reply = await visits.add_household(rt, staff, args[0], args[1], " ".join(args[2:]) or None)
    await _say(rt, inbound.chat_id, reply)


async def visit(rt, inbound: Inbound) -> None:
    """/visit: pick a household, then write what the visit found."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    if not inbound.private:
        await _say(rt, inbound.chat_id, texts.HOUSEHOLD_USAGE)
        return
    text, buttons = await visits.visit_menu(rt, staff)
    await _say(rt, inbound.chat_id, text, buttons or None)


async def score(rt, inbound: Inbound) -> None:
    """/score [YYYY-MM]: a worker's own in private; a unit's workers in its chat."""
    staff = await _staff(rt, inbound)
    if staff is None:
        return
    local_now = rt.clock.now().astimezone(rt.tz)
    year, month = local_now.year, local_now.month
    if inbound.args:
        m = MONTH.match(inbound.args[0])
        if not m or not 1 <= int(m[2]) <= 12:
            await _say(rt, inbound.chat_id, texts.SCORE_USAGE)
            return
        year, month = int(m[1]), int(m[2])
    start, end = assessment.month_bounds(year, month, rt.tz)
    unit = await staff.unit if inbound.private else await directory.unit_for_chat(inbound.chat_id, inbound.channel)
    results = await assessment.unit_scores(unit, start, end, rt.clock.now()) if unit else []
    if not results:
        await _say(rt, inbound.chat_id, texts.SCORE_NONE)
        return
    only = staff.name if inbound.private and staff.role == "worker" else None
    await _say(rt, inbound.chat_id, assessment.score_text(results, f"{year}-{month:02d}", only=only))


async def claim_pressed(rt, press: Press, wish_id: int) -> str | None:
    return await wishes.claim(rt, wish_id, press.user_id)


async def delivered_pressed(rt, press: Press, wish_id: int) -> str | None:
    return await wishes.start_delivery(rt, press, wish_id)


async def thank_pressed(rt, press: Press, wish_id: int) -> str | None:
    return await wishes.thank(rt, wish_id, await directory.staff_for_user(press.user_id, press.channel))


async def visit_pressed(rt, press: Press, household_id: int) -> str | None:
    staff = await directory.staff_for_user(press.user_id, press.channel)
    return await visits.start_visit(rt, staff, press, household_id) if staff else texts.NOT_STAFF


async def need_help(rt, inbound: Inbound) -> bool:
    """需要帮助 on a vulnerable resident's keyboard; from anyone else it is just words."""
    cared = await helpcall.vulnerable(inbound.user_id, inbound.channel)
    if cared is None:
        return False
    await helpcall.raise_help(rt, cared, inbound.display_name)
    return True


FEATURE = Feature(
    name="care",
    actions={wishes.CLAIM: claim_pressed, wishes.DELIVERED: delivered_pressed, wishes.THANK: thank_pressed,
             visits.PICK: visit_pressed},
    conversations=[
        Conversation(wishes.DELIVERY_PHOTO, take=wishes.take_delivery_photo, accepts=frozenset({PHOTO}),
                     refuse=texts.WISH_SEND_PHOTO, expired=wishes.delivery_expired),
        Conversation(visits.VISIT_NOTE, take=visits.take_visit, accepts=frozenset({TEXT, PHOTO, LOCATION}),
                     expired=visits.visit_expired),
    ],
    commands=[
        Command("wish", wish), Command("wishes", wish_list), Command("care", care),
        Command("household", household), Command("visit", visit), Command("score", score),
    ],
    keyboard={texts.BTN_NEED_HELP: need_help},
    jobs=[Job("remind_unclaimed_wishes", wishes.remind_unclaimed, every=dt.timedelta(hours=1)),
          Job("remind_due_visits", visits.remind_due, every=dt.timedelta(hours=1))],
)
