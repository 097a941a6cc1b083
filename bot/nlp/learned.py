"""Learned weights over the rules' evidence: the optional last step of classifying.

`gridbot rules train` fits a multinomial logistic regression (scikit-learn, `bot.nlp.train`) on
labelled messages and the district's corrections, and writes `weights.json` beside
`rules/categories.yaml`. When that file is there, the classifier still finds the rule words exactly
as before; the weights then make the final choice from features of that evidence:

    s:<code>          the category's rule score (÷ 5): the YAML weights, as a prior the fit scales
    v:<code>          the rules' own verdict; n:<code> when it was a named problem
    named:<code>      the category names a problem (a word of weight ≥ naming_weight)
    policy            a policy word was found
    w:<code>:<word>   one rule word counted for a category (the fit may trust some words more)
    c:<chars>         a character n-gram of the normalised text (what the rules have no word for)

The words shown to staff are still the resident's: the rule words of the chosen category that
pushed towards it, then the stretches of text whose n-grams pushed most. Scoring needs numpy only
(a dependency of matplotlib, already installed); fitting needs scikit-learn (the `learn` extra).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.nlp.classify import Evidence

__all__ = ["FORMAT", "LearnedWeights", "features", "from_document", "load", "weights_path"]

FORMAT = "gridbot-weights/1"

# n-grams made only of these say nothing about the problem (digits, Latin, punctuation, and the
# anonymised place letters of the labelled files: A市, B3区)
_NOISE = re.compile(r"^[\W\da-z_]+$")


def weights_path(categories_file: Path) -> Path:
    """The weights file lives beside the category rules it was trained with."""
    return Path(categories_file).with_name("weights.json")


def char_ngrams(text: str, sizes: tuple[int, ...]) -> dict[str, tuple[int, int]]:
    """Each n-gram of the text with its first (start, end); n-grams of no word characters left out."""
    grams: dict[str, tuple[int, int]] = {}
    for n in sizes:
        for i in range(len(text) - n + 1):
            g = text[i:i + n]
            if g not in grams and not _NOISE.match(g):
                grams[g] = (i, i + n)
    return grams


def features(ev: Evidence, sizes: tuple[int, ...]) -> dict[str, float]:
    """The features of one message's evidence (see the module docstring)."""
    f = evidence_features(ev)
    for g in char_ngrams(ev.text, sizes):
        f[f"c:{g}"] = 1.0
    return f


def evidence_features(ev: Evidence) -> dict[str, float]:
    """The features read off the rules' evidence: all but the character n-grams."""
    f: dict[str, float] = {f"s:{code}": score / 5.0 for code, score in ev.scores.items()}
    f[f"v:{ev.verdict}"] = 1.0
    if ev.how == "named":
        f[f"n:{ev.verdict}"] = 1.0
    for code in ev.named:
        f[f"named:{code}"] = 1.0
    if ev.policy:
        f["policy"] = 1.0
    for code, items in ev.found.items():
        for item in items:
            f[f"w:{code}:{item.phrase}"] = 1.0
    return f


