"""Which kind of problem is this message about, how sure are we, and is it urgent?

The decision is made by weighted rule words from `rules/categories.yaml` and danger rules from
`rules/urgency.yaml`, so a district can correct the bot by editing a file, and staff can always see
which words decided ("why this category"): the resident's own words, as they wrote them.
Text in, result out: no database, no network.

How the evidence is weighed, like a person reading the message (the file's `decision:`):
- a problem word at least `naming_weight` heavy *names* the problem; when any category is named,
  only named categories compete and the one named first wins (烧烤店噪音和油烟 → noise). Context
  words (学校, 洒水车, 物业) never outvote a named problem.
- a weak name (扰民) stands only when nothing else is named: 洒水车扰民 → noise, 气味扰民 → fumes.
- a policy word of the fallback category (补贴, 价格, 收费, 规划 …) takes the weight away from
  *object* words (危房, 液化气, 公厕): 危房最低补贴 is a policy question, not a danger.
- with nothing named, the highest sum of weights wins; on a tie the category met first.

When a weights file trained by `gridbot rules train` lies beside the rule file, it makes the final
choice from the same evidence (see `bot.nlp.learned`); the words shown are still the resident's.
Where the rules find nothing to go on, the category model `categories.yaml` names (`model:`) may
choose, never against a rule word, an exclusion, a denial or a danger (see `bot.nlp.category_model`).

    >>> from bot.nlp.classify import classify
    >>> result = classify("樓下餐廳油煙太大")
    >>> result.category, result.label
    ('fumes', '油烟异味')
"""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bot.nlp import overlaps, segment, setaside
from bot.nlp.normalise import normalise
from bot.nlp.phrases import Gate, Hit, PhraseMatcher
from bot.nlp.rulefiles import (
    ASK, CATEGORIES_FILE, OBJECT, POLICY, PROBLEM, CategoryRule, CategoryRules, Exclusion, RuleFileError, load_categories,
)
from bot.nlp.sounds import SoundAlikes
from bot.nlp.urgency import URGENCY_FILE, UrgencyRules, load_urgency

__all__ = ["MATCHING", "Classification", "Classifier", "Evidence", "Found", "categories", "classify",
           "followup_question", "label_of"]

# How rule words are found (the default, and the others for measuring them: bench/eval_classifier.py):
#   overlap   every character phrase, overlaps allowed; where two overlap, jieba's word boundaries
#             say which one the resident wrote (关停电梯: 电梯, not 停电)
#   jieba     only phrases that start and end on jieba word boundaries
#   leftmost  the old scan that consumes text (长期停 hides 停水)
MATCHING = ("overlap", "jieba", "leftmost")


@dataclass(frozen=True)
class Classification:
    category: str                             # code, e.g. "fumes"
    label: str                                # Chinese label, e.g. "油烟异味"
    confidence: float                         # 0..1
    scores: tuple[tuple[str, float], ...]     # (code, score): the chosen category first, then by score
    matched: tuple[str, ...]                  # the resident's words that decided, strongest first
    urgent: bool
    urgent_words: tuple[str, ...] = ()
    low_confidence: bool = False              # nothing decided clearly: filed under `other` for a person to triage
    urgent_reasons: tuple[str, ...] = ()      # names of the danger rules that fired
    excluded: tuple[str, ...] = ()            # categories dropped by an exclude_if rule (油烟机 + 维修 → not fumes)
    phrases: tuple[str, ...] = ()             # the rule words behind `matched`, as the rule file writes them
    decided_by: str = "score"                 # "named" (a named problem), "asked" (a question about a rule),
                                              # "score" (sums), "weights" (learned), "model" (the
                                              # category model, when the rules found nothing)
    danger_words: tuple[str, ...] = ()        # the resident's words that told a present danger (往下垮泥巴)

    @property
    def shown(self) -> tuple[str, ...]:
        """The words staff read as 依据: a present danger's first, for whoever must rush there
        needs to see why before what kind (随时可能被埋 before 垮), then the category's not
        already read in them (电梯突然下坠 says 电梯)."""
        rest = [w for w in self.matched if not any(w in d for d in self.danger_words)]
        return tuple(dict.fromkeys([*self.danger_words, *rest]))


class Found(NamedTuple):
    """A rule word found and counted for one category (a named tuple: a few are made for every
    message, and a tuple is built several times faster than a frozen dataclass)."""

    phrase: str   # as in the rule file (normalised), e.g. 垃圾*没人收
    start: int
    end: int
    weight: float
    kind: str     # PROBLEM, OBJECT, POLICY or ASK


