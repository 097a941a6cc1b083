"""Messages that say no problem yet: 你好, 在吗, 谢谢, 好的, 我要投诉, ？, an emoji.

A resident's first words are often a greeting, or a wish to complain without the complaint.
`read(text)` says which, for the bot to answer in kind (a greeting, 不客气, "what is the
problem?") without starting a report that the real complaint would be glued to. Only a
message made entirely of such words counts: "你好，停水了" is a report.

`names_a_problem(text)` says whether a report's words say what is wrong at all ("有问题", "楼下
那家店", "就在3号楼" do not): such a report cannot be filed as it is, and the resident is asked.

The words are data (`rules/smalltalk.yaml`). Pure: text in, result out.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot import yamlfile
from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise
from bot.nlp.places import place_spans
from bot.nlp.rulefiles import RULES_DIR, RuleFileError, word_list

__all__ = ["ACK", "BLANK", "GREETING", "INTENT", "THANKS", "dont_know", "names_a_problem", "read"]

SMALLTALK_FILE = RULES_DIR / "smalltalk.yaml"

INTENT, GREETING, THANKS, ACK, BLANK = "intent", "greeting", "thanks", "ack", "blank"
_ORDER = (INTENT, GREETING, THANKS, ACK)  # which answer a message of several kinds gets
_FILLER = "filler"
_PLACE_TALK = "place_talk"
_LONGEST = 40  # a longer message is never small talk

# What is left of a report once places and small talk are taken out must be at least this long
# to be read as a description a person can act on, when no rule word names the problem.
MIN_DESCRIPTION = 6
# A rule word this heavy (rules/categories.yaml: "a strong sign") says there is a problem, even
# when the category stays unsure; the place's own words (学校 in 学校门口) do not count.
SIGN_WEIGHT = 3.0


@dataclass(frozen=True)
class _Words:
    kinds: dict[str, str]  # word → kind
    lengths: tuple[int, ...]  # word lengths present, longest first

    @classmethod
    def of(cls, kinds: dict[str, str]) -> _Words:
        return cls(kinds, tuple(sorted({len(w) for w in kinds}, reverse=True)))


@dataclass(frozen=True)
class _Vocabulary:
    talk: _Words          # small talk: what `read` knows
    beside_places: _Words  # small talk and the words of saying where
    dont_know: frozenset[str]


@lru_cache(maxsize=4)
def _vocabulary(path: Path = SMALLTALK_FILE) -> _Vocabulary:
    data = yamlfile.read(path) or {}
    kinds: dict[str, str] = {}
    for kind in (*_ORDER, _FILLER):
        key = "fillers" if kind == _FILLER else kind
        for word in word_list(data.get(key), key):
            word = _letters(word)
            if word in kinds and kinds[word] != kind:
                raise RuleFileError(f"{Path(path).name}: {word!r} is listed under {kinds[word]} and {key}")
            kinds.setdefault(word, kind)
    beside = dict(kinds)
    for word in word_list(data.get(_PLACE_TALK), _PLACE_TALK):
        beside.setdefault(_letters(word), _PLACE_TALK)
    dont_know = frozenset(_letters(w) for w in word_list(data.get("dont_know"), "dont_know"))
    return _Vocabulary(_Words.of(kinds), _Words.of(beside), dont_know)


def _words() -> _Words:
    return _vocabulary().talk


def _letters(text: str) -> str:
    """The message's letters and digits only: punctuation, symbols, emoji and spaces carry no
    words (？, 😀, "。。。", "你好！！")."""
    return "".join(ch for ch in normalise(text) if unicodedata.category(ch)[0] in "LN")


def read(text: str | None) -> str | None:
    """INTENT, GREETING, THANKS, ACK or BLANK when the message is made only of such words
    (BLANK: nothing but punctuation, emoji or fillers); None when it says anything else."""
    letters = _letters(text or "")
    if not letters:
        return BLANK
    if len(letters) > _LONGEST:
        return None
    kinds = _cover(letters, _words())
    if kinds is None:
        return None
    return next((kind for kind in _ORDER if kind in kinds), BLANK)


def _cover(letters: str, words: _Words) -> set[str] | None:
    """The kinds of words the text is made of, if known words cover it end to end."""
    reach: dict[int, set[str]] = {0: set()}  # position → kinds used to get there
    for start in range(len(letters)):
        if start not in reach:
            continue
        for length in words.lengths:
            kind = words.kinds.get(letters[start:start + length])
            if kind is not None and start + length not in reach:
                reach[start + length] = reach[start] | {kind}
    return reach.get(len(letters))


def names_a_problem(text: str) -> bool:
    """Whether the words say what is wrong: the rules decide a category (路灯不亮), name a
    question for the fallback (养老金), or see a danger; or enough words are left beyond places
    and small talk for a person to read a problem in them. "有问题", "楼下那家店", "就在学校门口"
    do not; "楼下那家店的招牌晚上一闪一闪很晃眼" does."""
    if read(text) is not None:
        return False
    classifier = Classifier.default()
    result = classifier.classify(text)
    if result.urgent or (not result.low_confidence and (
            result.category != classifier.rules.fallback or result.decided_by == "named")):
        return True
    norm = normalise(text)
    places = place_spans(norm)
    if any(f.weight >= SIGN_WEIGHT and not any(s <= f.start and f.end <= e for s, e in places)
           for found in classifier.evidence(norm).found.values() for f in found):
        return True  # a strong sign of a problem outside the place: 乱涨价, 不文明
    return len(_rest(text)) >= MIN_DESCRIPTION


def dont_know(text: str | None) -> bool:
    """"不知道", "说不清楚": the resident cannot say (where, here)."""
    return _letters(text or "") in _vocabulary().dont_know


def _rest(text: str) -> str:
    """The text without its places, small talk and the words of saying where."""
    norm = normalise(text)
    kept = list(norm)
    for start, end in place_spans(norm):
        kept[start:end] = [""] * (end - start)
    letters = "".join(ch for ch in "".join(kept) if unicodedata.category(ch)[0] in "LN")
    words = _vocabulary().beside_places
    out, i = [], 0
    while i < len(letters):
        length = next((n for n in words.lengths if letters[i:i + n] in words.kinds), 0)
        if length:
            i += length
        else:
            out.append(letters[i])
            i += 1
    return "".join(out)
