"""Helpers for the web tests: the bot with its web server, logging in the way a person does
(/web in a private chat, the link, the page posting the token back), and tickets made quickly."""

from __future__ import annotations

import re

import aiohttp
import pytest_asyncio
from tortoise.transactions import in_transaction

from bot.models import Light, Status, Ticket, Unit
from bot.workflow import filing
from bot.jurisdiction.people import SYSTEM
from tests.e2e import start_harness

LINK = re.compile(r"https?://\S+/login/[A-Za-z0-9_-]+")
HIDDEN_TOKEN = re.compile(r'name="token" value="([^"]+)"')


@pytest_asyncio.fixture
async def web_harness(db, db_url, sandbox):
    """The real bot polling the loopback Bot API, with its web server on a free port."""
    h = await start_harness(sandbox, db_url, web_server=True)
    try:
        assert h.bot.web is not None, "the web server did not start"
        yield h
    finally:
        await h.bot.stop()


def browser() -> aiohttp.ClientSession:
    # unsafe=True: keep cookies from an IP address host (127.0.0.1), as a browser does.
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def login_link(h, user_id: int, name: str) -> str:
    """Send /web in the private chat as this person and return the link the bot answers with."""
    user = h.staff(user_id, name)
    reply = await h.reply_to(user, "/web", predicate=lambda m: LINK.search(m.get("text") or ""))
    return LINK.search(reply["text"])[0]


async def open_link(session: aiohttp.ClientSession, link: str) -> aiohttp.ClientResponse:
    """What a browser does with the link: open it, then post the token as the page does."""
    async with session.get(link) as page:
        assert page.status == 200, await page.text()
        token = HIDDEN_TOKEN.search(await page.text())[1]
    base = link.split("/login/")[0]
    return await session.post(f"{base}/login", data={"token": token}, allow_redirects=False)


async def login(h, session: aiohttp.ClientSession, user_id: int, name: str) -> None:
    async with await open_link(session, await login_link(h, user_id, name)) as response:
        assert response.status == 303, await response.text()


async def page(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url, allow_redirects=False) as response:
        return response.status, await response.text()


async def make_ticket(h, text: str, grid_code: str | None, category: str = "fumes", *,
                      light: Light | None = None, status: Status | None = None,
                      photos: list[dict] | None = None) -> Ticket:
    """A ticket filed through filing.file_ticket (no resident), then lit or moved directly."""
    grid = await Unit.get(code=grid_code) if grid_code else None
    async with in_transaction():
        ticket = await filing.file_ticket(h.rt, filing.NewTicket(
            text=text, category=category, confidence=1.0, reasons=[], urgent=False, resident=None,
            anonymous=True, grid=grid, location_text=None, lat=None, lon=None, followups=[],
            photos=photos or [], triage_reason=None if grid else "test: no grid",
        ), actor=SYSTEM, resident_chat=None)
    changes = {}
    if light is not None:
        changes["light"] = light
    if status is not None:
        changes["status"] = status
    if changes:
        await Ticket.filter(id=ticket.id).update(**changes)
    return await Ticket.get(id=ticket.id)
