"""How well the classifier does on labelled messages: `gridbot rules eval FILE.csv`.

A labelled file is CSV with the columns text,category[,urgent] (a header row naming them, or
those three in that order without one); other columns are ignored. Pure: rows in, figures out.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.nlp.classify import Classification, Classifier

__all__ = ["Labelled", "Report", "evaluate", "format_report", "read_labelled"]


@dataclass(frozen=True)
class Labelled:
    text: str
    category: str
    urgent: bool | None = None  # None: the file does not say


def read_labelled(path: Path) -> list[Labelled]:
    """The rows of a labelled CSV file; rows without text or category are skipped."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return []
    head = [c.strip().lower() for c in rows[0]]
    if "text" in head and "category" in head:
        ti, ci = head.index("text"), head.index("category")
        ui = head.index("urgent") if "urgent" in head else None
        rows = rows[1:]
    else:
        ti, ci, ui = 0, 1, 2
    out = []
    for row in rows:
        if len(row) <= max(ti, ci) or not row[ti].strip() or not row[ci].strip():
            continue
        urgent = None
        if ui is not None and len(row) > ui and row[ui].strip() in ("0", "1"):
            urgent = row[ui].strip() == "1"
        out.append(Labelled(row[ti], row[ci].strip(), urgent))
    return out


@dataclass
class Report:
    n: int
    correct: int
    codes: list[str]                                  # categories in the rule file's order
    confusion: Counter = field(default_factory=Counter)  # (gold, predicted) → count
    urgent_gold: int = 0
    urgent_caught: int = 0
    urgent_flagged: int = 0
    low_confidence: int = 0
    unknown: Counter = field(default_factory=Counter)  # gold labels the rules do not have

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else 0.0

    def support(self, code: str) -> int:
        return sum(n for (g, _), n in self.confusion.items() if g == code)

    def predicted(self, code: str) -> int:
        return sum(n for (_, p), n in self.confusion.items() if p == code)

    def precision(self, code: str) -> float:
        p = self.predicted(code)
        return self.confusion[(code, code)] / p if p else 0.0

    def recall(self, code: str) -> float:
        s = self.support(code)
        return self.confusion[(code, code)] / s if s else 0.0

    @property
    def urgent_recall(self) -> float | None:
        return self.urgent_caught / self.urgent_gold if self.urgent_gold else None

    def summary(self) -> dict:
        """The headline figures, for scripts."""
        return {
            "n": self.n, "accuracy": round(self.accuracy, 4),
            "other_precision": round(self.precision("other"), 4) if "other" in self.codes else None,
            "urgent_recall": None if self.urgent_recall is None else round(self.urgent_recall, 4),
            "urgent": f"{self.urgent_caught}/{self.urgent_gold}", "urgent_flagged": self.urgent_flagged,
        }


def evaluate(clf: Classifier, rows: Sequence[Labelled],
             results: Iterable[Classification] | None = None) -> Report:
    codes = [code for code, _ in clf.categories()]
    report = Report(len(rows), 0, codes)
    results = list(results) if results is not None else [clf.classify(r.text) for r in rows]
    for row, res in zip(rows, results):
        if row.category not in codes:
            report.unknown[row.category] += 1
        report.confusion[(row.category, res.category)] += 1
        report.correct += row.category == res.category
        report.low_confidence += res.low_confidence
        report.urgent_flagged += res.urgent
        if row.urgent:
            report.urgent_gold += 1
            report.urgent_caught += res.urgent
    return report


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def format_report(report: Report) -> str:
    codes = report.codes + sorted(report.unknown)
    lines = [f"{report.n} labelled messages", ""]
    lines.append(f"{'category':<14}{'support':>8}{'predicted':>10}{'precision':>11}{'recall':>8}{'F1':>7}")
    f1s = []
    for code in codes:
        s, p = report.support(code), report.predicted(code)
        if not s and not p:
            continue
        pr, rc = report.precision(code), report.recall(code)
        if s:
            f1s.append(_f1(pr, rc))
        lines.append(f"{code:<14}{s:>8}{p:>10}{pr:>11.3f}{rc:>8.3f}{_f1(pr, rc):>7.3f}")
    lines.append("")
    lines.append(f"accuracy        {report.accuracy:.3f}  ({report.correct}/{report.n})")
    if f1s:
        lines.append(f"macro-F1        {sum(f1s) / len(f1s):.3f}  (over the {len(f1s)} categories present)")
    if "other" in report.codes:
        lines.append(f"other precision {report.precision('other'):.3f}  "
                     f"({report.confusion[('other', 'other')]}/{report.predicted('other')})")
    if report.urgent_recall is not None:
        lines.append(f"urgent recall   {report.urgent_recall:.3f}  ({report.urgent_caught}/{report.urgent_gold});"
                     f" flagged {report.urgent_flagged}")
    lines.append(f"low confidence  {report.low_confidence} (sent to triage)")
    if report.unknown:
        lines.append("labels that are no category of the rules: "
                     + ", ".join(f"{k} ×{v}" for k, v in report.unknown.most_common()))
    used = [c for c in codes if report.support(c) or report.predicted(c)]
    lines += ["", "confusion (rows: label, columns: classifier)"]
    short = [c[:6] for c in used]
    lines.append(" " * 14 + "".join(f"{s:>7}" for s in short))
    for gold in used:
        lines.append(f"{gold:<14}" + "".join(f"{report.confusion[(gold, p)] or '.':>7}" for p in used))
    return "\n".join(lines)
