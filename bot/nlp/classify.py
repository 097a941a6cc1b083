"""Which kind of problem is this message about, how sure are we, and is it urgent?

The decision is made by weighted keywords from `rules/categories.yaml` and danger rules from
`rules/urgency.yaml`, so a district can correct the bot by editing a file, and staff can always see
which words decided ("why this category"). Text in, result out: no database, no network.

    >>> from bot.nlp.classify import classify
    >>> result = classify("樓下餐廳油煙太大")
    >>> result.category, result.label
    ('fumes', '油烟异味')
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.nlp.normalise import normalise
from bot.nlp.phrases import PhraseMatcher
from bot.nlp.rulefiles import CATEGORIES_FILE, CategoryRule, CategoryRules, Exclusion, load_categories
from bot.nlp.urgency import URGENCY_FILE, UrgencyRules, load_urgency

__all__ = ["Classification", "Classifier", "categories", "classify", "followup_question", "label_of"]


@dataclass(frozen=True)
class Classification:
    category: str                             # code, e.g. "fumes"
    label: str                                # Chinese label, e.g. "油烟异味"
    confidence: float                         # 0..1
    scores: tuple[tuple[str, float], ...]     # (code, score), best first; categories with no evidence left out
    matched: tuple[str, ...]                  # the words that decided the category, strongest first
    urgent: bool
    urgent_words: tuple[str, ...] = ()
    low_confidence: bool = False              # nothing decided clearly: filed under `other` for a person to triage
    urgent_reasons: tuple[str, ...] = ()      # names of the danger rules that fired
    excluded: tuple[str, ...] = ()            # categories dropped by an exclude_if rule (油烟机 + 维修 → not fumes)


# A keyword at least this heavy names a problem; lighter ones (半夜, 工厂, 请问) are context and do
# not make a category "named first" when breaking a tie.
_NAMING_WEIGHT = 2.0


class _ExclusionCheck:
    def __init__(self, exclusion: Exclusion):
        self._words = PhraseMatcher(exclusion.words)
        self._with = PhraseMatcher(exclusion.with_any) if exclusion.with_any else None
        self._unless = PhraseMatcher(exclusion.unless) if exclusion.unless else None

    def fires(self, text: str) -> bool:
        return (
            self._words.found_in(text)
            and (self._with is None or self._with.found_in(text))
            and (self._unless is None or not self._unless.found_in(text))
        )


class Classifier:
    """Classifies messages with one set of rules. Build once (`Classifier.default()`), share freely:
    classifying reads the rules and never changes them."""

    def __init__(self, rules: CategoryRules, urgency: UrgencyRules) -> None:
        self._rules = rules
        self._urgency = urgency
        self._weights: dict[str, list[tuple[CategoryRule, float]]] = defaultdict(list)
        for rule in rules.categories:
            for phrase, weight in rule.keywords.items():
                self._weights[phrase].append((rule, weight))
        self._matcher = PhraseMatcher(self._weights)
        self._exclusions = {r.code: [_ExclusionCheck(e) for e in r.exclude_if] for r in rules.categories}

    @classmethod
    def from_files(cls, categories: Path = CATEGORIES_FILE, urgency: Path = URGENCY_FILE) -> Classifier:
        return cls(load_categories(categories), load_urgency(urgency))

    @classmethod
    def default(cls) -> Classifier:
        """The classifier for the rule files shipped in `bot/nlp/rules`, loaded once per process."""
        global _default
        if _default is None:
            with _default_lock:
                if _default is None:
                    _default = cls.from_files()
        return _default

    # -- the decision ------------------------------------------------------------------------

    def classify(self, text: str) -> Classification:
        norm = normalise(text)
        scores, first_seen, words = self._score(norm)
        excluded = tuple(code for code in scores if any(x.fires(norm) for x in self._exclusions[code]))
        for code in excluded:
            del scores[code]

        # Highest score first; on a tie the category the resident named first (the labelling rule).
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], first_seen.get(kv[0], len(norm))))
        top_code, top = ranked[0] if ranked else (self._rules.fallback, 0.0)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = self._confidence(top, runner_up)
        low = top < self._rules.min_score or confidence < self._rules.min_confidence

        urgency = self._urgency.assess(norm)
        code = top_code
        if low:
            code = self._rules.urgent_fallback if urgency.urgent and self._rules.urgent_fallback else self._rules.fallback

        decided_by = sorted(words.get(code, ()), key=lambda w: -self._weight(code, w))
        return Classification(
            category=code,
            label=self.label_of(code),
            confidence=round(confidence, 3),
            scores=tuple((c, round(s, 2)) for c, s in ranked),
            matched=tuple(decided_by),
            urgent=urgency.urgent,
            urgent_words=urgency.words,
            low_confidence=low,
            urgent_reasons=urgency.reasons,
            excluded=excluded,
        )

    def _score(self, norm: str) -> tuple[dict[str, float], dict[str, int], dict[str, list[str]]]:
        """Sum of the weights of each category's keywords found.

        Each keyword counts once, denied ones not at all, and a hit lying inside a wider hit of the
        same category adds nothing: 焚烧*垃圾 over "焚烧垃圾" is one piece of evidence, not two.
        """
        scores: dict[str, float] = {}
        first_seen: dict[str, int] = {}
        words: dict[str, list[str]] = defaultdict(list)
        spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
        negation = self._rules.negation
        hits = self._matcher.find(norm)
        widest_first = sorted(hits, key=lambda h: h.start - h.end) if len(hits) > 1 else hits
        for hit in widest_first:
            for rule, weight in self._weights[hit.phrase]:
                code = rule.code
                if hit.phrase in words[code]:
                    continue
                if any(s <= hit.start and hit.end <= e for s, e in spans[code]):
                    continue
                if rule.negatable and negation.denies(norm, hit):
                    continue
                scores[code] = scores.get(code, 0.0) + weight
                if weight >= _NAMING_WEIGHT and hit.start < first_seen.get(code, len(norm)):
                    first_seen[code] = hit.start
                words[code].append(hit.phrase)
                spans[code].append((hit.start, hit.end))
        return scores, first_seen, words

    def _confidence(self, top: float, runner_up: float) -> float:
        """How much evidence (saturating in the top score) × how clearly it beats the runner-up."""
        if top <= 0:
            return 0.0
        strength = 1.0 - math.exp(-top / self._rules.strength_scale)
        return strength * top / (top + runner_up)

    def _weight(self, code: str, phrase: str) -> float:
        return self._rules.by_code[code].keywords.get(phrase, 0.0)

    # -- the categories, for menus and staff ----------------------------------------------------

    def categories(self) -> list[tuple[str, str]]:
        """(code, Chinese label) in the rule file's order."""
        return [(r.code, r.label) for r in self._rules.categories]

    def label_of(self, code: str) -> str:
        try:
            return self._rules.by_code[code].label
        except KeyError:
            raise KeyError(f"unknown category code {code!r}") from None

    def followup_question(self, code: str) -> str | None:
        """The one question asked back to the resident for this category, or None."""
        try:
            return self._rules.by_code[code].followup
        except KeyError:
            raise KeyError(f"unknown category code {code!r}") from None

    def vocabulary(self, min_weight: float = 0.0) -> frozenset[str]:
        """The keywords of all categories (normalised) weighing at least `min_weight` somewhere."""
        return frozenset(p for p, entries in self._weights.items() if any(w >= min_weight for _, w in entries))


_default: Classifier | None = None
_default_lock = threading.Lock()


def classify(text: str) -> Classification:
    """Classify with the default rules."""
    return Classifier.default().classify(text)


def categories() -> list[tuple[str, str]]:
    return Classifier.default().categories()


def label_of(code: str) -> str:
    return Classifier.default().label_of(code)


def followup_question(code: str) -> str | None:
    return Classifier.default().followup_question(code)
