"""A second opinion on the category, asked only when the rules found nothing to go on.

Each round of new wording brings problems told by their effect in words no rule list holds
(飞机从头顶低飞过去, 冰溜子挂在单元门上, 煤面子满天飞). Word by word, each round's fixes lift the
next round by about one message in 250. A model of the everyday messages' characters carries
further: a logistic regression over character 2–3-grams, fitted by `gridbot rules train-category`
(scikit-learn; `bot.nlp.train_category`) on tests/everyday_messages.txt and the staff's 改类别
corrections, its small weights dropped so a few thousand n-grams keep one.

It never overrules a rule: it is asked only when the rules' verdict is the fallback with no word
of their own, or too weak to stand (low confidence), and never for an urgent message (a danger's
category is the danger rules' to say). From `suggests` up its category is taken, still marked for
the dispatcher to check (triage, low confidence); from `decides` up the ticket goes straight to
the grid. Scoring needs no library: one Aho-Corasick scan finds the n-grams, each adds its weights
to its classes. Staff see the resident's words whose n-grams pushed towards the category (依据).

The file (rules/categories.model.json): {"format": 1, "classes": [...], "bias": [...],
"grams": {gram: {class: weight}}, "meta": {...}}.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from bot.nlp import segment
from bot.nlp.phrases import automaton

__all__ = ["FORMAT", "CategoryModel", "Opinion", "load"]

FORMAT = 1
SHOWN = 3  # stretches of the resident's words shown as the model's reason
_PARTICLES = frozenset("的着地得吧呢啊呀")  # grammar at a run's ends, no part of what was seen
_SHOWN_WEIGHT = 0.4  # lighter n-grams push a little everywhere: they would make the whole message the reason


@dataclass(frozen=True)
class Opinion:
    category: str
    probability: float
    words: tuple[str, ...]  # the resident's words that pushed most towards `category`


class CategoryModel:
    def __init__(self, classes: list[str], bias: list[float], grams: dict[str, dict[str, float]],
                 meta: dict | None = None):
        if len(bias) != len(classes):
            raise ValueError("a bias for each class")
        self.classes = list(classes)
        self.bias = list(bias)
        self.meta = meta or {}
        index = {c: i for i, c in enumerate(self.classes)}
        self._grams = list(grams)
        # each n-gram's weights as (class index, weight): a few classes each, most weights dropped
        self._weights = [tuple((index[c], w) for c, w in grams[g].items()) for g in self._grams]
        self._scan = automaton(self._grams) if self._grams else None

    def opinion(self, normalised_text: str, *, with_words: bool = True) -> Opinion:
        """The most likely category, its probability, and the words that pushed towards it (those
        cost a jieba cut: `with_words=False` leaves them out for an opinion that may not be taken)."""
        held: dict[int, tuple[int, int]] = {}
        if self._scan is not None:
            for key, start, end in self._scan.find_matches_as_indexes(normalised_text, overlapping=True):
                held.setdefault(key, (start, end))  # an n-gram counts once, as in training
        logits = list(self.bias)
        for key in held:
            for c, w in self._weights[key]:
                logits[c] += w
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        best = max(range(len(logits)), key=logits.__getitem__)
        words = self._words(normalised_text, held, best) if with_words else ()
        return Opinion(self.classes[best], exps[best] / sum(exps), words)

    def _words(self, text: str, held: dict[int, tuple[int, int]], best: int) -> tuple[str, ...]:
        """Runs of characters whose n-grams pushed towards the class, heaviest first, merged so they
        read as the resident wrote them (楼檐上的冰溜子, not 冰溜 and 溜子)."""
        credit = [0.0] * len(text)
        for key, (start, end) in held.items():
            w = dict(self._weights[key]).get(best, 0.0)
            if w >= _SHOWN_WEIGHT and text[start:end].isalpha():
                for i in range(start, end):
                    credit[i] += w / (end - start)
        cuts = segment.boundaries(text)
        runs, i = [], 0
        while i < len(text):
            if credit[i] > 0:
                j = i
                while j < len(text) and credit[j] > 0:
                    j += 1
                # shown as whole words (单元, not 区楼 across A3区 and 楼檐)
                a = next((k for k in range(i, j) if k in cuts), j)
                b = next((k for k in range(j, a, -1) if k in cuts), a)
                while b > a and text[b - 1] in _PARTICLES:  # 小区门口, not 小区门口的
                    b -= 1
                while a < b and text[a] in _PARTICLES:
                    a += 1
                if b - a >= 2:
                    runs.append((sum(credit[a:b]), text[a:b]))
                i = j
            else:
                i += 1
        return tuple(words for _, words in sorted(runs, reverse=True)[:SHOWN])

    def document(self) -> dict:
        return {"format": FORMAT, "classes": self.classes, "bias": self.bias,
                "grams": {g: {self.classes[c]: w for c, w in ws} for g, ws in zip(self._grams, self._weights)},
                "meta": self.meta}


def load(path: Path) -> CategoryModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a category model of format {FORMAT}")
    return CategoryModel([str(c) for c in data["classes"]], [float(b) for b in data["bias"]],
                         {str(g): {str(c): float(w) for c, w in ws.items()} for g, ws in data["grams"].items()},
                         data.get("meta"))
