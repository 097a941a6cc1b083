"""Is a present danger described? Rules in `rules/urgency.yaml`.

Urgency is decided apart from the category: a gas smell is urgent whether the message is filed under
safety or utility, and a lift that drops is urgent though lifts belong to utility. Only a danger
happening now counts; "存在安全隐患" on its own does not, so the urgent queue stays short enough for
staff to trust it.
"""

from __future__ import annotations

import dataclasses

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from bot.nlp import danger_model, segment
from bot.nlp.phrases import SENTENCE_END, Gate, Hit, Negation, PhraseMatcher, merged
from bot.nlp.rulefiles import RULES_DIR, RuleFileError, read_yaml, word_list

__all__ = ["URGENCY_FILE", "Urgency", "UrgencyRule", "UrgencyRules", "load_urgency"]

URGENCY_FILE = RULES_DIR / "urgency.yaml"
# Whom a resident in danger should call (a rule's `call:`); the numbers are the channel's to say
# (bot/texts, and the district file's `hotlines:` for its own gas, water … companies).
CALLS = ("fire", "police", "ambulance", "gas", "power", "water", "elevator")


@dataclass(frozen=True)
class Urgency:
    urgent: bool
    words: tuple[str, ...] = ()    # the phrases that made it urgent, for staff
    reasons: tuple[str, ...] = ()  # the names of the rules that fired
    spans: tuple[tuple[int, int], ...] = ()  # where the rules' phrases stand in the text

    def told(self, text: str) -> tuple[str, ...]:
        """The resident's words that told the danger, in the normalised `text` assessed: the rules'
        phrases as stretches of it (往下垮 and 垮泥巴 read as written, 往下垮泥巴), or the model's
        n-grams where they stand, widened to whole words (个老 in 一个老太太绊倒 reads 一个老太太)."""
        if not self.urgent:
            return ()
        if self.spans:
            return _stretches(text, self.spans)
        return _stretches(text, _whole_words(text, _spans_of(text, self.words)))


_NOT_URGENT = Urgency(False)  # the usual answer, made once (it is frozen)


class UrgencyRule:
    """One kind of danger: one of `any`, plus one of `with` when given, and none of `unless`."""

    def __init__(self, name: str, any_: tuple[str, ...], with_: tuple[str, ...] = (), unless: tuple[str, ...] = (),
                 calls: tuple[str, ...] = (), category: str | None = None, lasting: bool = False):
        self.name = name
        # a state that stays until someone repairs it (a rail gone, a cover missing): a time gone
        # by tells when it began, not that it is over ("昨天被大水冲断了" is still broken today)
        self.lasting = lasting
        self._lasting_negation: tuple[Negation, Negation] | None = None
        self.calls = calls  # whom to call first, most useful first (codes of CALLS)
        self.category = category  # the category this danger is filed under, whatever else is named
        self.phrases = frozenset(p for p in any_ if p)
        self._any = PhraseMatcher(any_)
        self._with = PhraseMatcher(with_) if with_ else None
        self._unless = PhraseMatcher(unless) if unless else None

    def fires(self, text: str, negation: Negation) -> tuple[str, ...]:
        """The phrases that make this rule fire on `text` (normalised), or () when it does not."""
        return tuple(dict.fromkeys(h.phrase for h in self.fired_hits(text, negation)))

    def fired_hits(self, text: str, negation: Negation) -> list[Hit]:
        """Where the phrases that make this rule fire stand in `text`, or [] when it does not."""
        if self.lasting:
            negation = self._without_past(negation)
        found = [h for h in self._any.find(text) if not _denied(text, h, negation)]
        if not found:
            return []
        if self._unless is not None and self._unless.found_in(text):
            return []
        if self._with is not None:
            # support is another word than all the danger's own: 一直咳 is no 咳嗽 beside itself, but
            # 塞进 supports 墙上的缝 even where 缝*塞进 holds it too
            support = [s for s in self._with.find(text) if any(s.end <= h.start or h.end <= s.start for h in found)]
            if not support:
                return []
            found += support
        return found

    def _without_past(self, negation: Negation) -> Negation:
        if self._lasting_negation is None or self._lasting_negation[0] is not negation:
            self._lasting_negation = (negation, dataclasses.replace(negation, past=()))
        return self._lasting_negation[1]


