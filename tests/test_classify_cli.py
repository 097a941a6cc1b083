"""`gridbot classify`: one text, or a JSONL file in order, as JSON."""

import io
import json

from bot.classify_cli import classify_jsonl
from bot.cli import main


def test_one_text_prints_one_json_object(capsys):
    assert main(["classify", "樓下餐廳油煙太大，南海街12号"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["category"] == "fumes" and "油烟" in out["matched"] and "12号" in out["places"]
    assert {"confidence", "scores", "urgent"} <= out.keys()


def test_jsonl_keeps_the_order_and_survives_a_bad_line():
    source = io.StringIO('{"text": "楼上半夜噪音"}\nnot json\n{"text": "闻到很浓的煤气味"}\n{"id": 3}\n')
    out = io.StringIO()
    assert classify_jsonl(source, out, io.StringIO()) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("category") for r in rows] == ["noise", None, "safety", None]
    assert rows[1]["error"].startswith("line 2") and rows[3]["error"].startswith("line 4")
    assert rows[2]["urgent"] is True
