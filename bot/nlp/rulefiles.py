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

from bot import yamlfile
from bot.nlp import category_model
from bot.nlp.category_model import CategoryModel
from bot.nlp.normalise import normalise
from bot.nlp.phrases import Negation
from bot.nlp.setaside import SetAside

__all__ = [
    "ASK", "CATEGORIES_FILE", "OBJECT", "POLICY", "PROBLEM", "RULES_DIR", "CategoryRule", "CategoryRules", "Decision",
    "Exclusion", "FollowupPart", "RuleFileError", "load_categories", "read_yaml", "word_list",
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
class FollowupPart:
    """One part of a category's follow-up question, and the slots (rules/followups.yaml) that
    answer it: a part already answered in the report is not asked."""

    ask: str
    answered_by: tuple[str, ...] = ()


# What a rule word says about the message (see the head of rules/categories.yaml).
PROBLEM = "problem"  # names what is wrong (噪音, 违建, 停水) or, at lower weights, points to it
OBJECT = "object"    # names a thing (路灯, 电梯, 危房): a policy word beside it makes a policy question
POLICY = "policy"    # the fallback's words of policy (补贴, 价格, 收费, 规划, 制度 …)
ASK = "ask"          # the fallback's questions about what a rule says (法律依据, 怎么规定, 收费标准是多少)


@dataclass(frozen=True)
class CategoryRule:
    code: str
    label: str
    keywords: dict[str, float]  # phrase → weight (problem words)
    followup: str | None = None  # the whole question, as asked when nothing of it is answered yet
    followup_parts: tuple[FollowupPart, ...] = ()
    negatable: bool = False  # "没有X了" cancels X (nuisances); for 路灯 "没有路灯" IS the complaint
    # ...except for a remedy whose absence is the complaint (没有隔音屏, 没有洒水降尘)
    remedies: frozenset[str] = frozenset()
    exclude_if: tuple[Exclusion, ...] = ()
    objects: dict[str, float] = field(default_factory=dict)  # phrase → weight (things, not problems)
    policy: dict[str, float] = field(default_factory=dict)   # the fallback only
    asks: dict[str, float] = field(default_factory=dict)     # the fallback only

    def words(self) -> list[tuple[str, float, str]]:
        """(phrase, weight, kind) of every rule word of the category."""
        return ([(p, w, PROBLEM) for p, w in self.keywords.items()]
                + [(p, w, OBJECT) for p, w in self.objects.items()]
                + [(p, w, POLICY) for p, w in self.policy.items()]
                + [(p, w, ASK) for p, w in self.asks.items()])

    def weight(self, phrase: str) -> float:
        return (self.keywords.get(phrase) or self.objects.get(phrase) or self.policy.get(phrase)
                or self.asks.get(phrase) or 0.0)


@dataclass(frozen=True)
class Decision:
    """How the evidence is weighed (rules/categories.yaml, `decision:`).

    naming_weight: a problem word at least this heavy names the problem. When any category is
      named, only named categories compete and the one named first wins; lighter words (context:
      学校, 洒水车, 物业) never outvote a named problem.
    weak_names: names that stand only when no other category (but the fallback) has problem words
      weighing `weak_yields_to` or more; otherwise they count for nothing: 扰民 is noise in
      "洒水车扰民", but in "气味扰民" the smell is the problem.
    context_yields_to: the fallback's own words are context (学校, 企业, 地铁): unless it names a
      problem or has a policy word, any other category with this much evidence beats it ...
    context_share: ... provided that evidence is at least this share of the fallback's own sum: a
      grid word among many words of another matter (学校, 教师, 工资 …) is that matter's detail.
    context_needs_sign: ... and provided it holds one word at least this heavy: grid context alone
      (网吧 + 通宵, 音乐 + 晚上) says where or when, not what is wrong, so it never outvotes the fallback's.
    asks_yield_to: a question about what a rule says (the fallback's `asks:`) makes the message a
      policy question whatever problem it names, unless one of these words says the resident is
      also complaining of one (投诉, 举报 …): "违章建筑拆除的法律依据" asks, "举报违章建筑，依据是什么" reports.
    """

    naming_weight: float = 5.0
    weak_names: tuple[str, ...] = ()
    weak_yields_to: float = 3.0
    context_yields_to: float = 3.0
    context_share: float = 0.0
    context_needs_sign: float = 0.0
    asks_yield_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class ModelSpec:
    """categories.yaml's `model:` — the file it read and when its opinion is taken."""

    model: CategoryModel
    name: str         # what staff see as the reason (依据) when the model chose
    suggests: float   # from this probability its category is taken, for the dispatcher to check
    decides: float    # from this one the ticket goes straight to the grid


@dataclass(frozen=True)
class CategoryRules:
    categories: tuple[CategoryRule, ...]
    negation: Negation
    fallback: str  # the triage category for messages no rule decides
    min_score: float
    min_confidence: float
    strength_scale: float
    urgent_fallback: str | None
    urgent_never: tuple[str, ...] = ()  # categories an urgent message is never filed under (fumes: smoke from a fire)
    decision: Decision = field(default_factory=Decision)
    set_aside: SetAside = field(default_factory=SetAside)  # clauses the resident sets aside (bot.nlp.setaside)
    model: ModelSpec | None = None  # a second opinion when the rules find nothing (bot.nlp.category_model)
    by_code: dict[str, CategoryRule] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {c.code: c for c in self.categories})


