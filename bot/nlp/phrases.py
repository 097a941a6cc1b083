"""Finding a rule file's words and phrases in normalised text, fast.

Rules are matched on the character string, not on jieba tokens: segmentation of short, informal
complaints is unreliable ("路灯不亮" comes out as 路 / 灯不亮), and a district officer writing a rule
thinks in words as they appear in text. All plain phrases go into one Aho-Corasick automaton, which
reports every occurrence in one pass; the longest phrase starting at each position is kept
(`found_in` uses the phrases as one trie-shaped regular expression, 油(?:烟(?:机|味)?|…), since
presence is all it needs). Nothing is consumed:
hits may overlap (长期停 and 停水 in "长期停水", 停电 and 电梯 in "关停电梯"); a hit lying wholly
inside a longer one is dropped, so 油烟机 is never also 油烟 and 焚烧垃圾 is one finding, not 焚烧
plus 垃圾; nor is 垃圾焚烧厂 also the gap phrase 垃圾*焚烧. Which of two partly overlapping hits the resident meant is for word boundaries to say
(`bot.nlp.classify` asks jieba, only for the few messages where it matters).

A phrase may contain `*`, meaning "then, later in the same clause": 电梯*困 matches 电梯里困了人.
Those are grouped by their longest part, and only the groups whose longest part occurs are tried.

Negation ("没有噪音了", "再也闻不到油烟") is decided by `Negation`, whose cue words come from the rule
files too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, MatchKind

__all__ = ["CLAUSE_BREAK", "SENTENCE_END", "Gate", "Hit", "Negation", "PhraseMatcher", "automaton", "merged"]

# Punctuation that ends a clause: a gap phrase or a negation cue never reaches across it.
CLAUSE_BREAK = ",.!?;:~，。！？；：、～\n"
# Punctuation that ends a sentence: how far back a time word (去年, 现在) reaches.
SENTENCE_END = ".!?;。！？；\n"
_GAP_MAX = 12  # characters a `*` may span
_CLAUSE_TAIL = re.compile(f"[^{re.escape(CLAUSE_BREAK)}]*\\Z")  # what of a stretch is in its last clause


class Hit(NamedTuple):  # a named tuple: built for every word found, several times faster than a dataclass
    phrase: str  # the phrase as written in the rule file (normalised)
    start: int
    end: int


def _trie_regex(words: Iterable[str]) -> str:
    """A regex source that matches any of `words`, preferring the longest at each position."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict) -> str:
        terminal = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if terminal:  # the word may end here; try the longer continuation first
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return build(trie)


def _all_in(parts: tuple[str, ...], text: str) -> bool:
    """Every part occurs somewhere: a cheap test before running a gap phrase's regex.
    (A plain loop: a generator inside all() costs more than the test itself.)"""
    for part in parts:
        if part not in text:
            return False
    return True


@functools.cache
def _gap_regex(phrase: str) -> re.Pattern[str]:
    """Compiled when a message first has all of the phrase's parts, once per process: of several
    hundred gap phrases most wait a long time for that, and compiling them all made loading the
    rules slow (every process and every rule-file test pays it)."""
    parts = [re.escape(p) for p in phrase.split("*")]
    gap = f"[^{re.escape(CLAUSE_BREAK)}]{{0,{_GAP_MAX}}}?"
    return re.compile(gap.join(parts))


