"""The labelled examples staff make by correcting a ticket: its category (table
category_example) and whether it is urgent (table urgency_example).

Read by `gridbot rules suggest`, `train`, `train-urgency` and `export`: a ticket corrected more
than once counts once, with the verdict given last.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bot.models import CategoryExample, UrgencyExample
from bot.nlp import pii
from bot.nlp.evaluate import Labelled

__all__ = ["COLUMNS", "export_csv", "labelled_examples", "latest_examples", "urgency_examples"]

COLUMNS = ("text", "category", "urgent", "from_category", "from_urgent", "source", "ticket", "created_at")


async def latest_examples() -> list[CategoryExample]:
    """The last category correction of each ticket, oldest first."""
    return _latest(await CategoryExample.all().order_by("created_at", "id").prefetch_related("ticket"))


async def latest_urgency() -> list[UrgencyExample]:
    """The last urgency correction of each ticket, oldest first."""
    return _latest(await UrgencyExample.all().order_by("created_at", "id").prefetch_related("ticket"))


def _latest(rows: list) -> list:
    latest: dict[int, object] = {}
    for row in rows:
        latest[row.ticket_id] = row
    return sorted(latest.values(), key=lambda r: (r.created_at, r.id))


async def labelled_examples() -> list[Labelled]:
    """Category corrections, for the category rules (a change of urgency alone says nothing of them)."""
    return [Labelled(r.text, r.to_category) for r in await latest_examples()]


async def urgency_examples() -> list[tuple[str, bool]]:
    """(text, urgent) as staff last said, for the danger model."""
    return [(r.text, r.to_urgent) for r in await latest_urgency()]


async def export_csv(path: Path) -> int:
    """Write the corrections as CSV, one row per corrected ticket (text,category,urgent,… — the
    format `gridbot rules eval` and `train-urgency` read). `urgent` is blank where staff never
    said; a ticket whose urgency alone was corrected carries the category it held, which staff
    saw in the same picker and kept. The text leaves the system here, so personal data in it is
    masked as for other people. Returns how many rows were written."""
    categories = {r.ticket_id: r for r in await latest_examples()}
    urgency = {r.ticket_id: r for r in await latest_urgency()}
    rows = []
    for ticket_id in set(categories) | set(urgency):
        cat, urg = categories.get(ticket_id), urgency.get(ticket_id)
        ticket = (cat or urg).ticket
        said = sorted((r for r in (cat, urg) if r), key=lambda r: (r.created_at, r.id))
        first, last = said[0], said[-1]
        rows.append(((first.created_at, first.id, type(first).__name__), [
            pii.mask((cat or urg).text),
            cat.to_category if cat else ticket.category,
            _flag(urg.to_urgent) if urg else "",
            cat.from_category if cat else ticket.category,
            _flag(urg.from_urgent) if urg else "",
            last.source, ticket.number, last.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        ]))
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        out.writerows(row for _, row in sorted(rows))
    return len(rows)


def _flag(value: bool) -> str:
    return "1" if value else "0"