def read_yaml(path: Path) -> Any:
    """A rule file's data (the category rules are thousands of words: see bot/yamlfile.py)."""
    try:
        return yamlfile.read(path)
    except yaml.YAMLError as exc:  # a typo or a key written twice: say where, as for any rule error
        raise RuleFileError(f"{Path(path).name}: {exc}") from exc


def word_list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise RuleFileError(f"{where}: expected a list of words, got {value!r}")
    return tuple(w for w in (normalise(str(v)) for v in value) if w)


def _keywords(value: Any, where: str, seen: dict[str, str] | None = None) -> dict[str, float]:
    """`{weight: [words]}`, grouped by weight so the file reads as strong words, then weaker ones.
    `seen` (word → the list it is in) catches a word listed twice across a category's lists."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise RuleFileError(f"{where}: expected weight → list of words, got {type(value).__name__}")
    keywords: dict[str, float] = {}
    seen = {} if seen is None else seen
    for weight, words in value.items():
        try:
            w = float(weight)
        except (TypeError, ValueError):
            raise RuleFileError(f"{where}: weight {weight!r} is not a number") from None
        for word in word_list(words, f"{where}.{weight}"):
            if word in seen:
                raise RuleFileError(f"{where}: {word!r} is listed twice (also in {seen[word]})")
            seen[word] = where.rpartition(".")[2]
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


def _followup(value: Any, where: str) -> tuple[FollowupPart, ...]:
    """`followup:` is one question (asked whole) or a list of parts `{ask, answered_by}`."""
    if not value:
        return ()
    if isinstance(value, str):
        return (FollowupPart(value.strip()),) if value.strip() else ()
    if not isinstance(value, list):
        raise RuleFileError(f"{where}: a question, or a list of {{ask, answered_by}}")
    parts = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or not str(item.get("ask") or "").strip():
            raise RuleFileError(f"{where}[{i}]: expected a mapping with `ask` (and `answered_by`)")
        parts.append(FollowupPart(str(item["ask"]).strip(),
                                  tuple(str(s) for s in word_list(item.get("answered_by"), f"{where}[{i}].answered_by"))))
    return tuple(parts)


def load_categories(path: Path = CATEGORIES_FILE) -> CategoryRules:
    data = read_yaml(path)
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
        for own in ("policy", "asks"):
            if body.get(own) and str(code) != fallback:
                raise RuleFileError(f"{where}.{own}: only the fallback category ({fallback}) has {own} words")
        seen: dict[str, str] = {}
        parts = _followup(body.get("followup"), f"{where}.followup")
        keywords = _keywords(body.get("keywords"), f"{where}.keywords", seen)
        remedies = word_list(body.get("remedies"), f"{where}.remedies")
        if set(remedies) - set(keywords):
            raise RuleFileError(f"{where}.remedies: not among the category's keywords: "
                                + ", ".join(sorted(set(remedies) - set(keywords))))
        rules.append(CategoryRule(
            code=str(code),
            label=str(body["label"]),
            keywords=keywords,
            objects=_keywords(body.get("objects"), f"{where}.objects", seen),
            policy=_keywords(body.get("policy"), f"{where}.policy", seen),
            asks=_keywords(body.get("asks"), f"{where}.asks", seen),
            followup="".join(p.ask for p in parts) or None,
            followup_parts=parts,
            negatable=bool(body.get("negatable", False)),
            remedies=frozenset(remedies),
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

    aside = data.get("set_aside") or {}
    if not isinstance(aside, dict):
        raise RuleFileError(f"{path}: `set_aside:` is a mapping of opens, then, done, turns, thanks, same and introduces")
    set_aside = SetAside(**{key: word_list(aside.get(key), f"set_aside.{key}")
                            for key in ("opens", "then", "done", "turns", "thanks", "same", "introduces")})

    codes = {r.code for r in rules}
    urgent_fallback = th.get("urgent_fallback")
    urgent_never = word_list(th.get("urgent_never"), "thresholds.urgent_never")
    for name, code in (("fallback", fallback), ("urgent_fallback", urgent_fallback),
                       *(("urgent_never", c) for c in urgent_never)):
        if code is not None and code not in codes:
            raise RuleFileError(f"{path}: thresholds.{name} {code!r} is not a category")
    dec = data.get("decision") or {}
    if not isinstance(dec, dict):
        raise RuleFileError(f"{path}: `decision:` is a mapping")
    try:
        naming = float(dec.get("naming_weight", 5.0))
        yields = float(dec.get("weak_yields_to", 3.0))
        context = float(dec.get("context_yields_to", 3.0))
        share = float(dec.get("context_share", 0.0))
        sign = float(dec.get("context_needs_sign", 0.0))
    except (TypeError, ValueError):
        raise RuleFileError(f"{path}: decision: naming_weight, weak_yields_to, context_yields_to, context_share and "
                            "context_needs_sign are numbers") from None
    weak = word_list(dec.get("weak_names"), "decision.weak_names")
    keyworded = {p for r in rules for p in r.keywords}
    for word in weak:
        if word not in keyworded:
            raise RuleFileError(f"{path}: decision.weak_names: {word!r} is no category's keyword")
    return CategoryRules(
        decision=Decision(naming_weight=naming, weak_names=weak, weak_yields_to=yields, context_yields_to=context,
                          context_share=share, context_needs_sign=sign,
                          asks_yield_to=word_list(dec.get("asks_yield_to"), "decision.asks_yield_to")),
        categories=tuple(rules),
        negation=negation,
        set_aside=set_aside,
        fallback=fallback,
        min_score=float(th.get("min_score", 2.0)),
        min_confidence=float(th.get("min_confidence", 0.3)),
        strength_scale=float(th.get("strength_scale", 2.5)),
        urgent_fallback=str(urgent_fallback) if urgent_fallback else None,
        urgent_never=urgent_never,
        model=_model_spec(data.get("model"), Path(path), codes),
    )


def _model_spec(spec: Any, path: Path, codes: set[str]) -> ModelSpec | None:
    """`model: {file, name, suggests, decides}`: the file beside this one, when it is there (a
    district without one has the rules alone)."""
    if not spec:
        return None
    if not isinstance(spec, dict) or not spec.get("file") or not spec.get("name"):
        raise RuleFileError(f"{path.name}: model: needs `file:` (beside this file) and `name:` (shown to staff)")
    try:
        suggests, decides = float(spec.get("suggests", 0.5)), float(spec.get("decides", 0.5))
    except (TypeError, ValueError):
        raise RuleFileError(f"{path.name}: model: suggests and decides are probabilities") from None
    if not 0.0 < suggests <= decides <= 1.0:
        raise RuleFileError(f"{path.name}: model: 0 < suggests <= decides <= 1")
    model_path = path.parent / str(spec["file"])
    if not model_path.exists():
        return None
    try:
        model = category_model.load(model_path)
    except (OSError, ValueError, KeyError) as exc:
        raise RuleFileError(f"{model_path.name}: {exc}") from exc
    unknown = sorted(set(model.classes) - codes)
    if unknown:
        raise RuleFileError(f"{model_path.name}: categories {path.name} does not have: {', '.join(unknown)}")
    return ModelSpec(model, str(spec["name"]), suggests, decides)
