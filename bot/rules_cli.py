"""`gridbot rules …`: measure the rules, learn from staff corrections, fit optional weights.

    gridbot rules eval FILE.csv [FILE.csv …] [--no-weights | --weights W] [--errors]
    gridbot rules export OUT.csv              the corrections staff made, as a labelled CSV
    gridbot rules suggest [--csv FILE …]      proposed YAML changes, with what each fixes and breaks
    gridbot rules train [--csv FILE …] [--out W]   weights beside the rules (needs scikit-learn)
    gridbot rules train-urgency [FILE.csv …] [--dangers F] [--ordinary F]   the danger model beside
                                              rules/urgency.yaml, refitted with the staff's 标为紧急 /
                                              不算紧急 (needs scikit-learn)
    gridbot rules train-category [FILE.csv …] [--messages F]   the category model beside
                                              rules/categories.yaml, refitted with the staff's 改类别
                                              (needs scikit-learn)

`eval` is pure text work; the others read the corrections from the database (DATABASE_URL).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.nlp.classify import MATCHING, Classifier
from bot.nlp.evaluate import Labelled, evaluate, format_report, read_labelled
from bot.nlp.rulefiles import CATEGORIES_FILE

MIN_TRAINING = 10  # fewer labelled examples than this teach nothing worth a weights file


def add_parser(sub: argparse._SubParsersAction) -> None:
    rules = sub.add_parser("rules", help="measure the rules, suggest changes from corrections, train weights")
    cmd = rules.add_subparsers(dest="rules_command", required=True)
    ev = cmd.add_parser("eval", help="accuracy, precision/recall per category and confusions on labelled CSV")
    ev.add_argument("files", nargs="+", type=Path, help="CSV with text,category[,urgent]")
    ev.add_argument("--no-weights", action="store_true",
                    help="the rules alone, even if a weights file or a category model exists")
    ev.add_argument("--weights", type=Path, help="a weights file (default: the one beside the rules, if any)")
    ev.add_argument("--matching", choices=MATCHING, default="overlap", help=argparse.SUPPRESS)
    ev.add_argument("--errors", action="store_true", help="list the messages classified wrongly")
    ex = cmd.add_parser("export", help="write the staff corrections as CSV (text,category,…)")
    ex.add_argument("out", type=Path)
    sg = cmd.add_parser("suggest", help="propose keywords and exclusions from the corrections (prints YAML)")
    sg.add_argument("--csv", action="append", type=Path, default=[], help="also these labelled files")
    sg.add_argument("--no-db", action="store_true", help="only the --csv files, not the database")
    sg.add_argument("--min-fixes", type=int, default=2, help="a proposal must fix at least this many (2)")
    sg.add_argument("--limit", type=int, default=20)
    tr = cmd.add_parser("train", help="fit weights over the rules' evidence into a weights file")
    tr.add_argument("--csv", action="append", type=Path, default=[], help="also these labelled files")
    tr.add_argument("--no-db", action="store_true", help="only the --csv files, not the database")
    tr.add_argument("--out", type=Path, help="where to write (default: weights.json beside the rules)")
    tr.add_argument("--folds", type=int, default=5, help="k for the cross-validated estimate (0: none)")
    tu = cmd.add_parser("train-urgency", help="fit the danger model (a second opinion on urgency) from labelled text")
    tu.add_argument("files", nargs="*", type=Path, help="CSV with text,category,urgent")
    tu.add_argument("--dangers", action="append", type=Path, default=[],
                    help="lines '1 text' (a present danger) or '0 text' (not)")
    tu.add_argument("--ordinary", action="append", type=Path, default=[],
                    help="lines 'category text': ordinary messages, not urgent unless the rules say so")
    tu.add_argument("--no-db", action="store_true", help="only these files, not the staff's 标为紧急 / 不算紧急")
    tu.add_argument("--out", type=Path, help="where to write (default: the model file urgency.yaml names)")
    tc = cmd.add_parser("train-category", help="fit the category model (a second opinion when the rules find nothing)")
    tc.add_argument("files", nargs="*", type=Path, help="CSV with text,category")
    tc.add_argument("--messages", action="append", type=Path, default=[],
                    help="lines 'category text' (tests/everyday_messages.txt)")
    tc.add_argument("--no-db", action="store_true", help="only these files, not the staff's 改类别")
    tc.add_argument("--out", type=Path, help="where to write (default: the model file categories.yaml names)")


def run_eval(args: argparse.Namespace) -> int:
    weights = False if args.no_weights else (args.weights or True)
    try:
        clf = Classifier.from_files(weights=weights, matching=args.matching, category_model=not args.no_weights)
    except (OSError, ValueError) as exc:
        print(f"cannot read the weights file: {exc}", file=sys.stderr)
        return 2
    if clf.learned is not None:
        meta = clf.learned.meta
        print(f"with learned weights (trained {meta.get('trained_at', '?')} on {meta.get('examples', '?')} examples)")
    if clf.rules.model is not None:
        meta = clf.rules.model.model.meta
        print(f"with the category model (trained {meta.get('trained_at', '?')} on {meta.get('examples', '?')} "
              "messages), asked when the rules find nothing")
    status = 0
    for path in args.files:
        try:
            rows = read_labelled(path)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 2
            continue
        if not rows:
            print(f"{path}: no labelled rows (columns text,category[,urgent])", file=sys.stderr)
            status = 2
            continue
        results = [clf.classify(r.text) for r in rows]
        report = evaluate(clf, rows, results)
        print(f"== {path}")
        print(format_report(report))
        if args.errors:
            print("\nerrors (label → classifier):")
            for row, res in zip(rows, results):
                if row.category != res.category:
                    print(f"  [{row.category}→{res.category}] {row.text}  {'、'.join(res.matched)}")
        print(json.dumps(report.summary(), ensure_ascii=False))
    return status


def _files(paths: list[Path]) -> tuple[list[Labelled], list[str]]:
    rows, names = [], []
    for path in paths:
        got = read_labelled(path)
        rows += got
        names.append(f"{len(got)} from {path.name}")
    return rows, names


async def _corrections(settings, use_db: bool, *, urgency: bool = False) -> list:
    """The staff's corrections in the database: categories as Labelled, or (text, urgent)."""
    if not use_db:
        return []
    from bot.db import database, migrate
    from bot.workflow.corrections import labelled_examples, urgency_examples

    await migrate(settings.database_url)
    async with database(settings.database_url):
        return await (urgency_examples() if urgency else labelled_examples())


