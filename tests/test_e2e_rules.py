"""Staff corrections teach the rules, end to end: the command centre and a grid worker change
categories through the card buttons of the real bot, then `gridbot rules export / suggest /
train / eval` run as commands against that same database."""

import asyncio
import csv
import json
import os
import sys
from pathlib import Path

import pytest

from bot import texts
from bot.nlp.classify import label_of
from bot.models import CategoryExample, Ticket, TicketEvent, UrgencyExample
from tests.e2e import COMMAND_CHAT, COMMANDER, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02
from tests.test_e2e_intake import NUMBER, submit_report
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

# Invented reports for 标为紧急 / 不算紧急. The rules call the tiles urgent, and a model trained on
# the invented dangers below would too; the worker on site says they are not. The gate is 其他 and
# not urgent to the rules (and no category they can name: see `rules_alone`); the command centre says it is.
TILES = "南海街1号院楼顶的瓦片还在往下掉，快来人"
GATE = "南海街1号院小区门口的铁门合页断了一边，门歪着"

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
        GRID_NHJ1_01_CHAT, lambda m: texts.CARD_PICK_CATEGORY.format(number=number) == m.get("text"))
    cb = await h.api.press(worker, picker, label, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.CATEGORY_CHANGED.format(category=label)
    await h.api.wait_for(lambda: any(number in (m.get("text") or "") and f"类别：{label}（依据：张丽改定）" in m["text"]
                                     for m in h.api.transcript(GRID_NHJ1_01_CHAT)))  # the card, edited


@pytest.fixture
def rules_alone(monkeypatch):
    """The shipped rules without their category model: the reports below are chosen because the
    rules cannot place them, and this is about what the rules learn (the model's part is tested
    on its own, below)."""
    from bot.nlp import classify as classify_module

    monkeypatch.setattr(classify_module, "_default", classify_module.Classifier.from_files(category_model=False))


async def test_corrections_through_the_bot_feed_export_suggest_train_and_eval(harness, db_url, tmp_path, rules_alone):
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


async def test_train_category_learns_what_the_staff_corrected_over_the_files_lines(harness, db_url, tmp_path,
                                                                                rules_alone):
    """The category model refitted with the staff's 改类别: their word beats a file's line of the same
    text, and a new report told like the corrected ones is placed as they placed them."""
    h = harness
    for i, text in enumerate(SWILL):
        number = await submit_report(h, h.resident(5550031 + i, f"居民{i}"), text)
        await recategorise_at_triage(h, number, "环境卫生")
    messages = tmp_path / "messages.txt"
    lines = [f"{code} {text}" for text, code in LABELLED] + [f"street_order {SWILL[0]}"]  # the file says otherwise
    lines += [f"other {t}" for t in ("请问养老保险怎么补缴", "社区几点下班", "孩子上学要开什么证明", "低保怎么申请")]
    messages.write_text("# a district's own messages\n" + "\n".join(lines) + "\n", encoding="utf-8")
    model_file = tmp_path / "categories.model.json"
    rc, out = await gridbot(db_url, "rules", "train-category", "--messages", str(messages), "--out", str(model_file))
    assert rc == 0, out
    assert "from 19 messages (3 staff corrections)" in out  # 16 lines, the one the staff corrected given way
    from bot.nlp.category_model import load
    from bot.nlp.normalise import normalise

    model = load(model_file)
    assert model.opinion(normalise(SWILL[0])).category == "sanitation"
    told_alike = model.opinion(normalise("南海街2号院烧烤摊把潲水倒在花坛里"))
    assert told_alike.category == "sanitation" and "潲水" in "".join(told_alike.words)
    assert model.opinion(normalise("请问医疗保险怎么补缴")).category == "other"
    rc, out = await gridbot(db_url, "rules", "train-category", "--messages", str(tmp_path / "none.txt"))
    assert rc == 2 and "cannot read" in out


async def test_rules_commands_say_what_is_missing(db_url, tmp_path):
    rc, out = await gridbot(db_url, "rules", "train")
    assert rc == 1 and "need at least 10" in out
    rc, out = await gridbot(db_url, "rules", "train-category", "--no-db")
    assert rc == 1 and "need at least 10" in out
    rc, out = await gridbot(db_url, "rules", "suggest")
    assert rc == 1 and "no labelled examples yet" in out
    empty = tmp_path / "empty.csv"
    empty.write_text("text,category\n", encoding="utf-8")
    rc, out = await gridbot(db_url, "rules", "eval", str(empty))
    assert rc == 2 and "no labelled rows" in out


async def test_train_urgency_writes_a_model_that_hears_dangers_told_like_its_examples(db_url, tmp_path):
    dangers = invented_dangers(tmp_path / "dangers.txt")
    out = tmp_path / "model.json"
    code, said = await gridbot(db_url, "rules", "train-urgency", "--dangers", str(dangers), "--out", str(out))
    assert code == 0, said
    assert "36 dangers" in said
    from bot.nlp.danger_model import load

    model = load(out)
    assert model.urgent("瓦片还在往下掉，快来人") is not None       # a thing it never saw, told the same way
    assert model.urgent("瓦片的事想咨询一下，以后掉下来怎么办") is None
    code, said = await gridbot(db_url, "rules", "train-urgency", "--dangers", str(tmp_path / "none.txt"))
    assert code == 2 and "cannot read" in said


def invented_dangers(path: Path) -> Path:
    """Dangers told in the present and ordinary messages about the same things (invented)."""
    now = ["还在往下掉", "还在往外冒", "还在往上窜", "底下还有人", "正在往下沉", "刚才往下砸"]
    things = ["墙皮", "黑水", "火苗", "石块", "楼板", "砖头"]
    lines = [f"1 {t}{n}，快来人" for t in things for n in now]
    lines += [f"0 {t}的事想咨询一下，以后{n[2:]}怎么办" for t in things for n in now]
    path.write_text("# invented\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


async def picker_of(h, user, chat_id: int, number: str, card_button: str, title: str) -> dict:
    card = await h.api.wait_for(card_in(h, chat_id, number, with_button=card_button))
    await h.api.press(user, card, card_button, chat_id=chat_id)
    return await h.api.wait_for_bot_message(chat_id, lambda m: m.get("text") == title)


def buttons_of(h, chat_id: int, message: dict) -> list[str]:
    """The buttons the message shows now (edits applied)."""
    now = next(m for m in h.api.transcript(chat_id) if m["message_id"] == message["message_id"])
    return [b["text"] for row in (now.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


async def test_urgency_corrections_reach_everyone_and_refit_the_danger_model(harness, db_url, tmp_path, rules_alone):
    h = harness
    # the worker: 不算紧急 on an urgent report's card
    resident = h.resident(5550021, "居民甲")
    await h.api.send_text(resident, TILES)
    receipt = await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    tiles = NUMBER.search(receipt["text"])[0]
    assert (await Ticket.get(number=tiles)).urgent
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    picker = await picker_of(h, worker, GRID_NHJ1_01_CHAT, tiles, texts.BTN_RECATEGORISE,
                             texts.CARD_PICK_CATEGORY.format(number=tiles))
    # another grid's worker pressing the same button is refused, and nothing changes
    cb = await h.api.press(h.staff(WORKER_NHJ1_02, "刘红霞"), picker, texts.BTN_UNMARK_URGENT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_ALLOWED
    assert (await Ticket.get(number=tiles)).urgent
    assert texts.PICKED + label_of("safety") in buttons_of(h, GRID_NHJ1_01_CHAT, picker)
    cb = await h.api.press(worker, picker, texts.BTN_UNMARK_URGENT, chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.URGENCY_UNMARKED
    # the picker pressed turns its toggle: it never offers what was just done
    await h.api.wait_for(lambda: texts.BTN_MARK_URGENT in buttons_of(h, GRID_NHJ1_01_CHAT, picker))
    assert texts.BTN_UNMARK_URGENT not in buttons_of(h, GRID_NHJ1_01_CHAT, picker)
    told = await h.api.wait_for_bot_message(resident.id, lambda m: "不属于紧急情况" in m["text"])
    assert tiles in told["text"] and "工作日" in told["text"]  # no longer the 2-hour on-site promise
    await h.api.wait_for(lambda: (c := card_in(h, GRID_NHJ1_01_CHAT, tiles)()) and texts.CARD_URGENT not in c["text"])

    # the command centre: ⚠️ 标为紧急 on a triage card, then the category, and it goes to the grid urgent
    other = h.resident(5550022, "居民乙")
    gate = await submit_report(h, other, GATE)
    assert not (await Ticket.get(number=gate)).urgent
    commander = h.staff(COMMANDER, "冯晓燕")
    picker = await picker_of(h, commander, COMMAND_CHAT, gate, texts.BTN_TRIAGE_CATEGORY,
                             texts.TRIAGE_PICK_CATEGORY.format(number=gate))
    forged = picker["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    cb = await h.api.press(other, h.api.last_bot_message(other.id), data=forged)  # a resident forging it
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.NOT_STAFF
    cb = await h.api.press(commander, picker, texts.BTN_MARK_URGENT, chat_id=COMMAND_CHAT)
    assert (await h.api.wait_for_callback_answer(cb))["text"] == texts.URGENCY_MARKED
    told = await h.api.wait_for_bot_message(other.id, lambda m: "按紧急情况办理" in m["text"])
    assert gate in told["text"]
    await h.api.wait_for(lambda: texts.BTN_UNMARK_URGENT in buttons_of(h, COMMAND_CHAT, picker))
    cb = await h.api.press(commander, picker, "公共设施损坏", chat_id=COMMAND_CHAT)  # on the same picker
    assert "第一网格" in (await h.api.wait_for_callback_answer(cb))["text"]
    # sent to its grid: the triage picker has done its work and keeps only what was done
    await h.api.wait_for(lambda: not buttons_of(h, COMMAND_CHAT, picker))
    closed = next(m for m in h.api.transcript(COMMAND_CHAT) if m["message_id"] == picker["message_id"])
    assert "公共设施损坏" in closed["text"] and "第一网格" in closed["text"]
    await h.api.wait_for(lambda: (c := card_in(h, GRID_NHJ1_01_CHAT, gate)()) and texts.CARD_URGENT in c["text"])

    examples = await UrgencyExample.all().order_by("id")
    assert [(e.text, e.from_urgent, e.to_urgent, e.source) for e in examples] == \
        [(TILES, True, False, "card"), (GATE, False, True, "triage")]
    assert [e.action for e in await TicketEvent.filter(action__in=("marked_urgent", "unmarked_urgent"))
            .order_by("id")] == ["unmarked_urgent", "marked_urgent"]

    # export: one row per ticket, with the staff's word on urgency
    exported = tmp_path / "corrections.csv"
    rc, out = await gridbot(db_url, "rules", "export", str(exported))
    assert rc == 0, out
    with open(exported, encoding="utf-8") as f:
        rows = {r["ticket"]: r for r in csv.DictReader(f)}
    assert (rows[tiles]["urgent"], rows[tiles]["from_urgent"], rows[tiles]["category"]) == ("0", "1", "safety")
    assert (rows[gate]["urgent"], rows[gate]["category"], rows[gate]["from_category"]) == ("1", "facility", "other")

    # train-urgency: the worker's 不算紧急 has the last word on the tiles; without it the model flags them
    from bot.nlp.danger_model import load

    dangers = invented_dangers(tmp_path / "dangers.txt")
    rc, out = await gridbot(db_url, "rules", "train-urgency", "--dangers", str(dangers), "--no-db",
                            "--out", str(tmp_path / "files_only.json"))
    assert rc == 0, out
    assert load(tmp_path / "files_only.json").urgent(TILES) is not None
    with open(dangers, "a", encoding="utf-8") as f:
        f.write(f"1 {TILES}\n")  # a file saying otherwise gives way to the worker
    rc, out = await gridbot(db_url, "rules", "train-urgency", "--dangers", str(dangers),
                            "--out", str(tmp_path / "with_staff.json"))
    assert rc == 0, out
    assert "from 74 messages (37 dangers; 2 staff corrections)" in out  # the file's 1 for the tiles dropped
    assert load(tmp_path / "with_staff.json").urgent(TILES) is None
