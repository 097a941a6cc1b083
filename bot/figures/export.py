"""The assessment workbook (考核表): /export in a manager's chat and `gridbot export`.

One .xlsx (written by bot/figures/xlsx.py): a sheet 说明 (scope, period, how to read it, the unit's own totals), a sheet
per level under the unit — 街道, 社区, 网格, 部门 — with one row per unit, its figures
(bot/figures/stats.py) and its rank, and a sheet 红灯工单 listing every red light of the period
with the written explanation (书面说明) the responsible unit gave, or that it gave none.

Ranking, within each sheet: 按期办结率, then 满意率, then 办结率, each higher first (a rate with
no denominator ranks below any rate); equal keys share a rank (1, 2, 2, 4). A unit with nothing
to assess in the period (nothing received, resolved or rated) is listed last without a rank.

Every cell goes through bot/figures/cells.py (text that a spreadsheet would run as a formula
gets a leading '), and the 书面说明 through bot/nlp/pii.py (phones, ID numbers and names masked).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot import texts, timetext
from bot.models import Explanation, Level, Role, Staff, TicketEvent, Unit
from bot.nlp import pii
from bot.refusals import Refused
from bot.figures import cells, xlsx
from bot.jurisdiction import directory
from bot.figures import stats, words
from bot.figures.periods import Period
from bot.figures.stats import Figures
from bot.jurisdiction.tree import UnitTree, current as tree_of_units

LEVEL_SHEETS = (Level.STREET, Level.COMMUNITY, Level.GRID, Level.DEPARTMENT)
MANAGER_ROLES = frozenset({Role.COMMUNITY, Role.STREET, Role.COMMAND})


async def check_may_export(staff: Staff, unit: Unit) -> None:
    """Community, street and command-centre staff, for their own unit or one under it (the
    command centre: any). Workers and departments read their figures with /stats."""
    if staff.role not in MANAGER_ROLES:
        raise Refused(texts.EXPORT_ONLY_MANAGERS)
    if staff.role == Role.COMMAND or staff.unit_id == unit.id:
        return
    if any(u.id == staff.unit_id for u in await directory.ancestors(unit)):
        return
    raise Refused(texts.EXPORT_NOT_YOUR_UNIT)


def rank_key(f: Figures) -> tuple[float, float, float]:
    """Higher is better: 按期办结率, 满意率, 办结率 (None ranks below 0%)."""
    return tuple(-1.0 if r is None else r for r in (f.on_time_rate, f.satisfaction_rate, f.closure_rate))


def assessable(f: Figures) -> bool:
    return bool(f.received or f.resolved or f.rated)


def ranked(rows: Sequence[tuple[Unit, Figures]]) -> list[tuple[int | None, Unit, Figures]]:
    """Best first with competition ranks; units with nothing to assess last, rank None."""
    scored = sorted((r for r in rows if assessable(r[1])), key=lambda r: (rank_key(r[1]), -r[0].id), reverse=True)
    out: list[tuple[int | None, Unit, Figures]] = []
    for i, (unit, f) in enumerate(scored):
        rank = out[-1][0] if out and rank_key(out[-1][2]) == rank_key(f) else i + 1
        out.append((rank, unit, f))
    out += [(None, u, f) for u, f in rows if not assessable(f)]
    return out


@dataclass(frozen=True)
class RedRow:
    number: str
    category: str
    red_at: dt.datetime
    unit: str
    explain_by: dt.datetime | None
    text: str | None
    explained_by: str | None
    explained_at: dt.datetime | None
    state: str
    status: str


async def red_rows(unit: Unit, period: Period, tree: UnitTree | None = None) -> list[RedRow]:
    """Every red light of the period on the unit's tickets, with its 书面说明 (Explanation row;
    a red light with none owed — a ticket nobody held — is listed too)."""
    tree = tree or await tree_of_units()
    start, end = period.start, period.end
    owed = await (Explanation.filter(red_at__gte=start, red_at__lt=end).order_by("red_at", "id")
                  .values_list("ticket_id", "red_at", "unit_id", "due_at", "text", "explained_by_name",
                               "explained_at", "listed_at"))
    lit = await (TicketEvent.filter(action=stats.LIT_RED, created_at__gte=start, created_at__lt=end)
                 .order_by("created_at", "id").values_list("ticket_id", "created_at"))
    tickets = await stats.tickets_counting_for(unit, {row[0] for row in owed} | {tid for tid, _ in lit},
                                               tree=tree, fields=("number", "category", "status"))
    rows: list[RedRow] = []
    explained_tickets = set()
    for tid, red_at, unit_id, due_at, text, by, explained_at, listed_at in owed:
        if tid not in tickets:
            continue
        explained_tickets.add(tid)
        state = (texts.EXPORT_EXPLAINED if explained_at else
                 texts.EXPORT_EXPLAIN_MISSING if (listed_at or (period.now and stats._aware(due_at) <= period.now))
                 else texts.EXPORT_EXPLAIN_PENDING)
        number, category, status = tickets[tid]
        rows.append(RedRow(number, _label(category), stats._aware(red_at), tree.name(unit_id), stats._aware(due_at),
                           text, by, stats._aware(explained_at), state, texts.STATUS_WORDS.get(str(status), "")))
    for tid, at in lit:
        if tid in tickets and tid not in explained_tickets:
            number, category, status = tickets[tid]
            rows.append(RedRow(number, _label(category), stats._aware(at), texts.STATS_NONE, None, None, None,
                               None, texts.EXPORT_EXPLAIN_NONE_OWED, texts.STATUS_WORDS.get(str(status), "")))
    rows.sort(key=lambda r: (r.red_at, r.number))
    return rows


def _label(code: str) -> str:
    from bot.nlp.classify import label_of

    try:
        return label_of(code)
    except KeyError:
        return code


def filename(unit: Unit, period: Period, tz: ZoneInfo) -> str:
    """gridbot-yingze-2026-11.xlsx (a whole month), else the first and last day."""
    first = period.start.astimezone(tz).date()
    last = (period.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    if first.day == 1 and (last + dt.timedelta(days=1)).day == 1 and first.month == last.month:
        span = f"{first:%Y-%m}"
    elif first == last:
        span = f"{first:%Y-%m-%d}"
    else:
        span = f"{first:%Y%m%d}-{last:%Y%m%d}"
    return f"gridbot-{unit.code}-{span}.xlsx"


async def workbook(unit: Unit, period: Period, *, tz: ZoneInfo) -> bytes:
    """The .xlsx for the unit and every unit under it, as bytes (bot/figures/xlsx.py writes it)."""
    from bot.figures import assessment

    tree = await tree_of_units()
    scope = [unit, *tree.descendants(unit.id)]
    now = period.now or dt.datetime.now(dt.timezone.utc)
    # three independent reads: on PostgreSQL each on a connection of its own, at once
    found, reds, scores = await asyncio.gather(
        stats.figures_for_units(scope, period, tree=tree), red_rows(unit, period, tree),
        assessment.unit_scores(unit, period.start, period.end, now))

    notes = xlsx.Sheet(texts.EXPORT_SHEET_NOTES, widths={1: 22, 2: 90})
    generated = now.astimezone(tz)
    own = found[unit.id]
    lines = [
        (texts.EXPORT_TITLE.format(unit=unit.name, period=period.label), None),
        (texts.EXPORT_SCOPE, unit.name),
        (texts.EXPORT_PERIOD, texts.EXPORT_PERIOD_RANGE.format(
            label=period.label, start=period.start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            end=period.end.astimezone(tz).strftime("%Y-%m-%d %H:%M"))),
        (texts.EXPORT_GENERATED, generated.strftime("%Y-%m-%d %H:%M")),
        (texts.EXPORT_RANKING, texts.EXPORT_RANKING_RULE),
        *[(name, rule) for name, rule in texts.EXPORT_FORMULAS],
        (None, None),
        (texts.EXPORT_OWN_TOTALS.format(unit=unit.name), None),
        *zip(texts.EXPORT_COLUMNS[3:], _figure_cells(own)),
    ]
    percent_labels = {texts.EXPORT_COLUMNS[i] for i in _PERCENT_COLUMNS}
    for r, (label, value) in enumerate(lines, start=1):
        value_style = xlsx.PERCENT if isinstance(value, float) and label in percent_labels else xlsx.PLAIN
        notes.append(cells.safe_row([label, value]), [xlsx.TITLE if r == 1 else xlsx.PLAIN, value_style])

    columns = len(texts.EXPORT_COLUMNS)
    figure_styles = [xlsx.PERCENT if i in _PERCENT_COLUMNS else xlsx.HOURS if i in _HOURS_COLUMNS else xlsx.PLAIN
                     for i in range(columns)]
    levels = []
    for level in LEVEL_SHEETS:
        sheet = xlsx.Sheet(texts.EXPORT_LEVEL_SHEETS[str(level)], freeze="C2",
                           widths={c: 24 if c in (2, 3, columns) else 11 for c in range(1, columns + 1)})
        sheet.append(cells.safe_row(texts.EXPORT_COLUMNS), xlsx.HEAD_WRAP)
        units = [u for u in scope if u.level == level]
        for rank, u, f in ranked([(u, found[u.id]) for u in units]):
            parent = tree.units.get(u.parent_id) if u.parent_id else None
            sheet.append(cells.safe_row([rank if rank is not None else texts.STATS_NONE, u.name,
                                         parent.name if parent else "", *_figure_cells(f)]), figure_styles)
        levels.append(sheet)

    red = xlsx.Sheet(texts.EXPORT_SHEET_RED, freeze="B2", widths=dict(enumerate(
        (24, 12, 17, 20, 17, 12, 60, 10, 17, 14), start=1)))
    red.append(cells.safe_row(texts.EXPORT_RED_COLUMNS), xlsx.HEAD)
    red_styles = [xlsx.WRAP_TOP if c == 6 else xlsx.PLAIN for c in range(len(texts.EXPORT_RED_COLUMNS))]

    def local(moment: dt.datetime | None) -> str:
        return timetext.moment(moment, tz, year=True, none="")

    for r in reds:
        # The 书面说明 is free text a manager's file carries on: masked like every text that leaves.
        explain_by = timetext.deadline(r.explain_by, tz, year=True, none="")
        red.append(cells.safe_row([r.number, r.category, local(r.red_at), r.unit, explain_by, r.state,
                                   pii.mask(r.text) or "", r.explained_by or "", local(r.explained_at), r.status]),
                   red_styles)
    return xlsx.workbook([notes, *levels, red, _assessment_sheet(scores)])


def _assessment_sheet(scores) -> xlsx.Sheet:
    """网格员考核: one row per grid and per worker, the counts and the weighted score."""
    sheet = xlsx.Sheet(texts.EXPORT_SHEET_SCORES)
    keys = list(texts.SCORE_WORDS)
    sheet.append(cells.safe_row([texts.EXPORT_SCORE_GRID, texts.EXPORT_SCORE_WORKER, texts.EXPORT_SCORE_TOTAL,
                                 *(texts.SCORE_WORDS[k] for k in keys)]), xlsx.HEAD)
    for grid_score, workers in scores:
        sheet.append(cells.safe_row([grid_score.name, "", grid_score.total, *(grid_score.counts.get(k, 0) for k in keys)]),
                     [xlsx.BOLD])
        for w in workers:
            sheet.append(cells.safe_row([grid_score.name, w.name, w.total, *(w.counts.get(k, 0) for k in keys)]))
    return sheet


# Indexes into EXPORT_COLUMNS (0-based) of the cells written by `_figure_cells`.
_PERCENT_COLUMNS = (5, 8, 14)
_HOURS_COLUMNS = (15, 16)


def _figure_cells(f: Figures) -> list:
    """The figures in the order of texts.EXPORT_COLUMNS[3:]."""
    return [
        f.received, f.done, f.closure_rate, f.resolved, f.on_time, f.on_time_rate, f.closed,
        f.satisfied, f.basic, f.default, f.unsatisfied, f.satisfaction_rate,
        _round(f.avg_accept_hours), _round(f.avg_resolve_hours), f.yellow, f.red, f.overdue, f.reopened,
        f.paused, f.open_now, words.category_words(f) if f.received else "",
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
