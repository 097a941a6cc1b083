"""What a resident in danger reads first: whom to call, for the danger they described.

An urgent report is filed at once (bot/intake/report.py); before anything else the resident is
told the numbers that help now — for a gas leak the gas company's repair line (the district
file's `hotlines:`) and 119, for a lift trapping people the lift rescue line — not a general
list to pick from. Which danger wants which call is the urgency rules' `call:`
(bot/nlp/rules/urgency.yaml); the words and national numbers are in bot/texts.
"""

from __future__ import annotations

from bot import texts
from bot.jurisdiction import directory
from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise

MAX_DANGERS = 3  # lines of advice; a message naming more is rare and the first ones matter most


async def advice(text: str) -> str:
    rules = Classifier.default().urgency
    dangers = rules.calls_for(rules.assess(normalise(text)).reasons)
    numbers = {**texts.EMERGENCY_NUMBERS, **await directory.hotlines()}
    lines = [texts.EMERGENCY_HEAD]
    for danger, calls in dangers[:MAX_DANGERS]:
        if calls:
            tip = next((texts.EMERGENCY_TIPS[c] for c in calls if c in texts.EMERGENCY_TIPS), "")
            lines.append(texts.EMERGENCY_LINE.format(
                danger=danger, calls="，".join(_call(code, numbers) for code in calls), tip=tip).rstrip())
    if len(lines) == 1:
        lines.append(texts.EMERGENCY_GENERAL)
    lines.append(texts.EMERGENCY_TAIL)
    return "\n".join(lines)


def _call(code: str, numbers: dict[str, str]) -> str:
    number = numbers.get(code)
    if number:
        return texts.EMERGENCY_CALLS[code].format(number=number)
    return texts.EMERGENCY_NO_NUMBER.get(code, texts.EMERGENCY_CALLS["fire"].format(number="119"))
