"""What a resident's message is to the report in progress: the problem, the answer to the
follow-up question, the place, "I don't know", or small talk to keep out of the report.

The bot asks one thing at a time, and people answer loosely: a place given before it was asked
for, a place given in answer to "噪音通常在什么时间段？", "谢谢" in the middle. Each message goes
where it belongs, so the card's 内容 holds the problem, 地点 the place, and 补充 the answer to
the follow-up question; nothing a resident said about the problem is dropped.
"""

from __future__ import annotations

from bot.nlp import followups, smalltalk
from bot.nlp.places import place_in_answer, sounds_like_a_place

SMALLTALK = "smalltalk"      # 你好, 谢谢, 好的, 我要投诉, ？: answered, kept out of the report
DESCRIPTION = "description"  # more about the problem
FOLLOWUP = "followup"        # the answer to the follow-up question
SKIP = "skip"                # "不知道" to the follow-up question: as if 跳过 was pressed
PLACE = "place"              # where it is
DONT_KNOW = "dont_know"      # "不清楚" to "where?": as if 说不清 was pressed

# Steps that wait for a place: the community menu, then a community's grids.
PLACE_STEPS = ("place", "grid")


def read(data: dict, text: str) -> str:
    """Which of the above `text` is, given what the report waits for (`data["awaiting"]`)."""
    if smalltalk.read(text) is not None:
        return SMALLTALK
    step = data.get("awaiting")
    if step == "followup":
        return _followup_answer(data.get("followup") or {}, text)
    if step in PLACE_STEPS:
        if smalltalk.dont_know(text):
            return DONT_KNOW
        # "where?" answered with more of the problem ("3号楼门口的路灯也坏了", "半夜更吵") is
        # description; a place, even a vague one ("老地方", "我家门口"), is the answer.
        if smalltalk.names_a_problem(text):
            return DESCRIPTION
        return PLACE if place_in_answer(text) is not None or sounds_like_a_place(text) else DESCRIPTION
    if step == "more":
        return DESCRIPTION
    return PLACE if only_a_place(text) else DESCRIPTION


def _followup_answer(followup: dict, text: str) -> str:
    if smalltalk.dont_know(text):
        return SKIP
    answers_it = any(followups.answers(slot, text) for slot in followup.get("slots", ()))
    if not answers_it and not followup.get("about_place") and only_a_place(text):
        return PLACE  # "不知道是哪个网格，我住南海街3号楼" asked about the time of a noise
    return FOLLOWUP


def only_a_place(text: str) -> bool:
    """A place and nothing about the problem: "我住南海街3号楼", "在电力小区3单元"."""
    return place_in_answer(text) is not None and not smalltalk.names_a_problem(text)


def place_as_written(text: str) -> str:
    """What goes to 地点: the place in the answer, or the answer itself ("老地方")."""
    return place_in_answer(text) or text.strip()
