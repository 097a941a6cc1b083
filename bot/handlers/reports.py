"""Figures for staff: /stats, /chart and /export (bot/services/stats.py, charts.py, export.py).

In a unit's group chat they speak for that unit (and the units under it); in a private chat,
for the staff member's own unit. These handlers sit in their own handler group, ahead of group
0's catch-all for unknown commands, and stop the update there once answered.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes

from bot.handlers.context import runtime as _rt
from bot import texts
from bot.models import Role, Staff, Unit
from bot.services import charts, export, jurisdiction, outbox, stats

log = logging.getLogger("gridbot.handlers.reports")

GROUP = -2
MANAGER_ROLES = frozenset({Role.COMMUNITY, Role.STREET, Role.COMMAND})



async def _send(context, *messages: outbox.Outgoing) -> None:
    await outbox.enqueue(messages, now=_rt(context).clock.now())
    outbox.wake_delivery()


async def _who_and_where(update: Update, context) -> tuple[Staff, Unit] | None:
    """The staff member asking and the unit the answer is about, or None (already answered)."""
    chat_id = update.effective_chat.id
    staff = await jurisdiction.staff_for_user(update.effective_user.id)
    if staff is None:
        await _send(context, outbox.Outgoing(chat_id, texts.NOT_STAFF))
        return None
    if update.effective_chat.type == ChatType.PRIVATE:
        return staff, staff.unit
    unit = await jurisdiction.unit_for_chat(chat_id)
    if unit is None:
        await _send(context, outbox.Outgoing(chat_id, texts.GROUP_UNBOUND.format(chat_id=chat_id)))
        return None
    return staff, unit


def _period(context, spec: str | None) -> stats.Period:
    rt = _rt(context)
    return stats.period(spec, rt.clock.now(), rt.tz)


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats [today|week|month|YYYY-MM]: the unit's figures and a line per unit under it."""
    found = await _who_and_where(update, context)
    if found is not None:
        _, unit = found
        chat_id = update.effective_chat.id
        try:
            period = _period(context, context.args[0] if context.args else None)
        except stats.PeriodError as exc:
            await _send(context, outbox.Outgoing(chat_id, str(exc)))
        else:
            own, children = await stats.figures_with_children(unit, period)
            await _send(context, outbox.Outgoing(chat_id, stats.stats_text(unit, own, children, period)))
    raise ApplicationHandlerStop


async def chart_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chart: the last 30 days as a picture."""
    found = await _who_and_where(update, context)
    if found is not None:
        _, unit = found
        rt = _rt(context)
        data = await charts.chart_data(unit, rt.clock.now(), rt.tz)
        png = await asyncio.to_thread(charts.render_png, data)
        caption = texts.CHART_CAPTION.format(unit=unit.name, period=data.period_label,
                                             received=sum(d.received for d in data.days),
                                             resolved=sum(d.resolved for d in data.days))
        await _send(context, outbox.upload(update.effective_chat.id, png, f"chart-{unit.code}.png",
                                           kind=outbox.FILE_PHOTO, caption=caption))
    raise ApplicationHandlerStop


async def export_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [month|YYYY-MM]: the assessment workbook, for community, street and command staff,
    of their own unit or one under it."""
    found = await _who_and_where(update, context)
    if found is not None:
        staff, unit = found
        chat_id = update.effective_chat.id
        refusal = await _export_refusal(staff, unit)
        if refusal:
            await _send(context, outbox.Outgoing(chat_id, refusal))
            raise ApplicationHandlerStop
        try:
            period = _period(context, context.args[0] if context.args else None)
        except stats.PeriodError as exc:
            await _send(context, outbox.Outgoing(chat_id, str(exc)))
            raise ApplicationHandlerStop from None
        rt = _rt(context)
        data = await export.workbook(unit, period, tz=rt.tz)
        caption = texts.EXPORT_CAPTION.format(unit=unit.name, period=period.label)
        await _send(context, outbox.upload(chat_id, data, export.filename(unit, period, rt.tz),
                                           kind=outbox.FILE_DOCUMENT, caption=caption))
    raise ApplicationHandlerStop


async def _export_refusal(staff: Staff, unit: Unit) -> str | None:
    if staff.role not in MANAGER_ROLES:
        return texts.EXPORT_ONLY_MANAGERS
    if staff.role == Role.COMMAND or staff.unit_id == unit.id:
        return None
    if any(u.id == staff.unit_id for u in await jurisdiction.ancestors(unit)):
        return None
    return texts.EXPORT_NOT_YOUR_UNIT


def register(app: Application) -> None:
    app.add_handler(CommandHandler("stats", stats_command), group=GROUP)
    app.add_handler(CommandHandler("chart", chart_command), group=GROUP)
    app.add_handler(CommandHandler("export", export_command), group=GROUP)
