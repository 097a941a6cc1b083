"""What a resident and a grid worker see on a 390×844 phone after a ticket comes back and after
it is closed: the web chat in a real headless Chromium, against the real bot, the flow driven
through the loopback Bot API as in the other end-to-end tests (workers answer prompts by replying
to them). Each screenshot is checked to show the message that matters at the bottom of the
chat; set GRIDBOT_SCREENSHOTS=/some/folder to keep them.

Skipped, with the reason, where Debian's chromium is not installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import texts
from tests.chromium import CHROMIUM, SKIP_REASON, Browser
from tests.e2e import GRID_NHJ1_01_CHAT
from tests.test_e2e_comeback import cards_of, newest_card
from tests.test_e2e_demo_chromium import _screenshot, _set_size
from tests.test_e2e_feedback import resolve
from tests.test_e2e_intake import _buttons, submit_report
from tests.webdemo import RESIDENT, SQLITE_ONLY, WORKER, web_demo

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)

PHONE = (390, 844)
STILL_WRONG = "油烟还是很大，晚上根本不敢开窗"


async def _as(browser: Browser, user_id: int) -> None:
    """Switch who the visitor is, as the page's 我是 menu does."""
    await browser.evaluate(f"""(() => {{
        const who = document.querySelector('#who');
        who.value = '{user_id}';
        who.dispatchEvent(new Event('change'));
    }})()""")


async def _last_bubbles(browser: Browser, count: int = 3) -> str:
    return await browser.evaluate(
        f"[...document.querySelectorAll('#messages .msg .bubble')].slice(-{count}).map((b) => b.textContent).join('\\n')")


async def _shot(browser: Browser, folder: Path, name: str) -> None:
    await _screenshot(browser, folder / name, *PHONE, newest=True)
    await _all_bubbles_on_screen(browser)


async def _all_bubbles_on_screen(browser: Browser) -> None:
    """No bubble is wider than the phone (a long quoted line once pushed a reply off the left)."""
    outside = await browser.evaluate(f"""[...document.querySelectorAll('#messages .bubble')]
        .map((b) => b.getBoundingClientRect())
        .filter((r) => r.left < 0 || r.right > {PHONE[0]}).length""")
    assert outside == 0


@SQLITE_ONLY
async def test_a_come_back_and_a_closed_ticket_read_on_a_phone(db, db_url, tmp_path):
    async with web_demo(db_url) as demo:
        h = demo.harness
        resident = h.resident(RESIDENT)
        number = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大")
        await resolve(h, number, note="已上门协调，店家清洗了烟道")
        ask = await h.api.wait_for_bot_message(resident.id, lambda m: "满意" in _buttons(m))
        await h.api.press(resident, ask, "不满意")
        await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.ASK_WHAT_IS_WRONG)
        await h.api.send_text(resident, STILL_WRONG)
        await h.api.wait_for(newest_card(h, GRID_NHJ1_01_CHAT, number, saying=f"居民说：“{STILL_WRONG}”"))
        await h.drain()

        browser = await Browser(tmp_path / "profile").start()
        try:
            await browser.open(f"{demo.url}/?as={RESIDENT}", mobile=True, width=PHONE[0], height=PHONE[1])
            # The resident: their 不满意 was heard, their words went to the worker.
            await browser.wait_for(".msg.out .bubble", STILL_WRONG)
            await _shot(browser, tmp_path, "comeback-resident.png")
            assert STILL_WRONG in await _last_bubbles(browser)

            # The worker: the ticket came back as a new card at the bottom, with the reason.
            await _as(browser, WORKER)
            await browser.wait_for(f'#messages[data-chat="{GRID_NHJ1_01_CHAT}"] .msg.in .bubble', "重新交办")
            await _shot(browser, tmp_path, "comeback-worker.png")
            bottom = await _last_bubbles(browser, 2)
            assert "居民对处理结果不满意，重新交办" in bottom and STILL_WRONG in bottom

            # Worked again, rated 满意: both sides see it closed.
            await resolve(h, number, note="店家换了新烟道，复查已无油烟")
            again = await h.api.wait_for_bot_message(
                resident.id, lambda m: "满意" in _buttons(m) and m["message_id"] > ask["message_id"])
            await h.api.press(resident, again, "满意")
            await h.api.wait_for_bot_message(resident.id, lambda m: m["text"] == texts.RATE_THANKS)
            await h.api.wait_for(lambda: "已关闭，居民评价：满意" in cards_of(h, GRID_NHJ1_01_CHAT, number)[-1]["text"])
            await h.drain()

            # The card (edited in place, a few messages up) now ends in the resident's rating.
            card = await browser.wait_for(".msg.in .bubble", "已关闭，居民评价：满意")
            assert number in card and "已编辑" in card
            await _set_size(browser, *PHONE)
            await browser.evaluate("""(() => {
                const card = [...document.querySelectorAll('.msg.in .bubble')].find((b) => b.textContent.includes('已关闭，居民评价'));
                card.scrollIntoView({ block: 'end' });
            })()""")
            await _screenshot(browser, tmp_path / "closed-worker.png", *PHONE)
            await _all_bubbles_on_screen(browser)
            await _as(browser, RESIDENT)
            await browser.wait_for(".msg.in .bubble", texts.RATE_THANKS)
            await _shot(browser, tmp_path, "closed-resident.png")
            assert texts.RATE_THANKS in await _last_bubbles(browser, 1)
            assert not [line for line in browser.console if line.startswith("exception")], browser.console
        finally:
            await browser.close()
