"""PhraseMatcher and Negation: how rule words are found in text."""

from bot.nlp.phrases import Hit, Negation, PhraseMatcher


def test_longest_phrase_wins_at_a_position():
    m = PhraseMatcher(["油烟", "油烟机", "垃圾", "焚烧垃圾"])
    assert [h.phrase for h in m.find("油烟机坏了")] == ["油烟机"]
    assert [h.phrase for h in m.find("有人焚烧垃圾")] == ["焚烧垃圾"]
    assert [h.phrase for h in m.find("油烟味和垃圾")] == ["油烟", "垃圾"]


def test_hits_carry_positions():
    assert PhraseMatcher(["井盖"]).find("路边井盖丢了") == [Hit("井盖", 2, 4)]


def test_gap_phrase_stays_inside_one_clause():
    m = PhraseMatcher(["电梯*困"])
    assert [h.phrase for h in m.find("电梯里困了两个人")] == ["电梯*困"]
    assert m.find("电梯坏了,困扰我们很久") == []


def test_found_in():
    m = PhraseMatcher(["着火", "电箱*冒"])
    assert m.found_in("楼下着火了") and m.found_in("电箱在冒烟")
    assert not m.found_in("一切正常")


NEG = Negation(before=("没有", "不再", "不是"), fillers=("任何",), perceive=("闻不到",), after=("没了",))


def deny(text, phrase):
    start = text.index(phrase)
    return NEG.denies(text, Hit(phrase, start, start + len(phrase)))


def test_negation_cues_before_after_and_perceiving():
    assert deny("现在没有噪音了", "噪音")
    assert deny("没有任何噪音", "噪音")
    assert deny("再也闻不到楼下的油烟", "油烟")
    assert deny("噪音没了", "噪音")


def test_not_a_denial():
    assert not deny("没有人管噪音", "噪音")       # nobody acts: still a complaint
    assert not deny("噪音太大", "噪音")
    assert not deny("没有办法,噪音太大", "噪音")  # the cue is in another clause
    assert not deny("是不是燃气漏了", "燃气漏")    # a question whether it is, not a denial
    assert deny("不是燃气漏了", "燃气漏")


def test_hits_may_overlap_so_no_word_hides_another():
    m = PhraseMatcher(["长期停", "停水", "停电", "电梯"])
    assert [h.phrase for h in m.find("小区长期停水")] == ["长期停", "停水"]
    assert [h.phrase for h in m.find("物业关停电梯")] == ["停电", "电梯"]
    # the old scan consumed text: kept only for measuring what overlapping hits gained
    assert [h.phrase for h in m.find("小区长期停水", overlapping=False)] == ["长期停"]


def test_a_hit_inside_a_longer_one_is_not_found_twice():
    m = PhraseMatcher(["垃圾", "焚烧垃圾", "油烟", "油烟机"])
    assert [h.phrase for h in m.find("有人焚烧垃圾，垃圾满地")] == ["焚烧垃圾", "垃圾"]


def test_a_gap_phrase_inside_a_longer_plain_word_is_that_word():
    m = PhraseMatcher(["垃圾*焚烧", "垃圾焚烧厂"])
    assert [h.phrase for h in m.find("村边要建垃圾焚烧厂")] == ["垃圾焚烧厂"]
    assert [h.phrase for h in m.find("有人把垃圾拿去焚烧")] == ["垃圾*焚烧"]
    # the same stretch as a plain word is not inside a longer one: both stay
    assert [h.phrase for h in PhraseMatcher(["垃圾*焚烧", "垃圾焚烧"]).find("垃圾焚烧")] == ["垃圾焚烧", "垃圾*焚烧"]


def test_a_gap_phrase_is_tried_when_a_longer_first_part_stands_at_the_same_place():
    # 停在*路边's first part (停在) is the longest at 停: 停*人行道 must still be tried there
    matcher = PhraseMatcher(["停*人行道", "停在*路边"])
    assert [h.phrase for h in matcher.find("把车停在人行道上修")] == ["停*人行道"]


def test_a_gate_opens_a_list_only_when_all_parts_of_one_of_its_phrases_occur():
    from bot.nlp.phrases import Gate

    gate = Gate([["燃气*泄漏", "煤气味"], ["桥"], ["墙*裂"]])
    assert gate.open("燃气表那里好像泄漏了") == {0}
    assert gate.open("燃气费怎么交") == set()        # 燃气 without 泄漏
    assert gate.open("桥墩裂了") == {1}              # 桥 inside 桥墩 is seen; 墙 is not there
    assert gate.open("泄漏了，是燃气") == {0}        # the gate is loose on order: the matcher decides
    assert Gate([]).open("随便什么") == set()
