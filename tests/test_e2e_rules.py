"""Staff corrections teach the rules, end to end: the command centre and a grid worker change
categories through the card buttons of the real bot, then `gridbot rules export / suggest /
train / eval` run as commands against that same database."""

import asyncio
import csv
import json
import os
import sys
from pathlib import Path

from bot import texts
from bot.models import CategoryExample, Ticket, TicketEvent
from tests.e2e import COMMAND_CHAT, COMMANDER, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import card_in

GRIDBOT = Path(sys.executable).with_name("gridbot")

# Invented reports. 潲水 (kitchen swill, as Hunan and Sichuan call it) is a word the shipped rules do
# not know, so these go to the command centre's triage as 其他; if the rules ever learn it, pick
# another such word (they learnt 泔水 on 2 December 2026).
SWILL = [
    "南海街1号院门口饭店天天把潲水倒在路边",
    "南海街1号院小饭馆的潲水桶一直放在楼道口",
    "南海街1号院早点铺后门潲水流得到处都是",
]
STAIRWELL = "南海街1号院楼道里有人堆放纸箱杂物"  # the rules say 环境卫生; the worker: 安全隐患

# A few invented labelled sentences, as a district's own labelled file would be.
LABELLED = [
    ("楼上半夜跺脚噪音很大", "noise"), ("广场舞音响太吵了", "noise"), ("工地夜间施工吵得睡不着", "noise"),
    ("楼下饭店油烟直排", "fumes"), ("烧烤店油烟熏到家里", "fumes"), ("养猪场臭气熏天", "fumes"),
    ("小区垃圾站没人清理", "sanitation"), ("路边垃圾堆成山", "sanitation"), ("潲水倒进下水道发臭", "sanitation"),
    ("路灯坏了一个月", "facility"), ("井盖丢了很危险", "facility"), ("人行道地砖松动", "facility"),
]


