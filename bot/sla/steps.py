"""The two clock models of sla.yaml, and what they share: the keys each allows, working hours,
sub-categories and the reasons a clock may be paused for. Pure: no database.

* `model: filing` (the default; 迎泽's rule): yellow and red a fixed number of clock hours after
  filing while nobody has pressed 接单, and one resolution deadline (due_workdays, due_hours or
  due_work_hours).
* `model: steps` (数字城管 / 12345 platforms): each step of a case has its own limit — dispatch
  (派单: triage to a unit), accept (接单), handle (办结) and callback (回访: the resident's
  rating) — and lights are shares of the step's limit (`lights: {yellow_at: 0.8, red_at: 1.0}`:
  green below 80%, yellow from 80%, red past 100%); the light shown is the worst open step's.

When each step runs (and its clock starts), by the ticket's status (bot.models.Status):

    step      runs while the status is        its clock starts at
    dispatch  triage                          filing
    accept    assigned                        the latest hand-over to a unit (assigned_at)
    handle    triage, assigned, accepted      filing (a reopening starts a fresh one)
    callback  resolved                        办结 (resolved_at)

The handling step's deadline is the ticket's `due_at`, the promise told to the resident, so
按期办结率 (`resolved_at <= due_at`) and 超期 mean the same in both models.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.sla.worktime import HOURS, UNITS, WORK_HOURS, WORKDAYS, Limit

FILING, STEPS_MODEL = "filing", "steps"
MODELS = (FILING, STEPS_MODEL)
STEPS = ("dispatch", "accept", "handle", "callback")
STEP_RUNS_IN = {
    "dispatch": frozenset({"triage"}),
    "accept": frozenset({"assigned"}),
    "handle": frozenset({"triage", "assigned", "accepted"}),
    "callback": frozenset({"resolved"}),
}
# Lights of the steps model run in every status some step runs in.
STEP_LIGHTS_RUN_IN = frozenset().union(*STEP_RUNS_IN.values())
DEFAULT_SHARES = (0.8, 1.0)

FILING_KEYS = ("yellow_after_hours", "red_after_hours", "due_workdays", "due_hours", "due_work_hours")
DUE_KEYS = ("due_workdays", "due_hours", "due_work_hours")
STEP_KEYS = tuple(f"{step}_{unit}" for step in STEPS for unit in UNITS)
LIGHT_KEYS = ("lights",) + tuple(f"{step}_lights" for step in STEPS)
SUB_KEYS = ("label", "words")
_CODE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_WINDOW = re.compile(r"\s*([01]\d|2[0-4]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*")


class PolicyError(ValueError):
    """The SLA file is unusable; the message names the file and the key at fault."""


def unit_of(key: str) -> tuple[str, str] | None:
    """"handle_work_hours" → ("handle", "work_hours"); "due_hours" → ("due", "hours")."""
    for unit in (WORK_HOURS, HOURS, WORKDAYS):  # work_hours before hours: both end in "hours"
        if key.endswith("_" + unit):
            return key[: -len(unit) - 1], unit
    return None


def clock_keys(model: str) -> tuple[str, ...]:
    return FILING_KEYS if model == FILING else STEP_KEYS + LIGHT_KEYS


@dataclass(frozen=True)
class StepClock:
    """One step's limit and the shares of it at which it turns yellow and red."""

    limit: Limit
    yellow_at: float = DEFAULT_SHARES[0]
    red_at: float = DEFAULT_SHARES[1]


@dataclass(frozen=True)
class Subcategory:
    code: str
    label: str
    words: tuple[str, ...]
    block: dict = field(default_factory=dict)


# --- reading the file's parts ----------------------------------------------------------------