@dataclass
class Evidence:
    """What the rules found in one message, before a decision is made from it."""

    text: str                                        # the normalised text
    found: dict[str, list[Found]]                    # code → words counted for it
    scores: dict[str, float]                         # code → sum of weights (after policy and exclusions)
    named: dict[str, int]                            # code → where its problem is first named
    weak: dict[str, int]                             # code → where a weak name (扰民) stands
    first_seen: dict[str, int]                       # code → its first word of weight ≥ 2
    excluded: tuple[str, ...] = ()
    policy: bool = False                             # a policy word of the fallback was found
    verdict: str = ""                                # the rules' decision
    how: str = "score"                               # "named", "asked" or "score"
    denied: bool = False                             # a rule word was found, and denied (不再有油烟)
    ranked: list[tuple[str, float]] = field(default_factory=list)

    def heaviest(self, code: str) -> list[Found]:
        """The words counted for `code`, heaviest first, of equal ones the first written."""
        found = self.found.get(code, ())
        return sorted(found, key=_heaviest_first) if len(found) > 1 else list(found)

    def words(self, code: str) -> list[str]:
        """The resident's words counted for `code`, heaviest first, each once."""
        return list(dict.fromkeys([self.text[f.start:f.end] for f in self.heaviest(code)]))


def _heaviest_first(f: Found) -> tuple[float, int]:
    return -f.weight, f.start


