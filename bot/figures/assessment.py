"""网格员考核: a monthly score per worker and per grid, from the work the records show.

Counts come from the audit trail (ticket events), the tickets' deadlines and the visits; the
weights from bot/policy/care.yaml. What each count means is written there, once.
A worker's resolution is the last 办结 before a rating or reopening: that worker answers for it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tortoise import connections

from bot import texts
from bot.models import Level, Role, Staff, Ticket, TicketEvent, Unit
from bot.models_care import Household, Visit
from bot.care.wishes import policy


@dataclass
class Score:
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> float:
        weights = policy().weights
        return round(sum(weights[k] * v for k, v in self.counts.items()), 1)


def month_bounds(year: int, month: int, tz) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


async def grid_scores(grid: Unit, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> tuple[Score, list[Score]]:
    """The grid's score and each of its workers'. Red lights and missed visits belong to the
    grid and so to each of its workers; the grid counts them once."""
    return (await _scores([grid], start, end, now))[0]


async def unit_scores(unit: Unit, start, end, now) -> list[tuple[Score, list[Score]]]:
    """Every grid under a unit (a community, a street, the district)."""
    if unit.level == Level.GRID:
        grids = [unit]
    else:
        grids, frontier = [], [unit.id]
        while frontier:
            children = await Unit.filter(parent_id__in=frontier, active=True)
            grids += [c for c in children if c.level == Level.GRID]
            frontier = [c.id for c in children if c.level != Level.GRID]
    return await _scores(sorted(grids, key=lambda g: g.id), start, end, now)


async def _scores(grids: list[Unit], start, end, now) -> list[tuple[Score, list[Score]]]:
    """The scores of these grids and their workers from a handful of queries, whatever their
    number (the district's export asks for every grid)."""
    weights = policy().weights
    ids = [g.id for g in grids]
    workers = await Staff.filter(unit_id__in=ids, role=Role.WORKER, active=True).order_by("id") if ids else []
    counts = {w.user_id: dict.fromkeys(weights, 0) for w in workers}
    uids = list(counts)
    if uids:
        await _worker_counts(counts, uids, start, end)
    red: dict[int, int] = defaultdict(int)
    for grid_id in await Ticket.filter(grid_id__in=ids, red_notified_at__gte=start,
                                       red_notified_at__lt=end).values_list("grid_id", flat=True) if ids else []:
        red[grid_id] += 1
    missed: dict[int, int] = defaultdict(int)
    for grid_id in await Household.filter(grid_id__in=ids, active=True, next_due_at__lt=min(end, now)).values_list(
            "grid_id", flat=True) if ids else []:
        missed[grid_id] += 1  # visits due before the month ended (or now, this month), not done
    out = []
    for grid in grids:
        shared = {"red_lights": red[grid.id], "visits_missed": missed[grid.id]}
        scores = []
        for worker in (w for w in workers if w.unit_id == grid.id):
            mine = dict(counts[worker.user_id])
            mine.update(shared)
            scores.append(Score(worker.name, mine))
        grid_counts = {k: sum(sc.counts.get(k, 0) for sc in scores) for k in weights}
        grid_counts.update(shared)
        out.append((Score(grid.name, grid_counts), scores))
    return out


async def _worker_counts(counts: dict[int, dict[str, int]], uids: list[int], start, end) -> None:
    for uid in await TicketEvent.filter(action="submitted", actor_id__in=uids, ticket__source="patrol",
                                        ticket__created_at__gte=start, ticket__created_at__lt=end
                                        ).values_list("actor_id", flat=True):
        counts[uid]["patrol_found"] += 1
    for uid, on_time, n in await _handled(uids, start, end):
        if on_time is None:
            counts[uid]["accepted_on_time"] += n
        else:
            counts[uid]["resolved_on_time" if on_time else "resolved_late"] += n
    # A verdict (rating, 默认满意, reopening, 驳回) belongs to whoever resolved it last before it.
    for uid, action, rating, n in await _verdicts(uids, start, end):
        if action in ("reopened", "rejected"):
            counts[uid]["reopened"] += n
            counts[uid]["unsatisfied"] += n if rating == "unsatisfied" else 0
        else:
            counts[uid]["satisfied"] += n  # 满意, 基本满意 and 默认满意
    for uid in await Visit.filter(staff_user_id__in=uids, created_at__gte=start, created_at__lt=end).values_list(
            "staff_user_id", flat=True):
        counts[uid]["visits_done"] += 1


async def _verdicts(uids: list[int], start, end) -> list[tuple[int, str, str | None, int]]:
    """(resolver's user id, action, rating, how many) of the period's verdicts on tickets these
    workers resolved last before the verdict."""
    from bot.figures.sql import Query, rows

    q = Query(connections.get("default").capabilities.dialect == "postgres")
    s, e = q.p(start), q.p(end)
    sql = (f"SELECT v.resolver, v.action, v.rating, COUNT(*) AS n FROM (SELECT e.action, {q.rating('e.data')} AS rating, "
           "(SELECT r.actor_id FROM ticket_event r WHERE r.ticket_id = e.ticket_id AND r.action = 'resolved' "
           "AND r.id < e.id ORDER BY r.id DESC LIMIT 1) AS resolver FROM ticket_event e "
           f"WHERE e.action IN ('rated', 'auto_closed', 'reopened', 'rejected') AND e.created_at >= {s} "
           f"AND e.created_at < {e}) v WHERE v.resolver IN {q.ids(uids)} GROUP BY v.resolver, v.action, v.rating")
    return [(int(r["resolver"]), r["action"], r["rating"], int(r["n"])) for r in await rows(q, sql)]


async def _handled(uids: list[int], start, end) -> list[tuple[int, bool | None, int]]:
    """(worker, None, how many 接单 were on time) — 接单 by the yellow moment — and (worker, on
    time?, how many 办结), on time meaning by the deadline; counted in the database."""
    from bot.figures.sql import Query, rows

    q = Query(connections.get("default").capabilities.dialect == "postgres")
    s, e = q.p(start), q.p(end)
    sql = ("SELECT e.actor_id AS uid, e.action, CASE WHEN e.action = 'accepted' THEN "
           "(t.yellow_at IS NULL OR e.created_at <= t.yellow_at) ELSE (t.due_at IS NULL OR e.created_at <= t.due_at) "
           "END AS on_time, COUNT(*) AS n FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id "
           f"WHERE e.actor_kind = 'staff' AND e.actor_id IN {q.ids(uids)} AND e.action IN ('accepted', 'resolved') "
           f"AND e.created_at >= {s} AND e.created_at < {e} GROUP BY e.actor_id, e.action, 3")
    out = []
    for r in await rows(q, sql):
        on_time = bool(r["on_time"])
        if r["action"] == "accepted":
            out.append((int(r["uid"]), None, int(r["n"]) if on_time else 0))
        else:
            out.append((int(r["uid"]), on_time, int(r["n"])))
    return out


def score_text(results, month: str, *, only: str | None = None) -> str:
    """/score's answer: each grid's total and its workers' (`only`: a worker sees their own line)."""
    lines = [texts.SCORE_HEADER.format(month=month)]
    for grid_score, workers in results:
        lines.append(texts.SCORE_GRID_ROW.format(grid=grid_score.name, total=grid_score.total))
        for w in workers:
            if only and w.name != only:
                continue
            detail = "，".join(f"{texts.SCORE_WORDS[k]}{v}" for k, v in w.counts.items() if v)
            lines.append(texts.SCORE_WORKER_ROW.format(name=w.name, total=w.total, detail=detail or "—"))
    return "\n".join(lines)