def _denied(text: str, hit: Hit, negation: Negation) -> bool:
    """A gap phrase names a thing, then what it does: a fear may stand between them
    ("瓷砖空鼓了，怕哪天掉下来" fears the falling, not the tiles), so its last part is read too."""
    if negation.denies(text, hit):
        return True
    if "*" not in hit.phrase:
        return False
    last = hit.phrase.rsplit("*", 1)[1]
    at = text.rfind(last, hit.start, hit.end)
    return at > hit.start and negation.denies(text, Hit(last, at, hit.end))


_SENTENCE_BREAK = re.compile(f"[{re.escape(SENTENCE_END)}]")


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(text) if part.strip()]


class UrgencyRules:
    def __init__(self, rules: list[UrgencyRule], negation: Negation, resolved: tuple[str, ...] = (),
                 model: danger_model.DangerModel | None = None, model_name: str = ""):
        self.rules = rules
        self.negation = negation
        self.model = model  # a second opinion (bot.nlp.danger_model), asked when no rule fires
        self.model_name = model_name
        self._resolved = PhraseMatcher(resolved) if resolved else None
        # One scan tells which rules could fire: most messages describe no danger at all, and a
        # rule is tried only when all the parts of one of its phrases occur.
        self._gate = Gate((rule.phrases for rule in rules), also=model.grams if model is not None else ())

    def assess(self, normalised_text: str) -> Urgency:
        """Urgent when any rule fires, or else the danger model says a danger is being told, unless
        the message says the danger is already over or not here."""
        candidates, held = self._gate.open_also(normalised_text)
        over = self._resolved is not None and self._resolved.found_in
        if candidates:
            if over and over(normalised_text):
                return _NOT_URGENT
            found = self._fired(normalised_text, candidates)
            if found.urgent or self.model is None:
                return found
        elif self.model is None:
            return _NOT_URGENT
        # no rule fired: the model's turn (checked for "over" only when it speaks: most messages
        # are not dangers, and the model's "no" is the cheaper test)
        opinion = self.model.urgent_held(held)
        if opinion is not None and _SENTENCE_BREAK.search(normalised_text.rstrip(SENTENCE_END + " ")):
            # a danger happening now is told in one sentence; a long message's sentences about who
            # the resident is and what they tried add n-grams of their own, which no sentence holds
            opinion = next((o for o in map(self.model.urgent, _sentences(normalised_text)) if o), None)
        if opinion is None or (not candidates and over and over(normalised_text)):
            return _NOT_URGENT
        return Urgency(True, opinion.words, (self.model_name,))

    def _fired(self, normalised_text: str, candidates: set[int]) -> Urgency:
        hits: list[Hit] = []
        reasons: list[str] = []
        for i in sorted(candidates):  # in the file's order: the first danger named is the first reason
            rule = self.rules[i]
            fired = rule.fired_hits(normalised_text, self.negation)
            if fired:
                reasons.append(rule.name)
                hits.extend(fired)
        return Urgency(bool(reasons), tuple(dict.fromkeys(h.phrase for h in hits)), tuple(reasons),
                       tuple(dict.fromkeys((h.start, h.end) for h in hits)))

    def only_model(self, urgency: Urgency) -> bool:
        """Whether the danger model alone made it urgent (no rule fired)."""
        return urgency.reasons == (self.model_name,) and self.model is not None

    def calls_for(self, reasons: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
        """(danger, whom to call) for the rules named in an Urgency's `reasons`, in that order."""
        by_name = {rule.name: rule.calls for rule in self.rules}
        return [(name, by_name.get(name, ())) for name in reasons]

    def category_for(self, reasons: tuple[str, ...]) -> str | None:
        """The category the first danger among `reasons` (the file's order) is filed under, if it
        says one (`category:`). Only the first: a lift dropping with people inside (电梯事故, earlier
        in the file) is not a collapse because 里面还有人…卡住不动 also reads like one."""
        if not reasons:
            return None
        return next((rule.category for rule in self.rules if rule.name == reasons[0]), None)


_CLASS_REF = re.compile(r"\{([^{}]+)\}")


def _word_classes(value, where: str) -> dict[str, tuple[str, ...]]:
    """`words:` — named lists a phrase may refer to as {name}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RuleFileError(f"{where}: expected name → list of words")
    return {str(name): word_list(words, f"{where}.{name}") for name, words in value.items()}


def _expand(phrases: tuple[str, ...], classes: dict[str, tuple[str, ...]], where: str) -> tuple[str, ...]:
    """Each phrase with every {name} replaced by each word of that class, in every combination:
    "{高处物}*{要掉}" stands for 玻璃*晃, 招牌*要掉 … so one line covers the things a resident may name."""
    out: list[str] = []
    for phrase in phrases:
        names = _CLASS_REF.findall(phrase)
        if not names:
            out.append(phrase)
            continue
        unknown = [n for n in names if n not in classes]
        if unknown:
            raise RuleFileError(f"{where}: {phrase!r} names no word class {', '.join(unknown)} (see `words:`)")
        pieces = _CLASS_REF.split(phrase)  # literal, name, literal, name, …
        for combo in itertools.product(*(classes[n] for n in names)):
            out.append("".join(piece if i % 2 == 0 else combo[i // 2] for i, piece in enumerate(pieces)))
    return tuple(dict.fromkeys(out))


def load_urgency(path: Path = URGENCY_FILE) -> UrgencyRules:
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleFileError(f"{path}: expected a top-level `rules:` list")
    classes = _word_classes(data.get("words"), f"{Path(path).name}: words")
    rules = []
    for i, item in enumerate(data["rules"]):
        where = f"{Path(path).name}: rules[{i}]"
        if not isinstance(item, dict) or not item.get("any"):
            raise RuleFileError(f"{where}: every rule needs `any:` phrases")
        calls = word_list(item.get("call"), f"{where}.call")
        unknown = [c for c in calls if c not in CALLS]
        if unknown:
            raise RuleFileError(f"{where}.call: unknown {', '.join(unknown)} (known: {', '.join(CALLS)})")
        def phrases(key: str, item=item, where=where) -> tuple[str, ...]:
            return _expand(word_list(item.get(key), f"{where}.{key}"), classes, f"{where}.{key}")

        rules.append(UrgencyRule(
            name=str(item.get("name") or f"rule {i + 1}"),
            any_=phrases("any"),
            with_=phrases("with"),
            unless=phrases("unless"),
            calls=calls,
            category=str(item["category"]) if item.get("category") else None,
            lasting=bool(item.get("lasting", False)),
        ))
    neg = data.get("negation") or {}
    negation = Negation(
        before=word_list(neg.get("before"), "negation.before"),
        perceive=word_list(neg.get("fear"), "negation.fear"),
        after=word_list(neg.get("after"), "negation.after"),
        fillers=word_list(neg.get("fillers"), "negation.fillers"),
        past=word_list(neg.get("past"), "negation.past"),
        present=word_list(neg.get("present"), "negation.present"),
    )
    # A danger already over and one that is not here and now (read in the news, asked about ahead)
    # make a message not urgent alike.
    over = word_list(data.get("resolved"), "resolved") + word_list(data.get("not_here"), "not_here")
    model, name = None, ""
    spec = data.get("model")
    if spec:
        if not isinstance(spec, dict) or not spec.get("file") or not spec.get("name"):
            raise RuleFileError(f"{path}: model: needs `file:` (beside this file) and `name:` (shown to staff)")
        model_path = Path(path).parent / str(spec["file"])
        if model_path.exists():  # a district without one has the rules alone
            model, name = danger_model.load(model_path), str(spec["name"])
    return UrgencyRules(rules, negation, over, model, name)


def _spans_of(text: str, words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Where plain words (the danger model's n-grams) first stand in the text."""
    return [(at, at + len(w)) for w in words if "*" not in w and (at := text.find(w)) >= 0]


def _stretches(text: str, spans) -> tuple[str, ...]:
    """The text of the spans, those that overlap or touch merged, in the order written: the
    phrases 往下垮 and 垮泥巴 read as the resident wrote them, 往下垮泥巴."""
    return tuple(dict.fromkeys(text[a:b] for a, b in merged(spans)))


def _whole_words(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each span widened to the jieba words it cuts into."""
    if not spans:
        return spans
    cuts = sorted(segment.boundaries(text))
    return [(max(c for c in cuts if c <= a), min(c for c in cuts if c >= b)) for a, b in spans]
