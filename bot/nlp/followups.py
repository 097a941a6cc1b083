"""Which parts of a category's follow-up question the resident has already answered.

A category asks one follow-up question, written in parts (categories.yaml `followup:`), each
with the slots that answer it (rules/followups.yaml): a time, a shop's name, a house number, a
place, how long … "楼上天天半夜剁肉" has said when (半夜), so a noise report is not asked
"噪音通常在什么时间段？"; "南海街1号院楼下早餐店油烟太大" has given a number but no shop's
name, so it is asked only "是哪家店铺？". Pure: text in, result out.

    >>> [p.ask for p in parts_left("noise", "楼上邻居每天半夜跺脚")]
    []
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot import yamlfile
from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise
from bot.nlp.places import place_spans, relative_words
from bot.nlp.rulefiles import RULES_DIR, FollowupPart, RuleFileError, word_list

__all__ = ["FOLLOWUPS_FILE", "Part", "answers", "parts_left", "question_left"]

FOLLOWUPS_FILE = RULES_DIR / "followups.yaml"
PLACE_KINDS = ("any", "specific", "estate")


@dataclass(frozen=True)
class _Named:
    suffixes: tuple[str, ...]
    generic: tuple[str, ...]  # longest first


@dataclass(frozen=True)
class _Slot:
    name: str
    words: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    named: _Named | None = None
    places: str | None = None
    about_place: bool = False  # answered with a place (a building number, 楼上)


@dataclass(frozen=True)
class _PlaceKinds:
    roads: tuple[str, ...]
    admin: tuple[str, ...]
    estates: tuple[str, ...]


@dataclass(frozen=True)
class _Slots:
    slots: dict[str, _Slot]
    places: _PlaceKinds


@dataclass(frozen=True)
class Part:
    """A part of the follow-up question still to ask; `about_place`: its answer is a place
    (a place given in answer to it is the answer, not a misplaced answer to "where?")."""

    ask: str
    slots: tuple[str, ...]
    about_place: bool


@lru_cache(maxsize=4)
def _slots(path: Path = FOLLOWUPS_FILE) -> _Slots:
    data = yamlfile.read(path) or {}
    name = Path(path).name
    slots = {}
    for slot, body in (data.get("slots") or {}).items():
        where = f"{name}: slots.{slot}"
        if not isinstance(body, dict):
            raise RuleFileError(f"{where}: expected a mapping of words, patterns, named or places")
        try:
            patterns = tuple(re.compile(p) for p in body.get("patterns") or ())
        except re.error as exc:
            raise RuleFileError(f"{where}.patterns: {exc}") from None
        named = body.get("named")
        places = body.get("places")
        if places is not None and places not in PLACE_KINDS:
            raise RuleFileError(f"{where}.places: one of {', '.join(PLACE_KINDS)}")
        slots[str(slot)] = _Slot(
            name=str(slot),
            words=word_list(body.get("words"), f"{where}.words"),
            patterns=patterns,
            named=_Named(word_list(named.get("suffixes"), f"{where}.named.suffixes"),
                         tuple(sorted(word_list(named.get("generic"), f"{where}.named.generic"), key=len, reverse=True)))
            if isinstance(named, dict) else None,
            places=places,
            about_place=places is not None or bool(body.get("about_place")),
        )
    kinds = data.get("places") or {}
    return _Slots(slots, _PlaceKinds(
        roads=word_list(kinds.get("roads"), "places.roads"),
        admin=word_list(kinds.get("admin"), "places.admin"),
        estates=word_list(kinds.get("estates"), "places.estates"),
    ))


def answers(slot_name: str, said: str) -> bool:
    """Whether what the resident wrote answers the slot."""
    table = _slots()
    slot = table.slots.get(slot_name)
    if slot is None:
        raise KeyError(f"no slot {slot_name!r} in {FOLLOWUPS_FILE.name}")
    norm = normalise(said)
    if any(w in norm for w in slot.words) or any(p.search(norm) for p in slot.patterns):
        return True
    if slot.named is not None and _names_one(norm, slot.named):
        return True
    return slot.places is not None and _has_place(norm, slot.places, table.places)


def _names_one(norm: str, named: _Named) -> bool:
    """A name before a shop word that is more than the generic words: 老王早点铺, not 楼下早餐店."""
    for suffix in named.suffixes:
        for found in re.finditer(re.escape(suffix), norm):
            before = re.search(r"[\u3400-\u9fffa-z]{1,8}$", norm[:found.start()])
            name = before.group(0) if before else ""
            for word in named.generic:
                name = name.replace(word, "")
            if len(name) >= 2:
                return True
    return False


def _has_place(norm: str, kind: str, places: _PlaceKinds) -> bool:
    relative = relative_words()
    for start, end in place_spans(norm):
        fragment = norm[start:end]
        if fragment in relative:
            continue  # a bare 门口, 楼下: where, relative to what?
        if kind == "any":
            return True
        if kind == "estate":
            if fragment.endswith(places.estates):
                return True
            continue
        # specific: anything but a bare road or an administrative name (南海街, 文庙社区)
        if any(ch.isdigit() for ch in fragment) or fragment.endswith(tuple(relative)):
            return True
        if not fragment.endswith(places.roads + places.admin):
            return True
    return False


def parts_left(code: str, said: str) -> list[Part]:
    """The parts of the category's follow-up question that what the resident wrote does not
    answer yet ([] when all are answered, or the category asks none)."""
    try:
        parts: tuple[FollowupPart, ...] = Classifier.default().rules.by_code[code].followup_parts
    except KeyError:
        raise KeyError(f"unknown category code {code!r}") from None
    slots = _slots().slots
    left = []
    for part in parts:
        for name in part.answered_by:
            if name not in slots:
                raise RuleFileError(f"categories.{code}.followup: no slot {name!r} in {FOLLOWUPS_FILE.name}")
        if part.answered_by and any(answers(name, said) for name in part.answered_by):
            continue
        about_place = any(slots[n].about_place for n in part.answered_by)
        left.append(Part(part.ask, part.answered_by, about_place))
    return left


def question_left(code: str, said: str) -> str | None:
    """The follow-up question to ask, without the parts already answered; None if nothing is left."""
    return "".join(p.ask for p in parts_left(code, said)) or None
