"""A second opinion on urgency, learned from how residents tell of a danger happening now.

The urgency rules (rules/urgency.yaml) name kinds of danger; each round of new wording still finds
a quarter of its dangers told in words no rule holds (一个劲棍下来了, 扶不起来, 吸住了). A danger
happening now is also told in a recognisable way: narration of the present (在往下, 还在, 刚才, 底下
有人), what is seen and heard, someone in the way. A sparse logistic regression over character
2–3-grams, fitted by `gridbot rules train-urgency` (scikit-learn, L1, so a few hundred n-grams keep
a weight), reads that.

It only adds: a message the rules call urgent stays urgent, and one the rules call over or not
here (`resolved`, `not_here`) is never made urgent by it. Scoring needs no library: the n-grams
with a weight go into one Aho-Corasick automaton; a message's score is the bias plus the weights
of the n-grams it holds. Staff see which of them weighed most (依据).

The file (rules/urgency.model.json): {"format": 1, "bias": b, "threshold": p, "grams": {gram: w},
"meta": {...}}.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from bot.nlp.phrases import automaton

__all__ = ["FORMAT", "DangerModel", "Opinion", "load"]

FORMAT = 1
SHOWN = 3  # n-grams shown to staff as the model's reason


@dataclass(frozen=True)
class Opinion:
    probability: float
    words: tuple[str, ...]  # the message's n-grams that weighed most for a danger


class DangerModel:
    def __init__(self, bias: float, threshold: float, grams: dict[str, float], meta: dict | None = None):
        self.bias = bias
        self.threshold = threshold
        self.meta = meta or {}
        self._grams = list(grams)
        self._weights = [grams[g] for g in self._grams]
        self._scan = automaton(self._grams) if self._grams else None
        # the score at which the probability reaches the threshold: no exp() for each message
        self._logit = math.log(threshold / (1.0 - threshold)) if 0.0 < threshold < 1.0 else (
            math.inf if threshold >= 1.0 else -math.inf)

    @property
    def grams(self) -> list[str]:
        """The n-grams with a weight, in the order `urgent_held` numbers them."""
        return list(self._grams)

    def opinion(self, normalised_text: str) -> Opinion:
        return self._opinion(*self._score(normalised_text))

    def _opinion(self, z: float, held: set[int]) -> Opinion:
        # shown: n-grams of words only (还在, 往下), not ones holding a comma (了,)
        strongest = sorted((k for k in held if self._weights[k] > 0 and self._grams[k].isalpha()),
                           key=lambda k: -self._weights[k])
        return Opinion(_probability(z), tuple(self._grams[k] for k in strongest[:SHOWN]))

    def urgent(self, normalised_text: str) -> Opinion | None:
        """The opinion when it says urgent, else None."""
        return self.urgent_held(self._score(normalised_text)[1])

    def urgent_held(self, held: set[int]) -> Opinion | None:
        """The same, from which n-grams a message holds (numbered as in `grams`): a scan the
        caller already made (the urgency rules look for their words and these in one pass). Asked
        of nearly every message, so the usual answer is a sum and a comparison."""
        weights = self._weights
        z = self.bias + sum([weights[k] for k in held])
        return self._opinion(z, held) if z >= self._logit else None

    def _score(self, text: str) -> tuple[float, set[int]]:
        if self._scan is None:
            return self.bias, set()
        held = {key for key, _, _ in self._scan.find_matches_as_indexes(text, overlapping=True)}
        weights = self._weights
        return self.bias + sum([weights[k] for k in held]), held

    def document(self) -> dict:
        return {"format": FORMAT, "bias": self.bias, "threshold": self.threshold,
                "grams": dict(zip(self._grams, self._weights)), "meta": self.meta}


def _probability(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def load(path: Path) -> DangerModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a danger model of format {FORMAT}")
    return DangerModel(float(data["bias"]), float(data["threshold"]),
                       {str(g): float(w) for g, w in data["grams"].items()}, data.get("meta"))
