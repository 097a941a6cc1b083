"""Complaint categories from the rule file: typical sentences, negation, exclusions, confidence."""

import pytest

from bot.nlp.classify import Classification, Classifier, categories, classify, followup_question, label_of
from bot.nlp.rulefiles import RuleFileError

# Invented messages, one typical way a resident writes about each kind of problem.
TYPICAL = [
    ("楼下早餐店油烟太大天天熏到家里", "fumes"),
    ("楼上邻居半夜跺脚噪音", "noise"),
    ("隔壁工地晚上十二点还在打桩，吵得孩子睡不着", "noise"),
    ("楼道里有人养鸽子", "dispute"),
    ("楼上卫生间漏水渗到我家天花板", "dispute"),
    ("公共厕所坏了没人修", "facility"),
    ("路边井盖堵了污水冒出来", "facility"),
    ("路牌松动快掉下来了", "facility"),
    ("小区垃圾桶满了好几天没人清运", "sanitation"),
    ("楼顶有人私搭乱建盖了个铁皮房", "construction"),
    ("学校门口有很多流动摊贩占道经营", "street_order"),
    ("楼道里有人给电动车飞线充电", "safety"),
    ("燃气公司乱收费", "utility"),
    ("电梯又坏了，老人上不了楼", "utility"),
    ("请问养老保险怎么补缴", "other"),
]


@pytest.mark.parametrize("text, expected", TYPICAL)
def test_typical_sentence_of_each_category(text, expected):
    assert classify(text).category == expected


def test_traditional_characters_are_classified_like_simplified():
    result = classify("樓下餐廳油煙直排到我家窗戶")
    assert result.category == "fumes"
    assert "油烟" in result.matched


def test_full_width_latin_is_matched():
    assert classify("對面ＫＴＶ每晚唱到凌晨").category == "noise"


def test_result_explains_itself_to_staff():
    result = classify("楼下烧烤店油烟太大")
    assert isinstance(result, Classification)
    assert result.label == "油烟异味"
    assert result.matched[0] == "油烟"  # strongest first
    assert result.scores[0][0] == "fumes"
    assert [s for _, s in result.scores] == sorted((s for _, s in result.scores), reverse=True)
    assert 0.0 < result.confidence <= 1.0
    assert not result.low_confidence


def test_result_is_frozen():
    result = classify("楼下烧烤店油烟太大")
    with pytest.raises(AttributeError):
        result.category = "noise"  # type: ignore[misc]


# -- negation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["现在没有噪音了", "楼下已经不再有油烟", "再也闻不到楼下的油烟了", "晚上的噪音没了"])
def test_a_denied_nuisance_does_not_count(text):
    result = classify(text)
    assert result.category not in ("noise", "fumes")
    assert result.low_confidence


def test_nobody_acting_is_not_a_denial():
    # 没人管 says nobody deals with the noise: still a noise complaint.
    assert classify("半夜噪音没人管").category == "noise"
    assert classify("噪音问题一直没有解决").category == "noise"


def test_missing_facility_is_the_complaint_not_a_denial():
    assert classify("这条路上没有路灯，晚上太黑").category == "facility"


# -- exclusions --------------------------------------------------------------------------------

def test_range_hood_cleaning_is_not_fumes():
    result = classify("上门清洗油烟机，油烟味一次去除干净")
    assert result.category != "fumes"
    assert "fumes" in result.excluded
    assert classify("楼下饭店油烟机直排，油烟熏人").category == "fumes"


def test_toilet_fees_and_light_timetables_are_not_facility_damage():
    assert classify("公厕收费太贵了").category == "other"
    assert classify("小区的路灯晚上十点就关，关得太早").category == "other"


def test_garbage_station_smell_is_sanitation_but_burning_rubbish_is_fumes():
    assert classify("垃圾站离窗户太近，臭味熏人").category == "sanitation"
    assert classify("垃圾站旁边有人焚烧垃圾，黑烟很大").category == "fumes"


def test_vendors_on_the_pavement_are_street_order_even_when_noisy():
    result = classify("夜宵摊很吵，噪音扰民")
    assert result.category == "street_order"
    assert "noise" in result.excluded


@pytest.mark.parametrize("text", ["街口的摊位每晚噪音很大", "菜贩天天在楼下大声吆喝，太吵了", "大排档半夜划拳噪音扰民"])
def test_every_kind_of_street_seller_is_street_order_when_noisy(text):
    assert classify(text).category == "street_order"


