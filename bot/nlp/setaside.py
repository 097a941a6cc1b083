"""Clauses a resident sets aside before saying what they want.

People clear the ground first: "我不是说物业收费的事，是小区门口那个垃圾站臭得不行", "我不问拆迁补偿，
我是要举报邻居在楼顶私搭乱建", "去年报的违建已经拆了，今天是想问下残疾证年审的事". A person reading
such a message skips the first clause; the rule words in it must not decide the category.

A clause is set aside when
- it opens with a disclaimer (`opens`: 不是, 我不问, 虽然 …) and the next clause turns to the real
  matter (`then`: 是, 而是, 但是, 可是 …), or
- it says its matter is over (`done`: 已经拆了, 解决了, 不叫了 …) and the next clause changes the
  subject (`turns`: 今天是, 想问, 另外 …). A plain "修好了，但是又坏了" is not set aside: the
  second clause is about the same thing.

The cue words live in rules/categories.yaml (`set_aside:`), like the rest of the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlp.phrases import CLAUSE_BREAK

__all__ = ["SetAside", "citations"]

_CLAUSES = re.compile(f"[^{re.escape(CLAUSE_BREAK)}]+")


def _alternation(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@dataclass(frozen=True)
class SetAside:
    opens: tuple[str, ...] = ()
    then: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    turns: tuple[str, ...] = ()
    thanks: tuple[str, ...] = ()      # a clause that only thanks (谢谢): skipped between the two matters
    same: tuple[str, ...] = ()        # after a turn, the same matter again (但是又坏了)
    introduces: tuple[str, ...] = ()  # how a clause introducing the writer opens (我是, 我在, 作为)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_opens", _alternation(self.opens))
        object.__setattr__(self, "_done", _alternation(self.done))
        object.__setattr__(self, "_then", tuple(sorted(self.then, key=len, reverse=True)))
        object.__setattr__(self, "_turns", tuple(sorted(self.turns, key=len, reverse=True)))
        object.__setattr__(self, "_thanks", frozenset(self.thanks))
        object.__setattr__(self, "_same", tuple(self.same))
        opens = _alternation(self.introduces)
        object.__setattr__(self, "_introduces", opens)
        object.__setattr__(self, "_intro", opens and re.compile(
            rf"(?:^|(?<=[{re.escape(CLAUSE_BREAK)}。]))(?:{opens.pattern})[^{re.escape(CLAUSE_BREAK)}。]*"))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each clause of the normalised text that is set aside."""
        if not ((self._opens and self._opens.search(text)) or (self._done and self._done.search(text))):
            return []
        clauses = [(m.start(), m.end(), m.group().strip()) for m in _CLAUSES.finditer(text)]
        out = []
        for i, (start, end, clause) in enumerate(clauses[:-1]):
            after = clauses[i + 1][2]
            disclaimed = self._opens is not None and self._opens.match(clause) and after.startswith(self._then)
            over = False
            if self._done is not None and self._done.search(clause):
                # a thank-you between the matter that is over and the new one (修好了，谢谢，不过…)
                later = next((c for _, _, c in clauses[i + 1:] if c not in self._thanks), "")
                thanked = later != after  # after the thanks, whatever follows is the next matter
                turn = next((t for t in self._turns if later.startswith(t)), "" if thanked else None)
                # ... and 修好了，但是又坏了 is still the same matter
                over = turn is not None and bool(later) and not later[len(turn):].startswith(self._same)
            if disclaimed or over:
                out.append((start, end))
        return out


    def introductions(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each clause that introduces the writer (我是一名中学老师, 我在医院当护工),
        unless it is the whole message."""
        if self._introduces is None or not self._introduces.search(text):
            return []
        last = len(text.rstrip(CLAUSE_BREAK + "。 "))
        return [(m.start(), m.end()) for m in self._intro.finditer(text) if m.end() < last]


# A law's title cited (依据《噪声污染防治法》，恳请查处…) names the law, not the problem, nor a question about it.
_CITATION = re.compile(r"《[^《》]{1,40}》")


def citations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each title in 《》: its words count for nothing."""
    return [(m.start(), m.end()) for m in _CITATION.finditer(text)] if "《" in text else []
