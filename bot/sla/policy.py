"""SLA policy: when a ticket turns yellow, red, and when it must be resolved.

The numbers live in `bot/policy/sla.yaml` (documented there, including which ticket status stops
which clock); this module loads and checks that file and turns it into concrete deadlines.
All datetimes in and out are aware; results are UTC. People see them in the local zone.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot import texts, yamlfile
from bot.sla import steps as S
from bot.sla.steps import FILING, STEPS_MODEL, PolicyError, StepClock, Subcategory
from bot.sla.workdays import WorkCalendar
from bot.sla.worktime import Limit, Span

UTC = dt.timezone.utc
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "policy" / "sla.yaml"


def rule_file_categories() -> tuple[str, ...]:
    """The categories as the classifier's rule file names them (bot/nlp/rules/categories.yaml):
    the one list of categories. A district that adds one there gets the default clocks for it
    until it writes its own here."""
    from bot.nlp.classify import categories

    return tuple(code for code, _ in categories())

# While which ticket statuses (bot.models.Status values) each clock runs; documented for people at
# the top of sla.yaml. Lights: until someone presses 接单 (accepted) or the ticket ends another way.
# Resolution deadline: until 办结 (resolved) or another end — accepting does not stop it.
LIGHTS_RUN_IN = frozenset({"triage", "assigned"})
DUE_RUNS_IN = frozenset({"triage", "assigned", "accepted"})

_CLOCK_KEYS = S.FILING_KEYS
_DUE_KEYS = S.DUE_KEYS
_TOP_KEYS = {"model", "work_hours", "pauses", "defaults", "cross_department", "urgent", "categories",
             "rating_timeout_days", "explanation_deadline_hours", "quiet_hours", "daily_report_at"}
_QUIET_KEYS = {"start", "end", "units"}
_WINDOW_KEYS = {"start", "end"}
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
DEFAULT_DAILY_REPORT_AT = dt.time(8, 30)


@dataclass(frozen=True)
class SlaRule:
    """The clocks that apply to one kind of ticket, after all layers are merged. In the steps
    model the lights' hours are None and `steps` holds each step's limit and shares."""

    yellow_after_hours: float | None
    red_after_hours: float | None
    due_workdays: int | None
    due_hours: float | None
    due_work_hours: float | None = None
    steps: Mapping[str, StepClock] = field(default_factory=dict)

    @property
    def due(self) -> Limit:
        """The resolution deadline: the handling step's limit in the steps model."""
        if self.steps:
            return self.steps["handle"].limit
        return S.due_limit({k: v for k, v in (("due_workdays", self.due_workdays), ("due_hours", self.due_hours),
                                              ("due_work_hours", self.due_work_hours)) if v is not None})


@dataclass(frozen=True)
class Deadlines:
    """Concrete moments for one ticket (aware UTC). Exactly one of due_workdays/due_hours is set."""

    yellow_at: dt.datetime
    red_at: dt.datetime
    due_at: dt.datetime
    due_workdays: int | None = None
    due_hours: float | None = None
    due_work_hours: float | None = None

    def __post_init__(self) -> None:
        if sum(v is not None for v in (self.due_workdays, self.due_hours, self.due_work_hours)) != 1:
            raise ValueError("Deadlines needs exactly one of due_workdays, due_hours and due_work_hours")


