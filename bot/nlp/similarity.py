"""How alike are two complaints? For "this problem was already reported" checks.

Two reports are the same case when they name the same place and the same problem, however they
are worded. So the comparison is on the words that carry that: address fragments and the
category vocabulary count double, other content words once, and function words not at all.
The score is a weighted Jaccard overlap in 0..1; the caller decides the threshold (and whether
the two are in the same grid and recent enough — that needs the database, so it is not here).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise
from bot.nlp.places import extract_places
from bot.nlp.segment import domain_words, tokens

__all__ = ["features", "similar"]

PLACE_WEIGHT = 2.0
TOPIC_WEIGHT = 2.0
WORD_WEIGHT = 1.0

_CONTENT = re.compile(r"[\u3400-\u9fffa-z0-9]{2,}")
# Words every complaint uses: they say nothing about which problem it is.
_STOPWORDS = frozenset(
    "我们 你们 他们 这个 那个 这里 那里 什么 怎么 为什么 可以 能不能 是不是 已经 一直 每天 天天 现在 还是 "
    "没有 不是 就是 问题 情况 严重 希望 请求 解决 处理 投诉 反映 举报 相关 部门 有关 领导 网格员 社区 "
    "谢谢 麻烦 一下 非常 特别 太大 很大 影响 居民 大家 我家 家里 有人 无人 没人 管理 一个 几个".split()
)


@lru_cache(maxsize=1)
def _topic_words() -> frozenset[str]:
    # Context words (weight < 2 in the rules: 楼下, 小区, 晚上) do not say which problem it is.
    vocabulary = Classifier.default().vocabulary(min_weight=2.0)
    return frozenset(domain_words()) | {w for w in vocabulary if "*" not in w}


def features(text: str) -> dict[str, float]:
    """The weighted words a complaint is compared on: its address fragments, then its other
    content words (those inside an address fragment are already counted by it)."""
    places = extract_places(text)
    weights: dict[str, float] = dict.fromkeys(places, PLACE_WEIGHT)
    topic = _topic_words()
    for word in tokens(text):
        if word in _STOPWORDS or not _CONTENT.fullmatch(word) or any(word in p for p in places):
            continue
        weights[word] = max(weights.get(word, 0.0), TOPIC_WEIGHT if word in topic else WORD_WEIGHT)
    return weights


def similar(a_text: str, b_text: str) -> float:
    """0 (nothing in common) … 1 (the same place and problem words).

    Word features can miss when the segmenter glues a place to the next word
    (南海街1号院早餐店 as one token once 南海街1号院 is a known place), so the character-pair
    overlap of the content counts too: the higher of the two wins."""
    return max(_word_overlap(a_text, b_text), _bigram_overlap(a_text, b_text))


def _word_overlap(a_text: str, b_text: str) -> float:
    a, b = features(a_text), features(b_text)
    if not a or not b:
        return 0.0
    shared = sum(min(a[w], b[w]) for w in a.keys() & b.keys())
    total = sum(max(a.get(w, 0.0), b.get(w, 0.0)) for w in a.keys() | b.keys())
    return round(shared / total, 3) if total else 0.0


def _bigram_overlap(a_text: str, b_text: str) -> float:
    a, b = _bigrams(a_text), _bigrams(b_text)
    if not a or not b:
        return 0.0
    return round(len(a & b) / len(a | b), 3)


def _bigrams(text: str) -> set[str]:
    pairs = set()
    for run in _CONTENT.findall(normalise(text)):
        pairs.update(run[i:i + 2] for i in range(len(run) - 1))
    return pairs
