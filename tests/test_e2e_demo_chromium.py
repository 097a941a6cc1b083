"""The demo's web chat page in a real headless Chromium, against the real bot.

What a visitor sees: after the script ran, the example complaints and the chat list; a
complaint sent with one click comes back as the bot's questions with buttons, becomes a card
in the grid's chat, and the worker's 接单 edits that card in place - all without a reload; the
time control moves the clock. Screenshots at desktop and phone width are written to the test's
temp folder (and to $GRIDBOT_SCREENSHOTS when set, to look at them): the first run, the
resident's chat (with the receipt, at desktop and phone width), the worker's card, the card at
phone width, and a staff member's files, link and the dashboard's chart at phone width.

Skipped, with the reason, where Debian's chromium is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.text import Text

from bot.figures import charts
from bot.models import Unit
from tests.chromium import CHROMIUM, SKIP_REASON, Browser, png_size, run_once
from tests.webdemo import COMMUNITY, COMMUNITY_CHAT, GRID_CHAT, MANHOLE, RESIDENT, SQLITE_ONLY, WORKER, web_demo

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)

EXAMPLE_TEXTS = ["楼下早餐店油烟太大，天天熏到家里", "楼上邻居每天半夜跺脚，吵得睡不着", MANHOLE]


class _Collect(HTMLParser):
    """Elements whose class list has `wanted`, with their attributes and their whole text."""

    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.found: list[tuple[dict, str]] = []
        self._open: list[tuple[str, dict, list[str], int]] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        self._depth += 1
        attributes = dict(attrs)
        if self.wanted in (attributes.get("class") or "").split():
            self._open.append((tag, attributes, [], self._depth))

    def handle_endtag(self, tag):
        if self._open and self._open[-1][3] == self._depth and self._open[-1][0] == tag:
            _, attributes, text, _ = self._open.pop()
            self.found.append((attributes, "".join(text)))
        self._depth -= 1

    def handle_data(self, data):
        for _, _, text, _ in self._open:
            text.append(data)


def _elements(dom: str, css_class: str) -> list[tuple[dict, str]]:
    parser = _Collect(css_class)
    parser.feed(dom)
    return parser.found


async def _set_size(browser: Browser, width: int, height: int) -> None:
    await browser.send("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    await browser.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


async def _screenshot(browser: Browser, shot: Path, width: int, height: int, *, newest: bool = False) -> None:
    """At that size; checked to be a picture of a page, not a blank or an error page.
    `newest`: the chat scrolled to its last message first (a narrower page is taller)."""
    await _set_size(browser, width, height)
    if newest:
        await browser.evaluate("(() => { const box = document.querySelector('#messages'); box.scrollTop = box.scrollHeight; })()")
    await browser.screenshot(shot)
    _keep(shot)
    assert png_size(shot) == (width, height)
    # A blank or error page compresses to a few kilobytes; a page of text and colour does not.
    assert shot.stat().st_size > 15_000, f"{shot} looks empty ({shot.stat().st_size} bytes)"


def _keep(shot: Path) -> None:
    """Copy a screenshot where a person can look at it (GRIDBOT_SCREENSHOTS=/tmp, say)."""
    folder = os.environ.get("GRIDBOT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / shot.name)


@SQLITE_ONLY
async def test_after_the_script_ran_the_page_offers_the_example_complaints_and_lists_the_chats(db, db_url, tmp_path):
    async with web_demo(db_url) as demo:
        dom = await run_once(f"{demo.url}/?as={RESIDENT}", tmp_path / "profile",
                             "--dump-dom", "--virtual-time-budget=5000")
    examples = _elements(dom, "example-btn")
    assert [attrs["data-text"] for attrs, _ in examples] == EXAMPLE_TEXTS, dom[-3000:]
    assert all(text in shown for (_, shown), text in zip(examples, EXAMPLE_TEXTS))
    first_run = _elements(dom, "empty")
    assert first_run and "张丽" in first_run[0][1] and "接单" in first_run[0][1]  # what to try next

    chats = _elements(dom, "chat-item")
    titles = [text for _, text in chats]
    assert len(chats) >= 40, titles  # the private chat and every unit's group chat
    assert chats[0][0]["data-kind"] == "private" and "网格通" in titles[0]
    kinds = {attrs["data-kind"] for attrs, _ in chats}
    assert {"private", "district", "street", "community", "grid", "department"} <= kinds
    assert any("南海街一社区第一网格" in title for title in titles)
    assert "王秀兰" in dom  # who the visitor is, in the switcher


@SQLITE_ONLY
async def test_a_complaint_clicked_in_the_browser_becomes_a_card_and_接单_edits_it_without_a_reload(
        db, db_url, tmp_path):
    async with web_demo(db_url) as demo:
        browser = await Browser(tmp_path / "profile").start()
        try:
            await browser.open(f"{demo.url}/?as={RESIDENT}")
            await browser.evaluate("window.__notReloaded = true")  # gone if the page ever reloads
            await browser.wait_for(".example-btn", "井盖")
            await _screenshot(browser, tmp_path / "demo.png", 1280, 800)  # the first run, desktop
            await _screenshot(browser, tmp_path / "demo-phone.png", 390, 844)  # and at phone width
            await _set_size(browser, 1280, 800)

            await browser.click(".example-btn", "井盖")
            await browser.wait_for(".msg.out .bubble", MANHOLE)  # the visitor's own bubble
            await browser.wait_for(".msg.in .bubble", "请确认")  # the summary, pushed live (the place was named)
            await browser.click(".kb-btn", "确认提交")
            await browser.wait_for(".msg.in .bubble", "已受理")
            await browser.wait_for(f'.chat-item[data-chat="{GRID_CHAT}"] .badge', "1")  # unread in the list
            await _screenshot(browser, tmp_path / "demo-resident.png", 1280, 800)
            await _screenshot(browser, tmp_path / "demo-resident-phone.png", 390, 844, newest=True)  # the receipt
            await _set_size(browser, 1280, 800)

            # The guide's next step: become 张丽 and press 接单 on the card in her grid's chat.
            await browser.evaluate(f"""(() => {{
                const who = document.querySelector('#who');
                who.value = '{WORKER}';
                who.dispatchEvent(new Event('change'));
            }})()""")
            card = await browser.wait_for(f'#messages[data-chat="{GRID_CHAT}"] .msg.in .bubble', "工单")
            assert "已派单" in card
            cards_before = await browser.evaluate("document.querySelectorAll('#messages .msg').length")
            await browser.click(".kb-btn", "接单")
            edited = await browser.wait_for(".msg.in .bubble", "处理中")
            assert "已编辑" in edited  # edited in place, marked as such
            assert await browser.evaluate("document.querySelectorAll('#messages .msg').length") == cards_before
            assert "接单" not in await browser.evaluate(
                "[...document.querySelectorAll('.kb-btn')].map((b) => b.textContent).join(' ')")
            await _screenshot(browser, tmp_path / "demo-worker.png", 1280, 800)
            await _screenshot(browser, tmp_path / "demo-worker-phone.png", 390, 844, newest=True)
            await _set_size(browser, 1280, 800)

            # The time control: +24 h moves the clock the page shows.
            before = await browser.evaluate("document.querySelector('#clock-text').textContent")
            await browser.click("#btn-jump")
            await browser.wait_for("#toast", "24 小时")
            after = await browser.evaluate("document.querySelector('#clock-text').textContent")
            assert after != before and after.split()[0] != before.split()[0], (before, after)  # another day
            assert await browser.evaluate("window.__notReloaded === true")

            # Phone width: the list or the chat, one at a time; the back button shows the list.
            await _set_size(browser, 390, 844)
            shown = "(s) => getComputedStyle(document.querySelector(s)).display"
            assert await browser.evaluate(f"({shown})('.sidebar')") == "none"
            assert await browser.evaluate(f"({shown})('.chat')") != "none"
            await _screenshot(browser, tmp_path / "demo-phone-chat.png", 390, 844)
            await browser.click("#back")
            assert await browser.evaluate(f"({shown})('.sidebar')") != "none"
            assert await browser.evaluate(f"({shown})('.chat')") == "none"
            assert not [line for line in browser.console if line.startswith("exception")], browser.console
        finally:
            await browser.close()


async def _send_in_page(browser: Browser, text: str) -> None:
    """Type into the composer and press 发送, as a visitor does."""
    await browser.evaluate(f"""(() => {{
        document.querySelector('#text').value = {json.dumps(text)};
        document.querySelector('#btn-send').click();
    }})()""")


@SQLITE_ONLY
async def test_a_staff_members_tour_files_to_download_the_web_link_on_the_pages_own_host_and_a_chart_a_phone_reads(
        db, db_url, tmp_path):
    """梁淑芬 (community staff) follows the guide's last step: /export comes as a file to download,
    /chart as a picture, /web as a link that opens the dashboard on the host the visitor used for
    the page (here `localhost`, as a phone would use the machine's address), logged in; the
    dashboard's chart, at 390 px, shows no text smaller than a phone reads."""
    async with web_demo(db_url, web_server=True) as demo:
        dashboard_port = demo.harness.bot.web.port
        browser = await Browser(tmp_path / "profile").start()
        try:
            await browser.open(f"http://localhost:{demo.api.port}/?as={COMMUNITY}")
            await browser.wait_for(f'#messages[data-chat="{COMMUNITY_CHAT}"]')
            await browser.click("#btn-guide")
            step = await browser.wait_for("#guide li", "/export")
            assert all(command in step for command in ("/stats", "/chart", "/export", "/web")), step
            await browser.click("#guide-dialog .tbtn", "好的")

            await _send_in_page(browser, "/export")
            card = await browser.wait_for("#messages a.file", ".xlsx", timeout_ms=30000)
            assert "点击下载" in card
            download = await browser.evaluate("""(async () => {
                const a = document.querySelector('#messages a.file');
                const response = await fetch(a.href);
                return [a.getAttribute('download'), response.status, response.headers.get('content-disposition'),
                        (await response.arrayBuffer()).byteLength];
            })()""")
            assert download[0].endswith(".xlsx") and download[1] == 200, download
            assert download[2].startswith("attachment") and download[3] > 1000, download
            await _send_in_page(browser, "/chart")
            await browser.wait_for("#messages .msg.in .bubble", "近30天", timeout_ms=30000)
            assert await browser.evaluate("""new Promise((done) => {
                const img = document.querySelector('#messages img.photo');
                if (img.complete) done(img.naturalWidth); else img.onload = () => done(img.naturalWidth);
            })""") > 0
            await _screenshot(browser, tmp_path / "demo-staff-files-phone.png", 390, 844)

            # The private chat: /web, tapped in the empty chat's hint, answers with a link.
            await browser.click(f'.chat-item[data-chat="{COMMUNITY}"]')
            await browser.click("#messages a.cmd", "/web")
            await browser.wait_for("#messages a.url", "/login/")
            href = await browser.evaluate("document.querySelector('#messages a.url').href")
            assert href.startswith(f"http://localhost:{dashboard_port}/login/"), href

            await browser.navigate(href)
            await browser.wait_for_path("/tickets")
            assert "梁淑芬" in await browser.evaluate("document.body.innerText")

            await _set_size(browser, 390, 844)
            await browser.navigate(f"http://localhost:{dashboard_port}/figures")
            shown = await browser.evaluate("""new Promise((done) => {
                const img = document.querySelector('img.chart');
                img.scrollIntoView();
                const measure = () => done([img.clientWidth, img.naturalWidth, document.documentElement.scrollWidth]);
                if (img.complete && img.naturalWidth) measure(); else img.onload = measure;
            })""")
            await browser.evaluate("document.querySelector('img.chart').scrollIntoView()")
            _keep(await browser.screenshot(tmp_path / "dashboard-chart-phone.png"))
        finally:
            await browser.close()

        client_width, natural_width, page_width = shown
        assert page_width <= 390 and client_width <= 390  # nothing to scroll sideways
        unit = await Unit.get(code="nanhaijie1")
        with charts.fonts():
            figure = charts.draw(await charts.chart_data(unit, demo.harness.rt.clock.now(), demo.harness.rt.tz))
            figure.canvas.draw()
        assert natural_width == round(figure.get_figwidth() * figure.dpi)  # the picture measured is this one
        sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        smallest = min(sizes) * figure.dpi / 72 * client_width / natural_width  # in CSS px, as shown
        assert smallest >= 10.5, f"the chart's smallest text is {smallest:.1f} px on a 390 px phone"
