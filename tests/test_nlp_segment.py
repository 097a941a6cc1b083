"""Segmentation: jieba with the domain dictionary and the jurisdiction's place names."""

from bot.nlp import segment
from bot.nlp.segment import add_place_words, domain_words, tokens


def test_domain_words_stay_whole():
    # plain jieba cuts these into 飞线/充电, 占/道/经营, 广场/舞
    assert "飞线充电" in tokens("楼道里飞线充电很危险")
    assert "占道经营" in tokens("路边有人占道经营")
    assert "广场舞" in tokens("晚上广场舞太吵")


def test_domain_dictionary_ignores_comment_lines():
    words = domain_words()
    assert "油烟" in words and "井盖" in words
    assert not any(w.startswith("#") for w in words)


def test_place_names_added_at_start_become_one_token():
    name = "青杉坊二社区"  # invented: not in jieba's dictionary
    assert name not in tokens(f"{name}的路灯坏了")
    assert add_place_words([name]) == 1
    assert name in tokens(f"{name}的路灯坏了")


def test_place_names_are_normalised_before_adding():
    add_place_words(["翠溪灣三社區"])
    assert "翠溪湾三社区" in tokens("翠溪湾三社区门口有垃圾")


def test_tokens_normalise_first_and_drop_whitespace():
    assert tokens("樓下  油煙") == ["楼下", "油烟"]


def test_segmenter_is_private_and_built_once():
    import jieba

    first = segment._get_tokenizer()
    assert segment._get_tokenizer() is first
    assert first is not jieba.dt  # our words never change other code's segmentation


def test_boundaries_are_where_jieba_words_start_and_end():
    cuts = segment.boundaries("关停电梯")  # 关停 / 电梯
    assert {0, 2, 4} <= cuts and 1 not in cuts and 3 not in cuts
