"""/healthz says degraded (503, "status": "degraded") when messages stop going out or the
database stops taking writes, not only when something does not answer at all."""

from __future__ import annotations

import datetime as dt

from tortoise import connections

from bot.messaging.outbox import say
from tests.conftest import _pg_admin
from tests.webtools import browser, web_harness  # noqa: F401 (fixture)


async def health(h) -> tuple[int, dict]:
    async with browser() as probe:
        async with probe.get(h.bot.web.base_url + "/healthz") as answer:
            return answer.status, await answer.json()


async def test_a_message_stuck_past_the_threshold_makes_the_instance_degraded(web_harness):
    h = web_harness
    resident = h.resident()
    h.api.outage("sendMessage")
    await say(resident.id, "您好", now=h.rt.clock.now())
    await h.drain()  # tried, refused, waiting out its backoff
    h.rt.clock.advance(dt.timedelta(minutes=4))
    status, report = await health(h)
    assert status == 200 and report["outbox"] == "ok" and report["outbox_oldest_due_seconds"] >= 240

    h.rt.clock.advance(dt.timedelta(minutes=2))  # past the default 300 s
    status, report = await health(h)
    assert status == 503 and report["status"] == "degraded" and report["outbox"] == "stuck"
    assert report["outbox_oldest_due_seconds"] >= 360
    assert report["database"] == report["database_write"] == report["bot_api"] == "ok"

    h.api.end_outage()
    h.rt.clock.advance(dt.timedelta(minutes=5))
    await h.drain()
    assert [m["text"] for m in h.api.bot_messages(resident.id)] == ["您好"]
    status, report = await health(h)
    assert status == 200 and report["status"] == "ok" and report["outbox_oldest_due_seconds"] == 0


async def _read_only(db_url: str, on: bool) -> None:
    """Writes fail, reads still work: a full disk, a read-only file, a standby after failover."""
    if db_url.startswith("sqlite"):
        await connections.get("default").execute_script(f"PRAGMA query_only = {'ON' if on else 'OFF'}")
        return
    name = db_url.rsplit("/", 1)[1]
    setting = "SET default_transaction_read_only = on" if on else "RESET default_transaction_read_only"
    await _pg_admin(f'ALTER DATABASE "{name}" {setting}')
    # the pool's connections keep their session settings: make it open new ones
    await _pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


async def test_a_database_that_takes_no_writes_makes_the_instance_degraded(web_harness, db_url):
    h = web_harness
    assert (await health(h))[0] == 200
    await _read_only(db_url, True)
    try:
        status, report = await settled_health(h)
    finally:
        await _read_only(db_url, False)
    assert status == 503 and report["status"] == "degraded"
    assert report["database"] == "ok" and report["database_write"] == "down"  # SELECT 1 still answers
    status, report = await settled_health(h)
    assert status == 200 and report["database_write"] == "ok"


async def settled_health(h, tries: int = 6):
    """/healthz once the pool's connections that PostgreSQL terminated have each failed once
    (every pooled connection meets its end at its next query, one probe at a time)."""
    for _ in range(tries):
        status, report = await health(h)
        if report["database"] != "down":
            break
    return status, report
