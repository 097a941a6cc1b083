"""Urgency: a present danger described, from rules/urgency.yaml."""

import pytest

from bot.nlp.classify import classify
from bot.nlp.urgency import load_urgency

URGENT = [
    "闻到很浓的煤气味",
    "厨房燃气管好像漏气了",
    "楼下电动车着火了，楼道里全是烟",
    "配电箱在冒烟",
    "路边电线裸露，下雨天很危险",
    "井盖丢了，晚上小孩差点掉进去",
    "老房子墙体开裂倾斜",
    "围墙倒塌了，压住了路边的车",
    "高层窗户玻璃掉下来，差点砸到人",
    "电梯突然往下坠，里面困了两个人",
    "河边的护栏断了，小孩在旁边玩",
    "大风把树刮倒了，横在马路上",
    "路牌松动快掉下来了",  # a sign about to fall on passers-by
]

NOT_URGENT = [
    "小区存在安全隐患",            # a general hazard, no present danger
    "楼道里堆放杂物，存在消防安全隐患",
    "井盖丢了",                    # missing cover, nobody described at risk
    "河边的护栏旧了",
    "工厂烟囱冒黑烟",              # smoke from a chimney is fumes, not fire
    "楼下烧烤店冒烟太大",
    "没有燃气泄漏，就是想问燃气费",
    "小区要加强防火宣传，以免发生火灾",
    "危房改造补贴什么时候发",
    "楼上邻居半夜跺脚噪音",
]


@pytest.mark.parametrize("text", URGENT)
def test_present_danger_is_urgent(text):
    result = classify(text)
    assert result.urgent, result
    assert result.urgent_words and result.urgent_reasons


@pytest.mark.parametrize("text", NOT_URGENT)
def test_no_present_danger_is_not_urgent(text):
    result = classify(text)
    assert not result.urgent, result.urgent_words


def test_a_danger_already_over_is_not_urgent():
    assert classify("楼下着火了").urgent
    assert not classify("上周楼下着火，火已经扑灭了").urgent
    assert not classify("楼下的电线裸露已经修好了").urgent


def test_traditional_characters():
    assert classify("聞到很濃的煤氣味").urgent


def test_urgency_is_independent_of_category():
    lift = classify("电梯困人了，快来")
    assert lift.category == "utility" and lift.urgent
    gas = classify("闻到很浓的煤气味")
    assert gas.category == "safety" and gas.urgent


