"""similar(): the same place and problem, however worded."""

from bot.nlp.similarity import features, similar


def test_same_place_same_problem_reworded_is_high():
    assert similar("幸福小区3栋楼下烧烤店油烟太大", "幸福小区3栋楼下的烧烤店天天排油烟") > 0.8
    assert similar("中山路12号门口井盖丢了", "中山路12号门口的井盖不见了") > 0.7


def test_same_problem_elsewhere_is_low():
    assert similar("幸福小区3栋楼下烧烤店油烟太大", "阳光花园5栋楼下烧烤店油烟太大") < 0.5


def test_same_place_other_problem_is_low():
    assert similar("幸福小区3栋楼下烧烤店油烟太大", "幸福小区3栋有人半夜唱歌") < 0.3


def test_unrelated_is_zero():
    assert similar("幸福小区3栋楼下烧烤店油烟太大", "中山路12号的路灯坏了") == 0.0


def test_traditional_and_simplified_are_the_same_message():
    assert similar("幸福小區3棟樓下燒烤店油煙太大", "幸福小区3栋楼下烧烤店油烟太大") == 1.0


def test_symmetric_and_empty():
    a, b = "小区门口井盖丢了", "井盖丢了在小区门口"
    assert similar(a, b) == similar(b, a)
    assert similar("", "井盖丢了") == 0.0


def test_places_and_problem_words_weigh_more_than_other_words():
    f = features("幸福小区门口井盖丢了，大家走路小心")
    assert f == {"幸福小区门口": 2.0, "井盖": 2.0, "走路": 1.0, "小心": 1.0}  # 了 and 大家 carry nothing
