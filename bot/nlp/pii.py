"""Residents' personal data in free text, masked before the text leaves for other people.

One set of rules for every place text leaves: Open311 answers, the /export workbook, the SLA
digests and their CSV, the cards in group chats, the dashboard, and the log lines.

What is found, in every form residents type it:

* mobile numbers — 13800138000, 138 0013 8000, 138-0013-8000, 138.0013.8000, +86 / 0086 in
  front, full-width digits (１３８…), invisible characters inside (zero-width space, BOM …) and
  Chinese numerals (一三八零零一三八零零零, with 幺 for 1, 两 for 2, 〇 for 0 and 壹贰叁…):
  shown as 138****8000;
* landlines with an area code (0351-5551234, (010)12345678, 03515551234): 0351-****; a local
  number of 7–8 digits only when a word like 电话/座机/号码 comes just before it: ****;
* ID-card numbers (18 characters, the last may be X, with a plausible birth date):
  1****************X;
* any other unbroken run of 12 or more digits (bank cards, accounts, a phone typed with extra
  digits): ******;
* names people give for themselves — after 我叫, 我的名字是, 本人, 姓名, 联系人, 投诉人 … and
  after 我是 when jieba's part-of-speech tagger calls the word a person's name (nr) and it starts
  with a surname (dict/surnames.txt): "我是3号楼的李师傅" → "我是3号楼的李**". A name is shown
  as `mask_name` shows one: its first character and stars.

What stays: dates (2026年12月1日, 2026-12-01, 20261201), ticket numbers (YZ-20261201-0001),
house numbers (3号楼502), amounts (1,000元, 3.5万), times (22:30), short numbers.

Numbers are found on runs of digits and separators (spaces, - . · _ ( ), invisible characters,
at most three in a row): a run is cut into its digit groups, and a number counts only where it
starts and ends on a group's edge (the earliest, then the longest, wins), so "502 13800138000"
finds the phone and "YZ-20261201-0001" (12 digits in two groups) is no phone. Names of people residents mention who did not introduce
themselves ("隔壁老王") are not looked for: the grid worker needs to know whom a complaint is
about, and guessing names across free text masks place and shop names too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Found", "find", "mask", "mask_name", "mask_numbers", "mask_phones"]

MOBILE, LANDLINE, LOCAL, ID_CARD, LONG, NAME = "mobile", "landline", "local", "id", "long", "name"
PHONES = frozenset({MOBILE, LANDLINE, LOCAL})
NUMBERS = frozenset({MOBILE, LANDLINE, LOCAL, ID_CARD})  # what log lines are masked for

SURNAMES_FILE = Path(__file__).parent / "dict" / "surnames.txt"

# --- numbers ----------------------------------------------------------------------------------

CHINESE_DIGITS = {
    "零": "0", "〇": "0", "○": "0", "一": "1", "幺": "1", "壹": "1", "二": "2", "两": "2", "贰": "2",
    "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5", "六": "6", "陆": "6",
    "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9", "玖": "9",
}
_DIGIT = r"\d" + "".join(CHINESE_DIGITS)  # \d is Unicode: full-width ０–９ too
# Invisible format characters people paste or insert to dodge filters (Unicode category Cf).
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
_SEPARATOR = " \u3000\u00a0\\-－‐‑‒–—―.．·・_()（）" + _INVISIBLE
_RUN = re.compile(rf"[{_DIGIT}](?:[{_SEPARATOR}]{{0,3}}[{_DIGIT}])*(?:[{_SEPARATOR}]?[xXＸｘ](?![A-Za-z]))?")

_GROUP = re.compile(rf"[{_DIGIT}]+(?:[xXＸｘ](?![A-Za-z]))?")
_ASCII = str.maketrans({**{ch: d for ch, d in CHINESE_DIGITS.items()},
                        **{chr(0xFF10 + n): str(n) for n in range(10)}, "x": "X", "Ｘ": "X", "ｘ": "X"})
# Each pattern is searched at every position of a run's digits (a lookahead finds overlapping
# ones), and kept only where it starts and ends on digit groups' edges.
_PATTERNS = (
    (ID_CARD, re.compile(r"(?=([1-9]\d{5}(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]))")),
    (MOBILE, re.compile(r"(?=((?:0086|86)?1[3-9]\d{9}))")),
    # One length per pattern: a lookahead finds one match per position, and the shorter one
    # may be the one that ends on a group's edge.
    (LANDLINE, re.compile(r"(?=(0(?:10|2\d)\d{8}))")),
    (LANDLINE, re.compile(r"(?=(0[3-9]\d\d\d{7}))")),
    (LANDLINE, re.compile(r"(?=(0[3-9]\d\d\d{8}))")),
    (LOCAL, re.compile(r"(?=([2-9]\d{6}))")),
    (LOCAL, re.compile(r"(?=([2-9]\d{7}))")),
)
_AREA = re.compile(r"0(?:10|2\d)|0[3-9]\d\d")
# A local number (no area code) counts only right after such a word: 电话：5551234.
_PHONE_CUE = re.compile(rf"(?:电话|手机|座机|固话|号码|联系方式|联系|致电|打|tel|phone|call|☎|📞)[^{_DIGIT}]{{0,4}}", re.I)
_LONG_RUN = 12


@dataclass(frozen=True, slots=True)
class Found:
    """A piece of personal data at text[start:end], and what may be shown instead."""

    kind: str
    start: int
    end: int
    masked: str


def _ascii_digits(group: str) -> str:
    digits = group.translate(_ASCII)
    if not digits.isascii():  # other scripts' digits (Arabic-Indic …): \d matched them
        digits = "".join(ch if ch.isascii() else str(unicodedata.decimal(ch, 0)) for ch in digits)
    return digits


def _shown(kind: str, digits: str) -> str:
    if kind == ID_CARD:
        return digits[0] + "*" * 16 + digits[-1]
    if kind == MOBILE:
        return f"{digits[-11:-8]}****{digits[-4:]}"
    if kind == LANDLINE:
        return _AREA.match(digits)[0] + "-****"
    if kind == LOCAL:
        return "****"
    return "******"


def _numbers(text: str) -> list[Found]:
    found: list[Found] = []
    cues: set[int] | None = None
    for run in _RUN.finditer(text):
        if run.end() - run.start() < 7:
            continue
        groups = [(_ascii_digits(m.group()), m.start(), m.end()) for m in _GROUP.finditer(text, run.start(), run.end())]
        digits = "".join(g[0] for g in groups)
        if len(digits) < 7:
            continue
        starts, ends, at = {}, {}, 0
        for index, (group, _, _) in enumerate(groups):
            starts[at] = index
            at += len(group)
            ends[at] = index
        candidates = []  # (first group, last group, kind)
        for kind, pattern in _PATTERNS:
            for m in pattern.finditer(digits):
                first, last = starts.get(m.start()), ends.get(m.start() + len(m[1]))
                if first is None or last is None or ("X" in m[1] and kind != ID_CARD):
                    continue
                if kind == LOCAL:
                    if cues is None:
                        cues = {c.end() for c in _PHONE_CUE.finditer(text)}
                    if groups[first][1] not in cues:
                        continue
                candidates.append((first, last, kind))
        candidates += [(i, i, LONG) for i, g in enumerate(groups) if len(g[0]) >= _LONG_RUN]
        # Earliest first, then the longest (an ID card before the phone inside it).
        candidates.sort(key=lambda c: (groups[c[0]][1], -groups[c[1]][2]))
        taken_to = -1
        for first, last, kind in candidates:
            begin, end = groups[first][1], groups[last][2]
            if begin < taken_to:
                continue
            number = "".join(g[0] for g in groups[first:last + 1])
            if begin > 0 and text[begin - 1] in "+＋(（" and kind in (MOBILE, LANDLINE):
                begin -= 1
            found.append(Found(kind, begin, end, _shown(kind, number)))
            taken_to = end
    return found


# --- names ------------------------------------------------------------------------------------

# Words after which a name follows at once (我叫王秀兰, 姓名：王秀兰, 联系人 李先生): "named".
_NAMED = ("我叫", "我名叫", "我的名字叫", "我的名字是", "我名字叫", "我名字是", "本人叫",
          "本人是", "姓名", "联系人", "聯繫人", "聯系人", "投诉人", "投訴人", "反映人", "举报人", "舉報人",
          "报告人", "報告人", "来电人", "來電人", "报案人", "署名", "落款")
# 本人 is also an ordinary word before a verb (本人于昨天…, 本人房子漏水): "self" wants a surname and
# a word the tagger reads as a name or place-like noun, never a common noun.
_SELF = ("本人",)
# 我是 is followed by anything (我是业主, 我是说…): "mention" wants the tagger's person name (nr)
# starting with a surname, at the start or after 的 / 居民 … (我是3号楼的李师傅, 我是居民王芳).
_MENTION = ("我是",)
_MODES = {**{w: "named" for w in _NAMED}, **{w: "self" for w in _SELF}, **{w: "mention" for w in _MENTION}}
_TRIGGER = re.compile("|".join(sorted(map(re.escape, _MODES), key=len, reverse=True)))
_WINDOW = 16  # characters after a trigger that may hold the name
_WINDOW_END = re.compile(r"[，,。.！!？?；;：:\n、（(）)\"“”\s]")
_LEAD = re.compile(r"[ \u3000：:]*")
_TITLES = frozenset("师傅 阿姨 大爷 大妈 大娘 奶奶 爷爷 女士 先生 老师 大姐 大哥 姐姐 哥哥 叔叔 阿婆 阿公 "
                    "伯伯 婶婶 老板 同志 书记 主任 经理 医生 大夫 小姐 姐 哥 叔 婶 伯 姨".split())
_AFTER_NAME = frozenset("的 居民 业主 住户 租户 村民 家属".split())
# Tags a name may carry (jieba: nr person, nrt/nrfg names, ns place, nz other proper noun, zg,
# q, g, x unknown); a common noun (n) only right after a word that introduces a name.
_NAME_TAGS = {"named": frozenset({"nr", "nrt", "nrfg", "ns", "nz", "zg", "q", "g", "x", "n"}),
              "self": frozenset({"nr", "nrt", "nrfg", "ns", "nz", "zg", "q", "g", "x"}),
              "mention": frozenset({"nr", "nrt", "nrfg"})}
_PRONOUNS = frozenset("我你他她它这那")

_surnames: tuple[frozenset[str], frozenset[str]] | None = None


def _surname_sets() -> tuple[frozenset[str], frozenset[str]]:
    global _surnames
    if _surnames is None:
        words = [w for line in SURNAMES_FILE.read_text(encoding="utf-8").splitlines()
                 if not line.lstrip().startswith("#") for w in line.split()]
        _surnames = (frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) > 1))
    return _surnames


def _has_surname(word: str) -> bool:
    single, compound = _surname_sets()
    if word[:2] in compound:
        return True
    if word[:1] in "老小" and len(word) >= 2:
        return word[1] in single
    return word[:1] in single


def _tagged(window: str) -> list[tuple[str, str]]:
    from bot.nlp import segment
    from bot.nlp.normalise import to_simplified

    simple = to_simplified(window)
    if len(simple) != len(window):  # the masked span must be where the original's name is
        simple = window
    return [(w.word, w.flag) for w in segment.pos_tagger().cut(simple)]


def _is_cjk(word: str) -> bool:
    return bool(word) and all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in word)


def _name_at(tokens: list[tuple[str, str]], k: int, mode: str) -> int:
    """How many characters from token k form a name (0: none)."""
    word, tag = tokens[k]
    nxt, nxt_tag = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
    tags = _NAME_TAGS[mode]
    person = tag.startswith("nr")
    if not _is_cjk(word) or len(word) > 4 or word in _TITLES:
        return 0
    if len(word) == 1 or word in _surname_sets()[1]:  # 张 + 阿姨, 小 + 李, 欧阳 + 娜娜, 刘 + 桂兰
        if word in _PRONOUNS or not (_is_cjk(nxt) and len(nxt) <= 2) or not _has_surname(word + nxt):
            return 0
        if nxt in _TITLES or nxt_tag.startswith("nr") or (mode != "mention" and nxt_tag in tags):
            return len(word) + len(nxt)
        return 0
    if person and (mode != "mention" or _has_surname(word)):
        return len(word)
    if tag in tags and _has_surname(word):
        return len(word)
    return 0


_MAX_TAGGED = 200  # tagger calls per text: 我叫我叫… ten thousand times costs no more


def _may_hold_surname(window: str) -> bool:
    single, compound = _surname_sets()
    return any(ch in single for ch in window) or any(c in window for c in compound)


def _names(text: str) -> list[Found]:
    found: list[Found] = []
    tagged = 0
    for trigger in _TRIGGER.finditer(text):
        start = _LEAD.match(text, trigger.end()).end()
        cut = _WINDOW_END.search(text, start, start + _WINDOW)
        window = text[start:cut.start() if cut else start + _WINDOW]
        mode = _MODES[trigger.group()]
        if not window or (mode != "named" and not _may_hold_surname(window)):
            continue
        tagged += 1
        if tagged > _MAX_TAGGED:
            break
        tokens = _tagged(window)
        offsets, at = [], 0
        for word, _ in tokens:
            offsets.append(at)
            at += len(word)
        candidates = [0] if mode != "mention" else [
            k for k in range(len(tokens)) if k == 0 or tokens[k - 1][0] in _AFTER_NAME]
        for k in candidates:
            length = _name_at(tokens, k, mode)
            if length:
                begin = start + offsets[k]
                found.append(Found(NAME, begin, begin + length, mask_name(text[begin:begin + length])))
                break
    return found


def mask_name(name: str) -> str:
    """What others may see of a name: its first character and stars (王秀兰 → 王**, 王五 → 王*)."""
    name = (name or "").strip()
    if not name:
        return "*"
    return name[0] + "*" * min(max(len(name) - 1, 1), 2)


# --- the whole text ---------------------------------------------------------------------------

def find(text: str, kinds: frozenset[str] | None = None) -> list[Found]:
    """Every piece of personal data in `text` (of the given kinds; None: all), in order, not
    overlapping."""
    if not text:
        return []
    found = _numbers(text) if kinds is None or kinds & (NUMBERS | {LONG}) else []
    if kinds is None or NAME in kinds:
        taken = [(f.start, f.end) for f in found]
        found += [f for f in _names(text) if not any(s < f.end and f.start < e for s, e in taken)]
    if kinds is not None:
        found = [f for f in found if f.kind in kinds]
    return sorted(found, key=lambda f: f.start)


def _replace(text: str, found: list[Found]) -> str:
    if not found:
        return text
    out, at = [], 0
    for f in found:
        out.append(text[at:f.start])
        out.append(f.masked)
        at = f.end
    out.append(text[at:])
    return "".join(out)


ALL = frozenset({MOBILE, LANDLINE, LOCAL, ID_CARD, LONG, NAME})


def mask(text: str | None, *, keep_phones: bool = False) -> str | None:
    """The text as it may leave for other people. `keep_phones`: phone numbers stay as typed
    (the card in the chat of the unit handling the ticket, whose worker may call)."""
    if not text:
        return text
    if len(text) <= _CACHED_CHARS:  # the same place or complaint is shown again and again
        return _mask_cached(text, keep_phones)
    return _replace(text, find(text, ALL - PHONES if keep_phones else ALL))


_CACHED_CHARS = 2000


@functools.lru_cache(maxsize=4096)
def _mask_cached(text: str, keep_phones: bool) -> str:
    return _replace(text, find(text, ALL - PHONES if keep_phones else ALL))


def mask_phones(text: str) -> str:
    """Phone numbers only: a card the handling unit sees with the phone, copied elsewhere."""
    return _replace(text, find(text, PHONES)) if text else text


def mask_numbers(text: str) -> str:
    """Phone and ID-card numbers only: for log lines, whose other numbers (ids, counts) stay."""
    return _replace(text, find(text, NUMBERS)) if text else text
