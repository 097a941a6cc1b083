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
    for g in char_ngrams(ev.text, sizes):
        f[f"c:{g}"] = 1.0
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

    def probabilities(self, feats: dict[str, float]):
        import numpy as np

        rows = [(self.index[name], value) for name, value in feats.items() if name in self.index]
        logits = np.array(self.intercept, dtype=float)
        if rows:
            idx = np.fromiter((r for r, _ in rows), dtype=np.int64, count=len(rows))
            val = np.fromiter((v for _, v in rows), dtype=float, count=len(rows))
            logits = logits + val @ self.matrix[idx]
        logits -= logits.max()
        p = np.exp(logits)
        return p / p.sum()

    def decide(self, ev: Evidence) -> tuple[str, float, list[str]] | None:
        """(category, probability, the resident's words that decided), or None when the rules'
        verdict is a category the weights were never trained on: then the rules decide."""
        if ev.verdict not in self.classes:
            return None
        feats = features(ev, self.sizes)
        p = self.probabilities(feats)
        best = int(p.argmax())
        code = self.classes[best]
        return code, float(p[best]), self._words(ev, feats, best, code)

    def _words(self, ev: Evidence, feats: dict[str, float], best: int, code: str) -> list[str]:
        """The rule words of the chosen category that pushed towards it, then the stretches of the
        text whose n-grams pushed towards it most (merged, so they read as the resident's words)."""
        matrix = self.matrix

        def push(name: str) -> float:  # towards `best`, against the average class
            row = matrix[self.index[name]]
            return float(row[best] - row.mean())

        words = []
        for item in sorted(ev.found.get(code, ()), key=lambda f: (-f.weight, f.start)):
            name = f"w:{code}:{item.phrase}"
            if name not in self.index or push(name) > -0.05:
                words.append(ev.text[item.start:item.end])
        credit = [0.0] * len(ev.text)
        for gram, (start, end) in char_ngrams(ev.text, self.sizes).items():
            name = f"c:{gram}"
            if name in self.index:
                value = push(name)
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
