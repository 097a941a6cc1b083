"""/stats in words: a unit's figures as one message that reads at a phone's width.

Telegram on a 390 px phone fits about 18 Chinese characters to a line of a message bubble, so
every line that lists figures side by side (｜) stays under that: a unit under the one asked
about gets a short block of its own instead of one wide table row that wraps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import texts
from bot.models import Level, Unit

if TYPE_CHECKING:
    from bot.figures.periods import Period
    from bot.figures.stats import Figures

def percent(rate: float | None) -> str:
    """0.857 → "85.7%", 0.7 → "70%", None → "—"."""
    if rate is None:
        return texts.STATS_NONE
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def duration(hours: float | None) -> str:
    """A mean time as people say it: under an hour in minutes ("35 分钟"), else in hours
    ("6.5 小时"); "—" when there is nothing to average."""
    if hours is None:
        return texts.STATS_NONE
    if hours < 1:
        return texts.STATS_MINUTES.format(minutes=max(round(hours * 60), 1) if hours > 0 else 0)
    return texts.STATS_HOURS.format(hours=f"{hours:.1f}".removesuffix(".0"))


def category_words(f: Figures) -> str:
    from bot.nlp.classify import label_of

    parts = []
    for code, n in f.top_categories():
        try:
            label = label_of(code)
        except KeyError:
            label = code
        parts.append(texts.STATS_CATEGORY.format(category=label, count=n))
    return texts.STATS_LIST_SEP.join(parts) or texts.STATS_NONE


def unit_block(unit: Unit, f: Figures, p: Period) -> str:
    """The full figures of one unit, several lines."""
    return texts.STATS_UNIT.format(
        unit=unit.name, period=p.label, received=f.received, resolved=f.resolved, closed=f.closed,
        closure=percent(f.closure_rate), done=f.done, on_time=percent(f.on_time_rate), late=f.late,
        satisfaction=percent(f.satisfaction_rate), rated=f.rated,
        accept=duration(f.avg_accept_hours), resolve=duration(f.avg_resolve_hours),
        yellow=f.yellow, red=f.red, overdue=f.overdue, reopened=f.reopened,
        paused=texts.STATS_PAUSED.format(count=f.paused) if f.paused else "",
        open=f.open_now, yellow_now=f.yellow_now, red_now=f.red_now, categories=category_words(f),
    )


def child_block(unit: Unit, f: Figures) -> str:
    """A unit under the one asked about: its name, then its figures on short lines."""
    return texts.STATS_CHILD.format(
        unit=unit.name, received=f.received, resolved=f.resolved, closure=percent(f.closure_rate),
        on_time=percent(f.on_time_rate), satisfaction=percent(f.satisfaction_rate),
        yellow=f.yellow, red=f.red, overdue=f.overdue,
    )


MESSAGE_LIMIT = 4000  # under Telegram's 4096, with room for the "另有" line


def stats_text(unit: Unit, own: Figures, children: Sequence[tuple[Unit, Figures]], p: Period) -> str:
    """/stats: the unit's block, a block per unit under it (departments with nothing are left
    out), the note on 默认满意; cut to one Telegram message."""
    parts = [unit_block(unit, own, p)]
    rows = [(u, f) for u, f in children if u.level != Level.DEPARTMENT or not f.empty]
    if rows:
        parts.append(texts.STATS_CHILDREN_HEADER)
        body = "\n".join(parts)
        for i, (child, f) in enumerate(rows):
            block = child_block(child, f)
            if len(body) + len(block) + 200 > MESSAGE_LIMIT:
                parts.append(texts.STATS_MORE.format(count=len(rows) - i))
                break
            parts.append(block)
            body += "\n" + block
    parts.append(texts.STATS_FOOTNOTE)
    return "\n".join(parts)