async def gridbot(db_url: str, *argv: str) -> tuple[int, str]:
    """`gridbot ARGV…` as its own process against the test's database."""
    proc = await asyncio.create_subprocess_exec(
        str(GRIDBOT), *argv, env={**os.environ, "DATABASE_URL": db_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def recategorise_at_triage(h, number: str, label: str) -> None:
    commander = h.staff(COMMANDER, "冯晓燕")
    card = await h.api.wait_for(card_in(h, COMMAND_CHAT, number, with_button=texts.BTN_TRIAGE_CATEGORY))
    await h.api.press(commander, card, texts.BTN_TRIAGE_CATEGORY, chat_id=COMMAND_CHAT)
    picker = await h.api.wait_for_bot_message(
        COMMAND_CHAT, lambda m: texts.TRIAGE_PICK_CATEGORY.format(number=number) == m.get("text"))
    cb = await h.api.press(commander, picker, label, chat_id=COMMAND_CHAT)
    assert "第一网格" in (await h.api.wait_for_callback_answer(cb))["text"]  # categorised, then sent on


async def recategorise_on_card(h, number: str, label: str) -> None:
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_RECATEGORISE))
    await h.api.press(worker, card, texts.BTN_RECATEGORISE, chat_id=GRID_NHJ1_01_CHAT)
    picker = await h.api.wait_for_bot_message(
        GRID_NHJ1_01_CHAT, lambda m: texts.PICK_CATEGORY.format(number=number) == m.get("text"))
    cb = await h.api.press(worker, picker, label, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CATEGORY_CHANGED.format(category=label)
    await h.api.wait_for(lambda: any(number in (m.get("text") or "") and f"类别：{label}（依据：张丽改定）" in m["text"]
                                     for m in h.api.transcript(GRID_NHJ1_01_CHAT)))  # the card, edited


async def test_corrections_through_the_bot_feed_export_suggest_train_and_eval(harness, db_url, tmp_path):
    h = harness
    numbers = [await submit_report(h, h.resident(5550001 + i, f"居民{i}"), text) for i, text in enumerate(SWILL)]
    for number in numbers:
        assert (await Ticket.get(number=number)).category == "other"
        await recategorise_at_triage(h, number, "环境卫生")
    stairwell = await submit_report(h, h.resident(5550009, "居民九"), STAIRWELL)
    assert (await Ticket.get(number=stairwell)).category == "sanitation"
    await recategorise_on_card(h, stairwell, "安全隐患")

    examples = await CategoryExample.all().order_by("id")
    assert [(e.from_category, e.to_category, e.source) for e in examples] == \
        [("other", "sanitation", "triage")] * 3 + [("sanitation", "safety", "card")]
    assert examples[-1].text == STAIRWELL and examples[-1].staff_user_id == WORKER_NHJ1_01
    assert await TicketEvent.filter(action="recategorised").count() == 4

    # export: the corrections as a labelled file
    exported = tmp_path / "corrections.csv"
    rc, out = await gridbot(db_url, "rules", "export", str(exported))
    assert rc == 0, out
    with open(exported, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["text"], r["category"], r["source"]) for r in rows] == \
        [(t, "sanitation", "triage") for t in SWILL] + [(STAIRWELL, "safety", "card")]

    # suggest: 潲水 for 环境卫生, with its evidence
    rc, out = await gridbot(db_url, "rules", "suggest")
    assert rc == 0, out
    import yaml

    proposals = yaml.safe_load(out)["proposals"]
    swill = [p for p in proposals if p["category"] == "sanitation"
             and any("潲水" in words for words in (p.get("keywords") or {}).values())]
    assert swill, out
    assert swill[0]["fixes"] == 3 and swill[0]["breaks"] == 0
    assert "4 labelled examples (4 staff corrections)" in out

    # train: the corrections plus a labelled file of the district's, into a weights file
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("text", "category"), *LABELLED])
    weights = tmp_path / "weights.json"
    rc, out = await gridbot(db_url, "rules", "train", "--csv", str(labelled), "--out", str(weights), "--folds", "2")
    assert rc == 0, out
    assert "training on 16 examples (4 staff corrections, 12 from labelled.csv)" in out
    assert "2-fold cross-validation" in out
    doc = json.loads(weights.read_text(encoding="utf-8"))
    assert doc["format"] == "gridbot-weights/1" and doc["meta"]["examples"] == 16
    assert set(doc["classes"]) == {"sanitation", "safety", "noise", "fumes", "facility"}
    # a category the weights never saw (no 其他 among these examples) stays the rules' to decide
    from bot.nlp.classify import Classifier

    with_weights = Classifier.from_files(weights=weights)
    assert with_weights.classify("请问养老保险怎么补缴").category == "other"
    assert with_weights.classify(SWILL[0]).category == "sanitation"

    # eval: the rules alone get the corrections wrong; with the weights they do better
    rc, alone = await gridbot(db_url, "rules", "eval", str(exported), "--no-weights")
    assert rc == 0, alone
    rc, learned = await gridbot(db_url, "rules", "eval", str(exported), "--weights", str(weights))
    assert rc == 0, learned
    assert "confusion (rows: label, columns: classifier)" in alone
    before = json.loads(alone.strip().splitlines()[-1])
    after = json.loads(learned.strip().splitlines()[-1])
    assert before["accuracy"] == 0.0 and after["accuracy"] > before["accuracy"]
    assert "with learned weights" in learned


async def test_rules_commands_say_what_is_missing(db_url, tmp_path):
    rc, out = await gridbot(db_url, "rules", "train")
    assert rc == 1 and "need at least 10" in out
    rc, out = await gridbot(db_url, "rules", "suggest")
    assert rc == 1 and "no labelled examples yet" in out
    empty = tmp_path / "empty.csv"
    empty.write_text("text,category\n", encoding="utf-8")
    rc, out = await gridbot(db_url, "rules", "eval", str(empty))
    assert rc == 2 and "no labelled rows" in out


async def test_train_urgency_writes_a_model_that_hears_dangers_told_like_its_examples(tmp_path):
    # invented examples: dangers told in the present, and ordinary messages about the same things
    dangers = tmp_path / "dangers.txt"
    now = ["还在往下掉", "还在往外冒", "还在往上窜", "底下还有人", "正在往下沉", "刚才往下砸"]
    things = ["墙皮", "黑水", "火苗", "石块", "楼板", "砖头"]
    lines = [f"1 {t}{n}，快来人" for t in things for n in now]
    lines += [f"0 {t}的事想咨询一下，以后{n[2:]}怎么办" for t in things for n in now]
    dangers.write_text("# invented\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model.json"
    code, said = await gridbot("sqlite://:memory:", "rules", "train-urgency", "--dangers", str(dangers), "--out", str(out))
    assert code == 0, said
    assert "36 dangers" in said
    from bot.nlp.danger_model import load

    model = load(out)
    assert model.urgent("瓦片还在往下掉，快来人") is not None       # a thing it never saw, told the same way
    assert model.urgent("瓦片的事想咨询一下，以后掉下来怎么办") is None
    code, said = await gridbot("sqlite://:memory:", "rules", "train-urgency", "--dangers", str(tmp_path / "none.txt"))
    assert code == 2 and "cannot read" in said
