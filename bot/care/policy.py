"""The care policy file (bot/policy/care.yaml), checked at load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import yamlfile

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "policy" / "care.yaml"
WEIGHT_KEYS = ("patrol_found", "accepted_on_time", "resolved_on_time", "resolved_late", "reopened",
               "red_lights", "visits_done", "visits_missed", "satisfied", "unsatisfied")
LEVELS = ("key", "ordinary", "safe")


class CarePolicyError(ValueError):
    pass


@dataclass(frozen=True)
class CarePolicy:
    help_yellow: dt.timedelta
    help_red: dt.timedelta
    help_repeat_note: dt.timedelta
    wish_reminder: dt.timedelta
    visit_interval: dict[str, dt.timedelta]
    visit_reminder: dt.timedelta
    weights: dict[str, float]

    @classmethod
    def load(cls, path: str | Path | None = None) -> CarePolicy:
        path = Path(path) if path else DEFAULT_PATH
        try:
            data = yamlfile.read(path) or {}
        except yaml.YAMLError as exc:
            raise CarePolicyError(f"{path}: not valid YAML: {exc}") from exc

        def number(value, key, *, positive=True):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
                raise CarePolicyError(f"{path}: {key}: expected a {'positive ' if positive else ''}number")
            return value

        help_block = data.get("help") or {}
        yellow = number(help_block.get("yellow_after_minutes"), "help.yellow_after_minutes")
        red = number(help_block.get("red_after_minutes"), "help.red_after_minutes")
        repeat = number(help_block.get("repeat_note_minutes", 10), "help.repeat_note_minutes")
        if red <= yellow:
            raise CarePolicyError(f"{path}: help.red_after_minutes: must be after yellow_after_minutes")
        intervals = data.get("visit_interval_days") or {}
        weights = data.get("assessment_weights") or {}
        unknown = set(weights) - set(WEIGHT_KEYS)
        if unknown:
            raise CarePolicyError(f"{path}: assessment_weights.{sorted(unknown)[0]}: unknown key")
        return cls(
            help_yellow=dt.timedelta(minutes=yellow),
            help_red=dt.timedelta(minutes=red),
            help_repeat_note=dt.timedelta(minutes=repeat),
            wish_reminder=dt.timedelta(days=number(data.get("wish_reminder_days"), "wish_reminder_days")),
            visit_interval={lvl: dt.timedelta(days=number(intervals.get(lvl), f"visit_interval_days.{lvl}"))
                            for lvl in LEVELS},
            visit_reminder=dt.timedelta(days=number(data.get("visit_reminder_days"), "visit_reminder_days")),
            weights={k: float(number(weights.get(k, 0), f"assessment_weights.{k}", positive=False))
                     for k in WEIGHT_KEYS},
        )
