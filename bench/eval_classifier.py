"""Measure the complaint classifier against a labelled CSV (text,category,urgent[,confidence]).

    .venv/bin/python bench/eval_classifier.py [CSV] [--errors]

The labelled data stays outside the repository (its licence is unknown); by default it is read from
../shared/data/complaints_dev.csv relative to the repository root. `--errors` lists the messages
the classifier gets wrong, for working on the rules — never copy them into the rules.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.nlp.classify import Classifier  # noqa: E402

DEFAULT_CSV = REPO.parent / "shared" / "data" / "complaints_dev.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.DictReader(f) if row.get("text")]


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))
    parser.add_argument("--errors", action="store_true", help="list misclassified messages and missed urgents")
    args = parser.parse_args(argv)

    rows = read_rows(Path(args.csv))
    clf = Classifier.default()
    codes = [code for code, _ in clf.categories()]
    results = [(row, clf.classify(row["text"])) for row in rows]

    tp, fp, fn = Counter(), Counter(), Counter()
    confusions = Counter()
    for row, res in results:
        gold, pred = row["category"].strip(), res.category
        if gold == pred:
            tp[gold] += 1
        else:
            fp[pred] += 1
            fn[gold] += 1
            confusions[(gold, pred)] += 1

    print(f"{len(rows)} messages from {args.csv}\n")
    print(f"{'category':<14}{'support':>8}{'predicted':>10}{'precision':>11}{'recall':>8}{'F1':>7}")
    f1s = []
    for code in codes:
        support, predicted = tp[code] + fn[code], tp[code] + fp[code]
        p = tp[code] / predicted if predicted else 0.0
        r = tp[code] / support if support else 0.0
        if support:
            f1s.append(f1(p, r))
        print(f"{code:<14}{support:>8}{predicted:>10}{p:>11.3f}{r:>8.3f}{f1(p, r):>7.3f}")

    accuracy = sum(tp.values()) / len(rows)
    urgent_gold = [(row, res) for row, res in results if row.get("urgent", "0").strip() == "1"]
    urgent_pred = [res for _, res in results if res.urgent]
    caught = sum(res.urgent for _, res in urgent_gold)
    print(f"\naccuracy      {accuracy:.3f}  ({sum(tp.values())}/{len(rows)})")
    print(f"macro-F1      {sum(f1s) / len(f1s):.3f}  (over the {len(f1s)} categories present)")
    if urgent_gold:
        print(f"urgent recall {caught / len(urgent_gold):.3f}  ({caught}/{len(urgent_gold)});"
              f" flagged {len(urgent_pred)}, of which labelled urgent {caught}")
    low = sum(res.low_confidence for _, res in results)
    print(f"low-confidence (sent to triage) {low}")

    print("\ntop confusions (gold → predicted):")
    for (gold, pred), n in confusions.most_common(8):
        print(f"  {gold:>12} → {pred:<12} {n}")

    if args.errors:
        print("\nerrors:")
        for row, res in results:
            if row["category"].strip() != res.category:
                print(f"  [{row['category']}→{res.category}] {row['text']}  {res.scores[:3]} {res.matched}")
        print("\nurgent missed / extra:")
        for row, res in results:
            gold_urgent = row.get("urgent", "0").strip() == "1"
            if gold_urgent != res.urgent:
                print(f"  [gold {int(gold_urgent)} pred {int(res.urgent)}] {row['text']}  {res.urgent_words}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
