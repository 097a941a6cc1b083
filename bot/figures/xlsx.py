"""A small .xlsx writer for the assessment workbook: sheets of rows, a few styles, column widths
and a frozen corner — what bot/figures/export.py uses and nothing more.

openpyxl builds an object per cell and serializes it through a pure-Python XML writer: about
15 µs a cell, half a second for a district's month (a red-light sheet of thousands of rows).
Here a row is one string: the file is the same SpreadsheetML (Office Open XML, ECMA-376) that
Excel, WPS, LibreOffice and openpyxl read; strings are written inline (no shared-string table).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

# Styles by name: (font, fill, number format, alignment); their index is the cell's s="…".
PLAIN, HEAD, HEAD_WRAP, PERCENT, HOURS, WRAP_TOP, BOLD, TITLE = range(8)
_XFS = (
    (0, 0, 0, ""), (1, 2, 0, ""), (1, 2, 0, '<alignment wrapText="1" vertical="center"/>'), (0, 0, 164, ""),
    (0, 0, 165, ""), (0, 0, 0, '<alignment wrapText="1" vertical="top"/>'), (1, 0, 0, ""), (2, 0, 0, ""),
)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def column(n: int) -> str:
    """1 → A, 27 → AA."""
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


@dataclass
class Sheet:
    title: str
    rows: list[str] = field(default_factory=list)  # each already <row>…</row>
    widths: dict[int, float] = field(default_factory=dict)  # column (1-based) → width
    freeze: str | None = None  # the top-left cell that scrolls, e.g. "C2"

    def append(self, values: Sequence, styles: Sequence[int] | int = PLAIN) -> int:
        """Add a row; `styles` one per cell or one for all. Returns its number (1-based)."""
        r = len(self.rows) + 1
        cells = []
        for c, value in enumerate(values, start=1):
            if value is None:
                continue
            s = styles if isinstance(styles, int) else styles[c - 1] if c <= len(styles) else PLAIN
            style = f' s="{s}"' if s else ""
            ref = f"{column(c)}{r}"
            if isinstance(value, bool):
                cells.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
            else:
                text = escape(_NOT_XML.sub("", str(value)))
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        self.rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        return r

    def xml(self) -> str:
        view = '<sheetView workbookViewId="0"/>'
        if self.freeze:
            col, row = re.fullmatch(r"([A-Z]+)(\d+)", self.freeze).groups()
            x = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(col))) - 1
            y = int(row) - 1
            split = (f' xSplit="{x}"' if x else "") + (f' ySplit="{y}"' if y else "")
            pane = "bottomRight" if x and y else "topRight" if x else "bottomLeft"
            view = (f'<sheetView workbookViewId="0"><pane{split} topLeftCell="{self.freeze}" activePane="{pane}" '
                    f'state="frozen"/><selection pane="{pane}" activeCell="{self.freeze}" sqref="{self.freeze}"/>'
                    "</sheetView>")
        cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in sorted(self.widths.items()))
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS} xmlns:r="{_REL}">'
                f"<sheetViews>{view}</sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>"
                + (f"<cols>{cols}</cols>" if cols else "") + f"<sheetData>{''.join(self.rows)}</sheetData></worksheet>")


def _styles() -> str:
    xfs = "".join(
        f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
        + (' applyFont="1"' if font else "") + (' applyFill="1"' if fill else "")
        + (' applyNumberFormat="1"' if fmt else "") + (f' applyAlignment="1">{align}</xf>' if align else "/>")
        for font, fill, fmt, align in _XFS)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {_NS}>'
            '<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="0.0"/>'
            '</numFmts><fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="14"/><name val="Calibri"/></font>'
            '</fonts><fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid">'
            '<fgColor rgb="FFDDE7F3"/><bgColor indexed="64"/></patternFill></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(_XFS)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def workbook(sheets: Iterable[Sheet]) -> bytes:
    """The .xlsx file of these sheets, in order (the first is the one that opens)."""
    sheets = list(sheets)
    out = io.BytesIO()
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, len(sheets) + 1)) + "</Types>"))
        z.writestr("_rels/.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", head + (
            f'<workbook {_NS} xmlns:r="{_REL}"><bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(f'<sheet name="{escape(s.title, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1)) + "</sheets></workbook>"))
        z.writestr("xl/_rels/workbook.xml.rels", head + (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", _styles())
        for i, sheet in enumerate(sheets, start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet.xml())
    return out.getvalue()
