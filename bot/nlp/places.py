"""Where is the problem? Address fragments in a message, and which grid or community they point at.

`extract_places` pulls out the pieces of an address a resident writes (幸福小区, 3栋, 2单元, 中山路,
12号门口, 学校门口) so staff see them at a glance and the duplicate check can compare them.
`Gazetteer` maps names the jurisdiction knows (grids, communities, streets, and the 小区 and street
aliases residents actually use) to a unit code, so a message can be routed to the right grid.

Both work on normalised text: a resident writing 南海街一社區 in traditional characters is matched
like everyone else. What counts as an address piece is data, in `rules/places.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot import yamlfile
from bot.nlp.normalise import normalise
from bot.nlp.rulefiles import RULES_DIR, word_list
from bot.nlp.segment import place_words, token_spans

__all__ = ["Gazetteer", "PlaceEntry", "PlaceMatch", "extract_places", "place_in_answer", "place_spans", "relative_words", "sounds_like_a_place"]

PLACES_FILE = RULES_DIR / "places.yaml"


# -- address fragments -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Vocabulary:
    name_suffixes: tuple[str, ...]   # longest first
    landmarks: frozenset[str]
    relative: frozenset[str]
    not_names: frozenset[str]
    number_unit: re.Pattern[str]
    answer_prefixes: tuple[str, ...]  # longest first
    vague_places: tuple[str, ...]


@lru_cache(maxsize=1)
def _vocabulary(path: Path = PLACES_FILE) -> _Vocabulary:
    data = yamlfile.read(path) or {}
    units = sorted(word_list(data.get("number_units"), "number_units"), key=len, reverse=True)
    numeral = r"(?:[a-z]?\d+[a-z]?|[一二三四五六七八九十百零两]+)"
    return _Vocabulary(
        name_suffixes=tuple(sorted(word_list(data.get("name_suffixes"), "name_suffixes"), key=len, reverse=True)),
        landmarks=frozenset(word_list(data.get("landmarks"), "landmarks")),
        relative=frozenset(word_list(data.get("relative"), "relative")),
        not_names=frozenset(word_list(data.get("not_names"), "not_names")),
        number_unit=re.compile(numeral + "(?:" + "|".join(map(re.escape, units)) + ")"),
        vague_places=word_list(data.get("vague_places"), "vague_places"),
        answer_prefixes=tuple(sorted(word_list(data.get("answer_prefixes"), "answer_prefixes"), key=len, reverse=True)),
    )


_NAME_CHARS = re.compile(r"[\u3400-\u9fffa-z0-9]+")


def _name_like(word: str, vocab: _Vocabulary) -> bool:
    return (
        bool(_NAME_CHARS.fullmatch(word))
        and not word.isdigit()
        and word not in vocab.not_names
        and word not in vocab.relative
        and len(word) <= 6
    )


def _suffix_of(word: str, vocab: _Vocabulary) -> str | None:
    return next((s for s in vocab.name_suffixes if word.endswith(s)), None)


def _named_place_spans(norm: str, vocab: _Vocabulary) -> list[tuple[int, int]]:
    """Spans of 'name + suffix' places, landmarks and known place names, from jieba's tokens."""
    known = place_words()
    toks = token_spans(norm)
    spans = []
    for i, (word, start, end) in enumerate(toks):
        if word in known:
            spans.append((start, end))
            continue
        suffix = word if word in vocab.landmarks else _suffix_of(word, vocab)
        if suffix is None:
            continue
        if word != suffix:
            # 中山路, 文庙社区: the name is inside the token. A one-character name before a
            # one-character suffix is usually an ordinary word (马路, 饭店), not a place.
            if len(word) - len(suffix) >= 2 or len(suffix) >= 2:
                spans.append((start, end))
            continue
        # The suffix stands alone (幸福 / 小区, 锦湖华 / 都 / 小区): take up to two name tokens before it.
        first = i
        while first > 0 and i - first < 2 and toks[first - 1][2] == toks[first][1] \
                and _name_like(toks[first - 1][0], vocab):
            first -= 1
        if first < i or word in vocab.landmarks:
            spans.append((toks[first][1], end))
    return spans


def _relative_spans(norm: str, vocab: _Vocabulary) -> list[tuple[int, int, int]]:
    """(start, end, anchor_start) of each relative word; the anchor is the word before it when
    that word could be a place on its own (小区门口, 店门口), else the relative word itself."""
    toks = token_spans(norm)
    out = []
    for i, (word, start, end) in enumerate(toks):
        if word not in vocab.relative:
            continue
        anchor = start
        if i > 0 and toks[i - 1][2] == start:
            prev = toks[i - 1][0]
            if prev in vocab.landmarks or prev in vocab.name_suffixes:
                anchor = toks[i - 1][1]
        out.append((start, end, anchor))
    return out


def extract_places(text: str) -> list[str]:
    """Address fragments in the order written, normalised: "我家住在幸福小区3栋2单元" →
    ["幸福小区", "3栋", "2单元"]; "中山路12号门口井盖丢了" → ["中山路", "12号门口"]."""
    norm = normalise(text)
    return list(dict.fromkeys(norm[s:e] for s, e in place_spans(norm)))


