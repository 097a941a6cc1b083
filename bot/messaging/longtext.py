"""Text longer than one Telegram message (4,096 UTF-16 code units), cut into parts that fit.

Telegram counts a message's length in UTF-16 code units: a character outside the Basic
Multilingual Plane (most emoji, rare CJK ideographs) counts twice. A cut never splits such a
character, and prefers a line break or the end of a sentence in the second half of a part.
"""

from __future__ import annotations

MESSAGE_LIMIT = 4096
_BREAKS = "\n。！？!?；;"


def u16len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_utf16(text: str, budget: int) -> list[str]:
    """`text` in pieces of at most `budget` UTF-16 units each, in order, nothing dropped."""
    if budget < 2:
        raise ValueError("a part must hold at least one character")
    parts: list[str] = []
    rest = text
    while u16len(rest) > budget:
        cut = _fit(rest, budget)
        soft = max(rest.rfind(mark, 0, cut) for mark in _BREAKS)
        if soft >= cut // 2:
            cut = soft + 1  # keep the break with the part it ends
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def _fit(text: str, budget: int) -> int:
    """How many characters of `text` fit in `budget` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)
