"""`gridbot stats`: the figures /stats shows, as text or as JSON with every field."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import cli
from bot.db import database
from bot.figures import stats, words
from bot.jurisdiction.load import load_jurisdiction_file
from bot.models import Light, Status, Ticket, TicketEvent, Unit
from tests.e2e import EXAMPLE
from tests.test_cli import gridbot

UTC = dt.timezone.utc


async def history(db_url: str) -> None:
    async with database(db_url):
        await load_jurisdiction_file(EXAMPLE)
        grid, dept = await Unit.get(code="nanhaijie1-01"), await Unit.get(code="chengguan")
        for i in range(6):
            filed = dt.datetime(2026, 3, 3 + i, 2, tzinfo=UTC)
            done = i < 4
            t = await Ticket.create(
                number=f"YZ-C-{i}", text="测试", category="noise" if i % 2 else "fumes", grid=grid,
                unit=dept if i == 5 else grid, status=Status.CLOSED if done else Status.ACCEPTED,
                light=Light.RED if i == 4 else Light.GREEN, created_at=filed, updated_at=filed,
                resolved_at=filed + dt.timedelta(hours=30) if done else None,
                closed_at=filed + dt.timedelta(days=2) if done else None, due_at=filed + dt.timedelta(days=5))
            await TicketEvent.create(ticket=t, created_at=filed + dt.timedelta(hours=1), actor_kind="staff",
                                     action="accepted", unit=dept if i == 5 else grid)
            if done:
                await TicketEvent.create(ticket=t, created_at=filed + dt.timedelta(days=2), actor_kind="resident",
                                         action="rated", data={"rating": "satisfied" if i < 3 else "basic"})


async def test_stats_json_has_every_field_and_the_text_is_what_stats_sends(monkeypatch, capsys, db_url):
    await history(db_url)
    assert await gridbot(monkeypatch, db_url, "stats", "--month", "2026-03", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["period"]["label"] == "2026年3月"
    own = out["unit"]["figures"]
    assert out["unit"]["code"] == "yingze"
    assert (own["received"], own["done"], own["resolved"], own["closed"], own["open_now"], own["red_now"]) == (
        6, 4, 4, 4, 2, 1)
    assert (own["satisfied"], own["basic"], own["rated"], own["accepted"]) == (3, 1, 4, 6)
    assert own["closure_rate"] == pytest.approx(4 / 6)
    assert own["avg_accept_hours"] == pytest.approx(1.0) and own["avg_resolve_hours"] == pytest.approx(30.0)
    assert own["categories"] == {"fumes": 3, "noise": 3} and own["top_categories"] == [["fumes", 3], ["noise", 3]]
    children = {c["code"]: c["figures"] for c in out["children"]}
    assert children["miaoqian"]["received"] == 6 and children["chengguan"]["received"] == 1
    assert children["liuxiang"]["received"] == 0 and children["liuxiang"]["closure_rate"] is None

    assert await gridbot(monkeypatch, db_url, "stats", "--unit", "miaoqian", "--month", "2026-03") == 0
    text = capsys.readouterr().out
    async with database(db_url):
        unit = await Unit.get(code="miaoqian")
        period = stats.period("2026-03", dt.datetime.now(UTC), cli_tz())
        own_f, children_f = await stats.figures_with_children(unit, period)
        assert text.strip() == words.stats_text(unit, own_f, children_f, period).strip()
    assert "受理 6 件" in text


def cli_tz():
    from zoneinfo import ZoneInfo

    from bot.config import Settings

    return ZoneInfo(Settings.from_env().timezone)


async def test_stats_refuses_a_period_it_does_not_read_and_an_unknown_unit(monkeypatch, capsys, db_url):
    await history(db_url)
    assert await gridbot(monkeypatch, db_url, "stats", "--month", "2026-13") == 2
    assert await gridbot(monkeypatch, db_url, "stats", "--unit", "nowhere") == 2
    assert "nowhere" in capsys.readouterr().err
    assert cli.main  # the command is registered on the real parser