def test_a_shop_in_a_night_market_street_is_a_shop():
    assert classify("夜市那条街的门面音响太吵").category == "noise"


def test_subsidy_for_dangerous_housing_is_other_not_safety():
    assert classify("危房改造补贴什么时候发放").category == "other"


def test_thanks_for_a_fixed_problem_is_not_a_new_case():
    assert classify("谢谢社区，门口的路灯已经修好了").category == "other"
    assert classify("门口的路灯修好了又坏了").category == "facility"


# -- ties, low confidence, fallback --------------------------------------------------------------

def test_two_equal_nuisances_go_to_the_one_named_first():
    assert classify("油烟和噪音都受不了").category == "fumes"
    assert classify("噪音和油烟都受不了").category == "noise"


def test_nothing_recognisable_goes_to_triage():
    result = classify("你好，在吗")
    assert result.category == "other"
    assert result.low_confidence
    assert result.matched == ()


def test_urgent_message_no_rule_claims_is_not_left_in_other():
    result = classify("有人被困在里面了")
    assert result.urgent and result.low_confidence
    assert result.category == "safety"


# -- helpers -----------------------------------------------------------------------------------

def test_categories_in_rule_file_order_with_chinese_labels():
    cats = categories()
    assert cats[0] == ("noise", "噪音扰民")
    assert cats[-1] == ("other", "其他/非网格事项")
    assert [c for c, _ in cats] == ["noise", "fumes", "sanitation", "facility", "construction",
                                   "street_order", "dispute", "safety", "utility", "other"]


def test_label_of():
    assert label_of("construction") == "违章搭建"
    with pytest.raises(KeyError):
        label_of("nonsense")


def test_followup_question_per_category():
    assert "时间段" in followup_question("noise")
    assert "门牌号" in followup_question("fumes")
    assert "门牌号" in followup_question("facility")
    assert followup_question("other") is None


def test_default_classifier_is_loaded_once():
    assert Classifier.default() is Classifier.default()


# -- the rule file is data ---------------------------------------------------------------------

RULES = """
thresholds: {fallback: other, min_score: 2}
negation: {before: [没有]}
categories:
  noise:
    label: 噪音
    negatable: true
    keywords: {3: [噪音], 2: [吵]}
  pests:
    label: 虫害
    followup: 在哪一栋？
    keywords: {4: [白蚁]}
  other:
    label: 其他
"""


