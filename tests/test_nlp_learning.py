"""Evaluating, suggesting and learned weights (bot.nlp.evaluate, .suggest, .train, .learned) on
invented sentences; the real labelled files are measured in bench/, never copied here."""

import json
import os
from pathlib import Path

import pytest

from bot.nlp import learned, train
from bot.nlp.classify import Classifier
from bot.nlp.evaluate import Labelled, evaluate, format_report, read_labelled
from bot.nlp.suggest import format_proposals, suggest

RULES = Classifier.from_files(weights=False)

# 潲水 (kitchen swill in Hunan and Sichuan) and 狗粮 are unknown to the shipped rules.
SWILL = [Labelled("饭店把潲水倒在路边", "sanitation"), Labelled("潲水桶放在楼道口好几天", "sanitation"),
         Labelled("早点铺的潲水流到马路上", "sanitation")]
KNOWN = [Labelled("楼上半夜跺脚噪音很大", "noise"), Labelled("楼下饭店油烟直排", "fumes"),
         Labelled("路灯坏了一个月", "facility"), Labelled("请问养老保险怎么补缴", "other")]


def test_labelled_csv_with_or_without_a_header(tmp_path):
    (tmp_path / "a.csv").write_text("id,text,category,urgent\n1,井盖丢了,facility,1\n2,,noise,0\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("油烟太大,fumes\n噪音,noise,0\n", encoding="utf-8")
    assert read_labelled(tmp_path / "a.csv") == [Labelled("井盖丢了", "facility", True)]
    assert read_labelled(tmp_path / "b.csv") == [Labelled("油烟太大", "fumes"), Labelled("噪音", "noise", False)]


def test_report_counts_precision_recall_confusions_and_urgent():
    rows = KNOWN + [Labelled("井盖丢了小孩差点掉进去", "facility", True), Labelled("这是什么", "pests")]
    report = evaluate(RULES, rows)
    assert report.n == 6 and report.correct == 5
    assert report.recall("facility") == 1.0 and report.precision("other") == 0.5  # 这是什么 → other
    assert report.confusion[("pests", "other")] == 1 and report.unknown == {"pests": 1}
    assert (report.urgent_gold, report.urgent_caught) == (1, 1)
    text = format_report(report)
    assert "accuracy        0.833  (5/6)" in text and "pests ×1" in text
    assert report.summary()["other_precision"] == 0.5


def test_suggest_proposes_the_missing_word_with_its_evidence():
    proposals = suggest(RULES, SWILL + KNOWN)
    swill = [p for p in proposals if p.category == "sanitation" and "潲水" in str(p.change)]
    assert swill and swill[0].fixes == 3 and swill[0].breaks == 0
    assert len(swill[0].fixed) == 3
    out = format_proposals(proposals, examples=7, wrong=3, sources="test")
    assert "潲水" in out and "fixes: 3" in out and "the rules get 3 of them wrong" in out


def test_suggest_picks_the_weight_that_fixes_without_breaking():
    # 潲水 named at 5 would win "潲水桶旁边有人占道经营" from 占道经营; lighter, it only adds up
    street = Labelled("潲水桶旁边有人占道经营", "street_order")
    assert RULES.classify(street.text).category == "street_order"
    proposals = [p for p in suggest(RULES, SWILL + KNOWN + [street]) if "潲水" in str(p.change)]
    assert proposals and proposals[0].breaks == 0 and proposals[0].fixes == 3
    (weight,) = proposals[0].change["keywords"]
    assert weight < 5
    assert all(p.fixes > p.breaks and p.fixes >= 2 for p in suggest(RULES, SWILL + [street]))
    assert suggest(RULES, []) == []


def _fit(rows, **kw):
    return train.fit(RULES, [r.text for r in rows], [r.category for r in rows], **kw)


def test_weights_round_trip_through_a_file_and_still_show_the_residents_words(tmp_path):
    rows = (SWILL + KNOWN) * 2
    doc = _fit(rows, min_df=1)
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    clf = Classifier.from_files(weights=path)
    assert clf.learned is not None and clf.learned.meta["examples"] == len(rows)
    result = clf.classify("小饭馆的潲水倒得到处都是")
    assert result.category == "sanitation" and result.decided_by == "weights"
    assert "潲水" in "".join(result.matched)  # the stretch of the message that decided
    assert clf.classify("楼上半夜跺脚").category == "noise"


def test_the_fast_scorer_gives_the_probabilities_of_the_training_features():
    # scoring finds the n-grams by one Aho-Corasick scan and reads the evidence features without
    # formatting their names; it must score exactly what `features` (the training's) describes
    import numpy as np

    from bot.nlp.normalise import normalise

    model = learned.from_document(_fit((SWILL + KNOWN) * 2, min_df=1))
    for text in [r.text for r in SWILL + KNOWN] + ["潲水桶旁边油烟噪音都有，路灯也坏了潲水潲水", "你好", ""]:
        ev = RULES.evidence(normalise(text))
        feats = learned.features(ev, model.sizes)
        logits = np.array(model.intercept) + sum(
            (value * model.matrix[model.index[name]] for name, value in feats.items() if name in model.index),
            np.zeros(len(model.classes)))
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        rows = {row for row in model.gram_hits(ev.text)}
        assert np.allclose(model.probabilities(ev, rows), expected), text


def test_words_shown_are_the_rules_when_the_weights_agree(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps(_fit((SWILL + KNOWN) * 2, min_df=1), ensure_ascii=False), encoding="utf-8")
    clf = Classifier.from_files(weights=path)
    # the weights agree on fumes; their n-grams alone would also show the stretch 下饭店油
    text = "楼下饭店油烟很大熏得人受不了"
    result, alone = clf.classify(text), RULES.classify(text)
    assert result.category == alone.category == "fumes" and result.decided_by == "weights"
    assert result.matched == alone.matched == ("油烟", "熏得", "楼下饭店")


def test_weights_file_beside_the_rules_is_used_when_present(tmp_path):
    for name in ("categories.yaml", "urgency.yaml"):
        (tmp_path / name).write_bytes((Path(learned.__file__).parent / "rules" / name).read_bytes())
    assert Classifier.from_files(tmp_path / "categories.yaml", tmp_path / "urgency.yaml").learned is None
    (tmp_path / "weights.json").write_text(json.dumps(_fit(SWILL + KNOWN, min_df=1)), encoding="utf-8")
    assert Classifier.from_files(tmp_path / "categories.yaml", tmp_path / "urgency.yaml").learned is not None
    (tmp_path / "weights.json").write_text('{"format": "something else"}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a GridBot weights file"):
        Classifier.from_files(tmp_path / "categories.yaml", tmp_path / "urgency.yaml")


def test_cross_validation_predicts_each_example_from_weights_fitted_without_it():
    rows = (SWILL + KNOWN) * 3
    fold = train.cross_validate(RULES, [r.text for r in rows], [r.category for r in rows], k=3, min_df=1)
    assert sorted(fold.gold) == sorted(r.category for r in rows)
    assert len(fold.rules) == len(fold.learned) == len(rows)


@pytest.mark.skipif(not os.path.exists(os.environ.get("GRIDBOT_LABELLED_CSV", "/nonexistent")),
                    reason="set GRIDBOT_LABELLED_CSV to a labelled file (kept outside the repository) to run")
def test_on_a_labelled_file_kept_outside_the_repository():
    rows = read_labelled(Path(os.environ["GRIDBOT_LABELLED_CSV"]))
    report = evaluate(RULES, rows)
    assert report.n == len(rows) and 0 <= report.accuracy <= 1
    print(format_report(report))