def test_rules_with_support_words_and_unless(tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(
        "rules:\n"
        "  - name: 井盖\n    any: [井盖*丢]\n    with: [小孩]\n"
        "  - name: 冒烟\n    any: [冒烟]\n    unless: [烟囱]\n",
        encoding="utf-8",
    )
    rules = load_urgency(path)
    assert not rules.assess("井盖丢了").urgent
    found = rules.assess("井盖被人偷丢了,小孩差点掉下去")
    assert found.urgent and found.reasons == ("井盖",) and "小孩" in found.words
    assert rules.assess("电箱冒烟").urgent
    assert not rules.assess("烟囱冒烟").urgent


@pytest.mark.parametrize("text", [
    "河边护栏被洪水冲毁，孩子天天从那里过",
    "写字楼的玻璃幕墙爆裂了",
    "电梯突然下坠了好几层",
    "楼道里燃气泄漏味道很重",
    "老楼墙体开裂还在倾斜",
    "楼上装修把楼板破坏了",
    "阳台悬空梁已经断了",
    "湖边栈道木板松动，游客很多",
])
def test_present_danger_named_in_the_issue_is_urgent(text):
    assert classify(text).urgent, text


def test_a_hazard_the_resident_calls_major_is_checked_at_once():
    # 重大事故隐患 must be dealt with at once (安全生产法); a hazard alone waits its turn
    assert classify("某某小区存在严重安全隐患").urgent
    assert classify("商场负一层存在重大消防安全隐患").urgent
    assert classify("小区内安全隐患多").urgent
    assert not classify("小区存在安全隐患").urgent
    assert not classify("建议对全区重大安全隐患开展专项排查").urgent
    assert not classify("沿街商铺普遍存在三合一现象，消防隐患突出，需联合执法").urgent


def test_a_crack_alone_is_a_hazard_not_an_emergency():
    assert not classify("房子的墙壁又开裂了").urgent
    assert classify("房子的墙壁开裂越来越大，随时会塌").urgent


@pytest.mark.parametrize("text", ["村口那座危桥每天还有车过", "桥墩开裂了", "水库大坝出现险情", "病险水库一直没人管"])
def test_a_bridge_or_dam_giving_way_is_urgent(text):
    assert "危桥险库" in classify(text).urgent_reasons, text


@pytest.mark.parametrize("text", ["危桥改造资金什么时候到位", "村里危桥改造什么时候开始", "病险水库除险加固项目怎么申请"])
def test_money_for_a_dangerous_bridge_is_a_policy_question_not_an_emergency(text):
    result = classify(text)
    assert not result.urgent and result.category == "other", result


@pytest.mark.parametrize("text", ["暴雨把村道冲毁了", "路基被雨水掏空了一大块"])
def test_a_road_washed_out_is_urgent(text):
    assert classify(text).urgent, text


def test_only_rules_whose_words_appear_are_tried_but_none_is_missed(tmp_path):
    # the gate sees 桥墩 (rule B's word), which hides 桥 (rule A's): A must still be tried
    path = tmp_path / "u.yaml"
    path.write_text("rules:\n  - name: A\n    any: [桥*断]\n  - name: B\n    any: [桥墩*裂]\n", encoding="utf-8")
    rules = load_urgency(path)
    assert rules.assess("桥墩断了").reasons == ("A",)
    assert rules.assess("桥墩裂了").reasons == ("B",)
    assert not rules.assess("路灯坏了").urgent


@pytest.mark.parametrize("text", ["施工队把我家房子弄坏了，一家人无家可归", "房子被淹，老人只能露宿街头"])
def test_people_left_without_a_roof_are_urgent(text):
    assert "居民无处安身" in classify(text).urgent_reasons, text


def test_money_for_the_homeless_is_not_an_emergency():
    assert not classify("无家可归人员的补助怎么申请").urgent


@pytest.mark.parametrize("text, reason", [
    ("楼道里有个大马蜂窝，孩子上下楼很危险", "马蜂窝或疯狗伤人"),
    ("小区里有条疯狗追着人咬", "马蜂窝或疯狗伤人"),
    ("家里热水器一氧化碳中毒了", "中毒"),
    ("工地塔吊在晃，下面就是马路", "墙体杆件大型机械要倒"),
    ("小区围墙倒了一段压着电动车", "墙体杆件大型机械要倒"),
    ("挡土墙裂了往外鼓，下面是住户", "墙体杆件大型机械要倒"),
    ("空调外机架子锈断了悬在半空", "墙体杆件大型机械要倒"),
    ("路边电线杆被车撞断了", "墙体杆件大型机械要倒"),
    ("暴雨后地下车库进水很深", "进水有触电淹没危险"),
    ("老人一个人在家好几天没出门了，敲门没人应", "独居老人失联"),
])
def test_everyday_dangers_a_grid_meets_are_urgent_and_a_safety_case(text, reason):
    result = classify(text)
    assert reason in result.urgent_reasons and result.category == "safety", result


def test_tipping_rubbish_is_not_something_falling_over():
    assert not classify("隔壁天天往楼下倒垃圾，垃圾堆快倒了").urgent


@pytest.mark.parametrize("text", ["电梯卡住了，里面有人", "現在電梯卡在五樓和六樓中間，裡面關著兩個老人",
                                  "小區6號樓外面的一面圍牆裂開了，正在往外歪"])
def test_a_stuck_lift_and_a_cracked_wall_leaning_out_are_urgent(text):
    assert classify(text).urgent, text


@pytest.mark.parametrize("text", ["楼道里天天有人给电动车充电，万一着火了我们怎么跑", "老旧小区楼道内电动车充电存在火灾隐患",
                                  "楼上卫生间漏水，我家墙皮都泡掉了"])
def test_a_fear_of_what_might_happen_is_not_a_danger_happening(text):
    assert not classify(text).urgent, text


@pytest.mark.parametrize("text", ["燃气一直打不着火，是不是停气了", "电梯经常停运，老人上下楼困难"])
def test_words_that_only_look_like_a_danger_are_not_urgent(text):
    assert not classify(text).urgent, text


def test_a_fire_written_in_traditional_characters_is_urgent():
    assert "着火冒烟" in classify("樓道裡的電動車著火了！！濃煙好大 快來人").urgent_reasons


@pytest.mark.parametrize("text", ["后山山体开裂，一下雨就往下滚石头", "电梯钢丝绳断裂，轿厢急坠到底楼"])
def test_falling_rocks_and_a_lift_dropping_are_urgent(text):
    assert classify(text).urgent, text


def test_gas_heard_escaping_or_still_leaking_is_urgent():
    result = classify("厨房燃气管道接口那里嘶嘶响 一股味 我已经关了阀门还在漏")
    assert "燃气管道漏气" in result.urgent_reasons and result.category == "safety", result
    assert not classify("卫生间水管接口那里一直在漏").urgent  # water, not gas


@pytest.mark.parametrize("text", ["对面三楼有个小孩爬到窗户外面的空调架上了，快来人",
                                  "隔壁家孩子爬出窗台，悬在窗外"])
def test_a_child_out_on_a_ledge_is_urgent_and_a_safety_case(text):
    result = classify(text)
    assert "儿童攀爬悬空" in result.urgent_reasons and result.category == "safety", result


@pytest.mark.parametrize("text", ["楼下有个老人倒在地上，叫他也不应", "广场上有人昏倒了，不省人事"])
def test_someone_collapsed_and_not_answering_is_urgent(text):
    result = classify(text)
    assert result.urgent and result.category == "safety", result


@pytest.mark.parametrize("text", ["凌晨天天有车卸货，人都熬垮了", "楼顶堆满了纸壳子，夏天还怕着火"])
def test_people_worn_out_or_afraid_describe_no_danger_happening(text):
    assert not classify(text).urgent, classify(text)


def test_a_garage_roof_slab_cracking_and_sinking_is_urgent():
    result = classify("地下车库顶板开裂下沉，车都不敢停了")
    assert result.urgent and result.category == "safety", result


def test_a_road_crushed_by_lorries_is_a_facility_case_not_a_danger():
    result = classify("工业园区道路被大车压坏，坑坑洼洼")
    assert result.category == "facility" and not result.urgent, result
    assert classify("后山边坡雨后出现裂缝").urgent


@pytest.mark.parametrize("text", ["有个小孩爬到楼顶边上了，大人不在", "路边大树被风刮歪了，眼看要倒，底下是公交站",
                                  "山脚下的民房，下雨时不断有石块滚落", "高层窗户玻璃松动，风一吹就晃",
                                  "雨水篦子让人偷了，就在小学门口", "有个老人倒在路边了，叫他没反应"])
def test_a_child_on_a_roof_edge_a_tree_giving_way_falling_rocks_loose_glass_an_open_gully_and_a_collapse_are_urgent(text):
    assert classify(text).urgent, classify(text)


@pytest.mark.parametrize("text", ["饭店把潲水倒在路边", "外墙瓷砖有点松，怕哪天掉下来"])
def test_rubbish_tipped_by_the_road_and_a_fear_of_one_day_are_not_urgent(text):
    assert not classify(text).urgent, classify(text)


@pytest.mark.parametrize("text", ["下大雨了，桥洞底下水越涨越高，那辆车熄火在里面",
                                  "地下通道积水很深，有个人还在车里没出来"])
def test_someone_caught_in_rising_water_is_urgent(text):
    assert "积水上涨有人被困" in classify(text).urgent_reasons, classify(text)


@pytest.mark.parametrize("text", ["电梯门没关就往上跑，吓死人", "小区电梯开着门运行，我家老人的手被夹伤了"])
def test_a_lift_moving_with_its_door_open_or_hurting_someone_is_urgent(text):
    assert classify(text).urgent, classify(text)


@pytest.mark.parametrize("text, reason", [
    ("车棚那边冒黑烟了，还噼里啪啦的响", "烟火迹象"),
    ("楼梯间全是烟，看不清台阶", "烟火迹象"),
    ("单元门口一股臭鸡蛋味，越往上越重", "疑似燃气味"),
    ("屋里有股怪味，一家人都头晕恶心", "疑似中毒"),
    ("碰了一下小区门口的铁栏杆，手发麻", "电线裸露或漏电"),
    ("我爸有点老年痴呆，早上出门到现在还没回来", "老人孩子走失"),
    ("对面楼有个人坐在楼顶边上好久了", "有人轻生迹象"),
    ("工地基坑里全是水，几个孩子在边上玩", "孩子临水临坑"),
    ("路口洒了一地柴油，已经滑倒了两辆电动车", "路面险情"),
    ("二楼阳台红彤彤一片，楼下有人在喊", "烟火迹象"),
    ("厨房燃气表那里呲呲的响", "燃气管道漏气"),
    ("暖气管突然爆开，滚烫的水喷了一楼道", "热水锅炉险情"),
    ("楼下有人拿着刀在追人", "有人被困受伤"),
    ("河边栏杆外面坐着个人一直在哭，说不想活了", "有人轻生迹象"),
    ("几个孩子在河面的冰上跑来跑去", "孩子临水临坑"),
    ("水管爆了，水浇在插座上噼啪响", "进水有触电淹没危险"),
    ("那堵旧墙往我们这边歪了，底下还有人走", "墙体杆件大型机械要倒"),
    # rounds 16-20: a thing and what it is doing ({高处物}*{要掉}), and kinds beyond the common ones
    ("五楼那家空调外机只剩一个角挂着，在那晃来晃去，底下就是主干道", "高处物件要掉"),
    ("路口有个人倒地不动了", "有人倒地或突发急病"),
    ("体育馆散场，出口人挤人，有个小孩被挤倒了，后面还在往前拥", "人群拥挤踩踏"),
    ("门口翻了一辆罐车，地上淌着黄水，呛得人直流眼泪", "危化品泄漏"),
    ("污水井里下去了两个工人，半天没上来", "有限空间有人没上来"),
    ("大路口红绿灯全黑了，车都抢着走，已经撞了两辆", "路口信号灯全灭"),
    ("市场大棚顶上积了厚厚的雪，钢架子咯吱咯吱响，已经往下弯了", "坍塌倒塌"),
    ("塘埂在渗水，越渗越大，下面是几户人家", "危桥险库"),
    ("屋檐挂着一米多长的冰溜子，底下就是幼儿园大门口", "冰凌悬挂"),
    ("电瓶车推进电梯，电瓶突然嘭的一声冒烟了", "烟火迹象"),
    ("夜市烧烤摊的液化气罐阀门那着了，湿毛巾捂不灭", "液化气罐着火"),
    ("后山有人烧纸引燃了枯草，火线正往林子里走", "野火蔓延"),
    ("天桥台阶全结了冰，刚摔倒两个老人，还有人在走", "刚有人摔倒或险些出事"),
    ("幼儿园后墙草丛里有条一米多长的蛇，孩子们在院子里玩", "蛇或野兽出没"),
    ("整栋楼突然断电，家里老人靠制氧机呼吸，备用电池快用完了", "停电危及病人"),
    ("实验楼窗户里冒出黄烟，有学生说喘不上气", "有毒气体突然飘来"),
    ("菜场门口那堵老围墙往外斜了快三十度，早市人就从底下过", "墙体杆件大型机械要倒"),
    ("隔壁工棚几个工人关着门烧炭盆取暖，喊了半天没人应", "密闭烧炭"),
    ("加油站旁边一帮小孩在放窜天猴，有一个飞到加油机那边去了", "烟花爆竹险情"),
    ("楼下烧烤店后厨窗户往外窜红光，黑烟往我家阳台灌", "明火迹象"),
    ("走廊里一股刺鼻气味，已有七八个学生说眼睛疼", "多人同时不适"),
    ("店里一个老人吃汤圆噎住了，脸都发紫了", "有人倒地或突发急病"),
    ("庙会那边人太多，桥上挤得动不了，栏杆都在晃", "人群拥挤踩踏"),
    ("水库放水了，河水涨得好快，河滩上还有几个人在钓鱼", "河水暴涨有人"),
    ("工地吊车吊着一捆钢筋从马路上头过，底下行人照样走", "高处物件要掉"),
    ("积水里泡着根电缆，刚一条狗蹚过去抽了一下就倒了", "电线裸露或漏电"),
])
def test_dangers_described_without_their_usual_word_are_urgent(text, reason):
    assert reason in classify(text).urgent_reasons, classify(text)


@pytest.mark.parametrize("text", [
    "隔壁砖厂的烟囱天天冒黑烟",                  # a factory's smoke is a fumes case
    "一到晚上就飘来一股焦糊味，不知道谁在烧东西",   # a smell that comes every night
    "谢谢民警帮我们找回了走失的老人",              # the missing person is found
    "我家狗走丢了，有人看到吗",                    # a pet, not a person
    "看新闻说外地有个小区煤气爆炸了，我们这儿的管子也很旧",
    "听朋友讲城西有栋楼塌了，是真的吗",
    "老人走失了该先找谁，想提前问问",
    "漏电保护器在哪里能买到",
])
def test_a_danger_elsewhere_over_or_only_asked_about_is_not_urgent(text):
    assert not classify(text).urgent, classify(text)


def test_smoke_from_a_fire_is_a_safety_case_not_fumes():
    result = classify("楼道里全是烟，呛得睁不开眼，我们下不去了")
    assert result.urgent and result.category == "safety", result
    assert classify("楼下饭店的油烟呛得睁不开眼").category == "fumes"


@pytest.mark.parametrize("text", ["外墙砖松了几块，担心以后掉下来砸到人", "招牌的铁架子锈穿了，怕刮大风掉下来"])
def test_a_fear_a_few_words_before_the_danger_is_not_a_danger_happening(text):
    assert not classify(text).urgent, classify(text)


def test_an_e_bike_is_not_an_electric_shock():
    # 被电 (shocked) is inside 被电动车: the pavement blocked by e-bikes is no electrical danger
    assert not classify("人行道被电动车停满了，根本过不去").urgent
    assert "电线裸露或漏电" in classify("小孩摸了一下电箱，被电了一下").urgent_reasons


def test_a_word_class_stands_for_each_of_its_words(tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(
        "words:\n  高处物: [招牌, 外机]\n  要掉: [晃来晃去, 只剩*挂]\n"
        "rules:\n  - name: 要掉\n    any: [\"{高处物}*{要掉}\"]\n    with: [底下]\n",
        encoding="utf-8",
    )
    rules = load_urgency(path)
    assert rules.assess("四楼的外机只剩一个角挂着,底下是路").urgent
    assert rules.assess("招牌在风里晃来晃去,底下全是人").urgent
    assert not rules.assess("招牌旧了,底下全是人").urgent


def test_a_phrase_naming_an_unknown_word_class_is_refused(tmp_path):
    from bot.nlp.rulefiles import RuleFileError
    path = tmp_path / "u.yaml"
    path.write_text("rules:\n  - name: x\n    any: [\"{没有的}*掉\"]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="没有的"):
        load_urgency(path)


def test_a_rule_given_a_key_twice_is_refused_not_cut_to_its_last_one(tmp_path):
    # YAML's own reading keeps the second `unless:` and drops the first without a word
    from bot.nlp.rulefiles import RuleFileError
    path = tmp_path / "u.yaml"
    path.write_text("rules:\n  - name: x\n    unless: [刹车声]\n    any: [急刹]\n    unless: [经常]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"(?s)u\.yaml.*'unless' is written twice.*line 5"):
        load_urgency(path)


def test_a_danger_with_a_category_files_the_message_there_when_it_is_the_first_that_fires(tmp_path):
    from bot.nlp.classify import Classifier
    from bot.nlp.rulefiles import CATEGORIES_FILE, RuleFileError, load_categories

    path = tmp_path / "u.yaml"
    path.write_text("rules:\n  - name: 电梯\n    any: [电梯*往下掉]\n"
                    "  - name: 倒地\n    category: safety\n    any: [倒地不动]\n", encoding="utf-8")
    clf = Classifier(load_categories(CATEGORIES_FILE), load_urgency(path))
    assert clf.classify("健身器材边上有个老人倒地不动").category == "safety"  # the rules' words say facility
    assert clf.classify("电梯突然往下掉，里面有个老人倒地不动").category == "utility"  # the lift comes first in the file
    path.write_text("rules:\n  - name: 倒地\n    category: 急救\n    any: [倒地不动]\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match="急救"):
        Classifier(load_categories(CATEGORIES_FILE), load_urgency(path))


@pytest.mark.parametrize("text", [
    "关于湖滨路段临水护栏缺失亟需增设的建议",       # a proposal, not a report of danger now
    "咨询：高空抛物现在是不是入刑了？要怎么取证",
    "關於老城區多處危樓無人居住存在坍塌隱患的反映",
    "金地花园电梯近一月困人三次亟待解决",
    "举报A6区永丰化工厂排放刺鼻气体，附近居民头晕恶心",     # a standing nuisance: fumes, not a leak now
    "花坛边上塌了一角好几个月了，砖头散一地没人修",
    "小区人工湖边上没有护栏，小孩那么多，迟早要出事",
    "昨天有人从楼上扔了个西瓜皮下来，差点砸到我，今天倒没再扔",
    "学校门卫：前天有只野猪跑进操场，已被林业站带走，现在没事了",
])
def test_proposals_standing_hazards_fears_and_tallies_of_past_trouble_are_not_urgent(text):
    assert not classify(text).urgent, classify(text)


@pytest.mark.parametrize("text, urgent", [
    ("上个月电梯困人四十分钟才来人，好在里面的人没事，想问能不能换物业", False),
    ("去年冬天那场大雪把车棚压塌了，到现在还没重建", False),
    ("上周脚手架掉钢管砸坏了一辆车，工地现在照常施工", False),
    ("去年电梯就困过人，今天又困人了，里面有个老人", True),
    ("楼道里有人泼东西 一股汽油味 那个人还在楼上没走", True),
    ("地铁口那个扶梯突然倒着往下跑，上面好多人摔成一堆了", True),
    ("丽景湾2栋电梯今晨困住5人至今未救出请求紧急救援", True),     # 未救出 is not 救出
    ("物业报：2号楼电梯困人一次，已于20分钟内救出，无人受伤", False),
    ("那KTV天天整到后半夜三点，吵得要爆炸了", False),
    ("樓梯間堆滿雜物 著火了都跑不出去", False),                 # a hazard told as what would happen
    ("某某村自建房地基被水冲空，整栋房子在往河里歪", True),
    ("XX小区一楼商铺装修把承重墙砸了，楼上住户墙面正在开裂", True),
    ("咨询：燃气泄漏报警器是否必须由燃气公司安装", False),
    ("XX城中村握手楼间距太小，发生火灾消防车进不来", False),
    ("某某桥头路面塌陷处已用锥桶围起来，希望尽快修复", False),
])
def test_a_danger_told_of_in_the_past_is_over_and_a_look_alike_is_not_one(text, urgent):
    # a time gone by earlier in the sentence denies it, unless the sentence comes back to now
    assert classify(text).urgent is urgent, classify(text)


def test_a_fear_between_the_thing_and_what_it_does_is_read():
    # the gap phrase 瓷砖*掉 starts at the tiles; the fear stands before the falling
    assert not classify("外墙瓷砖松了好几块怕哪天掉下来").urgent
    assert classify("外墙瓷砖松了好几块刚才掉下来一块").urgent


@pytest.mark.parametrize("text, urgent", [
    ("河边步道的栏杆被昨天的大水冲断了一截，小孩子天天在那边玩", True),  # broken yesterday, broken now
    ("昨天路口的井盖被人偷了，现在一个大洞敞着，晚上骑车的看不见", True),
    ("上个月电梯困人四十分钟才来人，好在里面的人没事", False),  # an event, over
])
def test_a_lasting_state_begun_in_the_past_is_still_a_danger_and_an_event_is_not(text, urgent):
    """`lasting: true` rules (a rail gone, a cover missing) ignore the past guard: 昨天 says when
    the state began, not that it is over."""
    assert classify(text).urgent is urgent


def test_a_stroke_years_ago_is_a_question_about_a_certificate_not_an_emergency():
    result = classify("请问残疾证怎么办？我爸中风以后半边身子动不了，听说办了证有补助。")
    assert not result.urgent and result.category == "other"


def test_the_words_of_a_danger_are_the_residents_stretch_and_come_before_the_categorys():
    # two phrases that overlap (往下垮, 垮泥巴) read as written; a gap rule (随时*被埋) as its
    # whole stretch; the category's word (垮) is not said twice
    result = classify("后山往下垮泥巴，随时可能被埋")
    assert result.danger_words == ("往下垮泥巴", "随时可能被埋")
    assert result.shown == ("往下垮泥巴", "随时可能被埋")
    lift = classify("电梯突然下坠，里面还有人")
    assert lift.shown == ("电梯突然下坠",)
    assert classify("楼下烧烤店油烟太大").danger_words == ()


def test_the_danger_models_ngrams_are_shown_as_the_whole_words_they_cut():
    from bot.nlp.urgency import Urgency

    heard = Urgency(True, ("个老", "一个"), ("描述像是眼前的险情",))
    assert heard.told("前两天一个老太太绊倒了") == ("一个老太太",)
    assert Urgency(False, ("个老",)).told("一个老太太") == ()


def test_a_supporting_word_must_stand_apart_from_at_least_one_of_the_dangers_words():
    from bot.nlp.urgency import UrgencyRule

    negation = load_urgency().negation
    cough = UrgencyRule("毒气", ("一直咳",), with_=("咳嗽",))
    assert cough.fires("小孩一直咳嗽不停", negation) == ()  # 咳嗽 is the same word as 一直咳
    assert cough.fires("突然一直咳，还咳嗽", negation)  # a cough told twice, the second apart
    crack = UrgencyRule("裂缝", ("墙上的缝", "缝*塞进"), with_=("塞进",))
    assert crack.fires("墙上的缝都能塞进手指头了", negation)  # 塞进 stands apart from 墙上的缝
