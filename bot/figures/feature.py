"""What the figures handle: /stats, /chart and /export. In a unit's group chat they speak for
that unit (and the units under it); in a private chat, for the staff member's own unit."""

from __future__ import annotations

import asyncio

from bot import texts
from bot.channels.port import Inbound
from bot.handlers.registry import Command, Feature
from bot.models import Staff, Unit
from bot.refusals import Refused
from bot.figures import charts
from bot.figures import export
from bot.jurisdiction import directory
from bot.messaging import outbox
from bot.figures import stats, words


async def _send(rt, *messages: outbox.Outgoing) -> None:
    await outbox.enqueue(messages, now=rt.clock.now())


async def _who_and_where(rt, inbound: Inbound) -> tuple[Staff, Unit]:
    """The staff member asking and the unit the answer is about."""
    staff = await directory.staff_for_user(inbound.user_id, inbound.channel)
    if staff is None:
        raise Refused(texts.NOT_STAFF)
    if inbound.private:
        return staff, await staff.unit
    unit = await directory.unit_for_chat(inbound.chat_id, inbound.channel)
    if unit is None:
        raise Refused(texts.GROUP_UNBOUND.format(chat_id=inbound.chat_id))
    return staff, unit


def _period(rt, inbound: Inbound) -> stats.Period:
    try:
        return stats.period(inbound.args[0] if inbound.args else None, rt.clock.now(), rt.tz)
    except stats.PeriodError as exc:
        raise Refused(str(exc)) from exc


def _answering(command):
    """A refusal (not staff, a bad period, not yours to export) is the answer, in the chat."""
    async def run(rt, inbound: Inbound) -> None:
        try:
            await command(rt, inbound)
        except Refused as exc:
            await _send(rt, outbox.Outgoing(inbound.chat_id, str(exc)))
    run.__name__ = command.__name__
    return run


async def stats_command(rt, inbound: Inbound) -> None:
    """/stats [today|week|month|YYYY-MM]: the unit's figures and a line per unit under it."""
    _, unit = await _who_and_where(rt, inbound)
    period = _period(rt, inbound)
    own, children = await stats.figures_with_children(unit, period)
    await _send(rt, outbox.Outgoing(inbound.chat_id, words.stats_text(unit, own, children, period)))


async def chart_command(rt, inbound: Inbound) -> None:
    """/chart: the last 30 days as a picture."""
    _, unit = await _who_and_where(rt, inbound)
    data = await charts.chart_data(unit, rt.clock.now(), rt.tz)
    png = await asyncio.to_thread(charts.render_png, data)
    caption = texts.CHART_CAPTION.format(unit=unit.name, period=data.period_label,
                                         received=sum(d.received for d in data.days),
                                         resolved=sum(d.resolved for d in data.days))
    await _send(rt, outbox.upload(inbound.chat_id, png, f"chart-{unit.code}.png",
                                  kind=outbox.FILE_PHOTO, caption=caption))


async def export_command(rt, inbound: Inbound) -> None:
    """/export [month|YYYY-MM]: the assessment workbook, for community, street and command staff,
    of their own unit or one under it."""
    staff, unit = await _who_and_where(rt, inbound)
    await export.check_may_export(staff, unit)
    period = _period(rt, inbound)
    data = await export.workbook(unit, period, tz=rt.tz)
    caption = texts.EXPORT_CAPTION.format(unit=unit.name, period=period.label)
    await _send(rt, outbox.upload(inbound.chat_id, data, export.filename(unit, period, rt.tz),
                                  kind=outbox.FILE_DOCUMENT, caption=caption))


FEATURE = Feature(
    name="figures",
    commands=[Command("stats", _answering(stats_command)),
              Command("chart", _answering(chart_command)),
              Command("export", _answering(export_command))],
)
