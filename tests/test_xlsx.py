"""bot/figures/xlsx.py writes files that spreadsheet programs read as written: values and their
types, number formats, bold and filled headers, widths, the frozen corner; text stays text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.figures import xlsx


def test_what_is_written_reads_back():
    sheet = xlsx.Sheet("红灯工单", widths={1: 24, 7: 60}, freeze="C2")
    sheet.append(["编号", "比率", "用时"], xlsx.HEAD_WRAP)
    sheet.append(["YZ-1", 0.875, 6.25, None, 3, True, "'=HYPERLINK(\"x\")", "a\x00b<&>"],
                 [xlsx.PLAIN, xlsx.PERCENT, xlsx.HOURS, xlsx.PLAIN, xlsx.BOLD, xlsx.PLAIN, xlsx.WRAP_TOP])
    book = load_workbook(io.BytesIO(xlsx.workbook([xlsx.Sheet("说明"), sheet])))
    assert book.sheetnames == ["说明", "红灯工单"]
    ws = book["红灯工单"]
    assert [c.value for c in ws[2]] == ["YZ-1", 0.875, 6.25, None, 3, True, "'=HYPERLINK(\"x\")", "ab<&>"]
    assert ws["B2"].number_format == "0.0%" and ws["C2"].number_format == "0.0"
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb == "FFDDE7F3" and ws["A1"].alignment.wrap_text
    assert ws["E2"].font.b and ws["G2"].alignment.wrap_text and ws["G2"].data_type == "s"
    assert ws.freeze_panes == "C2" and ws.column_dimensions["A"].width == 24 and ws.column_dimensions["G"].width == 60
    assert book["说明"].max_row == 1 and ws.max_row == 2
    assert [xlsx.column(n) for n in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]