def place_spans(norm: str) -> list[tuple[int, int]]:
    """Where the address fragments are in normalised text, in order: (start, end) of each."""
    if not norm:
        return []
    vocab = _vocabulary()
    places = _named_place_spans(norm, vocab)
    places += [m.span() for m in vocab.number_unit.finditer(norm)]
    places = _drop_nested(places)

    # A relative word (门口, 对面) belongs to the place right before it: 学校门口, 12号对面.
    for r_start, r_end, anchor in _relative_spans(norm, vocab):
        before = [p for p in places if p[1] == r_start]
        if before:
            places.remove(before[0])
            places.append((before[0][0], r_end))
        elif not any(s <= r_start < e for s, e in places):
            places.append((anchor, r_end))
    return sorted(places)


def relative_words() -> frozenset[str]:
    """门口, 对面, 楼下 …: words that say where relative to a place before them."""
    return _vocabulary().relative


def sounds_like_a_place(text: str) -> bool:
    """"老地方", "我家门口", "就这儿": a place without a name, as people say it."""
    norm = normalise(text)
    return any(word in norm for word in _vocabulary().vague_places)


_CLAUSE = re.compile(r"[，,。；;！!？?\n、]+")


def place_in_answer(text: str) -> str | None:
    """The place in an answer to "where?", as the resident wrote it: the clauses naming a place,
    without the words that introduce it. "不知道是哪个网格，我住南海街3号楼" → "南海街3号楼";
    "在电力小区3单元" → "电力小区3单元". None when no place is named ("不清楚", "老地方")."""
    prefixes = _vocabulary().answer_prefixes
    kept = []
    for clause in _CLAUSE.split(text or ""):
        clause = clause.strip()
        if not clause or not place_spans(normalise(clause)):
            continue
        lowered = normalise(clause)
        cut = next((len(p) for p in prefixes if lowered.startswith(p) and len(lowered) > len(p)), 0)
        kept.append(clause[cut:].strip())
    return "，".join(k for k in kept if k) or None


def _drop_nested(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep the widest of overlapping spans (a known name beats the pieces jieba cut it into)."""
    kept: list[tuple[int, int]] = []
    for s, e in sorted(set(spans), key=lambda p: (p[0] - p[1], p[0])):
        if not any(s < ke and ks < e for ks, ke in kept):
            kept.append((s, e))
    return kept


# -- gazetteer ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlaceEntry:
    """A name the jurisdiction knows: a grid, community or street, or a 小区/street alias of one."""

    name: str
    unit_code: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaceMatch:
    unit_code: str
    name: str        # the entry's name (not necessarily the words the resident wrote)
    score: float     # 0..1: longer, more specific mentions score higher
    matched: str = ""  # the text that matched, normalised


# Residents drop the administrative ending: 文庙社区 is written 文庙, 幸福小区 幸福. Such short forms
# still match, a little lower, unless another place word follows (幸福路 is not 幸福小区).
_DROPPABLE_ENDINGS = ("社区居委会", "居委会", "村委会", "社区", "小区", "街道办事处", "街道办", "街道", "网格")
# the place words that may follow (迎泽大街 is a road, not 迎泽街道; 幸福广场 is no 幸福小区)
_PLACE_CONTINUES = (*"路街巷道村镇区苑园城里庄桥", "大街", "大道", "大桥", "大厦", "广场", "公园", "花园", "新村", "东路", "西路", "南路", "北路", "中路")
_KIND_WEIGHT = {"name": 1.0, "alias": 0.95, "short": 0.85}


class Gazetteer:
    """Finds the jurisdiction's places in a message, best (most specific) first.

    Build it once from the unit table at start, and pass `gazetteer.words()` to
    `segment.add_place_words` so the same names also stay whole in segmentation.
    """

    def __init__(self, entries: Iterable[PlaceEntry]) -> None:
        self.entries = tuple(entries)
        self._forms: dict[str, list[tuple[PlaceEntry, str]]] = {}
        for entry in self.entries:
            name = normalise(entry.name)
            self._add(name, entry, "name")
            for alias in entry.aliases:
                self._add(normalise(alias), entry, "alias")
            for form in (name, *map(normalise, entry.aliases)):
                short = _short_form(form)
                if short:
                    self._add(short, entry, "short")
        self._lengths = sorted({len(f) for f in self._forms}, reverse=True)

    def _add(self, form: str, entry: PlaceEntry, kind: str) -> None:
        if len(form) >= 2:
            bucket = self._forms.setdefault(form, [])
            if all(e is not entry for e, _ in bucket):
                bucket.append((entry, kind))

    def words(self) -> list[str]:
        """Every full name and alias, for `segment.add_place_words`."""
        return [f for f, entries in self._forms.items() if any(kind != "short" for _, kind in entries)]

    def match(self, text: str) -> list[PlaceMatch]:
        norm = normalise(text)
        best: dict[str, PlaceMatch] = {}
        for start in range(len(norm)):
            for length in self._lengths:
                form = norm[start:start + length]
                if len(form) < length or form not in self._forms:
                    continue
                for entry, kind in self._forms[form]:
                    if kind == "short" and norm.startswith(_PLACE_CONTINUES, start + length):
                        continue
                    score = round(length / (length + 3) * _KIND_WEIGHT[kind], 3)
                    current = best.get(entry.unit_code)
                    if current is None or score > current.score:
                        best[entry.unit_code] = PlaceMatch(entry.unit_code, entry.name, score, form)
        return sorted(best.values(), key=lambda m: (-m.score, m.unit_code))


def _short_form(form: str) -> str | None:
    for ending in _DROPPABLE_ENDINGS:
        if form.endswith(ending) and len(form) - len(ending) >= 2:
            return form[: -len(ending)]
    return None