@dataclass(frozen=True)
class QuietWindow:
    """Local times between which non-red reminders wait; `end` may be after midnight."""

    start: dt.time
    end: dt.time

    def contains(self, local: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # crosses midnight

    def ends_after(self, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
        """When the window holding `moment` ends (aware UTC), or None if it is not quiet then."""
        local = moment.astimezone(tz)
        if not self.contains(local.time().replace(tzinfo=None)):
            return None
        end = dt.datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = dt.datetime.combine(local.date() + dt.timedelta(days=1), self.end, tzinfo=tz)
        return end.astimezone(UTC)


@dataclass(frozen=True)
class QuietHours:
    """The default window (or None) and per-unit-code overrides (a window, or None for none)."""

    default: QuietWindow | None
    units: Mapping[str, QuietWindow | None]

    def window_for(self, unit_code: str | None) -> QuietWindow | None:
        if unit_code is not None and unit_code in self.units:
            return self.units[unit_code]
        return self.default


class SlaPolicy:
    """The loaded, checked SLA file. Build it with `SlaPolicy.load()`."""

    def __init__(self, *, defaults: dict, cross_department: dict, urgent: dict,
                 categories: dict[str, tuple], rating_timeout_days: int,
                 explanation_deadline_hours: float, source: str,
                 quiet_hours: QuietHours | None = None,
                 daily_report_at: dt.time | None = DEFAULT_DAILY_REPORT_AT,
                 known: tuple[str, ...] = (), model: str = FILING, work_hours: tuple = (),
                 pauses: Mapping[str, str] | None = None) -> None:
        self._defaults = defaults
        self._cross_department = cross_department
        self._urgent = urgent
        # code -> (block, urgent block[, {sub-category code: Subcategory}])
        self._categories = {code: (parts + ({},))[:3] for code, parts in categories.items()}
        self.rating_timeout_days = rating_timeout_days
        self.explanation_deadline_hours = explanation_deadline_hours
        self.source = source
        self.quiet_hours = quiet_hours  # None: reminders go out at any hour
        self.daily_report_at = daily_report_at  # local time; None: no daily report
        self.known = known or tuple(categories)  # the categories tickets may have
        self.model = model  # "filing" (迎泽's) or "steps"
        self.work_hours = work_hours  # ((start, end) offsets from local midnight, …)
        self.pauses = dict(pauses or {})  # reason code -> its words; empty: no pauses

    # --- loading -----------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None, *, categories: tuple[str, ...] | None = None) -> SlaPolicy:
        """Read and check the SLA file (default: the shipped `bot/policy/sla.yaml`) against the
        categories of the rule file (`categories`: another list, for tests).

        Raises PolicyError naming the key when anything is missing, misspelt or out of range —
        better to refuse to start than to run with a clock silently switched off.
        """
        path = Path(path) if path is not None else DEFAULT_PATH
        return cls.load_text(path.read_text(encoding="utf-8"), str(path), categories=categories)

    @classmethod
    def load_text(cls, text: str, source: str, *, categories: tuple[str, ...] | None = None) -> SlaPolicy:
        """The same check of a file's text; `source` names it in the messages."""
        known = tuple(categories) if categories is not None else rule_file_categories()
        try:
            data = yamlfile.safe_load(text)
        except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError for e.g. 2026-13-40
            raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
        policy = _parse_policy(data, source, known)
        policy._check_every_combination()
        return policy

    # --- queries -----------------------------------------------------------------------------

    @property
    def steps_model(self) -> bool:
        return self.model == STEPS_MODEL

    @property
    def lights_run_in(self) -> frozenset[str]:
        """The statuses in which the sweep lights tickets (the resolution deadline: DUE_RUNS_IN)."""
        return S.STEP_LIGHTS_RUN_IN if self.steps_model else LIGHTS_RUN_IN

    @property
    def rating_timeout(self) -> dt.timedelta:
        """How long a resident has to rate a fix before it counts as 默认满意."""
        return dt.timedelta(days=self.rating_timeout_days)

    @property
    def explanation_deadline(self) -> dt.timedelta:
        """How long after turning red the responsible unit has for its written explanation."""
        return dt.timedelta(hours=self.explanation_deadline_hours)

    def quiet_until(self, unit_code: str | None, moment: dt.datetime, tz: ZoneInfo) -> dt.datetime | None:
        """If non-red reminders for this unit's chat must wait at `moment`, until when (UTC)."""
        if self.quiet_hours is None:
            return None
        window = self.quiet_hours.window_for(unit_code)
        return window.ends_after(moment, tz) if window else None

    def span(self, calendar: WorkCalendar, tz: ZoneInfo) -> Span:
        """Working time on this calendar, with the file's working hours."""
        return Span(calendar, tz, self.work_hours)

    def subcategories(self, category: str) -> list[Subcategory]:
        """The category's sub-categories with limits of their own, in the file's order."""
        return list(self._categories.get(category, ({}, {}, {}))[2].values())

    def subcategory(self, category: str, code: str | None) -> Subcategory | None:
        return self._categories.get(category, ({}, {}, {}))[2].get(code) if code else None

    def subcategory_for(self, category: str, text: str) -> str | None:
        """The first sub-category of the category whose words the text contains (normalised as the
        classifier reads it), or None: the category's own limits then apply."""
        subs = self.subcategories(category)
        if not subs or not text:
            return None
        from bot.nlp.normalise import normalise

        plain = normalise(text)
        return next((sub.code for sub in subs if any(normalise(w) in plain for w in sub.words)), None)

    def rule_for(self, category: str, urgent: bool, *, cross_department: bool = False,
                 subcategory: str | None = None) -> SlaRule:
        """Merge the layers (see sla.yaml) for one kind of ticket."""
        if category not in self.known:
            raise ValueError(f"unknown category {category!r}; expected one of {', '.join(self.known)}")
        block, urgent_block, subs = self._categories.get(category, ({}, {}, {}))
        merged = S.merge(self._defaults, block)
        if subcategory in subs:
            merged = S.merge(merged, subs[subcategory].block)
        if urgent:
            # Urgent wins over 部门会商: someone must act now, whatever the consultation takes.
            merged = S.merge(S.merge(merged, self._urgent), urgent_block)
        elif cross_department:
            merged = S.merge(merged, self._cross_department)
        if self.steps_model:
            clocks = S.step_clocks(merged)
            wd, hours, work = S.describe_limit(clocks["handle"].limit)
            return SlaRule(None, None, wd, hours, work, clocks)
        return SlaRule(**{key: merged.get(key) for key in _CLOCK_KEYS})

    def deadlines(self, category: str, urgent: bool, filed_at: dt.datetime, *,
                  cross_department: bool = False, calendar: WorkCalendar, tz: ZoneInfo,
                  subcategory: str | None = None) -> Deadlines:
        """Yellow, red and due moments for a ticket filed at `filed_at` (aware). In the steps
        model yellow and red are the handling step's; bot/sla/clocks.py sets the ticket's lights
        from every open step."""
        if filed_at.tzinfo is None or filed_at.utcoffset() is None:
            raise ValueError("filed_at must be an aware datetime")
        rule = self.rule_for(category, urgent, cross_department=cross_department, subcategory=subcategory)
        filed = filed_at.astimezone(UTC)
        span = self.span(calendar, tz)
        due_at = span.deadline(filed, rule.due)
        if self.steps_model:
            handle = rule.steps["handle"]
            yellow_at, red_at = span.deadline(filed, handle.limit, handle.yellow_at), span.deadline(
                filed, handle.limit, handle.red_at)
        else:
            yellow_at = filed + dt.timedelta(hours=rule.yellow_after_hours)
            red_at = filed + dt.timedelta(hours=rule.red_after_hours)
        return Deadlines(yellow_at=yellow_at, red_at=red_at, due_at=due_at, due_workdays=rule.due_workdays,
                         due_hours=rule.due_hours, due_work_hours=rule.due_work_hours)

    def describe_due(self, deadlines: Deadlines) -> str:
        """The promise as residents read it: "5个工作日内办结" / "2小时内到场处置"."""
        return describe(deadlines.due_workdays, deadlines.due_hours, deadlines.due_work_hours)

    # --- load-time check ---------------------------------------------------------------------

    def _check_every_combination(self) -> None:
        """Refuse a file whose layers, once merged, contradict themselves (e.g. red before yellow)."""
        for category in self.known:
            subs = [None, *self._categories.get(category, ({}, {}, {}))[2]]
            for sub in subs:
                for urgent in (False, True):
                    for cross in (False, True):
                        rule = self.rule_for(category, urgent, cross_department=cross, subcategory=sub)
                        self._check_rule(rule, category, sub, urgent)

    def _check_rule(self, rule: SlaRule, category: str, sub: str | None, urgent: bool) -> None:
        which = f"for category {category!r}{f' ({sub})' if sub else ''}{' (urgent)' if urgent else ''}"
        if not self.steps_model:
            if rule.red_after_hours <= rule.yellow_after_hours:
                where = _layer_name(category, urgent, self._categories)
                raise PolicyError(
                    f"{self.source}: {where}.red_after_hours ({rule.red_after_hours:g}) must be "
                    f"later than yellow_after_hours ({rule.yellow_after_hours:g}) {which}")
            return
        for step, clock in rule.steps.items():
            if clock.red_at <= clock.yellow_at:
                raise PolicyError(f"{self.source}: {step}_lights.red_at ({clock.red_at:g}) must be greater than "
                                  f"yellow_at ({clock.yellow_at:g}) {which}")


# --- parsing helpers -------------------------------------------------------------------------

def _parse_policy(data: Any, source: str, known: tuple[str, ...]) -> SlaPolicy:
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: expected a mapping at the top level")
    _refuse_unknown(data, _TOP_KEYS, "", source)
    for key in ("defaults", "cross_department", "urgent", "rating_timeout_days", "explanation_deadline_hours"):
        if key not in data:
            raise PolicyError(f"{source}: {key}: missing")
    model = S.parse_model(data.get("model"), source)
    keys = S.clock_keys(model)

    def block(raw: Any, where: str, allowed: tuple[str, ...] = keys) -> dict:
        return _parse_block(raw, where, source, allowed, model)

    defaults = block(data["defaults"], "defaults")
    if model == FILING:
        for key in ("yellow_after_hours", "red_after_hours"):
            if key not in defaults:
                raise PolicyError(f"{source}: defaults.{key}: missing")
        if not any(key in defaults for key in _DUE_KEYS):
            raise PolicyError(f"{source}: defaults.due_workdays: missing (give due_workdays, due_hours or due_work_hours)")
        cross_keys: tuple[str, ...] = _DUE_KEYS
    else:
        if not any(f"handle_{unit}" in defaults for unit in S.UNITS):
            raise PolicyError(f"{source}: defaults.handle_workdays: missing (model: steps needs the handling "
                              f"step's limit: handle_hours, handle_work_hours or handle_workdays)")
        cross_keys = tuple(f"handle_{unit}" for unit in S.UNITS)
    cross = block(data["cross_department"], "cross_department", cross_keys)
    if not cross:
        raise PolicyError(f"{source}: cross_department.{cross_keys[0]}: missing (give {' or '.join(cross_keys)})")

    policy = SlaPolicy(
        defaults=defaults,
        cross_department=cross,
        urgent=block(data["urgent"], "urgent"),
        categories=_parse_categories(data.get("categories"), source, known, block),
        known=known,
        rating_timeout_days=_whole(data["rating_timeout_days"], "rating_timeout_days", source),
        explanation_deadline_hours=_hours(data["explanation_deadline_hours"], "explanation_deadline_hours", source),
        source=source,
        quiet_hours=_parse_quiet_hours(data.get("quiet_hours"), source),
        daily_report_at=(_clock_time(data["daily_report_at"], "daily_report_at", source)
                         if data.get("daily_report_at") is not None
                         else (None if "daily_report_at" in data else DEFAULT_DAILY_REPORT_AT)),
        model=model,
        work_hours=S.parse_work_hours(data.get("work_hours"), source),
        pauses=S.parse_pauses(data.get("pauses"), source),
    )
    if not policy.work_hours:
        _refuse_work_hours_without_windows(data, source)
    return policy


def _refuse_work_hours_without_windows(data: Mapping, source: str) -> None:
    """A limit in working hours needs the windows that say what a working hour is."""
    layers = [("defaults", data.get("defaults")), ("cross_department", data.get("cross_department")),
              ("urgent", data.get("urgent"))]
    for code, raw in (data.get("categories") or {}).items():
        raw = raw or {}
        layers += [(f"categories.{code}", raw), (f"categories.{code}.urgent", raw.get("urgent"))]
        for sub, body in (raw.get("subcategories") or {}).items():
            layers.append((f"categories.{code}.subcategories.{sub}", body))
    for where, raw in layers:
        key = S.uses_work_hours(raw) if isinstance(raw, Mapping) else None
        if key:
            raise PolicyError(f"{source}: work_hours: missing, but {where}.{key} counts working hours "
                              f'(give e.g. work_hours: ["08:30-12:00", "13:30-17:30"])')


def _parse_quiet_hours(raw: Any, source: str) -> QuietHours | None:
    """`quiet_hours: {start, end, units: {code: {start, end} | none}}`; every part optional."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: quiet_hours: expected a mapping with start and end")
    _refuse_unknown(raw, _QUIET_KEYS, "quiet_hours.", source)
    default = _parse_window({k: v for k, v in raw.items() if k != "units"}, "quiet_hours", source,
                            optional=True)
    units_raw = raw.get("units") or {}
    if not isinstance(units_raw, Mapping):
        raise PolicyError(f"{source}: quiet_hours.units: expected a mapping of unit code to a window or none")
    units: dict[str, QuietWindow | None] = {}
    for code, window in units_raw.items():
        where = f"quiet_hours.units.{code}"
        if not isinstance(code, str) or not code:
            raise PolicyError(f"{source}: {where}: a unit code (as in the jurisdiction file) is expected")
        if window is None or (isinstance(window, str) and window.strip().lower() == "none"):
            units[code] = None
        else:
            units[code] = _parse_window(window, where, source)
    if default is None and not units:
        return None
    return QuietHours(default=default, units=units)


def _parse_window(raw: Any, where: str, source: str, *, optional: bool = False) -> QuietWindow | None:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: {where}: expected {{start: \"22:00\", end: \"07:00\"}} or none")
    _refuse_unknown(raw, _WINDOW_KEYS, where + ".", source)
    if optional and not raw:
        return None
    for key in ("start", "end"):
        if key not in raw:
            raise PolicyError(f"{source}: {where}.{key}: missing")
    start = _clock_time(raw["start"], f"{where}.start", source)
    end = _clock_time(raw["end"], f"{where}.end", source)
    if start == end:
        raise PolicyError(f"{source}: {where}: start and end are both {start:%H:%M}; give a real window or none")
    return QuietWindow(start, end)


def _clock_time(value: Any, key: str, source: str) -> dt.time:
    # Unquoted 22:00 is the number 1320 in YAML 1.1 (base 60): insist on a quoted "HH:MM".
    if not isinstance(value, str) or not _HHMM.fullmatch(value.strip()):
        raise PolicyError(f'{source}: {key}: must be a quoted local time "HH:MM" (e.g. "22:00"), got {value!r}')
    hours, minutes = value.strip().split(":")
    return dt.time(int(hours), int(minutes))


def _parse_categories(data: Any, source: str, known: tuple[str, ...], block) -> dict[str, tuple]:
    """`categories.<code>`: a layer, its own `urgent:` layer and `subcategories:` with limits."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: categories: expected a mapping of category code to settings")
    result = {}
    for code, raw in data.items():
        if code not in known:
            raise PolicyError(f"{source}: categories.{code}: not a category of the rule file; expected one of "
                              f"{', '.join(known)}")
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise PolicyError(f"{source}: categories.{code}: expected a mapping")
        plain = {k: v for k, v in raw.items() if k not in ("urgent", "subcategories")}
        own = block(plain, f"categories.{code}")
        urgent_block = block(raw.get("urgent") or {}, f"categories.{code}.urgent")
        subs_raw = raw.get("subcategories") or {}
        if not isinstance(subs_raw, Mapping):
            raise PolicyError(f"{source}: categories.{code}.subcategories: expected a mapping of code to settings")
        subs = {}
        for sub, body in subs_raw.items():
            where = f"categories.{code}.subcategories.{sub}"
            subs[sub] = S.parse_subcategory(sub, body, where, source, block)
        result[code] = (own, urgent_block, subs)
    return result


def _parse_block(raw: Any, where: str, source: str, allowed: tuple[str, ...] = _CLOCK_KEYS,
                 model: str = FILING) -> dict:
    """Check one layer; returns only the keys it sets."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{source}: {where}: expected a mapping")
    for key in raw:
        if key not in allowed and key in S.clock_keys(STEPS_MODEL if model == FILING else FILING):
            other = STEPS_MODEL if model == FILING else FILING
            raise PolicyError(f"{source}: {where}.{key}: a key of model: {other}, and this file's model is "
                              f"{model}; allowed here: {', '.join(allowed)}")
    _refuse_unknown(raw, set(allowed), where + ".", source)
    S.refuse_two_units(raw, where, source)
    return {key: S.check_value(key, value, f"{where}.{key}", source) for key, value in raw.items()}


def _refuse_unknown(raw: Mapping, allowed: set[str], prefix: str, source: str) -> None:
    # A misspelt key (yelow_after_hours) would otherwise fall back to the default without a word.
    for key in raw:
        if key not in allowed:
            raise PolicyError(f"{source}: {prefix}{key}: unknown key; allowed here: {', '.join(sorted(allowed))}")


def _hours(value: Any, key: str, source: str) -> float:
    # bool is an int in Python; `yes` in YAML must not mean one hour.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PolicyError(f"{source}: {key}: must be a number of hours greater than 0, got {value!r}")
    return value


def _whole(value: Any, key: str, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PolicyError(f"{source}: {key}: must be a whole number of at least 1, got {value!r}")
    return value


def _layer_name(category: str, urgent: bool, categories: dict[str, tuple]) -> str:
    """The most specific layer that sets the red light for this combination, for the error message."""
    block, urgent_block, _ = categories.get(category, ({}, {}, {}))
    if urgent and "red_after_hours" in urgent_block:
        return f"categories.{category}.urgent"
    if urgent:
        return "urgent"
    return f"categories.{category}" if "red_after_hours" in block else "defaults"


def describe(due_workdays: int | None, due_hours: float | None, due_work_hours: float | None = None) -> str:
    """A ticket's promise, in the same words for the resident, on the card and everywhere:
    "5个工作日内办结", "5个工作小时内办结", "2小时内到场处置"; "" for a ticket with none."""
    if due_workdays is not None:
        return texts.DUE_WORKDAYS.format(n=due_workdays)
    if due_work_hours is not None:
        return texts.DUE_WORK_HOURS.format(n=f"{due_work_hours:g}")
    if due_hours is not None:
        return texts.DUE_HOURS.format(span=_span_text(due_hours))
    return ""


def _span_text(hours: float) -> str:
    if hours < 1:
        return texts.SPAN_MINUTES.format(n=round(hours * 60))
    return texts.SPAN_HOURS.format(n=f"{hours:g}")
