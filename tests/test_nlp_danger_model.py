"""The danger model: a second opinion on urgency, asked only when no urgency rule fires."""

import json

import pytest

from bot.nlp.danger_model import DangerModel, load
from bot.nlp.normalise import normalise
from bot.nlp.phrases import Negation
from bot.nlp.urgency import UrgencyRule, UrgencyRules

# a model of two n-grams: a stretch told in the present (还在, 往下) is what it reads
MODEL = DangerModel(bias=-4.0, threshold=0.8, grams={"还在": 3.0, "往下": 2.5, "以后": -3.0})


def test_the_model_adds_the_weights_of_the_ngrams_a_message_holds():
    opinion = MODEL.opinion("墙皮还在往下掉")
    assert opinion.probability == pytest.approx(1 / (1 + 2.718281828 ** -(-4.0 + 3.0 + 2.5)), rel=1e-6)
    assert opinion.words == ("还在", "往下")                  # heaviest first, only those for a danger
    assert MODEL.urgent("墙皮还在往下掉") is not None
    assert MODEL.urgent("墙皮还在") is None                    # -1.0 (0.27): not enough
    assert MODEL.urgent("以后还在往下掉吗") is None            # a word against it


def test_the_model_speaks_only_where_no_rule_fired_and_never_for_a_danger_over():
    rules = UrgencyRules([UrgencyRule("着火", ("着火",))], Negation(), resolved=("已经修好",),
                         model=MODEL, model_name="像是眼前的险情")
    fired = rules.assess(normalise("楼下着火了，还在往下烧"))
    assert fired.reasons == ("着火",) and not rules.only_model(fired)
    heard = rules.assess(normalise("墙皮还在往下掉"))
    assert heard.urgent and heard.reasons == ("像是眼前的险情",) and heard.words == ("还在", "往下")
    assert rules.only_model(heard)
    assert not rules.assess(normalise("墙皮还在往下掉，已经修好了")).urgent
    assert not UrgencyRules(rules.rules, Negation()).assess(normalise("墙皮还在往下掉")).urgent  # no model


def test_the_model_hears_a_danger_in_one_sentence_not_across_a_long_message():
    # a long message's sentences about who writes and what was tried add n-grams no sentence holds
    rules = UrgencyRules([UrgencyRule("着火", ("着火",))], Negation(), model=MODEL, model_name="像是眼前的险情")
    assert rules.assess(normalise("墙皮还在往下掉。请快来人")).urgent          # the danger's own sentence
    assert not rules.assess(normalise("我家孩子还在上学。他们往下一届转了。")).urgent  # 还在 here, 往下 there
    assert MODEL.urgent(normalise("我家孩子还在上学。他们往下一届转了。")) is not None  # the whole text would pass


def test_a_model_file_round_trips(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(MODEL.document()), encoding="utf-8")
    again = load(path)
    assert again.urgent("墙皮还在往下掉").words == ("还在", "往下")
    path.write_text(json.dumps({**MODEL.document(), "format": 99}), encoding="utf-8")
    with pytest.raises(ValueError):
        load(path)


def test_the_shipped_model_hears_a_danger_no_rule_names():
    from bot.nlp.classify import classify

    # a slope giving way above an old people's home, in words no rule holds (a round-29 message)
    told = classify("我们村后山那个坡在往下流泥巴石头一个劲棍下来了下面就是敬老院老人们还在里面")
    assert told.urgent and told.category == "safety"


def test_the_models_word_alone_never_turns_a_nuisance_into_a_safety_case():
    from bot.nlp.classify import Classifier
    from bot.nlp.rulefiles import load_categories

    shipped = Classifier.default().urgency
    urgency = UrgencyRules(shipped.rules, shipped.negation, model=MODEL, model_name="像是眼前的险情")
    clf = Classifier(load_categories(), urgency)
    smoke = clf.classify("楼下烧烤店的油烟还在往下飘")   # the model hears 还在 + 往下
    assert smoke.urgent and smoke.category == "fumes"
    gas = clf.classify("楼道里一股很浓的煤气味")  # a rule: a smell that is a gas leak is a safety case
    assert gas.urgent and gas.category == "safety" and gas.urgent_reasons == ("燃气泄漏",)