@dataclass
class LearnedWeights:
    classes: list[str]
    intercept: list[float]
    index: dict[str, int]        # feature name → row of `matrix`
    matrix: object               # numpy array, features × classes
    sizes: tuple[int, ...]       # the n-gram sizes
    min_confidence: float        # below this probability the message goes to triage
    meta: dict

    def __post_init__(self) -> None:
        import numpy as np

        from bot.nlp.phrases import automaton

        # The n-gram features are found the way the rule words are, in one Aho-Corasick scan of
        # the text (a dict lookup per n-gram made scoring cost four times the rules' own work).
        grams = [(name[2:], row) for name, row in self.index.items() if name.startswith("c:")]
        self._gram_list = [row for _, row in grams]
        self._np = np
        self._grams = automaton([g for g, _ in grams]) if grams else None
        # the evidence features by what they are built from, so scoring formats no names
        self._kinds = {kind: {name[len(kind):]: row for name, row in self.index.items() if name.startswith(kind)}
                       for kind in ("s:", "v:", "n:", "named:")}
        self._rule_words = {tuple(name[2:].split(":", 1)): row for name, row in self.index.items()
                            if name.startswith("w:")}
        self._policy = self.index.get("policy")
        # how much each feature pushes towards a class against the average class (the words shown)
        self._push = self.matrix - self.matrix.mean(axis=1, keepdims=True)

    def gram_hits(self, text: str) -> dict[int, tuple[int, int]]:
        """The rows of the n-gram features in the text, each with its first (start, end)."""
        hits: dict[int, tuple[int, int]] = {}
        for key, start, end in self._scan(text):
            row = self._gram_list[key]
            if row not in hits or start < hits[row][0]:
                hits[row] = (start, end)
        return hits

    def _scan(self, text: str) -> list[tuple[int, int, int]]:
        return self._grams.find_matches_as_indexes(text, overlapping=True) if self._grams is not None else []

    def probabilities(self, ev: Evidence, gram_rows) -> list[float]:
        """The classes' probabilities from the features of `evidence_features` and the n-gram
        feature rows found in the text (each counted once, as in training)."""
        rows = list(gram_rows)
        values = [1.0] * len(rows)
        scores = self._kinds["s:"]
        for code, score in ev.scores.items():
            if code in scores:
                rows.append(scores[code])
                values.append(score / 5.0)
        ones = [self._kinds["v:"].get(ev.verdict), self._policy if ev.policy else None]
        if ev.how == "named":
            ones.append(self._kinds["n:"].get(ev.verdict))
        ones += [self._kinds["named:"].get(code) for code in ev.named]
        ones += [self._rule_words.get((code, item.phrase)) for code, items in ev.found.items() for item in items]
        for row in dict.fromkeys(ones):  # a feature counts once, as in training
            if row is not None:
                rows.append(row)
                values.append(1.0)
        # ten classes: the softmax in plain floats costs less than numpy's calls
        summed = (self._np.asarray(values) @ self.matrix[rows]).tolist() if rows else [0.0] * len(self.classes)
        logits = [a + b for a, b in zip(summed, self.intercept)]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return [x / total for x in exps]

    def decide(self, ev: Evidence) -> tuple[str, float, list[str] | None] | None:
        """(category, probability, the resident's words that decided), or None when the rules'
        verdict is a category the weights were never trained on: then the rules decide. The words
        are None when the weights agree with the rules: the rules' own words decided."""
        if ev.verdict not in self.classes:
            return None
        matches = self._scan(ev.text)
        gram_list = self._gram_list
        p = self.probabilities(ev, {gram_list[key] for key, _, _ in matches})
        best = max(range(len(p)), key=p.__getitem__)
        code = self.classes[best]
        if code == ev.verdict:
            return code, p[best], None
        return code, p[best], self._words(ev, self.gram_hits(ev.text), best, code)

    def _words(self, ev: Evidence, hits: dict[int, tuple[int, int]], best: int, code: str) -> list[str]:
        """The rule words of the chosen category that pushed towards it, then the stretches of the
        text whose n-grams pushed towards it most (merged, so they read as the resident's words)."""
        push = self._push[:, best]
        words = []
        for item in sorted(ev.found.get(code, ()), key=lambda f: (-f.weight, f.start)):
            row = self.index.get(f"w:{code}:{item.phrase}")
            if row is None or push[row] > -0.05:
                words.append(ev.text[item.start:item.end])
        credit = [0.0] * len(ev.text)
        for row, (start, end) in hits.items():
            value = float(push[row])
            if value > 0:
                for i in range(start, end):
                    credit[i] += value / (end - start)
        spans, i = [], 0
        while i < len(credit):  # runs of characters with real credit
            if credit[i] > 0.15:
                j = i
                while j < len(credit) and credit[j] > 0.15:
                    j += 1
                if j - i >= 2:
                    spans.append((sum(credit[i:j]), ev.text[i:j]))
                i = j
            else:
                i += 1
        for _, text in sorted(spans, reverse=True)[:3]:
            if not any(text in w or w in text for w in words):
                words.append(text)
        return list(dict.fromkeys(words))


def load(path: Path) -> LearnedWeights:
    """Read a weights file written by `gridbot rules train`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a GridBot weights file ({FORMAT})")
    return from_document(data)


def from_document(data: dict) -> LearnedWeights:
    import numpy as np

    names = data["features"]
    return LearnedWeights(
        classes=list(data["classes"]),
        intercept=[float(x) for x in data["intercept"]],
        index={name: i for i, name in enumerate(names)},
        matrix=np.array(data["weights"], dtype=float).reshape(len(names), len(data["classes"])),
        sizes=tuple(int(n) for n in data["ngram_sizes"]),
        min_confidence=float(data.get("min_confidence", 0.35)),
        meta=data.get("meta", {}),
    )
