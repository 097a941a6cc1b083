"""The labelled examples staff make by correcting categories (table category_example).

Read by `gridbot rules suggest`, `train` and `export`: a ticket corrected more than once counts
once, with the category it was given last.
"""

from __future__ import annotations

import csv
from pathlib import Path

from bot.models import CategoryExample
from bot.nlp.evaluate import Labelled

__all__ = ["COLUMNS", "export_csv", "labelled_examples", "latest_examples"]

COLUMNS = ("text", "category", "from_category", "source", "ticket", "created_at")


async def latest_examples() -> list[CategoryExample]:
    """The last correction of each ticket, oldest first."""
    rows = await CategoryExample.all().order_by("created_at", "id").prefetch_related("ticket")
    latest: dict[int, CategoryExample] = {}
    for row in rows:
        latest[row.ticket_id] = row
    return sorted(latest.values(), key=lambda r: (r.created_at, r.id))


async def labelled_examples() -> list[Labelled]:
    return [Labelled(r.text, r.to_category) for r in await latest_examples()]


async def export_csv(path: Path) -> int:
    """Write the examples as CSV (text,category,… — the format `gridbot rules eval` reads).
    Returns how many rows were written."""
    rows = await latest_examples()
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for r in rows:
            out.writerow([r.text, r.to_category, r.from_category, r.source, r.ticket.number,
                          r.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return len(rows)
