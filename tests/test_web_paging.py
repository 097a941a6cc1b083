"""The dashboard's list pages by keyset (bot/web/listing.py): every ticket once, in deadline
order, those without a deadline last, filters kept from page to page, and no page asks the
database for an OFFSET or a count."""

from __future__ import annotations

import datetime as dt
import re

from tortoise import connections

from bot.models import Light, Status, Ticket, Unit
from bot.web import listing
from tests.e2e import COMMANDER
from tests.webtools import browser, login, page, web_harness  # noqa: F401

NUMBER = re.compile(r'href="/tickets/(YZ-P-\d+)"')
NEXT = re.compile(r'href="/tickets\?([^"]*after=[^"]+)">下一页')
START = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


async def test_pages_show_every_ticket_once_in_deadline_order_without_offset_or_count(web_harness, monkeypatch):
    h = web_harness
    base = h.bot.web.base_url
    grid = await Unit.get(code="nanhaijie1-01")
    made = []
    for i in range(430):
        # equal deadlines in runs of three (the id breaks the tie), every tenth without one
        due = None if i % 10 == 9 else START + dt.timedelta(hours=(i * 7919) % 300 // 3)
        made.append(Ticket(number=f"YZ-P-{i:04d}", text="测试", category="noise", grid=grid, unit=grid,
                           status=Status.CLOSED if i % 4 == 3 else Status.ASSIGNED, light=Light.GREEN,
                           created_at=START, updated_at=START, due_at=due))
    await Ticket.bulk_create(made)
    tickets = await Ticket.filter(number__startswith="YZ-P-")
    expected = [t.number for t in sorted(tickets, key=lambda t: (t.due_at is None, t.due_at or START, t.id))]

    asked: list[str] = []
    conn = type(connections.get("default"))
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(conn, name)

        def recording(self, sql, *args, _original=original, **kwargs):
            asked.append(str(sql))
            return _original(self, sql, *args, **kwargs)

        monkeypatch.setattr(conn, name, recording)
    async with browser() as phone:
        await login(h, phone, COMMANDER, "刘建国")
        for status, wanted in (("all", expected), ("open", [n for n in expected if int(n[-4:]) % 4 != 3])):
            seen, url, pages = [], f"{base}/tickets?status={status}", 0
            while url:
                code, html = await page(phone, url)
                assert code == 200
                numbers = NUMBER.findall(html)
                assert len(numbers) <= listing_limit()
                seen += numbers
                following = NEXT.search(html)
                url = f"{base}/tickets?{following[1].replace('&amp;', '&')}" if following else None
                pages += 1
                assert f"status={status}" in (following[1] if following else f"status={status}")
            assert seen == wanted and pages == -(-len(wanted) // listing_limit())
    shown = [sql for sql in asked if "ticket" in sql.lower()]
    assert shown and not [sql for sql in shown if re.search(r"\bOFFSET\b|COUNT\(", sql, re.I)]


def listing_limit() -> int:
    from bot.web import dashboard

    return dashboard.LIST_LIMIT


def test_a_cursor_that_is_not_one_starts_at_the_first_page():
    assert listing._read_cursor("x~y") is None and listing._read_cursor("2026-13-01~5") is None
    assert listing._read_cursor("-~12") == (None, 12)
    assert listing._read_cursor("2026-11-01T00:00:00+00:00~7")[1] == 7
