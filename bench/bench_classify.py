"""Throughput of classify() against raw jieba.lcut on the same messages, in the same run.

    .venv/bin/python bench/bench_classify.py [CSV] [--seconds S]

Segmentation is the cost every Chinese text pipeline pays anyway, so it is the yardstick: the
target is classify() at ≥ 0.8× the messages per second of `jieba.lcut`. Both are warmed up first
(dictionary and rule loading are one-off costs, not per message) and timed in alternating rounds
so a noisy neighbour on the machine affects both alike; the figure is the median of the rounds'
paired ratios.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jieba  # noqa: E402

from bench.eval_classifier import DEFAULT_CSV, read_rows  # noqa: E402
from bot.nlp.classify import Classifier  # noqa: E402


def rate(fn, texts: list[str], seconds: float) -> float:
    """Messages per second of fn over texts, repeating passes for about `seconds`."""
    done, start = 0, time.perf_counter()
    while True:
        for t in texts:
            fn(t)
        done += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))
    parser.add_argument("--seconds", type=float, default=0.5, help="per timed pass")
    parser.add_argument("--rounds", type=int, default=9, help="rounds of one pass each")
    args = parser.parse_args(argv)

    texts = [row["text"] for row in read_rows(Path(args.csv))]
    jieba.setLogLevel(logging.WARNING)
    classifier = Classifier.default()
    for t in texts:  # warm-up: load jieba's dictionary, the rules and OpenCC's tables
        jieba.lcut(t)
        classifier.classify(t)

    # Each round times one pass of each, back to back, and gives one ratio: a neighbour's load or a
    # change of clock speed that lasts a second touches both sides of that ratio alike. The median
    # of the rounds' ratios is the figure; the best rates are shown for scale.
    seg, cls, ratios = [], [], []
    for _ in range(args.rounds):
        seg.append(rate(jieba.lcut, texts, args.seconds))
        cls.append(rate(classifier.classify, texts, args.seconds))
        ratios.append(cls[-1] / seg[-1])
    seg_rate, cls_rate = max(seg), max(cls)
    mean_len = sum(map(len, texts)) / len(texts)
    print(f"{len(texts)} messages, mean {mean_len:.1f} characters")
    print(f"jieba.lcut   {seg_rate:>9.0f} msg/s  ({1e6 / seg_rate:.1f} µs each, best of {args.rounds})")
    print(f"classify()   {cls_rate:>9.0f} msg/s  ({1e6 / cls_rate:.1f} µs each, best of {args.rounds})")
    ratio = statistics.median(ratios)
    print(f"rounds       {min(ratios):.2f}–{max(ratios):.2f}×")
    print(f"ratio        {ratio:.2f}×  (median of {args.rounds} paired rounds; target ≥ 0.80×) "
          f"{'OK' if ratio >= 0.8 else 'BELOW TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
