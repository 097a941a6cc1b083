"""The web dashboard: the one-time link from /web, the session cookie, what each person may see,
the filters, a ticket's history, photos through the proxy, and the figures page."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util

from bot import texts
from bot.models import Attachment, Light, Outbox, Staff, Status
from bot.models_web import WebLogin
from bot.sandbox import SAMPLE_PNG
from tests.e2e import COMMANDER, GRID_NHJ1_01_CHAT, WORKER_NHJ1_01, WORKER_NHJ1_02
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import card_in
from tests.webtools import browser, login, login_link, make_ticket, open_link, page, web_harness  # noqa: F401

COMMUNITY_NHJ1 = 600101  # 梁淑芬, 南海街一社区


async def test_web_sends_a_one_time_link_in_private_to_staff_only(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    in_group = await h.reply_to(worker, "/web", chat_id=GRID_NHJ1_01_CHAT)
    assert in_group["text"] == texts.WEB_PRIVATE_ONLY
    assert (await h.reply_to(h.resident(), "/web"))["text"] == texts.NOT_STAFF
    assert not await WebLogin.exists()

    link = await login_link(h, WORKER_NHJ1_01, "张丽")
    assert link.startswith(base + "/login/")
    token = link.rsplit("/", 1)[1]
    # Only the hash is kept, and the link went out directly, not through the outbox table.
    assert await WebLogin.filter(token_hash=hashlib.sha256(token.encode()).hexdigest()).count() == 1
    assert not await WebLogin.filter(token_hash=token).exists()
    assert not await Outbox.filter(text__contains=token).exists()
    # /web was answered once: the catch-all for unknown commands kept quiet.
    await h.reply_to(worker, "/start")
    assert texts.UNKNOWN_COMMAND not in [m["text"] for m in h.api.bot_messages(WORKER_NHJ1_01)]

    async with browser() as phone:
        assert (await page(phone, link))[0] == 200  # a link preview's fetch uses nothing up
        response = await open_link(phone, link)
        assert response.status == 303 and response.headers["Location"] == "/tickets"
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "gridbot_session=" in cookie
        status, html = await page(phone, base + "/tickets")
        assert status == 200 and "张丽" in html and 'name="viewport"' in html

    async with browser() as thief:  # the same link again: refused, and no session follows
        status, html = await page(thief, link)
        assert status == 410 and "/web" in html
        async with thief.post(base + "/login", data={"token": token}, allow_redirects=False) as again:
            assert again.status == 410 and "Set-Cookie" not in again.headers
        assert (await page(thief, base + "/tickets"))[0] == 401


async def test_the_link_expires_after_ten_minutes_and_the_session_after_twelve_hours(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    stale = await login_link(h, WORKER_NHJ1_01, "张丽")
    h.rt.clock.advance(dt.timedelta(minutes=10, seconds=1))
    async with browser() as phone:
        assert (await page(phone, stale))[0] == 410
        token = stale.rsplit("/", 1)[1]
        async with phone.post(base + "/login", data={"token": token}, allow_redirects=False) as late:
            assert late.status == 410
        await login(h, phone, WORKER_NHJ1_01, "张丽")  # a fresh link works
        assert (await page(phone, base + "/tickets"))[0] == 200
        h.rt.clock.advance(dt.timedelta(hours=12, seconds=1))
        status, html = await page(phone, base + "/tickets")
        assert status == 401 and "/web" in html


async def test_every_page_needs_a_valid_session_cookie(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    ticket = await make_ticket(h, "南海街1号院油烟", "nanhaijie1-01")
    pages = ["/tickets", f"/tickets/{ticket.number}", "/photos/1", "/figures"]
    async with browser() as nobody:
        for path in pages:
            status, html = await page(nobody, base + path)
            assert status == 401 and ticket.number not in html, path
        assert (await page(nobody, base + "/"))[0] == 200  # the page that says how to log in
    async with browser() as forger:  # a cookie is a random token the database knows, or nothing
        commander = await Staff.get(user_id=COMMANDER)
        forger.cookie_jar.update_cookies({"gridbot_session": f"{commander.id}.9999999999.x"})
        assert (await page(forger, base + "/tickets"))[0] == 401
        forger.cookie_jar.update_cookies({"gridbot_session": "A" * 43})
        assert (await page(forger, base + "/tickets"))[0] == 401
    async with browser() as phone:
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        assert (await page(phone, base + "/tickets"))[0] == 200
        await Staff.filter(user_id=WORKER_NHJ1_01).update(active=False)  # left the job
        assert (await page(phone, base + "/tickets"))[0] == 401


async def test_a_worker_sees_their_grid_a_manager_the_units_below_and_filters_narrow_it(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    green = await make_ticket(h, "南海街1号院楼下油烟", "nanhaijie1-01")
    red = await make_ticket(h, "南海街1号院半夜噪音", "nanhaijie1-01", "noise", light=Light.RED)
    closed = await make_ticket(h, "南海街1号院垃圾", "nanhaijie1-01", "sanitation", status=Status.CLOSED)
    grid2 = await make_ticket(h, "惠民小区油烟", "nanhaijie1-02")
    wenmiao = await make_ticket(h, "文庙广场油烟", "wenmiao-01")
    triage = await make_ticket(h, "不知道在哪里的油烟", None)
    everything = {green, red, closed, grid2, wenmiao, triage}

    def shown(html):
        return {t for t in everything if t.number in html}

    async with browser() as phone:
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        assert shown((await page(phone, base + "/tickets"))[1]) == {green, red}
        assert shown((await page(phone, base + "/tickets?light=red"))[1]) == {red}
        assert shown((await page(phone, base + "/tickets?category=noise"))[1]) == {red}
        assert shown((await page(phone, base + "/tickets?status=closed"))[1]) == {closed}
        assert shown((await page(phone, base + "/tickets?status=all"))[1]) == {green, red, closed}
        # another grid's ticket is not there, not even by its number or its photo
        grid2_unit = await grid2.grid
        assert shown((await page(phone, base + f"/tickets?unit={grid2_unit.id}"))[1]) == {green, red}
        assert (await page(phone, base + f"/tickets/{grid2.number}"))[0] == 404
        assert (await page(phone, base + f"/tickets/{green.number}"))[0] == 200

    async with browser() as phone:
        await login(h, phone, COMMUNITY_NHJ1, "梁淑芬")
        assert shown((await page(phone, base + "/tickets"))[1]) == {green, red, grid2}

    async with browser() as phone:
        await login(h, phone, COMMANDER, "冯晓燕")
        assert shown((await page(phone, base + "/tickets"))[1]) == {green, red, grid2, wenmiao, triage}
        assert shown((await page(phone, base + f"/tickets?unit={grid2_unit.id}"))[1]) == {grid2}
        community = await grid2_unit.parent
        html = (await page(phone, base + f"/tickets?unit={community.id}&light=red"))[1]
        assert shown(html) == {red}


async def test_a_ticket_page_shows_its_history_and_its_photo_through_the_proxy(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    resident = h.resident()
    await h.api.send_photo(resident)
    await h.api.wait_for_bot_message(resident.id)
    number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    worker = h.staff(WORKER_NHJ1_01, "张丽")
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    answer = await h.api.press(worker, card, texts.BTN_ACCEPT, chat_id=GRID_NHJ1_01_CHAT)
    await h.api.wait_for_callback_answer(answer)
    photo = await Attachment.get(ticket__number=number)

    async with browser() as phone:
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        status, html = await page(phone, base + f"/tickets/{number}")
        assert status == 200 and number in html
        for step in ("登记", "派单", "接单", "张丽（网格员）", "油烟"):
            assert step in html, step
        assert "王秀兰" not in html  # staff see the masked name, as on the card
        assert f'src="/photos/{photo.id}"' in html
        secret_part = h.api.token.split(":")[1]
        for leak in (h.api.token, secret_part, "/file/bot", photo.file_id):
            assert leak not in html
        async with phone.get(base + f"/photos/{photo.id}") as image:
            assert image.status == 200 and image.content_type == "image/png"
            assert await image.read() == SAMPLE_PNG
            assert not any(secret_part in v for v in image.headers.values())
        assert h.api.calls_to("getFile")  # fetched by the bot, server side

    async with browser() as other:  # the next grid's worker sees neither page nor photo
        await login(h, other, WORKER_NHJ1_02, "刘红霞")
        assert (await page(other, base + f"/tickets/{number}"))[0] == 404
        assert (await page(other, base + f"/photos/{photo.id}"))[0] == 404


async def test_the_figures_page_shows_the_units_figures_and_chart_or_says_they_are_not_available(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    await make_ticket(h, "南海街1号院楼下油烟", "nanhaijie1-01", light=Light.RED)
    async with browser() as phone:
        await login(h, phone, COMMANDER, "冯晓燕")
        status, html = await page(phone, base + "/figures")
        assert status == 200 and "迎泽区" in html
        if importlib.util.find_spec("bot.figures.stats") is None:
            assert 'id="figures-unavailable"' in html and "统计数据暂不可用" in html
            return
        assert 'id="figures-unavailable"' not in html
        for words in ("受理量", "办结率", "按期办结率", "满意率", "下级单位", "庙前街道", "油烟异味 1"):
            assert words in html, words
        status, html = await page(phone, base + "/figures?period=someday")
        assert status == 200 and 'id="figures-unavailable"' in html and "someday" in html
        if importlib.util.find_spec("bot.figures.charts") is not None:
            assert 'src="/figures/chart.png?unit=' in html
            async with phone.get(base + "/figures/chart.png") as chart:
                assert chart.status == 200 and (await chart.read())[:4] == b"\x89PNG"
    async with browser() as phone:  # a worker's own grid is theirs to pick
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        status, html = await page(phone, base + "/figures")
        assert status == 200 and "南海街一社区第一网格</option>" in html and "庙前街道" not in html


async def test_a_photo_past_the_size_limit_is_not_fetched_for_the_page(web_harness):
    """A photo kept before the limit (or sent by staff from elsewhere) may be huge: the proxy
    asks Telegram its size and refuses instead of holding it in memory."""
    h = web_harness
    base = h.bot.web.base_url
    limit = h.bot.rt.limits.max_photo_bytes
    huge = SAMPLE_PNG + b"\0" * (limit + 1 - len(SAMPLE_PNG))
    sent = await h.api.send_photo(h.resident(), huge)
    original = sent["photo"][-1]
    ticket = await make_ticket(h, "楼道里堆满杂物", "nanhaijie1-01", "safety",
                               photos=[{"file_id": original["file_id"], "file_unique_id": original["file_unique_id"]}])
    photo = await Attachment.get(ticket_id=ticket.id)
    async with browser() as phone:
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        downloads = len(h.api.calls_to("file"))
        async with phone.get(base + f"/photos/{photo.id}") as answer:
            assert answer.status == 413
        assert len(h.api.calls_to("file")) == downloads  # asked its size, never downloaded it


HEALTHY = {"status": "ok", "database": "ok", "database_write": "ok", "bot_api": "ok", "bot": "running",
           "outbox": "ok", "outbox_due": 0, "outbox_oldest_due_seconds": 0}


async def test_healthz_says_whether_the_bot_api_answers(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    async with browser() as probe:
        h.api.fail("getMe", status=500, times=1)
        async with probe.get(base + "/healthz") as answer:
            assert answer.status == 503
            assert await answer.json() == {**HEALTHY, "status": "degraded", "bot_api": "down"}
        async with probe.get(base + "/healthz") as answer:  # a failure is not remembered
            assert answer.status == 200
            assert await answer.json() == HEALTHY
        asked = len(h.api.calls_to("getMe"))
        async with probe.get(base + "/healthz") as answer:  # a good answer is, for a while
            assert answer.status == 200
        assert len(h.api.calls_to("getMe")) == asked
