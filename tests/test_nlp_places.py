"""Address fragments and the gazetteer."""

from bot.nlp.places import Gazetteer, PlaceEntry, PlaceMatch, extract_places
from bot.nlp.segment import add_place_words


def test_compound_building_and_unit():
    assert extract_places("我家住在幸福小区3栋2单元，楼下早餐店油烟太大") == [
        "幸福小区", "3栋", "2单元", "楼下", "早餐店"]


def test_road_and_house_number_with_relative_word():
    assert extract_places("中山路12号门口井盖丢了") == ["中山路", "12号门口"]


def test_landmark_with_relative_word():
    assert extract_places("学校门口有很多流动摊贩") == ["学校门口"]
    assert extract_places("中心医院对面的水果店把摊子摆到路上") == ["中心医院对面", "水果店"]


def test_bare_compound_word_only_with_a_relative_word():
    assert extract_places("小区门口有人摆摊") == ["小区门口"]
    assert extract_places("小区里有人养鸽子") == []


def test_letters_and_chinese_numerals():
    assert extract_places("B7栋旁边有人烧垃圾") == ["b7栋旁边"]
    assert extract_places("一楼住户搭了阳光房") == ["一楼"]


def test_ordinary_words_are_not_places():
    assert extract_places("路灯不亮了") == []
    assert extract_places("三天没人清理") == []
    assert extract_places("") == []


def test_traditional_input():
    assert extract_places("幸福小區3棟門口") == ["幸福小区", "3栋门口"]


def test_known_place_names_are_extracted_whole():
    add_place_words(["柳莺巷二社区"])
    assert extract_places("柳莺巷二社区的路灯坏了") == ["柳莺巷二社区"]


GAZ = Gazetteer([
    PlaceEntry("南海街一社区", "NH-01", aliases=("南海一社区",)),
    PlaceEntry("南海街街道", "NH"),
    PlaceEntry("文庙社区", "WM", aliases=("幸福小区", "幸福里")),
])


def test_longer_more_specific_name_first():
    matches = GAZ.match("南海街一社区的路灯不亮")
    assert [m.unit_code for m in matches] == ["NH-01", "NH"]
    assert matches[0] == PlaceMatch("NH-01", "南海街一社区", matches[0].score, "南海街一社区")
    assert matches[0].score > matches[1].score


def test_alias_points_at_its_unit_and_reports_the_entry_name():
    [match] = GAZ.match("幸福小区3栋有人飞线充电")
    assert (match.unit_code, match.name, match.matched) == ("WM", "文庙社区", "幸福小区")


def test_traditional_input_matches():
    assert GAZ.match("南海街一社區門口")[0].unit_code == "NH-01"


def test_short_form_without_the_administrative_ending():
    [match] = GAZ.match("文庙那边有人养鸽子")
    assert match.unit_code == "WM"
    assert match.score < GAZ.match("文庙社区有人养鸽子")[0].score


def test_short_form_is_not_part_of_another_place_name():
    assert GAZ.match("幸福路上有个大坑") == []  # 幸福路 is a road, not 幸福里/幸福小区
    assert GAZ.match("文庙大街12号楼门口路灯坏了") == []  # a road named after the place, not 文庙社区
    assert GAZ.match("幸福广场有人跳舞太吵") == []


def test_no_place_named():
    assert GAZ.match("楼下油烟太大") == []


def test_words_for_the_segmenter():
    words = GAZ.words()
    assert "南海街一社区" in words and "幸福小区" in words
    assert "文庙" not in words  # short forms are for matching only


def test_the_place_in_an_answer_to_where():
    from bot.nlp.places import place_in_answer, sounds_like_a_place

    assert place_in_answer("不知道是哪个网格，我住南海街3号楼") == "南海街3号楼"
    assert place_in_answer("在电力小区3单元") == "电力小区3单元"
    assert place_in_answer("惠民小区5号楼") == "惠民小区5号楼"
    assert place_in_answer("我住在幸福小區3棟") == "幸福小區3棟"  # as written, traditional too
    assert place_in_answer("不清楚") is None and place_in_answer("老地方") is None
    assert sounds_like_a_place("老地方") and sounds_like_a_place("就我家门口") and not sounds_like_a_place("半夜")
