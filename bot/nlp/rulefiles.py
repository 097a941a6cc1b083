"""Reading the rule files (`rules/*.yaml`) into plain objects.

The files are written by district staff, so loading checks what a person could get wrong (a
missing label, a weight that is not a number, a word listed twice, a fallback that is not a
category) and says where. Every word is normalised on loading, so a rule typed in traditional
characters or full-width letters still matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.nlp.normalise import normalise
from bot.nlp.phrases import Negation

__all__ = [
    "CATEGORIES_FILE", "RULES_DIR", "CategoryRule", "CategoryRules", "Exclusion", "RuleFileError",
    "load_categories", "word_list",
]

RULES_DIR = Path(__file__).parent / "rules"
CATEGORIES_FILE = RULES_DIR / "categories.yaml"


class RuleFileError(ValueError):
    """A rule file that cannot be used as written."""


@dataclass(frozen=True)
class Exclusion:
    """The category does not apply when any of `words` appears, together with any of `with_any` (when
    given), and none of `unless`: 油烟机 + 维修 is an appliance repair, not fumes; a garbage
    station's smell is sanitation unless rubbish is being burnt."""

    words: tuple[str, ...]
    with_any: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CategoryRule:
    code: str
    label: str
    keywords: dict[str, float]  # phrase → weight
    followup: str | None = None
    negatable: bool = False  # "没有X了" cancels X (nuisances); for 路灯 "没有路灯" IS the complaint
    exclude_if: tuple[Exclusion, ...] = ()


@dataclass(frozen=True)
class CategoryRules:
    categories: tuple[CategoryRule, ...]
    negation: Negation
    fallback: str  # the triage category for messages no rule decides
    min_score: float
    min_confidence: float
    strength_scale: float
    urgent_fallback: str | None
    by_code: dict[str, CategoryRule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {c.code: c for c in self.categories})


def word_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise RuleFileError(f"{where}: expected a list of words, got {value!r}")
    return tuple(w for w in (normalise(str(v)) for v in value) if w)


def _keywords(value: Any, where: str) -> dict[str, float]:
    """`{weight: [words]}`, grouped by weight so the file reads as strong words, then weaker ones."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise RuleFileError(f"{where}: expected weight → list of words, got {type(value).__name__}")
    keywords: dict[str, float] = {}
    for weight, words in value.items():
        try:
            w = float(weight)
        except (TypeError, ValueError):
            raise RuleFileError(f"{where}: weight {weight!r} is not a number") from None
        for word in word_list(words, f"{where}.{weight}"):
            if word in keywords:
                raise RuleFileError(f"{where}: {word!r} is listed twice")
            keywords[word] = w
    return keywords


def _exclusions(value: Any, where: str) -> tuple[Exclusion, ...]:
    out = []
    for i, item in enumerate(value or ()):
        if not isinstance(item, dict) or "words" not in item:
            raise RuleFileError(f"{where}[{i}]: expected a mapping with `words` (and optionally `with`, `unless`)")
        out.append(Exclusion(
            words=word_list(item["words"], f"{where}[{i}].words"),
            with_any=word_list(item.get("with"), f"{where}[{i}].with"),
            unless=word_list(item.get("unless"), f"{where}[{i}].unless"),
            note=str(item.get("note", "")),
        ))
    return tuple(out)


def load_categories(path: Path = CATEGORIES_FILE) -> CategoryRules:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("categories"), dict):
        raise RuleFileError(f"{path}: expected a top-level `categories:` mapping")

    everywhere = _exclusions(data.get("exclude_everywhere"), f"{Path(path).name}: exclude_everywhere")
    th = data.get("thresholds") or {}
    fallback = str(th.get("fallback", "other"))

    rules = []
    for code, body in data["categories"].items():
        where = f"{Path(path).name}: categories.{code}"
        if not isinstance(body, dict) or not body.get("label"):
            raise RuleFileError(f"{where}: every category needs a `label`")
        rules.append(CategoryRule(
            code=str(code),
            label=str(body["label"]),
            keywords=_keywords(body.get("keywords"), f"{where}.keywords"),
            followup=(str(body["followup"]).strip() or None) if body.get("followup") else None,
            negatable=bool(body.get("negatable", False)),
            exclude_if=_exclusions(body.get("exclude_if"), f"{where}.exclude_if")
            + (everywhere if str(code) != fallback else ()),
        ))

    neg = data.get("negation") or {}
    negation = Negation(
        before=word_list(neg.get("before"), "negation.before"),
        perceive=word_list(neg.get("perceive"), "negation.perceive"),
        after=word_list(neg.get("after"), "negation.after"),
        fillers=word_list(neg.get("fillers"), "negation.fillers"),
    )

    codes = {r.code for r in rules}
    urgent_fallback = th.get("urgent_fallback")
    for name, code in (("fallback", fallback), ("urgent_fallback", urgent_fallback)):
        if code is not None and code not in codes:
            raise RuleFileError(f"{path}: thresholds.{name} {code!r} is not a category")
    return CategoryRules(
        categories=tuple(rules),
        negation=negation,
        fallback=fallback,
        min_score=float(th.get("min_score", 2.0)),
        min_confidence=float(th.get("min_confidence", 0.3)),
        strength_scale=float(th.get("strength_scale", 2.5)),
        urgent_fallback=str(urgent_fallback) if urgent_fallback else None,
    )