class PhraseMatcher:
    """All occurrences of a fixed set of phrases in a text."""

    def __init__(self, phrases: Iterable[str]) -> None:
        phrases = {p for p in phrases if p}
        self._plain = sorted(p for p in phrases if "*" not in p)
        self._gapped = [(p, tuple(filter(None, p.split("*")))) for p in sorted(phrases) if "*" in p]
        # Gap phrases grouped by their longest part (the rarest, as a rule: 没人收 rather than 垃圾 in
        # 垃圾*没人收): of a thousand gap phrases, a message leaves a handful worth trying, those
        # whose anchor the walk below passes. Grouped by their first part, 13.5 a message were
        # tried on the everyday messages; by the longest, 4.6.
        self._by_anchor: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for entry in self._gapped:
            self._by_anchor.setdefault(max(reversed(entry[1]), key=len), []).append(entry)
        source = _trie_regex(self._plain)
        self._regex = re.compile(source) if source else None
        # The plain words and the gap phrases' anchors in one Aho-Corasick automaton
        # (ahocorasick_rs, the Rust aho-corasick crate): one pass reports every occurrence of each,
        # overlapping ones and a shorter one inside a longer one too (停 in 停在), so nothing is
        # consumed. A walk of a nested-dict trie from every position, in Python, took 4.3 µs a
        # message; pyahocorasick, whose nodes search their children one by one, 2.6 µs for a
        # thousand first characters; this takes 0.7 µs.
        self._scan = None
        keys: dict[str, list] = {}
        for word in self._plain:
            keys.setdefault(word, [False, None])[0] = True
        for anchor in self._by_anchor:
            keys.setdefault(anchor, [False, None])[1] = anchor
        if keys:
            self._keys = [(plain, anchor) for plain, anchor in keys.values()]
            self._scan = automaton(list(keys))
        # Most messages share no character with most small phrase lists (a danger rule's words):
        # checking that first skips the walk entirely.
        self._first_chars = frozenset(p[0] for p in [*self._plain, *self._by_anchor])

    def find(self, text: str, *, overlapping: bool = True) -> list[Hit]:
        """Hits in text order. Plain hits may overlap; none lies wholly inside another.

        `overlapping=False` is the old leftmost-longest scan that consumes text (长期停 hides 停水),
        kept only so the evaluation can show what overlapping hits gained.
        """
        if self._scan is None or self._first_chars.isdisjoint(text):
            return []
        hits, anchors = self._walk(text)
        if not overlapping:
            hits = [Hit(m.group(), m.start(), m.end()) for m in self._regex.finditer(text)] if self._regex else []
        gapped = []
        for phrase, parts in self._gapped_candidates(anchors):
            if _all_in(parts, text):
                m = _gap_regex(phrase).search(text)
                if m:
                    gapped.append(Hit(phrase, m.start(), m.end()))
        if gapped:
            # a gap phrase's stretch inside a longer plain word is that word (垃圾*焚烧 in 垃圾焚烧厂)
            plain = hits
            hits = hits + [g for g in gapped if not any(
                p.start <= g.start and g.end <= p.end and p.end - p.start > g.end - g.start for p in plain)]
            hits.sort(key=lambda h: h.start)
        return hits

    def _walk(self, text: str) -> tuple[list[Hit], set[str]]:
        """The longest plain phrase starting at each position, unless it lies inside an earlier
        hit; and the gap phrases' anchors passed on the way."""
        longest: dict[int, int] = {}  # start → end of the longest plain phrase starting there
        anchors: set[str] = set()
        keys = self._keys
        for key, start, end in self._scan.find_matches_as_indexes(text, overlapping=True):
            plain, anchor = keys[key]
            if anchor is not None:
                anchors.add(anchor)
            if plain and end > longest.get(start, 0):
                longest[start] = end
        hits: list[Hit] = []
        reach = 0  # the furthest end of a hit so far: a hit ending before it lies inside one
        for start in sorted(longest):
            end = longest[start]
            if end > reach:
                hits.append(Hit(text[start:end], start, end))
                reach = end
        return hits, anchors

    def _gapped_candidates(self, anchors: set[str]):
        """The gap phrases whose anchor occurs, each once."""
        if not anchors:
            return ()
        if len(anchors) == 1:
            return self._by_anchor[next(iter(anchors))]
        # in the phrases' order: it decides between equal hits, and must not change with hash seeds
        return sorted(entry for anchor in anchors for entry in self._by_anchor[anchor])

    def found_in(self, text: str) -> bool:
        """Whether any phrase occurs (cheaper than `find` when only presence matters)."""
        if self._first_chars.isdisjoint(text):
            return False
        if self._regex is not None and self._regex.search(text):
            return True
        if not self._by_anchor:
            return False
        for phrase, parts in self._gapped_candidates(self._walk(text)[1]):
            if _all_in(parts, text) and _gap_regex(phrase).search(text):
                return True
        return False


