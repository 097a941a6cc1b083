"""Proposed rule changes from labelled examples: `gridbot rules suggest`.

The examples are the district's corrections (a ticket's text and the category staff gave it) and
any labelled files given. Words are mined with jieba: for each category, the words of its examples
the rules get wrong, ranked by their log-odds of belonging to that category against the rest
(with an informative Dirichlet prior, Monroe et al. 2008, so a word seen twice does not outrank
one seen twenty times). Each candidate becomes a concrete change to rules/categories.yaml — a new
keyword at the lightest weight that helps, or an exclusion for a category the rules pick wrongly
— and is tried on every example: the proposal says how many it fixes and how many it breaks.
Nothing is written: a person reads the proposals and copies the good ones into the file.

Pure: examples in, proposals out.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import yaml

from bot.nlp import segment
from bot.nlp.classify import Classifier
from bot.nlp.evaluate import Labelled
from bot.nlp.normalise import normalise
from bot.nlp.rulefiles import CategoryRules, Exclusion

__all__ = ["Proposal", "format_proposals", "suggest"]

WEIGHTS = (2.0, 3.0, 4.0, 5.0)
_CJK = re.compile(r"[\u3400-\u9fff]")
_PHONE = re.compile(r"\d{7,}")
# Words of every complaint, whatever it is about: they can never tell one category from another.
_STOP = frozenset("""
问题 反映 投诉 请求 要求 希望 解决 关于 一下 严重 情况 现象 相关 部门 有关 政府 领导 居民 业主 群众 市民
小区 社区 街道 我们 他们 这个 那个 什么 怎么 为什么 何时 能否 是否 已经 一直 长期 现在 还是 没有 不能
请问 咨询 建议 呼吁 强烈 尽快 及时 处理 管理 整治 进行 存在 导致 影响 造成 可以 需要 应该
能够 依法 个人 违法 违规 重点 研究 事件 工作 问题多 希望 多次 再次 一些 有人 大量
""".split())
MIN_Z = 0.0   # a word must lean towards the category (log-odds z-score above this); fixes and breaks decide
PRIOR = 0.1   # the informative prior's weight, as a share of the examples' own word counts


@dataclass
class Proposal:
    category: str
    change: dict                      # what to write into the YAML
    fixes: int
    breaks: int
    fixed: list[str] = field(default_factory=list)   # a few of the examples it fixes
    broken: list[str] = field(default_factory=list)  # a few of those it breaks
    score: float = 0.0                # the word's log-odds z-score


# jieba's part-of-speech tags of words that never make a rule: places, people and organisations
# (a street complained about often is still not a kind of problem), numbers, pronouns, particles.
_SKIP_TAGS = frozenset("ns nr nrt nrfg nt m mq q r p c u uj ul d y f x eng t".split())
_PLACE_START = re.compile(r"^[省市区县镇乡村]")  # 市梅 out of "A市梅溪湖": a fragment of a place name


def _tokens(norm: str) -> set[str]:
    places = segment.place_words()  # the district's own place names are never rule words
    return {p.word for p in segment.pos_tagger().cut(norm)
            if len(p.word) >= 2 and _CJK.search(p.word) and p.word not in _STOP
            and p.flag not in _SKIP_TAGS and not (len(p.word) <= 3 and _PLACE_START.match(p.word))
            and p.word not in places}


def _log_odds(docs: dict[str, list[set[str]]]) -> dict[str, dict[str, float]]:
    """z-scores of each word's log-odds for each category against all the others."""
    counts = {c: Counter(w for d in ds for w in d) for c, ds in docs.items()}
    total = Counter()
    for cnt in counts.values():
        total.update(cnt)
    n_all = sum(total.values())
    a0 = PRIOR * n_all  # the prior: the corpus itself, shrunk to PRIOR of its size
    out: dict[str, dict[str, float]] = {}
    for c, cnt in counts.items():
        n_c = sum(cnt.values())
        n_rest = n_all - n_c
        z = {}
        for w, y in cnt.items():
            prior = PRIOR * total[w]
            rest = total[w] - y
            delta = (math.log((y + prior) / (n_c + a0 - y - prior))
                     - math.log((rest + prior) / (n_rest + a0 - rest - prior)))
            var = 1.0 / (y + prior) + 1.0 / (rest + prior)
            z[w] = delta / math.sqrt(var)
        out[c] = z
    return out


class _Trial:
    """The examples, classified once with the current rules, and the means to try a change on
    only the examples it can affect (those containing the word)."""

    def __init__(self, clf: Classifier, rows: Sequence[Labelled]):
        # a change to the rules is measured on the rules: the category model's guesses, where
        # the rules found nothing, are what a new word should make the rules' own
        self.clf = Classifier(replace(clf.rules, model=None), clf.urgency)
        self.rows = rows
        self.norm = [normalise(r.text) for r in rows]
        self.before = [self.clf.classify(r.text).category for r in rows]

    def containing(self, words: Sequence[str]) -> list[int]:
        return [i for i, t in enumerate(self.norm) if any(w in t for w in words)]

    def effect(self, rules: CategoryRules, idx: list[int]) -> tuple[list[int], list[int]]:
        trial = Classifier(rules, self.clf.urgency)
        fixed, broken = [], []
        for i in idx:
            gold, was = self.rows[i].category, self.before[i]
            now = trial.classify(self.rows[i].text).category
            if was != gold and now == gold:
                fixed.append(i)
            elif was == gold and now != gold:
                broken.append(i)
        return fixed, broken


def _with_keyword(rules: CategoryRules, code: str, word: str, weight: float) -> CategoryRules:
    cats = tuple(replace(r, keywords={**r.keywords, word: weight}) if r.code == code else r for r in rules.categories)
    return replace(rules, categories=cats)


