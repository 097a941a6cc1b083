"""`gridbot stats [--unit CODE] [--month YYYY-MM | --period today|week|month] [--json]`: the
figures /stats shows, on the command line (for managers' scripts, and for measuring).

Without --json it prints the text /stats sends (bot/figures/words.py); with --json one object:
the period, the unit's figures and each unit's directly under it, every field of
bot/figures/stats.py (counts, sums, rates, means, categories), rates as fractions (null when
nothing divides), times in ISO 8601.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # imported when the command runs: `gridbot classify` needs no database
    from bot.figures.stats import Figures
    from bot.models import Unit

DERIVED = ("late", "rated", "closure_rate", "on_time_rate", "satisfaction_rate", "avg_accept_hours",
           "avg_resolve_hours")


def add_parser(sub) -> None:
    cmd = sub.add_parser("stats", help="the figures /stats shows (--json: every field, for scripts)")
    cmd.add_argument("--unit", default=None, help="a unit code (default: the whole district)")
    when = cmd.add_mutually_exclusive_group()
    when.add_argument("--month", help="YYYY-MM")
    when.add_argument("--period", choices=("today", "week", "month"), help="default: month (this month)")
    cmd.add_argument("--json", action="store_true", help="one JSON object with every field")


def figures_json(f: Figures) -> dict:
    out = {k: v for k, v in dataclasses.asdict(f).items() if k != "categories"}
    out.update({name: getattr(f, name) for name in DERIVED})
    out["categories"] = dict(sorted(f.categories.items(), key=lambda kv: (-kv[1], kv[0])))
    out["top_categories"] = [list(kv) for kv in f.top_categories()]
    return out


def unit_json(unit: Unit) -> dict:
    return {"code": unit.code, "name": unit.name, "level": str(unit.level)}


async def run(settings, args: argparse.Namespace) -> int:
    from bot.clock import Clock
    from bot.db import database, migrate
    from bot.figures import stats, words
    from bot.jurisdiction import directory
    from bot.models import Unit

    tz = ZoneInfo(settings.timezone)
    try:
        period = stats.period(args.month or args.period, Clock().now(), tz)
    except stats.PeriodError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    await migrate(settings.database_url)
    async with database(settings.database_url):
        unit = await (Unit.get_or_none(code=args.unit) if args.unit else directory.command_unit())
        if unit is None:
            print(f"no unit {args.unit!r}" if args.unit else "no district loaded: run load-jurisdiction first",
                  file=sys.stderr)
            return 2
        own, children = await stats.figures_with_children(unit, period)
    if not args.json:
        print(words.stats_text(unit, own, children, period))
        return 0
    print(json.dumps({
        "period": {"label": period.label, "start": period.start.isoformat(), "end": period.end.isoformat(),
                   "now": period.now.isoformat() if period.now else None},
        "unit": {**unit_json(unit), "figures": figures_json(own)},
        "children": [{**unit_json(u), "figures": figures_json(f)} for u, f in children],
    }, ensure_ascii=False, indent=1))
    return 0
