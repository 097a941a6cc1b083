"""Measure the complaint classifier against labelled CSV files (text,category[,urgent]).

    .venv/bin/python bench/eval_classifier.py [CSV ...] [--matching overlap|jieba|leftmost|all]
                                              [--no-weights | --weights FILE] [--errors]

The labelled data stays outside the repository (its licence is unknown); by default it is read from
../shared/data/complaints_dev.csv relative to the repository root. `--matching all` compares the
ways of finding rule words on the same files (the README's table). `--errors` lists the messages
the classifier gets wrong, for working on the rules — never copy them into the rules or tests.
The last line is a JSON summary per file.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.nlp.classify import MATCHING, Classifier  # noqa: E402
from bot.nlp.evaluate import evaluate, format_report, read_labelled  # noqa: E402

DEFAULT_CSV = REPO.parent / "shared" / "data" / "complaints_dev.csv"


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.DictReader(f) if row.get("text")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="*", default=[str(DEFAULT_CSV)])
    parser.add_argument("--matching", choices=[*MATCHING, "all"], default="overlap")
    parser.add_argument("--no-weights", action="store_true", help="the rules alone, even if weights.json exists")
    parser.add_argument("--weights", type=Path, help="a weights file other than the one beside the rules")
    parser.add_argument("--errors", action="store_true", help="list misclassified messages and missed urgents")
    args = parser.parse_args(argv)

    weights = False if args.no_weights else (args.weights or True)
    modes = MATCHING if args.matching == "all" else (args.matching,)
    summary = {}
    for path in map(Path, args.csv):
        rows = read_labelled(path)
        for mode in modes:
            clf = Classifier.from_files(weights=weights, matching=mode)
            results = [clf.classify(r.text) for r in rows]
            report = evaluate(clf, rows, results)
            label = f"{path.name} [{mode}{', weights' if clf.learned else ''}]"
            print(f"== {label}")
            print(format_report(report) if len(modes) == 1 else
                  f"accuracy {report.accuracy:.3f}, other precision {report.precision('other'):.3f}")
            summary[label] = report.summary()
            if args.errors:
                print("\nerrors:")
                for row, res in zip(rows, results):
                    if row.category != res.category:
                        print(f"  [{row.category}→{res.category}] {row.text}  {res.scores[:3]} {res.matched}")
                print("\nurgent missed / extra:")
                for row, res in zip(rows, results):
                    if row.urgent is not None and row.urgent != res.urgent:
                        print(f"  [gold {int(row.urgent)} pred {int(res.urgent)}] {row.text}  {res.urgent_words}")
            print()
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