def _with_exclusion(rules: CategoryRules, code: str, exclusion: Exclusion) -> CategoryRules:
    cats = tuple(replace(r, exclude_if=r.exclude_if + (exclusion,)) if r.code == code else r for r in rules.categories)
    return replace(rules, categories=cats)


def _shown(trial: _Trial, idx: list[int], limit: int = 3) -> list[str]:
    out = []
    for i in idx[:limit]:
        text = _PHONE.sub(lambda m: m.group()[:3] + "****", trial.rows[i].text.strip())
        out.append(text if len(text) <= 40 else text[:40] + "…")
    return out


def suggest(clf: Classifier, rows: Sequence[Labelled], *, min_fixes: int = 2, per_category: int = 25,
            limit: int = 20) -> list[Proposal]:
    """Proposals, best first: each fixes at least `min_fixes` examples and more than it breaks."""
    known = {code for code, _ in clf.categories()}
    rows = [r for r in rows if r.category in known]
    if not rows:
        return []
    trial = _Trial(clf, rows)
    tokens = [_tokens(t) for t in trial.norm]
    docs: dict[str, list[set[str]]] = defaultdict(list)
    for r, toks in zip(rows, tokens):
        docs[r.category].append(toks)
    z = _log_odds(docs)
    rules = trial.clf.rules  # without the category model (see _Trial)
    proposals: list[Proposal] = []

    wrong_by_gold: dict[str, Counter] = defaultdict(Counter)
    wrong_by_pred: dict[str, Counter] = defaultdict(Counter)
    for i, r in enumerate(rows):
        if trial.before[i] != r.category:
            wrong_by_gold[r.category].update(tokens[i])
            wrong_by_pred[trial.before[i]].update(tokens[i])

    # New keywords: words of the examples a category loses, typical of that category.
    for code, counter in wrong_by_gold.items():
        present = {p for p, _, _ in rules.by_code[code].words()}
        cands = [w for w, n in counter.items() if n >= min_fixes and w not in present]
        cands.sort(key=lambda w: -z[code].get(w, 0.0))
        for word in cands[:per_category]:
            if z[code].get(word, 0.0) <= MIN_Z:
                continue
            idx = trial.containing([word])
            best = None
            for weight in WEIGHTS:  # the lightest weight that does the most good
                fixed, broken = trial.effect(_with_keyword(rules, code, word, weight), idx)
                if best is None or len(fixed) - len(broken) > best[1] - best[2]:
                    best = (weight, len(fixed), len(broken), fixed, broken)
            weight, nf, nb, fixed, broken = best
            if nf >= min_fixes and nf > nb:
                proposals.append(Proposal(code, {"keywords": {int(weight): [word]}}, nf, nb,
                                          _shown(trial, fixed), _shown(trial, broken), z[code].get(word, 0.0)))

    # Exclusions: a category the rules pick wrongly, when a word of those examples marks them.
    for code, counter in wrong_by_pred.items():
        if code == rules.fallback:
            continue
        deciding = Counter()
        for i, r in enumerate(rows):
            if trial.before[i] == code and r.category != code:
                deciding.update(f.phrase for f in clf.evidence(trial.norm[i]).found.get(code, ()))
        if not deciding:
            continue
        phrase = deciding.most_common(1)[0][0]
        others = {c: z[c] for c in z if c != code}
        lean = {w: max((zz.get(w, 0.0) for zz in others.values()), default=0.0) for w in counter}
        cands = [w for w, n in counter.items() if n >= min_fixes and lean[w] > MIN_Z and w not in phrase
                 and phrase not in w]
        cands.sort(key=lambda w: -lean[w])
        for word in cands[:per_category]:
            exclusion = Exclusion(words=(phrase,), with_any=(word,))
            idx = trial.containing([word])
            fixed, broken = trial.effect(_with_exclusion(rules, code, exclusion), idx)
            if len(fixed) >= min_fixes and len(fixed) > len(broken):
                proposals.append(Proposal(code, {"exclude_if": [{"words": [phrase], "with": [word]}]},
                                          len(fixed), len(broken), _shown(trial, fixed), _shown(trial, broken)))

    proposals.sort(key=lambda p: (-(p.fixes - p.breaks), p.breaks, -p.score))
    return _distinct(proposals)[:limit]


def _distinct(proposals: list[Proposal]) -> list[Proposal]:
    """One proposal per word: the same word for two categories, keep the better."""
    seen, out = set(), []
    for p in proposals:
        key = yaml.safe_dump(p.change, allow_unicode=True)
        if "keywords" in p.change:
            key = next(iter(p.change["keywords"].values()))[0]
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def format_proposals(proposals: list[Proposal], *, examples: int, wrong: int, sources: str) -> str:
    """The proposals as YAML a person reads, with the evidence for each."""
    head = [
        "# gridbot rules suggest",
        f"# {examples} labelled examples ({sources}); the rules get {wrong} of them wrong now.",
        "# Each proposal is a change to bot/nlp/rules/categories.yaml with what it does to those",
        "# examples: `fixes` were wrong and become right, `breaks` were right and become wrong.",
        "# Nothing has been changed: copy the ones you accept into the category's section.",
    ]
    if not proposals:
        return "\n".join(head + ["proposals: []  # nothing fixes enough examples to propose", ""])
    body = [{
        "category": p.category, **p.change, "fixes": p.fixes, "breaks": p.breaks,
        **({"fixed": p.fixed} if p.fixed else {}), **({"broken": p.broken} if p.broken else {}),
    } for p in proposals]
    return "\n".join(head) + "\n" + yaml.safe_dump({"proposals": body}, allow_unicode=True, sort_keys=False,
                                                   default_flow_style=None, width=120)