async def run_export(settings, args: argparse.Namespace) -> int:
    from bot.db import database, migrate
    from bot.workflow.corrections import export_csv

    await migrate(settings.database_url)
    async with database(settings.database_url):
        n = await export_csv(args.out)
    print(f"{args.out}: {n} corrections")
    return 0


async def run_suggest(settings, args: argparse.Namespace) -> int:
    from bot.nlp.suggest import format_proposals, suggest

    rows, names = _files(args.csv)
    corrections = await _corrections(settings, not args.no_db)
    rows = corrections + rows
    if not rows:
        print("no labelled examples yet: staff corrections (改类别) are kept as they happen", file=sys.stderr)
        return 1
    clf = Classifier.from_files(weights=False, category_model=False)
    wrong = sum(clf.classify(r.text).category != r.category for r in rows)
    proposals = suggest(clf, rows, min_fixes=args.min_fixes, limit=args.limit)
    sources = ", ".join([f"{len(corrections)} staff corrections"] * (not args.no_db) + names)
    print(format_proposals(proposals, examples=len(rows), wrong=wrong, sources=sources), end="")
    return 0


async def run_train(settings, args: argparse.Namespace) -> int:
    from bot.nlp import learned, train

    rows, names = _files(args.csv)
    corrections = await _corrections(settings, not args.no_db)
    rows = corrections + rows
    codes = {r.category for r in rows}
    if len(rows) < MIN_TRAINING or len(codes) < 2:
        print(f"{len(rows)} labelled examples in {len(codes)} categories: need at least {MIN_TRAINING} "
              "in two or more to train", file=sys.stderr)
        return 1
    clf = Classifier.from_files(weights=False, category_model=False)
    texts, labels = [r.text for r in rows], [r.category for r in rows]
    print(f"training on {len(rows)} examples ({', '.join([f'{len(corrections)} staff corrections'] + names)})")
    cv = {}
    smallest = min(labels.count(c) for c in codes)
    if args.folds >= 2 and len(rows) >= 2 * args.folds:
        fold = train.cross_validate(clf, texts, labels, k=args.folds)
        n = len(fold.gold)
        cv = {"folds": args.folds,
              "rules_accuracy": round(sum(a == b for a, b in zip(fold.gold, fold.rules)) / n, 4),
              "weights_accuracy": round(sum(a == b for a, b in zip(fold.gold, fold.learned)) / n, 4)}
        print(f"{args.folds}-fold cross-validation: rules alone {cv['rules_accuracy']:.3f}, "
              f"rules + weights {cv['weights_accuracy']:.3f}"
              + (" (some categories have fewer examples than folds)" if smallest < args.folds else ""))
    doc = train.fit(clf, texts, labels, meta={"rules": train.rules_digest(CATEGORIES_FILE), "cv": cv})
    out = args.out or learned.weights_path(CATEGORIES_FILE)
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{out}: {len(doc['features'])} weights for {len(doc['classes'])} categories")
    if cv and cv["weights_accuracy"] < cv["rules_accuracy"]:
        print("note: the weights do worse than the rules alone on held-out folds; delete the file to go "
              "back to the rules")
    return 0