def test_a_district_can_add_a_category_without_code(tmp_path):
    (tmp_path / "c.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "u.yaml").write_text("rules: [{any: [着火]}]", encoding="utf-8")
    clf = Classifier.from_files(tmp_path / "c.yaml", tmp_path / "u.yaml")
    assert clf.classify("楼道木头里有白蟻").category == "pests"  # rule words are normalised too
    assert clf.followup_question("pests") == "在哪一栋？"
    assert clf.classify("没有噪音").category == "other"


def test_rule_file_mistakes_are_reported_with_where(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("categories:\n  noise:\n    keywords: {3: [噪音]}\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="noise.*label"):
        Classifier.from_files(path)
    path.write_text("categories:\n  noise:\n    label: 噪音\n    keywords: {heavy: [噪音]}\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="heavy"):
        Classifier.from_files(path)


def test_package_attribute_is_the_module_as_callers_import_it():
    from bot.nlp import classify as nlp

    assert nlp.classify("楼下油烟太大").category == "fumes"
    assert nlp.label_of(nlp.categories()[0][0]) == "噪音扰民"


# -- matching that sees every word -------------------------------------------------------------

def test_an_overlapping_word_is_settled_by_word_boundaries():
    # 关停电梯 is 关停 + 电梯 for jieba: the lift, not a power cut
    result = classify("物业关停电梯一个月了")
    assert result.category == "utility" and "电梯" in result.matched and "停电" not in result.matched
    # 长期停 (a car parked for long) no longer hides 停水
    result = classify("小区长期停水没人管")
    assert result.category == "utility" and "停水" in result.matched


def test_the_ways_of_matching_can_be_compared():
    overlap = Classifier.from_files(weights=False)
    leftmost = Classifier.from_files(weights=False, matching="leftmost")
    words_only = Classifier.from_files(weights=False, matching="jieba")
    assert overlap.classify("小区长期停水").category == "utility"
    assert leftmost.classify("小区长期停水").category == "street_order"  # the old fault, kept to measure it
    assert words_only.classify("小区长期停水").category == "utility"
    with pytest.raises(ValueError):
        Classifier.from_files(matching="fuzzy")


def test_reasons_are_the_residents_own_words_not_rule_syntax():
    result = classify("小区垃圾桶三天没人收了")
    assert result.category == "sanitation"
    assert "垃圾桶三天没人收" in result.matched and not any("*" in w for w in result.matched)
    assert "垃圾*没人收" in result.phrases  # the rule behind it, for the people editing the file


# -- decisions like a person's -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("烧烤店噪音和油烟", "noise"),            # two named problems: the first named decides,
    ("烧烤店油烟和噪音", "fumes"),            # whatever the sums (烧烤店 adds to fumes)
    ("违建导致隔壁成了危房", "construction"),  # the cause named first
])
def test_between_two_named_problems_the_first_named_decides(text, expected):
    result = classify(text)
    assert result.category == expected and result.decided_by == "named"


@pytest.mark.parametrize("text", ["洒水车每天早上扰民", "屠宰场扰民", "楼下培训机构扰民严重"])
def test_context_words_never_outvote_a_named_nuisance(text):
    assert classify(text).category == "noise"


def test_a_weak_name_yields_to_the_problem_itself():
    assert classify("皮革厂气味扰民").category == "fumes"      # the smell is the problem
    assert classify("退休教师反映楼下饭店油烟熏人").category == "fumes"


@pytest.mark.parametrize("text", ["菜场旁边的垃圾中转站臭气扰民", "化粪池恶臭扰民"])
def test_a_weak_name_yields_to_a_smell_an_exclusion_gives_to_another_category(text):
    # the smell is the rubbish's (sanitation, not fumes), and still it is what disturbs, not a noise
    assert classify(text).category == "sanitation"


@pytest.mark.parametrize("text", ["危房最低补贴是多少", "液化气价格太高了", "垃圾分类制度什么时候实施",
                                  "拟设焚烧厂离村子太近", "拟建垃圾焚烧厂的选址在哪里"])
def test_other_beats_a_grid_object_only_with_a_policy_word(text):
    assert classify(text).category == "other"


def test_without_a_policy_word_the_object_keeps_its_category():
    assert classify("液化气罐放在楼道里").category == "safety"
    assert classify("医院门口的路灯坏了").category == "facility"  # 医院 is context
    assert classify("医患纠纷怎么处理").category == "other"       # a longer word: not a neighbours' quarrel


def test_a_supplier_overcharging_is_a_supply_complaint():
    assert classify("燃气公司乱收费").category == "utility"


RULES_DECISION = """
thresholds: {fallback: other, min_score: 2}
decision: {naming_weight: 5, weak_names: [扰民], weak_yields_to: 3}
categories:
  noise:
    label: 噪音
    keywords: {5: [噪音, 扰民]}
  fumes:
    label: 油烟
    keywords: {5: [油烟], 3: [气味]}
    objects: {4: [烟囱]}
  other:
    label: 其他
    keywords: {4: [学校]}
    policy: {3: [补贴]}
"""


def _classifier_of(tmp_path, category_rules: str) -> Classifier:
    """A classifier of these category rules (and one danger rule), as a district's files would hold them."""
    (tmp_path / "c.yaml").write_text(category_rules, encoding="utf-8")
    (tmp_path / "u.yaml").write_text("rules: [{any: [着火]}]", encoding="utf-8")
    return Classifier.from_files(tmp_path / "c.yaml", tmp_path / "u.yaml")


def test_the_decision_is_written_in_the_rule_file(tmp_path):
    clf = _classifier_of(tmp_path, RULES_DECISION)
    assert clf.classify("噪音和油烟").category == "noise"
    assert clf.classify("学校扰民").category == "noise"
    assert clf.classify("气味扰民").category == "fumes"
    assert clf.classify("烟囱很高").category == "fumes"
    assert clf.classify("烟囱补贴").category == "other"
    with pytest.raises(RuleFileError, match="吵闹"):
        _classifier_of(tmp_path, RULES_DECISION.replace("weak_names: [扰民]", "weak_names: [吵闹]"))
    with pytest.raises(RuleFileError, match="only the fallback"):
        _classifier_of(tmp_path, RULES_DECISION.replace("    policy: {3: [补贴]}", "")
                       .replace("    objects: {4: [烟囱]}", "    policy: {4: [烟囱]}"))


RULES_REMEDIES = """
thresholds: {fallback: other, min_score: 2}
negation: {before: [没有]}
categories:
  noise:
    label: 噪音
    negatable: true
    remedies: [隔音屏]
    keywords: {5: [噪音, 隔音屏]}
  other:
    label: 其他
    keywords: {4: [学校]}
"""


def test_a_missing_remedy_is_the_complaint_though_a_denied_nuisance_is_none(tmp_path):
    clf = _classifier_of(tmp_path, RULES_REMEDIES)
    assert clf.classify("高速边上没有隔音屏").category == "noise"
    assert clf.classify("现在没有噪音了").category == "other"
    assert _classifier_of(tmp_path, RULES_REMEDIES.replace("remedies: [隔音屏]", "")
                          ).classify("高速边上没有隔音屏").category == "other"
    with pytest.raises(RuleFileError, match="remedies.*隔音墙"):
        _classifier_of(tmp_path, RULES_REMEDIES.replace("remedies: [隔音屏]", "remedies: [隔音墙]"))


@pytest.mark.parametrize("text", ["询问违章建筑拆除的法律依据", "小区停车费收费标准是谁定的", "物业费标准的政府指导价是多少",
                                  "小区业主想成立业委会，需要什么手续"])
def test_a_question_about_what_a_rule_says_is_a_policy_question_whatever_it_names(text):
    result = classify(text)
    assert (result.category, result.decided_by) == ("other", "asked"), result


def test_a_question_about_a_rule_beside_a_complaint_is_the_complaint():
    assert classify("举报小区违章建筑，请问拆除的法律依据是什么").category == "construction"


RULES_ASKS = (RULES_DECISION.replace("decision: {", "decision: {asks_yield_to: [投诉], ")
              + "    asks: {5: [怎么规定]}\n")


def test_questions_about_rules_and_what_outweighs_them_are_in_the_rule_file(tmp_path):
    clf = _classifier_of(tmp_path, RULES_ASKS)
    assert clf.classify("油烟排放怎么规定").category == "other"
    assert clf.classify("投诉油烟，排放怎么规定").category == "fumes"
    with pytest.raises(RuleFileError, match="only the fallback"):
        _classifier_of(tmp_path, RULES_ASKS.replace("    asks: {5: [怎么规定]}\n", "")
                       .replace("    objects: {4: [烟囱]}", "    asks: {4: [烟囱]}"))



def test_a_complaint_word_inside_the_question_does_not_make_it_a_complaint(tmp_path):
    clf = _classifier_of(tmp_path, RULES_ASKS.replace("asks: {5: [怎么规定]}", "asks: {5: [怎么规定, 投诉奖励怎么定]}"))
    assert clf.classify("油烟投诉奖励怎么定").category == "other"    # 投诉 is part of what is asked
    assert clf.classify("投诉油烟，奖励怎么规定").category == "fumes"  # 投诉 stands on its own

def test_what_outweighs_a_question_about_a_rule_may_be_a_gap_phrase(tmp_path):
    # 督促*清理: the resident asks for the clean-up, whatever the regulation it cites
    clf = _classifier_of(tmp_path, RULES_ASKS.replace("asks_yield_to: [投诉]", "asks_yield_to: [投诉, 督促*清理]"))
    assert clf.classify("油烟排放怎么规定，请督促饭店清理").category == "fumes"
    assert clf.classify("油烟排放怎么规定，督促了吗").category == "other"


def test_a_law_cited_by_its_title_names_the_law_not_the_problem():
    # 依据《…条例》: the title holds a rule word (条例) and a nuisance word (噪声) the resident is not asking or complaining about
    assert classify("依据《社会生活噪声排放标准》，反映小区底商麻将馆太吵").category == "noise"
    assert classify("依据《生活垃圾管理条例》，反映小区垃圾桶满溢三天无人清运").category == "sanitation"
    assert classify("咨询《噪声污染防治法》的适用范围").category == "other"
    assert classify("《大气污染防治法》怎么规定餐馆油烟").category == "other"  # the question is outside the title


def test_who_the_resident_says_they_are_is_not_the_matter():
    # 医院, 老师 in the clause that introduces the writer count for nothing; alone, or with the matter, they do
    assert classify("我是退休教师，我在医院做护工，楼道灯坏了一个月").category == "facility"
    assert classify("我在医院当护工，工资三个月没发了").category == "other"
    assert classify("我是一名中学老师").category == "other"


def test_context_words_of_other_never_outvote_grid_evidence():
    # 教师 (other, 4) only says who lives there; the loose wires (safety, 3) are the case
    assert classify("教师公寓楼道里电线乱搭").category == "safety"
    assert classify("教师工资什么时候发").category == "other"


@pytest.mark.parametrize("text", ["老师反映学校招生和校服的问题，还有操场积水",
                                  "员工反映公司加班多、工资低，宿舍电线老化"])
def test_one_grid_word_among_many_of_another_matter_is_a_detail_of_that_matter(text):
    # decision.context_share: the fallback's context yields only to evidence at least half its sum
    assert classify(text).category == "other"


def test_a_grid_problem_beside_a_little_context_is_still_the_case():
    assert classify("老师说学校门口积水").category == "facility"


@pytest.mark.parametrize("text", ["未成年人在网吧通宵上网，家长管不住", "酒吧门口总有未成年人喝酒"])
def test_grid_context_alone_never_outvotes_the_fallbacks_context(text):
    # decision.context_needs_sign: 网吧, 通宵, 酒吧 say where and when, not what is wrong
    assert classify(text).category == "other"
    assert classify(text + "，音乐吵得睡不着").category == "noise"


def test_words_that_only_say_when_or_where_decide_nothing():
    # 晚上 and 早上 (weight 1) are noise's context: together they still name no problem
    result = classify("路灯晚上几点亮，早上几点关")
    assert result.category == "other" and result.low_confidence, result
    assert classify("晚上早上都在施工").category == "noise"


def test_a_present_danger_is_never_filed_as_other():
    # 打哪个电话 asks who handles it, which alone is a question for 'other'; the gas smell is a danger
    result = classify("楼道里煤气味很浓，该打哪个电话")
    assert result.urgent and result.category == "safety", result
    assert classify("噪音扰民一般是打哪个电话").category == "other"


def test_how_heavy_a_sign_must_be_to_outvote_the_fallbacks_context_is_in_the_rule_file(tmp_path):
    rules = RULES_DECISION.replace("keywords: {5: [油烟], 3: [气味]}", "keywords: {5: [油烟], 3: [气味], 2: [饭店, 餐馆]}")
    assert _classifier_of(tmp_path, rules).classify("学校旁边的饭店和餐馆").category == "fumes"
    needs_sign = rules.replace("weak_yields_to: 3}", "weak_yields_to: 3, context_needs_sign: 3}")
    assert _classifier_of(tmp_path, needs_sign).classify("学校旁边的饭店和餐馆").category == "other"
    assert _classifier_of(tmp_path, needs_sign).classify("学校旁边饭店有气味").category == "fumes"


@pytest.mark.parametrize("text, expected", [
    ("我不是说物业收费的事，是小区门口那个垃圾站臭得不行", "sanitation"),
    ("我不问拆迁补偿，我是要举报邻居在楼顶私搭乱建", "construction"),
    ("去年报的那个违建已经拆了，今天是想问下残疾证年审的事", "other"),
    ("虽然隔壁邻居的狗不叫了，可是楼下酒吧又开始放音乐放到凌晨", "noise"),
    # the matter that is over, a thank-you, then the next one (不过, 另外, or simply a new sentence)
    ("上次的路灯修好了，谢谢，不过楼下健身房晚上十点还在放动感音乐", "noise"),
    ("秋千链子断了修好了，谢谢。健身器材那边的太空漫步机也松了，晃得厉害", "facility"),
])
def test_a_clause_the_resident_sets_aside_decides_nothing(text, expected):
    assert classify(text).category == expected


@pytest.mark.parametrize("text, expected", [("路灯上周修好了，但是又坏了", "facility"),
                                            ("不是第一次了，楼下又在施工", "noise")])
def test_a_clause_about_the_same_matter_is_not_set_aside(text, expected):
    assert classify(text).category == expected


def test_what_a_resident_sets_aside_is_in_the_rule_file(tmp_path):
    clf = _classifier_of(tmp_path, RULES_DECISION + "set_aside: {opens: [不是], then: [是]}\n")
    assert clf.classify("不是噪音，是油烟").category == "fumes"
    assert clf.classify("噪音，是油烟").category == "noise"
    with pytest.raises(RuleFileError, match="set_aside"):
        _classifier_of(tmp_path, RULES_DECISION + "set_aside: [不是]\n")


def test_of_two_equal_words_the_one_naming_the_problem_counts():
    # 电梯 (a thing) and 电梯*坏 (what is wrong with it) weigh the same: the problem is the evidence
    result = classify("电梯坏了坏了！修了又坏，到底修不修")
    assert result.category == "utility" and "电梯*坏" in result.phrases, result
