"""A follow-up question asks only what the resident has not said yet."""

import pytest

from bot.nlp.classify import Classifier
from bot.nlp.followups import answers, parts_left, question_left
from bot.nlp.rulefiles import RuleFileError, load_categories


@pytest.mark.parametrize("code, said", [
    ("noise", "楼上邻居每天半夜跺脚，噪音很大"),   # 噪音通常在什么时间段？ — 半夜
    ("noise", "我家楼上天天半夜剁肉，吵得睡不着"),
    ("noise", "隔壁工地晚上10点还在打桩"),
    ("facility", "南海街1号院门口路灯坏了好几天"),  # 具体位置 — 1号院门口
    ("dispute", "楼上邻居漏水到我家，沟通了也不听"),
    ("utility", "惠民小区3号楼停水两天了，物业不管"),
])
def test_everything_answered_asks_nothing(code, said):
    assert question_left(code, said) is None


@pytest.mark.parametrize("code, said, asked", [
    ("noise", "楼上装修太吵了", "噪音通常在什么时间段？"),
    ("street_order", "天天晚上有人在路边摆摊卖菜", "大概在哪条街、哪个路口？"),  # 通常在什么时间 — 天天晚上
    ("street_order", "中山路路口有人摆摊", "通常在什么时间出现？"),
    ("fumes", "南海街1号院楼下早餐店油烟太大", "是哪家店铺？"),  # a number, but 早餐店 names no shop
    ("fumes", "楼下老王早点铺油烟太大", "门牌号是多少？"),
    ("fumes", "楼下饭店油烟太大", "是哪家店铺？门牌号是多少？"),
    ("facility", "南海街的路灯坏了", "具体位置或最近的门牌号？"),  # a street is not a spot
    ("facility", "门口路灯坏了", "具体位置或最近的门牌号？"),      # nor a bare 门口
    ("sanitation", "垃圾桶三天没人收", "垃圾或污水在什么位置？大概有多少？"),
    ("utility", "停水了", "是哪个小区？哪栋楼？问题从什么时候开始？物业或供应单位联系过了吗？"),
])
def test_only_the_parts_not_answered_are_asked(code, said, asked):
    assert question_left(code, said) == asked


def test_parts_know_whether_a_place_answers_them():
    parts = parts_left("utility", "停水了")
    assert [p.about_place for p in parts] == [True, True, False, False]
    assert parts_left("noise", "太吵了")[0].slots == ("time",)


def test_slots():
    assert answers("time", "凌晨三点") and answers("time", "晚上") and not answers("time", "天天")
    assert answers("shop", "“好再来”饭馆") and answers("shop", "兰州拉面馆") and not answers("shop", "楼下那家饭店")
    assert answers("house_number", "南海街12号") and not answers("house_number", "3号楼")
    assert answers("spot", "学校门口") and answers("spot", "3号楼") and not answers("spot", "南海街")
    assert answers("contacted", "找过物业，物业不管") and not answers("contacted", "停水了")


def test_a_category_without_follow_up_asks_nothing():
    assert parts_left("other", "请问养老金什么时候发") == []


def test_a_plain_question_is_still_a_follow_up(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("categories:\n  pests:\n    label: 虫害\n    followup: 在哪一栋？\n"
                    "    keywords: {4: [白蚁]}\n  other:\n    label: 其他\n", encoding="utf-8")
    rule = load_categories(path).by_code["pests"]
    assert rule.followup == "在哪一栋？" and rule.followup_parts[0].answered_by == ()


def test_a_part_without_its_question_is_a_mistake(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("categories:\n  pests:\n    label: 虫害\n    followup: [{answered_by: [time]}]\n"
                    "  other:\n    label: 其他\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="pests.followup"):
        load_categories(path)


def test_every_slot_the_rules_name_exists():
    for rule in Classifier.default().rules.categories:
        parts_left(rule.code, "")  # raises on a slot followups.yaml does not define