# A word at least this heavy is evidence of its own; lighter ones (半夜, 工厂, 请问) are context
# and never make a category "met first" when breaking a tie of sums.
_TIE_WEIGHT = 2.0
# Words this light only say when or where (晚上, 早上, 工厂): alone they decide nothing, however many.
_CONTEXT_WEIGHT = 1.0


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

    def __init__(self, rules: CategoryRules, urgency: UrgencyRules, *, weights=None,
                 matching: str = "overlap") -> None:
        if matching not in MATCHING:
            raise ValueError(f"matching is one of {MATCHING}, not {matching!r}")
        unknown = sorted({r.category for r in urgency.rules if r.category and r.category not in rules.by_code})
        if unknown:
            raise RuleFileError(f"urgency.yaml: rules name categories categories.yaml does not have: {', '.join(unknown)}")
        self._rules = rules
        self._urgency = urgency
        self._matching = matching
        self._learned = weights  # a bot.nlp.learned.LearnedWeights, or None
        self._weights: dict[str, list[tuple[CategoryRule, float, str]]] = defaultdict(list)
        for rule in rules.categories:
            for phrase, weight, kind in rule.words():
                self._weights[phrase].append((rule, weight, kind))
        self._matcher = PhraseMatcher(self._weights)
        checks: dict[Exclusion, _ExclusionCheck] = {}  # exclude_everywhere is one check, not one per category
        self._exclusions = {r.code: [checks.setdefault(e, _ExclusionCheck(e)) for e in r.exclude_if]
                            for r in rules.categories}
        # most messages hold no exclusion's words: one scan says which checks are worth running
        self._checks = list(checks.values())
        self._check_gate = Gate(e.words for e in checks)
        self._weak = frozenset(rules.decision.weak_names)
        # complaint words that outweigh a question about a rule; gap phrases too (督促*清理)
        self._asks_yield = PhraseMatcher(rules.decision.asks_yield_to)
        self._sounds: SoundAlikes | None = None  # built on first need: it asks jieba what is a word

    @classmethod
    def from_files(cls, categories: Path = CATEGORIES_FILE, urgency: Path = URGENCY_FILE, *,
                   weights: Path | None | bool = True, matching: str = "overlap",
                   category_model: bool = True) -> Classifier:
        """The rules of these files. `weights`: True uses the trained weights file beside the
        category rules when there is one, a path uses that file, False or None uses the rules alone.
        `category_model`: False leaves out the second opinion categories.yaml names (`model:`)."""
        from bot.nlp import learned

        if weights is True:
            path = learned.weights_path(Path(categories))
            weights = path if path.exists() else None
        model = learned.load(Path(weights)) if weights else None
        rules = load_categories(categories)
        if not category_model:
            rules = dataclasses.replace(rules, model=None)
        return cls(rules, load_urgency(urgency), weights=model, matching=matching)

    @classmethod
    def default(cls) -> Classifier:
        """The classifier for the rule files shipped in `bot/nlp/rules`, loaded once per process."""
        global _default
        if _default is None:
            with _default_lock:
                if _default is None:
                    _default = cls.from_files()
        return _default

    @property
    def rules(self) -> CategoryRules:
        return self._rules

    @property
    def urgency(self) -> UrgencyRules:
        return self._urgency

    @property
    def learned(self):
        return self._learned

    # -- the decision ------------------------------------------------------------------------

    def classify(self, text: str) -> Classification:
        norm = normalise(text)
        ev = self.evidence(norm)
        read = norm
        if ev.how == "score" and ev.scores.get(ev.verdict, 0.0) < self._rules.decision.naming_weight:
            # nothing named and little found: was the word that names it dictated as a sound-alike?
            heard = self._heard(norm, ev)
            if heard is not None:
                ev, read = heard
        top_code = ev.verdict
        top = ev.scores.get(top_code, 0.0)
        how = ev.how
        counted = ev.heaviest(top_code)
        words = list(dict.fromkeys([norm[f.start:f.end] for f in counted]))
        phrases = [f.phrase for f in counted]
        decided = self._learned.decide(ev) if self._learned is not None else None
        if decided is not None:
            top_code, confidence, learned_words = decided
            words = words if learned_words is None else learned_words
            how = "weights"
            phrases = [f.phrase for f in ev.found.get(top_code, ())]
            low = confidence < self._learned.min_confidence or (not ev.found and top_code == self._rules.fallback)
        else:
            runner_up = max([s for c, s in ev.ranked if c != top_code and (
                how == "score" or c in ev.named or c in ev.weak)], default=0.0)
            confidence = self._confidence(top, runner_up)
            low = how == "score" and (top < self._rules.min_score or confidence < self._rules.min_confidence
                                      or all(f.weight <= _CONTEXT_WEIGHT for f in counted))

        urgency = self._urgency.assess(read)
        code = self._rules.fallback if low else top_code
        never = code in self._rules.urgent_never and not self._urgency.only_model(urgency)
        if urgency.urgent and self._rules.urgent_fallback and (code == self._rules.fallback or never):
            # a present danger is a grid case whatever else the message asks (煤气味很浓，该打哪个电话),
            # and smoke that is a fire is not a nuisance (楼道里全是烟，下不去了); the danger model's
            # word alone is not enough to say smoke is a fire (烧秸秆，烟大得很 stays fumes)
            code = self._rules.urgent_fallback
        danger = self._urgency.category_for(urgency.reasons) if urgency.urgent else None
        if danger in self._rules.by_code:
            # a danger to a person is filed as one, whatever else the message names: an old man
            # collapsed by the fitness corner is no broken facility
            code = danger
        if code != top_code:
            words, phrases = [], []
        if (code == self._rules.fallback and (low or not words) and not (ev.excluded or ev.denied)
                and not urgency.urgent and decided is None):
            # an exclusion that fired or a word denied is the rules' word too (路灯 + 几点亮 is a
            # timetable, 不再有油烟 no complaint)
            opinion = self._second_opinion(read)
            if opinion is not None:
                # its name last among the words: staff read that it is a resemblance, not a rule
                words = [*opinion.words, self._rules.model.name]
                code, confidence, phrases, how = opinion.category, opinion.probability, [], "model"
                low = opinion.probability < self._rules.model.decides
        scores = [(top_code, round(top, 2))] if top > 0 or top_code == code else []
        scores += [(c, round(s, 2)) for c, s in ev.ranked if c != top_code and (s > 0 or c == code)]
        if how == "model":  # the chosen category first, as always (its rule score, 0 if none)
            scores = [(code, round(ev.scores.get(code, 0.0), 2))] + [cs for cs in scores if cs[0] != code]
        return Classification(
            category=code,
            label=self._rules.by_code[code].label,
            confidence=round(confidence, 3),
            scores=tuple(scores),
            matched=tuple(words),
            urgent=urgency.urgent,
            urgent_words=urgency.words,
            low_confidence=low,
            urgent_reasons=urgency.reasons,
            excluded=ev.excluded,
            phrases=tuple(dict.fromkeys(phrases)),
            decided_by=how,
            danger_words=urgency.told(read),
        )

    def _second_opinion(self, norm: str):
        """The category model's opinion when the rules found nothing to go on, if it names a grid
        category likely enough to take (bot.nlp.category_model); else None."""
        spec = self._rules.model
        if spec is None:
            return None
        opinion = spec.model.opinion(norm, with_words=False)
        if opinion.category == self._rules.fallback:  # its classes are the rules' (load_categories checks)
            return None
        return spec.model.opinion(norm) if opinion.probability >= spec.suggests else None

    def evidence(self, norm: str) -> Evidence:
        """The rule words found in normalised text, per category, and the rules' verdict."""
        aside = [*self._rules.set_aside.spans(norm), *setaside.citations(norm)]
        found, denied = self._found(norm, aside)
        intro = self._rules.set_aside.introductions(norm)
        if intro:  # who writes (我是一名中学老师) is not the matter, unless that clause names a grid problem
            grid = [f for code, items in found.items() if code != self._rules.fallback for f in items if f.weight >= 4]
            intro = [(a, b) for a, b in intro if not any(a <= f.start and f.end <= b for f in grid)]
            found = {code: [f for f in items if not any(a <= f.start and f.end <= b for a, b in intro)]
                     for code, items in found.items()}
        # what the exclusions read: the message without the clauses set aside ("虽然狗不叫了，可是…")
        kept = _blanked(norm, aside)
        fallback = self._rules.fallback
        asks = [f for f in found.get(fallback, ()) if f.kind == ASK]
        # a complaint word inside the question itself is part of the question (举报奖励制度)
        unasked = _blanked(norm, [(f.start, f.end) for f in asks])
        asked = bool(asks) and not self._asks_yield.found_in(unasked)
        policy = asked or any(f.kind == POLICY for f in found.get(fallback, ()))
        if policy:  # a policy question about a thing: the thing's words no longer count for its category
            for code in list(found):
                if code != fallback:
                    found[code] = [f for f in found[code] if f.kind != OBJECT]
        possible = self._check_gate.open(kept)
        fired = {check for i, check in enumerate(self._checks) if i in possible and check.fires(kept)}
        excluded = tuple(code for code in found if found[code] and not fired.isdisjoint(self._exclusions[code]))
        before_exclusions = dict(found)  # an excluded category's problem words still name a problem
        for code in excluded:
            del found[code]
        if self._weak and any(w in norm for w in self._weak):  # the usual message has no weak name
            self._weak_names_yield(found, before_exclusions)

        scores: dict[str, float] = {}
        named: dict[str, int] = {}
        weak: dict[str, int] = {}
        first_seen: dict[str, int] = {}
        naming = self._rules.decision.naming_weight
        for code, items in found.items():
            if not items:
                continue
            scores[code] = sum(f.weight for f in items)
            for f in items:
                if f.weight >= _TIE_WEIGHT and f.start < first_seen.get(code, len(norm)):
                    first_seen[code] = f.start
                if f.kind == PROBLEM and f.weight >= naming:
                    into = weak if f.phrase in self._weak else named
                    if f.start < into.get(code, len(norm)):
                        into[code] = f.start
        found = {c: v for c, v in found.items() if v}
        # The fallback's own words are context (学校, 企业, 教师村, 地铁): unless it names a problem
        # (社保, 房产证) or a policy word backs it, they never outvote a grid category's evidence,
        # unless they are most of the message (a grid word below `context_share` of their sum) or
        # the grid evidence is context too (no word of `context_needs_sign`: 网吧 + 通宵).
        contest = scores
        decision = self._rules.decision
        if fallback in scores and not policy and fallback not in named and any(
                s >= decision.context_yields_to and s >= decision.context_share * scores[fallback]
                and max(f.weight for f in found[c]) >= decision.context_needs_sign
                for c, s in scores.items() if c != fallback):
            contest = {c: s for c, s in scores.items() if c != fallback}
        ranked = sorted(contest.items(), key=lambda kv: (-kv[1], first_seen.get(kv[0], len(norm))))
        ev = Evidence(norm, found, scores, named, weak, first_seen, excluded, policy, ranked=ranked, denied=denied)
        contenders = named or weak
        if asked:  # a question about what a rule says, whatever problem it names: a policy question
            ev.verdict, ev.how = fallback, "asked"
        elif contenders:
            ev.verdict = min(contenders, key=lambda c: (contenders[c], -scores[c]))
            ev.how = "named"
        else:
            ev.verdict = ranked[0][0] if ranked else fallback
        return ev

    def _heard(self, norm: str, ev: Evidence) -> tuple[Evidence, str] | None:
        """The evidence of the message with its sound-alikes put back (电题坏了 → 电梯坏了), when that
        names a problem or finds more than the text as written; the words shown stay the resident's."""
        if self._sounds is None:
            self._sounds = SoundAlikes(self._sound_words())
        corrected = self._sounds.correct(norm)
        if corrected is None:
            return None
        again = self.evidence(corrected)
        fallback = self._rules.fallback
        if not (again.how == "named" or (again.verdict != fallback and again.scores.get(again.verdict, 0.0)
                                         > ev.scores.get(ev.verdict, 0.0))):
            return None
        again.text = norm
        return again, corrected

    def _sound_words(self) -> set[str]:
        """The words a sound-alike may stand for: each grid category's words that say something
        (weight 3 or more), gap phrases by their parts."""
        words = set()
        for rule in self._rules.categories:
            if rule.code != self._rules.fallback:
                for phrase, weight, kind in rule.words():
                    if weight >= 3 and kind in (PROBLEM, OBJECT):
                        words.update(phrase.split("*"))
        return words

    def _weak_names_yield(self, found: dict[str, list[Found]], before_exclusions: dict[str, list[Found]]) -> None:
        """A weak name (扰民) counts for nothing when another category has problem words of its own,
        also one dropped by an exclusion: in 垃圾中转站臭味扰民 the smell is the rubbish station's
        (sanitation, not fumes), and still no noise."""
        weak = self._weak
        if not any(f.phrase in weak for items in found.values() for f in items):
            return  # in the text but not counted (denied, or in a clause set aside)
        fallback = self._rules.fallback
        problem = {c: sum(f.weight for f in items if f.kind == PROBLEM and f.phrase not in self._weak)
                   for c, items in before_exclusions.items() if c != fallback}
        limit = self._rules.decision.weak_yields_to
        for code, items in found.items():
            if any(f.phrase in self._weak for f in items) and any(
                    w >= limit for c, w in problem.items() if c != code):
                found[code] = [f for f in items if f.phrase not in self._weak]

    def _found(self, norm: str, aside: list[tuple[int, int]] = ()) -> tuple[dict[str, list[Found]], bool]:
        """Each category's rule words in the text. Each word counts once; denied ones and those of a
        clause the resident sets aside (`aside`) not at all; words of one category that overlap are
        one piece of evidence: "焚烧垃圾" is 焚烧垃圾, not also 焚烧 and 焚烧*垃圾. The heaviest word is taken first; of equal ones a problem before a
        thing (电梯*坏 names what 电梯 only points at), then plain before gapped words (so the
        resident's exact words, 墙体开裂, are shown rather than a gap phrase's stretch). Also whether
        a word was denied."""
        found: dict[str, list[Found]] = defaultdict(list)
        denied = False
        negation = self._rules.negation
        hits = self._hits(norm)
        if aside:  # "我不是说物业收费的事，是垃圾站臭": the first clause's words decide nothing
            hits = [h for h in hits if not any(start <= h.start and h.end <= end for start, end in aside)]
        candidates = [(hit, rule, weight, kind) for hit in hits for rule, weight, kind in self._weights[hit.phrase]]
        if len(candidates) > 1:  # the heaviest first, a problem before a thing, plain before gapped, the widest
            candidates.sort(key=lambda c: (-c[2], c[3] == OBJECT, "*" in c[0].phrase, c[0].start - c[0].end))
        for hit, rule, weight, kind in candidates:
            items = found[rule.code]
            if any(f.phrase == hit.phrase or (f.start < hit.end and hit.start < f.end) for f in items):
                continue
            if rule.negatable and kind != POLICY and hit.phrase not in rule.remedies and negation.denies(norm, hit):
                denied = True
                continue
            items.append(Found(hit.phrase, hit.start, hit.end, weight, kind))
        return found, denied

    def _hits(self, norm: str) -> list[Hit]:
        if self._matching == "leftmost":
            return self._matcher.find(norm, overlapping=False)
        hits = self._matcher.find(norm)
        if self._matching == "jieba":
            cuts = segment.boundaries(norm) if hits else frozenset()
            return [h for h in hits if h.start in cuts and h.end in cuts]
        return overlaps.settle(norm, hits)

    def _confidence(self, top: float, runner_up: float) -> float:
        """How much evidence (saturating in the top score) × how clearly it beats the runner-up."""
        if top <= 0:
            return 0.0
        strength = 1.0 - math.exp(-top / self._rules.strength_scale)
        return strength * top / (top + runner_up)

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
        """The rule words of all categories (normalised) weighing at least `min_weight` somewhere."""
        return frozenset(p for p, entries in self._weights.items() if any(w >= min_weight for _, w, _ in entries))


def _blanked(text: str, spans) -> str:
    """`text` with each (start, end) span written over by clause marks: what is left reads on its own,
    and every position stays where it was."""
    for start, end in spans:
        text = text[:start] + "。" * (end - start) + text[end:]
    return text


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
