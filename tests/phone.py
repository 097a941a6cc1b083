"""How wide a line of a message is on a phone, for the tests of texts that must read there.

Telegram on a 390 px phone (iPhone 12–15) draws a bubble about 300 px of text wide at its default
17 px font: a Chinese character is one em (17 px), a digit, Latin letter or space a little over
half of one, an emoji about 1.2 em. So about 18 Chinese characters fit on a line."""

from __future__ import annotations

import unicodedata

PHONE_LINE = 18.0  # em: what fits on one line of a bubble at 390 px


def width(line: str) -> float:
    total = 0.0
    for ch in line:
        if unicodedata.combining(ch) or ch in "\ufe0f\u200d":
            continue
        if ord(ch) >= 0x1F000:
            total += 1.2
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            total += 1.0
        else:
            total += 0.56
    return total


def too_wide_rows(text: str) -> list[str]:
    """The lines that list figures side by side (｜) and would wrap on a phone."""
    return [line for line in text.splitlines() if "｜" in line and width(line) > PHONE_LINE]