class Gate:
    """Which of several phrase lists may occur in a text, from one scan of it: a list may when all
    the parts of one of its phrases occur (a gap phrase's anywhere, in any order). Most messages
    hold none of a rule file's danger words or exclusion words, and one compiled scan says so for all
    of them at once; each list's own `PhraseMatcher` then decides for the few that may.

    `also`: more strings to look for in the same scan (the danger model's n-grams); `open_also`
    says which of them occur, by their place in `also`."""

    def __init__(self, lists: Iterable[Iterable[str]], also: Sequence[str] = ()) -> None:
        phrases = [(i, tuple(filter(None, phrase.split("*")))) for i, words in enumerate(lists) for phrase in words]
        # `also` numbered first, in its own order, so a key below len(also) is its place there;
        # then the parts, sorted (the numbering must not change with hash seeds)
        keys = list(dict.fromkeys(also))
        self._also_count = len(keys) if len(keys) == len(also) else -1
        keys += sorted({part for _, parts in phrases for part in parts} - set(keys))
        number = {key: k for k, key in enumerate(keys)}
        self._also = {number[key]: i for i, key in enumerate(also)}
        # a phrase's longest part (the rarest, as a rule) → (list, the phrase's parts), as key numbers;
        # a list by key number, since most keys (the also-grams) open nothing
        needs: list[list[tuple[int, tuple[int, ...]]]] = [[] for _ in keys]
        for i, parts in phrases:
            if parts:
                needs[number[max(parts, key=len)]].append((i, tuple(number[p] for p in parts)))
        self._needs = [tuple(n) for n in needs]
        self._scan = automaton(keys) if keys else None

    def open(self, text: str) -> set[int]:
        """The indexes of the lists that may occur in `text`."""
        if self._scan is None:
            return set()
        return self._opened({key for key, _, _ in self._scan.find_matches_as_indexes(text, overlapping=True)})

    def open_also(self, text: str) -> tuple[set[int], set[int]]:
        """The lists that may occur, and which of `also` occur (their indexes in `also`)."""
        if self._scan is None:
            return set(), set()
        seen = {key for key, _, _ in self._scan.find_matches_as_indexes(text, overlapping=True)}
        count = self._also_count
        if count >= 0:  # `also` had no repeats: its keys are their own indexes
            return self._opened(seen), {key for key in seen if key < count}
        also = self._also
        return self._opened(seen), {also[key] for key in seen if key in also}

    def _opened(self, seen: set[int]) -> set[int]:
        needs = self._needs
        return {i for key in seen for i, parts in needs[key] if all(part in seen for part in parts)}


def automaton(keys: list[str]) -> AhoCorasick:
    """Finds every occurrence of each key, overlapping ones too: `find_matches_as_indexes(text,
    overlapping=True)` gives (key number, start, end) in characters."""
    return AhoCorasick(keys, matchkind=MatchKind.Standard)


@dataclass(frozen=True)
class Negation:
    """Whether a hit is denied by the words around it ("没有噪音了", "油烟没了").

    `before`: cues written right before the phrase (没有, 不再, 不); up to two small filler words may
    sit between (`fillers`: 任何, 什么, 一点 …), so "没有任何噪音" counts but "没有人管噪音"
    does not — there the resident complains that nobody acts.
    `perceive`: cues of not perceiving (闻不到, 听不到) that may stand a few characters away:
    "再也闻不到楼下的油烟了".
    `after`: cues right after the phrase (没了, 消失了), optionally after 已经/也/都.
    `past`: a time gone by (去年, 上个月, 上次) earlier in the same sentence, with no `present`
    cue (现在, 还在, 刚才) between: "上个月电梯困人四十分钟才来人" tells of a danger that is over,
    "去年就裂了，现在越来越大" of one that is here.
    """

    before: tuple[str, ...] = ()
    perceive: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    fillers: tuple[str, ...] = ()
    past: tuple[str, ...] = ()
    present: tuple[str, ...] = ()
    perceive_gap: int = 5

    def __post_init__(self) -> None:
        alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
        fill = f"(?:{alt(self.fillers)}){{0,2}}" if self.fillers else ""
        br = re.escape(CLAUSE_BREAK)
        # 是不是燃气漏了 asks whether it is happening, it does not deny it: a cue 不… right after 是
        # is a question's 是不是, not a denial
        before = "|".join(("(?<!是)" if w.startswith("不") else "") + re.escape(w)
                          for w in sorted(self.before, key=len, reverse=True))
        object.__setattr__(self, "_before", re.compile(f"(?:{before}){fill}$") if self.before else None)
        object.__setattr__(
            self, "_perceive",
            re.compile(f"(?:{alt(self.perceive)})[^{br}]{{0,{self.perceive_gap}}}$") if self.perceive else None,
        )
        object.__setattr__(
            self, "_after", re.compile(f"^(?:已经|也|都|问题)?(?:{alt(self.after)})") if self.after else None
        )
        # the last past or present cue before the hit in its sentence decides
        cues = self.past + self.present
        object.__setattr__(self, "_time", re.compile(alt(cues)) if self.past else None)
        object.__setattr__(self, "_past_set", frozenset(self.past))

    def denies(self, text: str, hit: Hit) -> bool:
        head = _CLAUSE_TAIL.search(text, max(0, hit.start - 12), hit.start).group()  # only the hit's own clause
        if self._before is not None and self._before.search(head):
            return True
        if self._perceive is not None and self._perceive.search(head):
            return True
        tail = text[hit.end: hit.end + 8]
        if self._after is not None and self._after.search(tail) is not None:
            return True
        return self._time is not None and self._in_the_past(text, hit)

    def _in_the_past(self, text: str, hit: Hit) -> bool:
        start = max(text.rfind(mark, 0, hit.start) for mark in SENTENCE_END) + 1
        last = None
        for m in self._time.finditer(text, start, hit.start):
            last = m.group()
        return last in self._past_set


def merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """(start, end) spans in order, those that overlap or touch made one."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]
