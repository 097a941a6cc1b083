"""网格员考核: a monthly score per worker and per grid, from the work the records show.

Counts come from the audit trail (ticket events), the tickets' deadlines and the visits; the
weights from bot/policy/care.yaml. What each count means is written there, once.
A worker's resolution is the last 办结 before a rating or reopening: that worker answers for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

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
    workers = await Staff.filter(unit_id=grid.id, role=Role.WORKER, active=True).order_by("id")
    shared = {"red_lights": await _red_lights(grid, start, end),
              "visits_missed": await _visits_missed(grid, end, now)}
    scores = []
    for worker in workers:
        counts = await _worker_counts(worker, start, end)
        counts.update(shared)
        scores.append(Score(worker.name, counts))
    grid_counts = {k: sum(s.counts.get(k, 0) for s in scores) for k in policy().weights}
    grid_counts.update(shared)
    return Score(grid.name, grid_counts), scores


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
    return [await grid_scores(g, start, end, now) for g in sorted(grids, key=lambda g: g.id)]


async def _worker_counts(worker: Staff, start, end) -> dict[str, int]:
    mine = TicketEvent.filter(actor_kind="staff", actor_id=worker.user_id, created_at__gte=start, created_at__lt=end)
    counts = dict.fromkeys(policy().weights, 0)
    counts["patrol_found"] = await Ticket.filter(
        source="patrol", created_at__gte=start, created_at__lt=end,
        events__action="submitted", events__actor_id=worker.user_id).count()
    for event in await mine.filter(action="accepted").prefetch_related("ticket"):
        counts["accepted_on_time"] += event.ticket.yellow_at is None or event.created_at <= event.ticket.yellow_at
    for event in await mine.filter(action="resolved").prefetch_related("ticket"):
        on_time = event.ticket.due_at is None or event.created_at <= event.ticket.due_at
        counts["resolved_on_time" if on_time else "resolved_late"] += 1
    verdicts = await TicketEvent.filter(action__in=["rated", "auto_closed", "reopened", "rejected"],
                                        created_at__gte=start, created_at__lt=end)
    for verdict in verdicts:
        resolver = await (TicketEvent.filter(ticket_id=verdict.ticket_id, action="resolved", id__lt=verdict.id)
                          .order_by("-id").first())
        if resolver is None or resolver.actor_id != worker.user_id:
            continue
        rating = (verdict.data or {}).get("rating")
        if verdict.action in ("reopened", "rejected"):
            counts["reopened"] += 1
            counts["unsatisfied"] += rating == "unsatisfied"
        else:
            counts["satisfied"] += 1  # 满意, 基本满意 and 默认满意
    counts["visits_done"] = await Visit.filter(staff_user_id=worker.user_id, created_at__gte=start,
                                               created_at__lt=end).count()
    return counts


async def _red_lights(grid: Unit, start, end) -> int:
    return await Ticket.filter(grid_id=grid.id, red_notified_at__gte=start, red_notified_at__lt=end).count()


async def _visits_missed(grid: Unit, end, now) -> int:
    """Visits that fell due before the month ended (or before now, for the running month) and
    are still not done."""
    cutoff = min(end, now)
    return await Household.filter(grid_id=grid.id, active=True, next_due_at__lt=cutoff).count()


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
