"""A pause, written down, shows in the figures people read, end to end: /pause through the real
bot (the steps model's file allows it), then the community's /stats and the command centre's
/export count the ticket as 暂停计时. The card's pause line: tests/test_e2e_sla_steps.py."""

import io

from openpyxl import load_workbook

from bot.sla.policy import SlaPolicy
from tests.e2e import COMMAND_CHAT, COMMANDER, COMMUNITY_NHJ1_CHAT, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01
from tests.test_e2e_intake import submit_report
from tests.test_e2e_reports import download, has
from tests.test_e2e_sla import card_in
from tests.test_e2e_workflow import COMMUNITY_STAFF
from tests.phone import too_wide_rows
from tests.test_sla_steps import STEPS_FILE


def _text(message) -> str:
    return message.get("text") or ""


async def test_a_pause_counts_in_stats_and_in_the_export(harness):
    h = harness
    h.rt.sla = SlaPolicy.load(STEPS_FILE)
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    await h.api.wait_for(lambda: card_in(h, GRID_NHJ1_01_CHAT, number))
    community = h.staff(COMMUNITY_STAFF, "梁淑芬")
    await h.api.send_text(community, "/stats", chat_id=COMMUNITY_NHJ1_CHAT)
    before = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, has("📊【南海街一社区】"))
    assert "暂停计时" not in before["text"]  # none yet: no line for it

    worker = h.staff(WORKER_NHJ1_01, "张丽")
    await h.api.send_text(worker, f"/pause {number}", chat_id=GRID_NHJ1_01_CHAT)
    pick = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: "暂停计时的理由" in _text(m))
    await h.api.press(worker, pick, "等待居民补充情况", chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for(lambda: "⏸ 暂停计时：等待居民补充情况" in _text(card_in(h, GRID_NHJ1_01_CHAT, number)),
                         what="the card shows the pause")

    await h.api.send_text(community, "/stats", chat_id=COMMUNITY_NHJ1_CHAT)
    stats = await h.api.wait_for_bot_message(COMMUNITY_NHJ1_CHAT, has("📊【南海街一社区】", "暂停计时"))
    assert "暂停计时 1 件（期限顺延）" in stats["text"] and too_wide_rows(stats["text"]) == []

    await h.api.send_text(h.staff(COMMANDER, "冯晓燕"), "/export month", chat_id=COMMAND_CHAT)
    message = await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: "document" in m)
    book = load_workbook(io.BytesIO(await download(h, message["document"]["file_id"])))
    rows = list(book["网格"].iter_rows(values_only=True))
    grid = next(dict(zip(rows[0], r)) for r in rows[1:] if r[1] == "南海街一社区第一网格")
    assert grid["暂停计时"] == 1