def check_value(key: str, value: Any, where: str, source: str) -> Any:
    """A clock key's value: whole working days, or a number of hours > 0; lights are shares."""
    if key in LIGHT_KEYS:
        return parse_lights(value, where, source)
    kind = unit_of(key)
    if kind and kind[1] == WORKDAYS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PolicyError(f"{source}: {where}: must be a whole number of at least 1, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PolicyError(f"{source}: {where}: must be a number of hours greater than 0, got {value!r}")
    return value


def parse_lights(raw: Any, where: str, source: str) -> tuple[float | None, float | None]:
    """`{yellow_at: 0.8, red_at: 1.0}`: shares of the step's limit; either may be left out."""
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: {where}: expected {{yellow_at: 0.8, red_at: 1.0}}")
    for key in raw:
        if key not in ("yellow_at", "red_at"):
            raise PolicyError(f"{source}: {where}.{key}: unknown key; allowed here: red_at, yellow_at")
    shares = []
    for key in ("yellow_at", "red_at"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value <= 0 or value > 10):
            raise PolicyError(f"{source}: {where}.{key}: must be a share of the step's limit "
                              f"(0.8 = 80%), greater than 0, got {value!r}")
        shares.append(value)
    return shares[0], shares[1]


def parse_model(raw: Any, source: str) -> str:
    if raw is None:
        return FILING
    if raw not in MODELS:
        raise PolicyError(f"{source}: model: must be one of {', '.join(MODELS)}, got {raw!r}")
    return raw


def parse_work_hours(raw: Any, source: str) -> tuple[tuple[dt.timedelta, dt.timedelta], ...]:
    """`work_hours: ["08:30-12:00", "13:30-17:30"]`: windows of local time on working days."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise PolicyError(f'{source}: work_hours: expected a list of quoted windows, e.g. ["08:30-12:00", "13:30-17:30"]')
    windows = []
    for i, item in enumerate(raw):
        m = _WINDOW.fullmatch(item) if isinstance(item, str) else None
        if not m:
            raise PolicyError(f'{source}: work_hours[{i}]: must be a quoted window "HH:MM-HH:MM", got {item!r}')
        begin = dt.timedelta(hours=int(m[1]), minutes=int(m[2]))
        end = dt.timedelta(hours=int(m[3]), minutes=int(m[4]))
        if end <= begin or end > dt.timedelta(hours=24) or begin >= dt.timedelta(hours=24):
            raise PolicyError(f"{source}: work_hours[{i}]: the window {item!r} must end after it starts, by 24:00")
        if windows and begin < windows[-1][1]:
            raise PolicyError(f"{source}: work_hours[{i}]: windows must be in order and not overlap")
        windows.append((begin, end))
    return tuple(windows)


def parse_pauses(raw: Any, source: str) -> dict[str, str]:
    """`pauses: {code: 理由}`: the reasons a ticket's clocks may be paused for."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyError(f"{source}: pauses: expected a mapping of reason code to its words, e.g. resident: 等待居民补充情况")
    reasons = {}
    for code, words in raw.items():
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise PolicyError(f"{source}: pauses.{code}: a reason code is lower-case letters, digits and _")
        if not isinstance(words, str) or not words.strip() or len(words) > 30:
            raise PolicyError(f"{source}: pauses.{code}: the reason's words (at most 30 characters) are expected")
        reasons[code] = words.strip()
    return reasons


def parse_subcategory(code: Any, raw: Any, where: str, source: str, parse_block) -> Subcategory:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise PolicyError(f"{source}: {where}: a sub-category code is lower-case letters, digits and _")
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: {where}: expected a mapping with label, words and limits")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise PolicyError(f"{source}: {where}.label: missing (the name people read, e.g. 道路不洁)")
    words = raw.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise PolicyError(f"{source}: {where}.words: expected a list of words residents use")
    block = parse_block({k: v for k, v in raw.items() if k not in SUB_KEYS}, where)
    return Subcategory(code, label.strip(), tuple(w.strip() for w in words), block)


def refuse_two_units(raw: Mapping, where: str, source: str) -> None:
    """One unit per step in a block: `handle_hours` and `handle_workdays` together is a typo."""
    seen: dict[str, str] = {}
    for key in list(FILING_KEYS) + list(STEP_KEYS):
        if key not in raw:
            continue
        kind = unit_of(key)
        if kind is None or kind[0] in ("yellow_after", "red_after"):
            continue
        step = kind[0]
        if step in seen:
            first = seen[step]
            raise PolicyError(f"{source}: {where}.{key}: give {first} or {key}, not both")
        seen[step] = key


def merge(base: dict, layer: dict) -> dict:
    """Field by field; a layer that sets a step's limit in any unit replaces the step's limit."""
    merged = dict(base)
    for key in layer:
        kind = unit_of(key)
        if kind and kind[0] not in ("yellow_after", "red_after"):
            for unit in UNITS:
                merged.pop(f"{kind[0]}_{unit}", None)
    merged.update(layer)
    return merged


def step_clocks(merged: Mapping) -> dict[str, StepClock]:
    """The steps model's clocks from a merged layer: each step that has a limit."""
    default_y, default_r = merged.get("lights", (None, None))
    found = {}
    for step in STEPS:
        limit = next((Limit(unit, float(merged[f"{step}_{unit}"])) for unit in UNITS if f"{step}_{unit}" in merged), None)
        if limit is None:
            continue
        own_y, own_r = merged.get(f"{step}_lights", (None, None))
        yellow = own_y or default_y or DEFAULT_SHARES[0]
        red = own_r or default_r or DEFAULT_SHARES[1]
        found[step] = StepClock(limit, yellow, red)
    return found


def due_limit(merged: Mapping) -> Limit | None:
    """The filing model's resolution deadline from a merged layer."""
    for key in DUE_KEYS:
        if key in merged:
            return Limit(unit_of(key)[1], float(merged[key]))
    return None


def describe_limit(limit: Limit) -> tuple[int | None, float | None, float | None]:
    """(due_workdays, due_hours, due_work_hours) as the ticket keeps its promise."""
    if limit.unit == WORKDAYS:
        return int(limit.amount), None, None
    if limit.unit == HOURS:
        return None, limit.amount, None
    return None, None, limit.amount


def uses_work_hours(block: Mapping) -> str | None:
    """The first key of a block counted in working hours, if any."""
    return next((key for key in block if key.endswith("_" + WORK_HOURS)), None)

