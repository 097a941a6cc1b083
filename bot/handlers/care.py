"""Care work in chat: /wish, /wishes, /care, /household, /visit, /score, the 需要帮助 button,
wish and visit buttons, and the photos and notes those ask for."""

from __future__ import annotations

import datetime as dt
import re

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.common import best_photo
from bot.handlers.context import runtime as _rt
from bot import texts
from bot.runtime import Runtime
from bot.services import assessment, carehelp, jurisdiction, outbox, visits, wishes
from bot.services.wishes import WishRefused

WISH_BUTTON = re.compile(r"^wish:(claim|done|thank):(\d{1,9})$")
VISIT_BUTTON = re.compile(r"^visit:(\d{1,9})$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")



async def _say(context, chat_id: int, text: str, buttons=None) -> None:
    await outbox.say(chat_id, text, now=_rt(context).clock.now(), buttons=buttons)


async def _staff(update: Update, context):
    staff = await jurisdiction.staff_for_user(update.effective_user.id)
    if staff is None:
        await _say(context, update.effective_chat.id, texts.NOT_STAFF)
    return staff


async def wish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/wish 心愿 | 受益人情况: community staff publish a 微心愿 to the volunteers."""
    staff = await _staff(update, context)
    if staff is None:
        return
    text = update.effective_message.text.partition(" ")[2]
    try:
        await wishes.post(_rt(context), staff, update.effective_chat.id, text)
    except WishRefused as exc:
        await _say(context, update.effective_chat.id, str(exc))


async def wish_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/wishes: the wishes of the units this person answers for (in a group: of the chat's unit)."""
    staff = await _staff(update, context)
    if staff is None:
        return
    chat = update.effective_chat
    unit = None if chat.type == ChatType.PRIVATE else await jurisdiction.unit_for_chat(chat.id)
    await _say(context, chat.id, await wishes.listing(staff, unit))


async def care(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/care USER_ID 类别 [网格编号]: mark a resident as needing care (private chat only)."""
    staff = await _staff(update, context)
    if staff is None:
        return
    args = context.args or []
    if update.effective_chat.type != ChatType.PRIVATE or len(args) < 2 or not args[0].isdigit() or len(args[0]) > 15:
        await _say(context, update.effective_chat.id, texts.CARE_USAGE)
        return
    reply = await carehelp.mark(_rt(context), staff, int(args[0]), args[1], args[2] if len(args) > 2 else None)
    await _say(context, update.effective_chat.id, reply)


async def household(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/household 称呼 重点|一般|放心 [备注]: in private only — households are personal."""
    staff = await _staff(update, context)
    if staff is None:
        return
    args = context.args or []
    if update.effective_chat.type != ChatType.PRIVATE or len(args) < 2:
        await _say(context, update.effective_chat.id, texts.HOUSEHOLD_USAGE)
        return
    reply = await visits.add_household(_rt(context), staff, args[0], args[1], " ".join(args[2:]) or None)
    await _say(context, update.effective_chat.id, reply)


async def visit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/visit: pick a household, then write what the visit found."""
    staff = await _staff(update, context)
    if staff is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        await _say(context, update.effective_chat.id, texts.HOUSEHOLD_USAGE)
        return
    text, buttons = await visits.visit_menu(_rt(context), staff)
    await _say(context, update.effective_chat.id, text, buttons or None)


async def score(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/score [YYYY-MM]: a worker's own in private; a unit's workers in its chat."""
    staff = await _staff(update, context)
    if staff is None:
        return
    rt = _rt(context)
    local_now = rt.clock.now().astimezone(rt.tz)
    year, month = local_now.year, local_now.month
    if context.args:
        m = MONTH.match(context.args[0])
        if not m or not 1 <= int(m[2]) <= 12:
            await _say(context, update.effective_chat.id, texts.SCORE_USAGE)
            return
        year, month = int(m[1]), int(m[2])
    start, end = assessment.month_bounds(year, month, rt.tz)
    if update.effective_chat.type == ChatType.PRIVATE:
        unit = await staff.unit
    else:
        unit = await jurisdiction.unit_for_chat(update.effective_chat.id)
    results = await assessment.unit_scores(unit, start, end, rt.clock.now()) if unit else []
    if not results:
        await _say(context, update.effective_chat.id, texts.SCORE_NONE)
        return
    only = staff.name if update.effective_chat.type == ChatType.PRIVATE and staff.role == "worker" else None
    lines = [texts.SCORE_HEADER.format(month=f"{year}-{month:02d}")]
    for grid_score, workers in results:
        lines.append(texts.SCORE_GRID_ROW.format(grid=grid_score.name, total=grid_score.total))
        for w in workers:
            if only and w.name != only:
                continue
            detail = "，".join(f"{texts.SCORE_WORDS[k]}{v}" for k, v in w.counts.items() if v)
            lines.append(texts.SCORE_WORKER_ROW.format(name=w.name, total=w.total, detail=detail or "—"))
    await _say(context, update.effective_chat.id, "\n".join(lines))


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    rt = _rt(context)
    user = update.effective_user
    toast = texts.STALE_BUTTON
    if m := WISH_BUTTON.match(query.data or ""):
        action, wish_id = m[1], int(m[2])
        if action == "claim":
            toast = await wishes.claim(rt, wish_id, user.id)
        elif action == "done":
            toast = await wishes.start_delivery(rt, wish_id, user.id, update.effective_chat.id)
        else:
            toast = await wishes.thank(rt, wish_id, await jurisdiction.staff_for_user(user.id))
    elif m := VISIT_BUTTON.match(query.data or ""):
        staff = await jurisdiction.staff_for_user(user.id)
        toast = await visits.start_visit(rt, staff, update.effective_chat.id, int(m[1])) if staff else texts.NOT_STAFF
    await query.answer(toast)
    outbox.wake_delivery()


async def intercept(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before the ordinary handlers: the 需要帮助 press, a wish's delivery photo, a visit's
    note. Anything else passes on untouched."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    rt = _rt(context)
    chat_id, user = update.effective_chat.id, update.effective_user
    if update.effective_chat.type == ChatType.PRIVATE and (message.text or "").strip() == texts.BTN_NEED_HELP:
        cared = await carehelp.vulnerable(user.id)
        if cared is not None:
            await carehelp.raise_help(rt, cared, user.full_name)
            raise ApplicationHandlerStop
    if message.photo:
        draft = await wishes.pending_delivery(chat_id, user.id)
        if draft is not None:
            await wishes.delivered(rt, draft, best_photo(message.photo, rt.limits.max_photo_bytes).file_id)
            outbox.wake_delivery()
            raise ApplicationHandlerStop
    draft = await visits.pending_visit(chat_id, user.id)
    if draft is not None and (message.text or message.photo or message.location):
        staff = await jurisdiction.staff_for_user(user.id)
        if staff is None:
            return
        if message.text and not message.text.startswith("/"):
            await visits.finish_visit(rt, draft, staff, message.text)
        elif message.photo:
            photo = best_photo(message.photo, rt.limits.max_photo_bytes)
            await visits.add_to_visit(rt, draft, photo=photo.file_id)
        elif message.location:
            await visits.add_to_visit(rt, draft, lat=message.location.latitude, lon=message.location.longitude)
        else:
            return
        outbox.wake_delivery()
        raise ApplicationHandlerStop


def today(rt: Runtime) -> dt.date:
    return rt.clock.now().astimezone(rt.tz).date()
