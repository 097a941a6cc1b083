"""Fitting the category model (`gridbot rules train-category`): scikit-learn, only when training.

A multinomial logistic regression (L2, C = 5) over binary character 2- and 3-grams of the
normalised text, n-grams of fewer than two messages left out; then every weight under 0.2 is
dropped, which keeps a few thousand n-grams and the file small (a fifth of the weights, and of the
gain measured, is lost at 0.4). scikit-learn, because it is the well-kept implementation of exactly
this; lbfgs fits 13,000 messages in seconds. C, the cut and the model's thresholds were chosen on
the labelled files and rounds 92–95 and then measured on rounds 96–99 (README: "A second opinion
on the category").

Pure: texts and labels in, a model out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from bot.nlp.category_model import CategoryModel
from bot.nlp.normalise import normalise

__all__ = ["DEFAULTS", "fit"]

DEFAULTS = {"C": 5.0, "min_df": 2, "sizes": (2, 3), "cut": 0.2}


def fit(texts: Sequence[str], labels: Sequence[str], *, C: float = DEFAULTS["C"], min_df: int = DEFAULTS["min_df"],
        cut: float = DEFAULTS["cut"]) -> CategoryModel:
    try:
        import numpy as np
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:  # pragma: no cover - depends on the installation
        raise SystemExit("`gridbot rules train-category` needs scikit-learn: pip install -e \".[learn]\"") from None
    if len(set(labels)) < 2:
        raise ValueError("training needs messages of two categories or more")
    vec = CountVectorizer(analyzer="char", ngram_range=DEFAULTS["sizes"], binary=True, min_df=min_df, lowercase=False)
    X = vec.fit_transform([normalise(t) for t in texts])
    model = LogisticRegression(C=C, max_iter=5000).fit(X, list(labels))
    classes = [str(c) for c in model.classes_]
    coef = model.coef_
    if len(classes) == 2:  # scikit-learn keeps one column for two classes: make it symmetric
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        bias = [float(b) for b in model.intercept_]
    grams: dict[str, dict[str, float]] = {}
    for j, gram in enumerate(vec.get_feature_names_out()):
        kept = {classes[c]: round(float(coef[c, j]), 3) for c in range(len(classes)) if abs(coef[c, j]) >= cut}
        if kept:
            grams[str(gram)] = kept
    meta = {"trained_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"), "examples": len(labels),
            "per_category": dict(sorted(Counter(labels).items())), "C": C, "min_df": min_df, "cut": cut,
            "sizes": list(DEFAULTS["sizes"])}
    return CategoryModel(classes, [round(b, 4) for b in bias], grams, meta)
