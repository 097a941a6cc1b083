"""Which of two overlapping rule phrases the resident wrote: jieba's word boundaries say.

Character phrases may overlap (停电 and 电梯 in "关停电梯"). Where exactly one of the two is a whole
jieba word, or a run of whole words, that is the one written.
"""

from __future__ import annotations

from bot.nlp import segment
from bot.nlp.phrases import Hit, merged

__all__ = ["settle"]


def settle(norm: str, hits: list[Hit]) -> list[Hit]:
    """Two character phrases that overlap (停电 and 电梯 in "关停电梯"): when exactly one of them
    is a whole jieba word, or a run of whole words, the resident wrote that one; the other goes.
    When both or neither are, both stay (segmentation is no better judge there). jieba runs only
    for messages with such an overlap, and only over the stretch around it: a word boundary is
    decided by the few characters on either side, and cutting a whole long message was a tenth
    of the classifier's time."""
    plain = [h for h in hits if "*" not in h.phrase]
    # plain hits come in order of start, and none lies inside another, so their ends rise too: a
    # hit overlaps a later one only if it overlaps the next one (the usual message: none does)
    if not any(b.start < a.end for a, b in zip(plain, plain[1:])):
        return hits
    pairs = []
    for i, a in enumerate(plain):
        for b in plain[i + 1:]:
            if b.start >= a.end:
                break
            pairs.append((a, b))
    cuts: set[int] = set()
    for lo, hi in _windows(pairs, len(norm)):
        cuts.update(lo + cut for cut in segment.boundaries(norm[lo:hi]))
    whole = lambda h: h.start in cuts and h.end in cuts  # noqa: E731
    drop = set()
    for a, b in pairs:
        if whole(a) and not whole(b):
            drop.add(b)
        elif whole(b) and not whole(a):
            drop.add(a)
    return [h for h in hits if h not in drop]


_CONTEXT = 8  # characters of context on each side of an overlap that jieba cuts


def _windows(pairs: list[tuple[Hit, Hit]], n: int) -> list[tuple[int, int]]:
    """The stretches around the overlapping pairs, merged where they touch: jieba's cut of each."""
    return merged((max(0, min(a.start, b.start) - _CONTEXT), min(n, max(a.end, b.end) + _CONTEXT))
                  for a, b in pairs)
