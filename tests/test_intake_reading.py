"""What each message is to a report in progress (bot/intake/reading.py): the rules alone."""

import pytest

from bot.intake import reading
from bot.intake.reading import DESCRIPTION, DONT_KNOW, FOLLOWUP, PLACE, SKIP, SMALLTALK

TIME_QUESTION = {"q": "噪音通常在什么时间段？", "a": None, "slots": ["time"], "about_place": False}
WHERE_QUESTION = {"q": "是哪个小区？", "a": None, "slots": ["estate"], "about_place": True}


@pytest.mark.parametrize("awaiting, followup, text, kind", [
    (None, None, "谢谢", SMALLTALK),
    ("confirm", None, "好的", SMALLTALK),
    ("followup", TIME_QUESTION, "半夜", FOLLOWUP),
    ("followup", TIME_QUESTION, "不知道", SKIP),
    ("followup", TIME_QUESTION, "不知道是哪个网格，我住南海街3号楼", PLACE),  # a place, not a time
    ("followup", TIME_QUESTION, "半夜，在3号楼", FOLLOWUP),                  # a time after all
    ("followup", WHERE_QUESTION, "在电力小区3单元", FOLLOWUP),               # the place it asked for
    ("place", None, "我住南海街3号楼", PLACE),
    ("place", None, "老地方", PLACE),
    ("place", None, "不清楚", DONT_KNOW),
    ("grid", None, "说不清", DONT_KNOW),
    ("place", None, "半夜更吵", DESCRIPTION),
    ("place", None, "3号楼门口的路灯也坏了", DESCRIPTION),
    ("confirm", None, "在惠民小区5号楼", PLACE),
    ("confirm", None, "他家还养了狗，天天叫", DESCRIPTION),
    ("what", None, "南海街1号院门口", PLACE),
    ("what", None, "路灯坏了", DESCRIPTION),
    ("more", None, "在惠民小区5号楼", DESCRIPTION),  # 补充说明 was pressed: it is description
])
def test_each_message_goes_where_it_belongs(awaiting, followup, text, kind):
    data = {"awaiting": awaiting, "followup": followup, "texts": ["楼上装修太吵了"]}
    assert reading.read(data, text) == kind


def test_the_place_as_written():
    assert reading.place_as_written("我住南海街3号楼") == "南海街3号楼"
    assert reading.place_as_written(" 老地方 ") == "老地方"
