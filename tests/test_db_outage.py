"""The database goes away mid-conversation (PostgreSQL): the resident is asked to try again
later, and once it is back the draft is intact and the report goes through."""

import aiohttp
import pytest

from bot import texts
from bot.models import Pending, Ticket
from tests.conftest import _pg_admin
from tests.test_e2e_intake import _buttons
from tests.webtools import web_harness  # noqa: F401 (fixture)


async def _outage(db_name: str, on: bool) -> None:
    if on:
        await _pg_admin(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS false')
        await _pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db_name}'")
    else:
        await _pg_admin(f'ALTER DATABASE "{db_name}" ALLOW_CONNECTIONS true')


async def test_database_outage_mid_conversation_loses_nothing(harness, db_url):
    if not db_url.startswith("postgres"):
        pytest.skip("an outage is simulated on PostgreSQL (SQLite is a file in the process)")
    h = harness
    db_name = db_url.rsplit("/", 1)[1]
    resident = h.resident()
    first = await h.reply_to(resident, "南海街1号院楼下烧烤店油烟太大，半夜还在营业")
    assert texts.BTN_SKIP in _buttons(first)
    await _outage(db_name, True)
    try:
        await h.api.send_text(resident, "店名叫老李烧烤，南海街8号")
        busy = await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.BUSY, timeout=20)
        assert busy
    finally:
        await _outage(db_name, False)
    # back again: what was saved before the outage is all there. The resident sends the
    # words again (a handler that was still waiting for a connection may also have saved them).
    await h.api.send_text(resident, "店名叫老李烧烤，南海街8号")
    await h.api.wait_for(lambda: any(texts.BTN_CONFIRM in _buttons(m) for m in h.api.bot_messages(resident.id)),
                         timeout=20)
    await h.drain()
    summary = [m for m in h.api.bot_messages(resident.id) if texts.BTN_CONFIRM in _buttons(m)][-1]
    assert "烧烤店油烟" in summary["text"]
    await h.api.press(resident, summary, texts.BTN_CONFIRM)
    await h.api.wait_for_bot_message(resident.id, lambda m: "工单号" in m["text"])
    ticket = await Ticket.get()
    assert ticket.text.startswith("南海街1号院楼下烧烤店油烟太大")
    assert "老李烧烤" in ticket.text + "".join(f.get("a") or "" for f in ticket.followups)
    assert await Pending.all().count() == 0




async def test_healthz_says_the_database_is_down_and_then_back(web_harness, db_url):
    if not db_url.startswith("postgres"):
        pytest.skip("an outage is simulated on PostgreSQL (SQLite is a file in the process)")
    h = web_harness
    url = h.bot.web.base_url + "/healthz"
    db_name = db_url.rsplit("/", 1)[1]
    async with aiohttp.ClientSession() as probe:
        await _outage(db_name, True)
        try:
            async with probe.get(url) as answer:
                assert answer.status == 503
                assert await answer.json() == {
                    "status": "degraded", "database": "down", "database_write": "down", "bot_api": "ok",
                    "bot": "running", "outbox": None, "outbox_due": None, "outbox_oldest_due_seconds": None}
        finally:
            await _outage(db_name, False)
        async with probe.get(url) as answer:
            assert answer.status == 200 and (await answer.json())["database"] == "ok"