def _lines(path: Path) -> list[tuple[str, str]]:
    """'head text' lines (comments and blank lines skipped)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and " " in line.strip():
            head, text = line.strip().split(" ", 1)
            out.append((head, text))
    return out


async def run_train_urgency(settings, args: argparse.Namespace) -> int:
    from bot.nlp import train_urgency
    from bot.nlp.normalise import normalise
    from bot.nlp.rulefiles import read_yaml
    from bot.nlp.urgency import URGENCY_FILE, load_urgency

    texts: list[str] = []
    urgent: list[bool] = []
    try:
        for path in args.files:
            rows = [r for r in read_labelled(path) if r.urgent is not None]
            texts += [r.text for r in rows]
            urgent += [bool(r.urgent) for r in rows]
        for path in args.dangers:
            for head, text in _lines(path):
                if head in ("0", "1"):
                    texts.append(text)
                    urgent.append(head == "1")
        rules = load_urgency()
        rules.model = None  # "not urgent unless the rules say so": the rules alone, not the model being replaced
        for path in args.ordinary:
            for _, text in _lines(path):
                if not rules.assess(normalise(text)).urgent:
                    texts.append(text)
                    urgent.append(False)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    # The district's staff have the last word on their own residents' messages: a file's line of
    # the same text gives way to their 标为紧急 / 不算紧急.
    corrections = await _corrections(settings, not args.no_db, urgency=True)
    said = {text for text, _ in corrections}
    kept = [(t, u) for t, u in zip(texts, urgent) if t not in said]
    texts = [t for t, _ in corrections] + [t for t, _ in kept]
    urgent = [u for _, u in corrections] + [u for _, u in kept]
    if sum(urgent) < MIN_TRAINING or len(urgent) - sum(urgent) < MIN_TRAINING:
        print(f"{sum(urgent)} dangers and {len(urgent) - sum(urgent)} other messages: need at least "
              f"{MIN_TRAINING} of each to train", file=sys.stderr)
        return 1
    model = train_urgency.fit(texts, urgent)
    spec = (read_yaml(URGENCY_FILE) or {}).get("model") or {}
    out = args.out or URGENCY_FILE.parent / str(spec.get("file") or "urgency.model.json")
    out.write_text(json.dumps(model.document(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{out}: {len(model.document()['grams'])} weighted n-grams from {len(urgent)} messages "
          f"({sum(urgent)} dangers; {len(corrections)} staff corrections), threshold {model.threshold}")
    return 0


async def run_train_category(settings, args: argparse.Namespace) -> int:
    from bot.nlp import train_category
    from bot.nlp.rulefiles import load_categories, read_yaml

    try:
        rows = [(r.text, r.category) for path in args.files for r in read_labelled(path)]
        rows += [(text, code) for path in args.messages for code, text in _lines(path)]
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    known = set(load_categories().by_code)
    unknown = sorted({code for _, code in rows} - known)
    if unknown:
        print(f"categories the rules do not have: {', '.join(unknown)}", file=sys.stderr)
        return 2
    # The district's staff have the last word on their own residents' messages: a file's line of
    # the same text gives way to their 改类别.
    corrections = [(r.text, r.category) for r in await _corrections(settings, not args.no_db)]
    said = {text for text, _ in corrections}
    rows = corrections + [(t, c) for t, c in rows if t not in said]
    codes = {c for _, c in rows}
    if len(rows) < MIN_TRAINING or len(codes) < 2:
        print(f"{len(rows)} labelled messages in {len(codes)} categories: need at least {MIN_TRAINING} "
              "in two or more to train", file=sys.stderr)
        return 1
    model = train_category.fit([t for t, _ in rows], [c for _, c in rows])
    spec = (read_yaml(CATEGORIES_FILE) or {}).get("model") or {}
    out = args.out or CATEGORIES_FILE.parent / str(spec.get("file") or "categories.model.json")
    doc = model.document()
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{out}: {len(doc['grams'])} weighted n-grams for {len(doc['classes'])} categories from "
          f"{len(rows)} messages ({len(corrections)} staff corrections)")
    return 0
