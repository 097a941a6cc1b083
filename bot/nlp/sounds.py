"""Words heard, not written: the rule word a sound-alike stands for.

Older residents dictate (语音输入) or type pinyin and take the first candidate, so the word that names
the problem often arrives as a sound-alike that is no word at all: 违见 for 违建, 电题 for 电梯, 拉鸡
for 垃圾, 紧盖 for 井盖 (a southern in/ing). `SoundAlikes.correct` finds such stretches and puts the
rule word back, keeping every other character where it was, so the classifier can read the message
again and still show the resident's own characters as the reason.

pypinyin gives each character its reading; readings are compared without tones and with the
confusions of southern speech folded together (zh/z, ch/c, sh/s, n/l, in/ing, en/eng, an/ang). A
sound-alike counts only where it is no word of jieba's dictionary, no dictionary word runs across its
ends, the characters misheard are content, not grammar (多日未修 is never 多日维修: 未 is an adverb),
and, for two-character words, it shares one character with the rule word: two strangers that sound
alike are more often another word than a slip.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterable


from bot.nlp import segment
from bot.nlp.phrases import automaton

__all__ = ["SoundAlikes", "syllable"]

_FIRST_CJK, _LAST_CJK = 0x4E00, 0x9FFF
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FINALS = (("ing", "in"), ("eng", "en"), ("iang", "ian"), ("uang", "uan"), ("ang", "an"))
# jieba's parts of speech that are grammar, not content: pronouns, prepositions, adverbs, numerals,
# particles, localisers (里, 底下), conjunctions, modal and interjection words. (Measure words are
# content here: 张 is a measure word, and 违张建筑 is 违章建筑.)
_GRAMMAR = ("r", "p", "d", "m", "u", "f", "c", "y", "e", "o")
_AROUND = 4  # the longest word looked for across a stretch's ends


def _toneless(reading: str) -> str:
    # pypinyin writes tones as combining marks once decomposed (lǜ → lu + ̈ + ̀); ü is kept as v
    plain = unicodedata.normalize("NFD", reading.replace("ü", "v"))
    return "".join(c for c in plain if not unicodedata.combining(c))


def syllable(reading: str) -> str:
    """A toneless reading with the southern confusions folded: 'jìng' → 'jin', 'zhào' → 'zao'."""
    s = _toneless(reading)
    for long, short in _INITIALS:
        if s.startswith(long):
            s = short + s[len(long):]
            break
    for long, short in _FINALS:
        if s.endswith(long):
            s = s[: -len(long)] + short
            break
    return s


class _Codes:
    """Each folded syllable as one private-use character, so a text's sounds are a string that
    str.translate makes in one pass and an Aho-Corasick automaton (ahocorasick_rs, in Rust) scans for
    every rule word's sounds at once."""

    def __init__(self) -> None:
        # pypinyin's own switches: read each character alone, no phrase table. Its phrase table is
        # 190,000 objects the garbage collector walks on every full pass (classifying was 5-10%
        # slower with it merely imported), and a message's sounds are read character by character
        # anyway, so a rule word is read the same way.
        os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
        os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
        from pypinyin import Style, lazy_pinyin

        self._codes: dict[str, str] = {}
        self.table: dict[int, str] = {}
        chars = [chr(point) for point in range(_FIRST_CJK, _LAST_CJK + 1)]
        # each character alone: its most common reading (a list of single characters is read one by one)
        for char, reading in zip(chars, lazy_pinyin(chars, style=Style.TONE, errors=lambda _: [""])):
            if reading:
                self.table[ord(char)] = self.code(syllable(reading))

    def sounds(self, word: str) -> str | None:
        """A word's sounds, each character read alone as in a message (None: one has no reading)."""
        table = self.table
        return "".join(table[ord(c)] for c in word) if all(ord(c) in table for c in word) else None

    def code(self, folded: str) -> str:
        if folded not in self._codes:
            self._codes[folded] = chr(0xE000 + len(self._codes))
        return self._codes[folded]


@functools.cache
def _shared_codes() -> _Codes:
    """One table per process: every classifier's rule words are heard with the same sounds."""
    return _Codes()


class SoundAlikes:
    """Rule words and what they sound like, judged with jieba's dictionary: only real words are put
    back, and a real word is never taken for a slip, so a slip a district wrote into its rules (违见)
    is matched as written, never aimed at. A slip is a word of its own as the dictionary cuts the text,
    never the tail of one word and the head of the next (A市火车 is not 失火, 周转房 not 砖房), and
    never a grammatical word (住在 is not 住宅, 归谁管 not 归水管, 多日未修 not 维修): voice input
    mishears the content words."""

    def __init__(self, words: Iterable[str]) -> None:
        is_word = segment.is_word
        codes = _shared_codes()
        self._table = codes.table
        # sounds → the words that sound so (音箱, 音响, 影响 fold alike), the most written first
        self._words: dict[str, tuple[str, ...]] = {}
        for word in sorted(set(words)):
            if len(word) < 2 or not is_word(word):
                continue
            sounds = codes.sounds(word)
            if sounds is not None:
                self._words[sounds] = self._words.get(sounds, ()) + (word,)
        for sounds, alike in self._words.items():
            self._words[sounds] = tuple(sorted(alike, key=lambda w: (-segment.frequency(w), w)))
        self._known = frozenset(words)
        self._alike = list(self._words.values())
        self._scan = automaton(list(self._words)) if self._words else None

    def correct(self, text: str) -> str | None:
        """`text` with each sound-alike replaced by the rule word it stands for (same length, so
        positions keep), or None when there is none."""
        if not self._words:
            return None
        # every word heard, leftmost first and of those the longest; the resident's own word where
        # it stands as written, or one put back, takes its place from any other heard across it
        alikes = self._alike
        heard = sorted(((start, end, alikes[key]) for key, start, end in
                        self._scan.find_matches_as_indexes(text.translate(self._table), overlapping=True)),
                       key=lambda h: (h[0], -h[1]))
        out, free = None, 0
        for i, j, alike in heard:
            if i < free:
                continue
            written = text[i:j]
            if written in alike:
                free = j
                continue
            word = self._meant(written, alike)
            if word is not None and _stands_alone(text, i, j):
                out = (out or text)[:i] + word + (out or text)[j:]
                free = j
        return out

    def _meant(self, written: str, alike: tuple[str, ...]) -> str | None:
        """Of the words that sound like `written`, the one it slipped from: the one sharing most
        characters with it (音想 is 音响 or 音箱, not 影响), then the most written."""
        shared = lambda w: sum(a == b for a, b in zip(written, w))  # noqa: E731
        for word in sorted(alike, key=shared, reverse=True):  # stable: the most written first
            if self._a_slip(written, word):
                return word
        return None

    def _a_slip(self, written: str, word: str) -> bool:
        if written in self._known or segment.is_word(written):
            return False
        misheard = [a for a, b in zip(written, word) if a != b]
        if any(segment.tag_of(a).startswith(_GRAMMAR) for a in misheard):  # 在, 谁, 未, 三, 等
            return False
        return len(word) > 2 or len(misheard) < len(word)


def _stands_alone(text: str, i: int, j: int) -> bool:
    """Whether no word of the dictionary runs across either end of text[i:j] (A市火车: 火车 runs
    across the end of 市火). Cheaper than cutting the message into words, and stricter."""
    for edge in (i, j):
        for start in range(max(0, edge - _AROUND + 1), edge):
            for end in range(edge + 1, min(len(text), start + _AROUND) + 1):
                if segment.is_word(text[start:end]):
                    return False
    return True
