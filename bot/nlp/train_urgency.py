"""Fitting the danger model (`gridbot rules train-urgency`): scikit-learn, only when training.

An L1-regularised logistic regression over binary character 2- and 3-grams of the normalised text
(single characters match nearly every position, which made scoring several times the cost for no
gain), classes balanced (dangers are a few in a hundred messages). L1, because it leaves a few hundred
n-grams with a weight, which is all classifying has to look for (bot.nlp.danger_model); liblinear,
scikit-learn's solver for exactly this. C = 1 was chosen on rounds of new wording kept out of the
fit (README: "A learned second opinion on urgency"); the threshold, 0.92, is the lowest at which
the model calls none of its own not-urgent training messages urgent.

Pure: texts and labels in, a model document out.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

from bot.nlp.danger_model import DangerModel
from bot.nlp.normalise import normalise

__all__ = ["DEFAULTS", "fit"]

DEFAULTS = {"C": 1.0, "threshold": 0.92, "min_df": 2, "sizes": (2, 3)}


def fit(texts: Sequence[str], urgent: Sequence[bool], *, C: float = DEFAULTS["C"],
        threshold: float = DEFAULTS["threshold"], min_df: int = DEFAULTS["min_df"]) -> DangerModel:
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:  # pragma: no cover - depends on the installation
        raise SystemExit("`gridbot rules train-urgency` needs scikit-learn: pip install -e \".[learn]\"") from None
    labels = [int(bool(u)) for u in urgent]
    if len(set(labels)) < 2:
        raise ValueError("training needs messages of both kinds: dangers and not")
    vec = CountVectorizer(analyzer="char", ngram_range=DEFAULTS["sizes"], binary=True, min_df=min_df, lowercase=False)
    X = vec.fit_transform([normalise(t) for t in texts])
    with warnings.catch_warnings():  # newer scikit-learn prefers l1_ratio=1 to penalty="l1": the same fit
        warnings.simplefilter("ignore", category=UserWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        model = LogisticRegression(penalty="l1", solver="liblinear", C=C, class_weight="balanced",
                                   max_iter=5000, random_state=0).fit(X, labels)
    grams = {g: round(float(w), 4) for g, w in zip(vec.get_feature_names_out(), model.coef_[0]) if abs(w) >= 1e-4}
    meta = {"trained_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"), "examples": len(labels),
            "dangers": sum(labels), "C": C, "min_df": min_df, "sizes": list(DEFAULTS["sizes"])}
    return DangerModel(round(float(model.intercept_[0]), 4), threshold, grams, meta)
