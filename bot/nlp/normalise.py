"""One matching form for residents' text.

Residents write in simplified and traditional characters, type full-width letters and digits on
phone keyboards, pad messages with emoji and spaces, and paste text with invisible characters.
Every rule and dictionary in `bot.nlp` is written once, in simplified Chinese and half-width
lower-case Latin, and matched against `normalise(text)`. The stored complaint is never changed:
this form is only for matching.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import opencc
from ahocorasick_rs import AhoCorasick, MatchKind

__all__ = ["normalise", "to_simplified"]

_converters: dict[str, opencc.OpenCC] = {}
_converter_lock = threading.Lock()


def _opencc(config: str) -> opencc.OpenCC:
    """An OpenCC converter, built on first use: building it reads phrase tables from disk."""
    converter = _converters.get(config)
    if converter is None:
        with _converter_lock:
            converter = _converters.get(config)
            if converter is None:  # another thread may have built it while we waited
                converter = _converters[config] = opencc.OpenCC(config)
    return converter


_TRADITIONAL: frozenset[str] | None = None


def _traditional() -> frozenset[str]:
    """The characters t2s changes, read off OpenCC itself once (20 ms): a message with none of them
    is already simplified, and is left as written (OpenCC's phrase table turns a simplified 打坏
    into 打坯)."""
    global _TRADITIONAL
    if _TRADITIONAL is None:
        changed = set()
        for low, high in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F)):
            chars = "".join(chr(c) for c in range(low, high + 1))
            out = _opencc("t2s").convert(chars)
            pairs = zip(chars, out) if len(out) == len(chars) else ((c, _opencc("t2s").convert(c)) for c in chars)
            changed.update(c for c, s in pairs if c != s)
        _TRADITIONAL = frozenset(changed | {"著"})
    return _TRADITIONAL


def to_simplified(text: str) -> str:
    """Traditional → simplified with OpenCC's phrase tables (a character map gets 乾/干, 後/后 wrong).

    著 stays 著 under OpenCC's t2s (著名 is simplified too), but in traditional writing it is also
    着: 電動車著火了 must read 着火. OpenCC's Taiwan tables (tw2s) tell the two apart by phrase, so
    each 著 takes their reading; nothing else does, since they also turn the dialect 么 (搞么子) into 幺."""
    if not text or _traditional().isdisjoint(text):  # already simplified: OpenCC would only mangle it
        return text
    simplified = _opencc("t2s").convert(text)
    if "著" in simplified:
        taiwan = _opencc("tw2s").convert(text)
        if len(taiwan) == len(simplified):
            simplified = "".join(t if s == "著" else s for s, t in zip(simplified, taiwan))
    return simplified


# Emoji and pictographs: symbols residents add for feeling, never words a rule could match.
_EMOJI = re.compile(
    "["
    "\U0001f000-\U0001faff"  # mahjong … symbols and pictographs extended-A
    "\u2600-\u27bf"          # miscellaneous symbols, dingbats
    "\u2b00-\u2bff"          # arrows and stars (⭐)
    "\ufe00-\ufe0f"          # variation selectors
    "\u20e3"                 # keycap
    "]+"
)

# Cantonese written the way it is spoken (後樓梯啲石屎跌咗落嚟, 對面嗰棟樓冒緊煙): its function words
# have characters of their own, which no rule word is written with. Each becomes the Mandarin word
# it is (one character for one, so the resident's words keep their places): 咗 了, 喺 在, 冇 没 …
# Only characters Mandarin does not use are folded (緊 and 咁 are Mandarin characters too).
_CANTONESE = str.maketrans({
    "咗": "了", "喺": "在", "嘅": "的", "冇": "没", "嗰": "那", "嚟": "来", "啲": "些", "佢": "他",
    "哋": "们", "睇": "看", "畀": "给", "揾": "找", "攞": "拿", "唔": "不", "嘥": "费", "嚿": "块",
    "𠮶": "那", "咩": "啥", "嘈": "吵", "窿": "洞", "冚": "盖", "㗎": "的", "嗌": "喊", "掟": "扔",
    # Shanghainese (侪 都, 勿 不, 睬 理): as rare in Mandarin, and as harmless where they occur (请勿 请不)
    "侪": "都", "勿": "不", "睬": "理",
    # northern Mandarin's 俺 (我): written as it is said, and no rule word is written with it
    "俺": "我",
})

# ... and the dialects' words for things and happenings (Cantonese, Shanghainese, Sichuanese), each
# as the Mandarin word of the same length (so every rule written in Mandarin reads them: 水浸 is
# 水淹, 隔篱 隔壁, 部𨋢 电梯, 阿拉 我们, 莫得 没有). Found by one Aho-Corasick scan (ahocorasick_rs,
# as the rule words are): most messages hold none.
_DIALECT_WORDS = {
    "而家": "现在", "啱啱": "刚刚", "差些": "差点", "屋企": "家里", "落雨": "下雨", "水浸": "水淹",
    "隔篱": "隔壁", "今日": "今天", "寻日": "昨天", "琴日": "昨天", "听日": "明天", "成日": "整天",
    "犀利": "厉害", "落来": "下来", "边个": "哪个", "边度": "哪里", "部䢂": "电梯", "架䢂": "电梯", "个䢂": "电梯",
    "水喉": "水管", "簷篷": "雨棚", "檐篷": "雨棚", "走火通道": "消防通道", "起屋": "盖房",
    "走鬼": "摊贩", "家私": "家具", "泥头车": "渣土车", "石屎": "水泥", "行路": "走路",
    "企在": "站在", "河涌": "河沟", "收买佬": "收废品", "好似": "好像", "点办": "咋办",
    "阿拉": "我们", "伊拉": "他们", "交关": "很多", "晒台": "阳台", "小囡": "小孩", "弄堂": "巷子",
    "哪能": "怎么", "物事": "东西", "拆脱": "拆掉", "莫得": "没有", "啥子": "什么", "娃儿": "孩子",
    "坝子": "空地", "院坝": "院子", "一哈": "一下", "晓得": "知道", "囝仔": "孩子", "厝边": "邻居",
    "宜家": "现在", "点解": "为何", "打波": "打球", "拍波": "拍球", "整好": "修好", "呃人": "骗人",
    "铺头": "店铺", "细路": "小孩", "后生仔": "年轻人", "系不系": "是不是", "系咪": "是否", "冲凉": "洗澡",
    "麻雀馆": "麻将馆", "行人路": "人行道", "落大雨": "下大雨", "对正": "对着", "喊交": "吵架", "郁手": "动手",
    "头先": "刚才", "入面": "里面", "几多": "多少", "发展商": "开发商", "收楼": "交房", "揸车": "开车",
    "返工": "上班", "街市": "菜场", "巴士": "公交", "木有": "没有",
}
assert all(len(k) == len(v) for k, v in _DIALECT_WORDS.items())
_DIALECT_SCAN = AhoCorasick(list(_DIALECT_WORDS), matchkind=MatchKind.LeftmostLongest)
_DIALECT_VALUES = list(_DIALECT_WORDS.values())


def _mandarin_words(text: str) -> str:
    found = _DIALECT_SCAN.find_matches_as_indexes(text)
    if not found:
        return text
    chars = list(text)
    for key, start, end in found:
        chars[start:end] = _DIALECT_VALUES[key]
    return "".join(chars)


_CANTONESE_CHARS = re.compile("[" + "".join(chr(c) for c in _CANTONESE) + "]")

# Characters of Unicode category Cf (zero-width space, joiners, BOM): invisible, but they split words.
def _drop_format_chars(text: str) -> str:
    if text.isprintable():  # the usual message: no format character can be in it (they are not printable)
        return text
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_ANY_SPACE = re.compile(r"\s")
_LINE_BREAK = re.compile(r"\s*\n\s*")
_SPACE_RUN = re.compile(r"[^\S\n]+")
# A space between two Chinese characters (or Chinese punctuation) carries no meaning in Chinese and
# is sometimes used to dodge word filters ("油 烟"); between Latin words it does, so it stays there.
_SPACE_IN_CJK = re.compile(rf"(?<=[{_CJK}\u3000-\u303f，。！？；：]) (?=[{_CJK}\u3000-\u303f，。！？；：])")


_WY = re.compile(r"(?<![a-z])wy(?![a-z])")

# The full-width marks a phone keyboard types (，！？), as NFKC writes them: replaced by hand, the
# rest of a message is usually NFKC already, and checking that is a thirtieth of normalising it.
_FULL_WIDTH_MARKS = (("，", ","), ("！", "!"), ("？", "?"), ("：", ":"), ("；", ";"), ("（", "("), ("）", ")"),
                     ("\u3000", " "))


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), at a fifth of its cost on the usual message."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for mark, plain in _FULL_WIDTH_MARKS:
        if mark in text:
            text = text.replace(mark, plain)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """The form every rule is matched against.

    - NFKC: full-width letters, digits and ASCII punctuation become half-width (ＡＢＣ１２３ → abc123,
      ，→ ,  ！→ !), compatibility ideographs become the ordinary ones; Chinese-only marks
      (。、《》“”) have no half-width form and stay as they are.
    - traditional → simplified (樓下餐廳油煙 → 楼下餐厅油烟), and Cantonese function words and
      common words to Mandarin (停咗电 → 停了电, 冇水 → 没水, 水浸 → 水淹), and the dialects' words (阿拉 → 我们).
    - emoji and invisible format characters removed; whitespace runs collapsed to one space (or one
      line break, which ends a clause), and spaces dropped between Chinese characters.
    - Latin lower-cased (KTV → ktv); wy, standing alone, is 物业.
    """
    if not text:
        return ""
    text = _nfkc(text)
    text = _drop_format_chars(_EMOJI.sub(" ", text))
    text = to_simplified(text)
    if _CANTONESE_CHARS.search(text):  # a search is a tenth of the cost of translating every message
        text = text.translate(_CANTONESE)
    text = _mandarin_words(text)
    if _ANY_SPACE.search(text):  # most messages have none: three substitutions saved
        text = _LINE_BREAK.sub("\n", text)  # line breaks stay: they end a clause (several messages joined)
        text = _SPACE_RUN.sub(" ", text).strip()
        text = _SPACE_IN_CJK.sub("", text)
    text = text.lower()
    if "wy" in text:  # 物业 by its pinyin initials, as younger residents type it (wy天天收钱不干活)
        text = _WY.sub("物业", text)
    return text
