"""`gridbot classify`: what the rules make of a text, as JSON (for districts tuning rules)."""

from __future__ import annotations

import json
import sys
from typing import IO

from bot.nlp.classify import classify
from bot.nlp.places import extract_places


def result(text: str) -> dict:
    c = classify(text)
    return {
        "category": c.category,
        "label": c.label,
        "confidence": round(c.confidence, 3),
        "low_confidence": c.low_confidence,
        "scores": [[code, round(score, 3)] for code, score in c.scores],
        "matched": list(c.matched),
        "rule_words": list(c.phrases),
        "decided_by": c.decided_by,
        "urgent": c.urgent,
        "urgent_words": list(c.urgent_words),
        "danger_words": list(c.danger_words),
        "places": extract_places(text),
    }


def classify_one(text: str, out: IO[str] | None = None) -> int:
    out = out or sys.stdout
    print(json.dumps(result(text), ensure_ascii=False), file=out)
    return 0


def classify_jsonl(source: IO[str], out: IO[str] | None = None, err: IO[str] | None = None) -> int:
    """One JSON object per input line, in the same order; a bad line gets an error object
    rather than stopping the run. Progress goes to stderr for long files."""
    out, err = out or sys.stdout, err or sys.stderr
    lines = source.readlines()
    total = len(lines)
    show_progress = total >= 200 and err.isatty() if hasattr(err, "isatty") else False
    for i, line in enumerate(lines, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            text = json.loads(line)["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
            print(json.dumps(result(text), ensure_ascii=False), file=out)
        except (ValueError, KeyError, TypeError) as exc:
            print(json.dumps({"error": f"line {i}: {exc}"}, ensure_ascii=False), file=out)
        if show_progress and (i % 100 == 0 or i == total):
            bar = "#" * (30 * i // total)
            print(f"\r[{bar:<30}] {i}/{total}", end="", file=err, flush=True)
    if show_progress:
        print(file=err)
    return 0
