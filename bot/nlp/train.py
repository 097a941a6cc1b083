"""Fitting the learned weights (`gridbot rules train`): scikit-learn, only when training.

A multinomial logistic regression over the features of `bot.nlp.learned.features`: the rules'
scores and verdict (so the YAML weights are the starting point the fit corrects, not something it
replaces), each rule word hit, and character n-grams of the message. scikit-learn, because it is
the well-kept implementation of exactly this (L2-regularised logistic regression on sparse
features, stratified folds for an honest estimate); a hand-written gradient descent in numpy would
be more code to trust for no gain. It is the `learn` extra: `pip install -e ".[learn]"` (the test
extra includes it). Classifying with a weights file needs only numpy.

Pure: texts and labels in, a weights document (JSON-ready dict) or figures out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.nlp.classify import Classifier
from bot.nlp.learned import FORMAT, features
from bot.nlp.normalise import normalise

__all__ = ["DEFAULTS", "Fold", "cross_validate", "fit", "rules_digest"]

# Chosen by 5-fold cross-validation on the labelled files (README: "Learned weights").
DEFAULTS = {"C": 1.0, "sizes": (2, 3), "min_df": 2, "min_confidence": 0.3}


def _need_sklearn():
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:  # pragma: no cover - depends on the installation
        raise SystemExit("`gridbot rules train` needs scikit-learn: pip install -e \".[learn]\"") from None
    return DictVectorizer, LogisticRegression


def rules_digest(path: Path) -> str:
    """A short hash of a rule file, so a weights file can tell it was trained on other rules."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _feature_dicts(clf: Classifier, texts: Sequence[str], sizes: tuple[int, ...]) -> list[dict[str, float]]:
    return [features(clf.evidence(normalise(t)), sizes) for t in texts]


def _keep_frequent(rows: list[dict[str, float]], min_df: int) -> list[dict[str, float]]:
    """Character n-grams seen in fewer than `min_df` training messages are dropped: they would only
    memorise single messages (and place names)."""
    df = Counter(name for row in rows for name in row if name.startswith("c:"))
    return [{k: v for k, v in row.items() if not k.startswith("c:") or df[k] >= min_df} for row in rows]


def fit(clf: Classifier, texts: Sequence[str], labels: Sequence[str], *, C: float = DEFAULTS["C"],
        sizes: tuple[int, ...] = DEFAULTS["sizes"], min_df: int = DEFAULTS["min_df"],
        min_confidence: float = DEFAULTS["min_confidence"], meta: dict | None = None) -> dict:
    """The weights document for these labelled texts (write it with json.dump)."""
    DictVectorizer, LogisticRegression = _need_sklearn()
    rows = _keep_frequent(_feature_dicts(clf, texts, sizes), min_df)
    vec = DictVectorizer()
    X = vec.fit_transform(rows)
    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(X, list(labels))
    names = list(vec.get_feature_names_out())
    coef = model.coef_.T  # features × classes
    if coef.shape[1] == 1:  # two classes: scikit-learn keeps one column; make it symmetric
        coef = __import__("numpy").hstack([-coef / 2, coef / 2])
        intercept = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        intercept = [float(x) for x in model.intercept_]
    keep = [i for i in range(len(names)) if abs(coef[i]).max() >= 1e-3]
    return {
        "format": FORMAT,
        "classes": [str(c) for c in model.classes_],
        "intercept": [round(x, 4) for x in intercept],
        "ngram_sizes": list(sizes),
        "min_confidence": min_confidence,
        "features": [names[i] for i in keep],
        "weights": [[round(float(x), 4) for x in coef[i]] for i in keep],
        "meta": {
            "trained_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "examples": len(labels),
            "per_category": dict(sorted(Counter(labels).items())),
            "C": C, "min_df": min_df,
            **(meta or {}),
        },
    }


@dataclass
class Fold:
    gold: list[str]
    rules: list[str]
    learned: list[str]


def cross_validate(clf: Classifier, texts: Sequence[str], labels: Sequence[str], *, k: int = 5, seed: int = 17,
                   **params) -> Fold:
    """Stratified k-fold: each message predicted by weights fitted without it, next to the rules'
    own prediction. The honest estimate for messages never used in training."""
    from bot.nlp import learned as learned_mod

    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    fold_of = [0] * len(labels)
    for idx in by_label.values():
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            fold_of[i] = j % k
    rules_only = Classifier(clf.rules, clf.urgency)
    out = Fold([], [], [])
    for fold in range(k):
        train = [i for i in range(len(labels)) if fold_of[i] != fold]
        test = [i for i in range(len(labels)) if fold_of[i] == fold]
        doc = fit(rules_only, [texts[i] for i in train], [labels[i] for i in train], **params)
        model = learned_mod.from_document(doc)
        with_weights = Classifier(clf.rules, clf.urgency, weights=model)
        for i in test:
            out.gold.append(labels[i])
            out.rules.append(rules_only.classify(texts[i]).category)
            out.learned.append(with_weights.classify(texts[i]).category)
    return out

