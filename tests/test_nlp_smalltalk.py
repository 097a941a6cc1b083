"""Greetings, thanks and 'I want to complain' told apart from reports; whether a report says
what is wrong at all."""

import pytest

from bot.nlp import smalltalk
from bot.nlp.smalltalk import ACK, BLANK, GREETING, INTENT, THANKS, dont_know, names_a_problem, read


@pytest.mark.parametrize("text, kind", [
    ("你好", GREETING), ("您好", GREETING), ("在吗", GREETING), ("在吗？？", GREETING), ("有人吗", GREETING),
    ("您好，请问", GREETING), ("师傅你好", GREETING), ("hello!", GREETING), ("喂喂", GREETING),
    ("谢谢", THANKS), ("谢谢谢谢！", THANKS), ("辛苦了", THANKS), ("非常感谢", THANKS),
    ("好的", ACK), ("嗯嗯", ACK), ("OK", ACK), ("收到", ACK),
    ("？", BLANK), ("。。。", BLANK), ("😀👍", BLANK), ("  ", BLANK), ("这个", BLANK),
    ("有问题", INTENT), ("我要投诉", INTENT), ("你好，我要投诉", INTENT), ("我想反映个问题", INTENT),
    ("能帮我处理一下吗", INTENT), ("在吗？我要举报", INTENT),
    ("您好，請問", GREETING),  # traditional characters read the same
])
def test_small_talk_is_recognised(text, kind):
    assert read(text) == kind


@pytest.mark.parametrize("text", [
    "你好，停水了", "谢谢，路灯又坏了", "在吗？楼下油烟太大", "我要投诉楼上邻居", "有人在楼道里堆东西",
    "南海街1号院", "好的，我住3号楼", "不知道",
])
def test_anything_more_is_not_small_talk(text):
    assert read(text) is None


@pytest.mark.parametrize("text", [
    "楼下饭店油烟太大", "路灯坏了好几天", "请问今年的养老金什么时候调整？", "燃气泄漏了",
    "楼下那家店的招牌晚上一闪一闪很晃眼",  # no rule word, but a problem a person can read
    "有股怪味", "你好，停水了",
    "举报金色摇篮幼儿园乱涨价！",  # a strong sign (涨价) beside a place, the category unsure
])
def test_a_report_that_says_what_is_wrong(text):
    assert names_a_problem(text)


@pytest.mark.parametrize("text", [
    "有问题", "我要投诉", "就是有问题", "楼下那家店", "就在学校门口那里", "南海街1号院门口",
    "不知道是哪个网格，我住南海街3号楼", "我们小区", "你看", "谢谢", "半夜",
])
def test_a_report_that_does_not(text):
    assert not names_a_problem(text)


def test_dont_know():
    assert dont_know("不知道") and dont_know("说不清楚。") and dont_know("我也不知道")
    assert not dont_know("不知道是哪个网格，我住南海街3号楼") and not dont_know("你好")


def test_a_word_under_two_kinds_is_a_mistake_in_the_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("greeting: [你好]\nthanks: [你好]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="你好"):
        smalltalk._vocabulary(path)
