"""A real browser on the dashboard: headless Debian Chromium opens the one-time link that the bot
sent to a grid worker who typed /web in the private chat, and lands on their ticket list.

Skipped only where /usr/bin/chromium is missing (`.ci/run` installs it). Set
GRIDBOT_SCREENSHOT_DIR to keep the phone-sized screenshot of the list for a person to look at.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bot.models import Light
from tests.e2e import WORKER_NHJ1_01
from tests.test_e2e_intake import submit_report
from tests.webtools import login_link, make_ticket, web_harness  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed (/usr/bin/chromium is absent): "
                                       "`apt-get install -y chromium` runs this test")


async def chromium(profile: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(60):
            out, err = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail("chromium did not finish within 60 s")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def test_chromium_opens_the_link_from_web_and_shows_the_workers_tickets(web_harness, tmp_path):
    h = web_harness
    number = await submit_report(h, h.resident(), "南海街1号院楼下早餐店油烟太大，天天熏到家里")
    red = await make_ticket(h, "南海街1号院半夜有人装修，电钻声很吵", "nanhaijie1-01", "noise", light=Light.RED)
    elsewhere = await make_ticket(h, "惠民小区油烟", "nanhaijie1-02")

    link = await login_link(h, WORKER_NHJ1_01, "张丽")
    code, dom, err = await chromium(tmp_path / "profile-dom", "--dump-dom", link)
    assert code == 0, err[-2000:]
    assert number in dom and red.number in dom, dom[:2000]
    assert elsewhere.number not in dom and "张丽" in dom

    shot = tmp_path / "tickets-390x844.png"
    link = await login_link(h, WORKER_NHJ1_01, "张丽")  # the first one is used up
    code, _, err = await chromium(tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=390,844", link)
    assert code == 0, err[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
    if os.environ.get("GRIDBOT_SCREENSHOT_DIR"):
        keep = Path(os.environ["GRIDBOT_SCREENSHOT_DIR"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep / shot.name)
