"""The category model: a second opinion asked only when the rules find nothing to go on."""

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from bot.nlp.category_model import CategoryModel, load
from bot.nlp.classify import Classifier
from bot.nlp.normalise import normalise
from bot.nlp.rulefiles import ModelSpec, RuleFileError, load_categories
from bot.nlp.urgency import load_urgency

# Invented: 冰溜子 (icicles) and 飞机 are words no rule holds; a model that learnt them says where
# they belong, and by how much.
GRAMS = {
    "冰溜": {"safety": 2.0}, "溜子": {"safety": 1.5}, "要掉": {"safety": 0.8},
    "飞机": {"noise": 2.5}, "低飞": {"noise": 1.0},
    "社保": {"other": 3.0},
}
CLASSES = ["noise", "safety", "other"]
EVERYDAY = Path(__file__).with_name("everyday_messages.txt")


def model(bias=(0.0, 0.0, 0.5)) -> CategoryModel:
    return CategoryModel(CLASSES, list(bias), GRAMS)


def classifier(m: CategoryModel | None, suggests: float = 0.3, decides: float = 0.6) -> Classifier:
    rules = load_categories()
    spec = ModelSpec(m, "相近说法", suggests, decides) if m is not None else None
    return Classifier(dataclasses.replace(rules, model=spec), load_urgency())


def test_the_opinion_is_the_class_its_ngrams_push_towards_with_the_residents_words():
    opinion = model().opinion(normalise("楼檐上的冰溜子一米多长，就挂在门上"))
    assert opinion.category == "safety"
    assert 0.5 < opinion.probability < 1.0
    assert opinion.words == ("冰溜子",)  # merged from 冰溜 and 溜子, as written
    nothing = model().opinion(normalise("今天天气不错"))
    assert nothing.category == "other" and nothing.words == ()  # the bias alone


def test_a_file_round_trips(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model().document(), ensure_ascii=False), encoding="utf-8")
    again = load(path)
    assert again.opinion(normalise("飞机低飞")) == model().opinion(normalise("飞机低飞"))
    path.write_text(json.dumps({"format": 9}), encoding="utf-8")
    with pytest.raises(ValueError):
        load(path)


def test_asked_only_when_the_rules_find_nothing():
    clf, alone = classifier(model()), classifier(None)
    told = "楼檐上的冰溜子一米多长，就挂在单元门正上方"
    assert alone.classify(told).category == "other" and alone.classify(told).low_confidence
    result = clf.classify(told)
    # the resident's words it read, then its name: staff know a resemblance chose, not a rule
    assert (result.category, result.decided_by, result.matched) == ("safety", "model", ("冰溜子", "相近说法"))
    assert result.scores[0][0] == "safety"
    # the rules' own words decide: 噪音 is named, whatever the model would say of 飞机
    named = "楼下工地噪音太大，吵得像飞机"
    assert clf.classify(named).category == alone.classify(named).category == "noise"
    assert clf.classify(named).decided_by != "model"
    # the rules' policy question stays theirs: 社保 is named for other
    assert clf.classify("社保卡怎么补办").decided_by != "model"


def test_from_suggests_it_is_for_the_dispatcher_to_check_and_from_decides_it_goes_on():
    told = "冰溜子挂在门上"
    p = model().opinion(normalise(told)).probability
    checked = classifier(model(), suggests=p - 0.01, decides=p + 0.01).classify(told)
    assert checked.category == "safety" and checked.low_confidence
    decided = classifier(model(), suggests=p - 0.01, decides=p - 0.01).classify(told)
    assert decided.category == "safety" and not decided.low_confidence
    ignored = classifier(model(), suggests=p + 0.01, decides=p + 0.01).classify(told)
    assert ignored.category == "other" and ignored.decided_by != "model"


def test_never_asked_for_a_danger_or_where_an_exclusion_spoke():
    clf = classifier(CategoryModel(CLASSES, [0.0, 0.0, 0.0], {**GRAMS, "路灯": {"noise": 5.0}, "着火": {"noise": 9.0}}))
    # a present danger is the danger rules' to file (safety), not the model's
    fire = clf.classify("对面楼着火了")
    assert fire.urgent and fire.category != "noise"
    # 路灯 + 几点亮 is a timetable question (an exclusion dropped facility): other, as the rules say
    timetable = clf.classify("小区外面的路灯晚上七点才亮，能否提前开灯？")
    assert timetable.category == "other" and timetable.decided_by != "model"
    # a nuisance the resident says is gone was read by the rules, and set aside
    smoky = classifier(CategoryModel(["fumes", "other"], [0.0, 0.0], {"油烟": {"fumes": 5.0}}))
    assert smoky.classify("楼下已经不再有油烟").decided_by != "model"
    assert smoky.classify("楼下已经不再有油烟").category == "other"


def test_the_rule_file_refuses_a_model_of_other_categories_and_thresholds_out_of_order(tmp_path):
    rules = (load_categories.__globals__["CATEGORIES_FILE"]).read_text(encoding="utf-8")
    (tmp_path / "categories.yaml").write_text(rules, encoding="utf-8")
    (tmp_path / "categories.model.json").write_text(
        json.dumps(CategoryModel(["noise", "weather"], [0.0, 0.0], {}).document()), encoding="utf-8")
    with pytest.raises(RuleFileError, match="weather"):
        load_categories(tmp_path / "categories.yaml")
    (tmp_path / "categories.yaml").write_text(rules.replace("  suggests: 0.3", "  suggests: 0.9"), encoding="utf-8")
    with pytest.raises(RuleFileError, match="suggests <= decides"):
        load_categories(tmp_path / "categories.yaml")
    (tmp_path / "categories.model.json").unlink()
    (tmp_path / "categories.yaml").write_text(rules, encoding="utf-8")
    assert load_categories(tmp_path / "categories.yaml").model is None  # no file: the rules alone


def test_the_shipped_model_is_fitted_on_the_everyday_messages_as_they_are():
    # each line added to tests/everyday_messages.txt is a message the model should know; refit with
    # `gridbot rules train-category --messages tests/everyday_messages.txt --no-db`
    spec = Classifier.default().rules.model
    assert spec is not None
    lines = [line for line in EVERYDAY.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    assert spec.model.meta["examples"] == len(lines)
    assert spec.model.meta["per_category"] == dict(sorted(Counter(line.split(" ", 1)[0] for line in lines).items()))
