"""Headless Chromium for the web chat page's tests: one-shot runs (--dump-dom, --screenshot) and
a small DevTools-protocol client (over aiohttp's WebSocket client) to click and wait in the page.

Debian's /usr/bin/chromium (`apt-get install chromium`); tests skip, saying so, where it is absent.
Started as the machine's notes say: no sandbox (root), no GPU, no background networking - the
page must not reach the internet, and neither may the browser.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import struct
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = next((path for path in (os.environ.get("GRIDBOT_CHROMIUM"), "/usr/bin/chromium",
                                   shutil.which("chromium"), shutil.which("chromium-browser"))
                 if path and os.path.exists(path)), None)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
)
SKIP_REASON = ("headless Chromium is not installed (Debian: apt-get install chromium); "
               "the browser tests of the demo page need /usr/bin/chromium")


async def run_once(url: str, profile: Path, *args: str, timeout: float = 30) -> str:
    """Run Chromium once (e.g. --dump-dom or --screenshot) and return what it printed."""
    process = await asyncio.create_subprocess_exec(
        CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"chromium did not finish within {timeout}s: {url} {args}") from None
    if process.returncode != 0:
        raise AssertionError(f"chromium failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}")
    return out.decode("utf-8", errors="replace")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.process: asyncio.subprocess.Process | None = None
        self.session: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.page_session: str | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._events: dict[str, list[asyncio.Future]] = {}
        self._reader: asyncio.Task | None = None
        self.console: list[str] = []

    async def start(self, width: int = 1280, height: int = 800) -> Browser:
        self.process = await asyncio.create_subprocess_exec(
            CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0",
            f"--window-size={width},{height}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        endpoint = await asyncio.wait_for(self._devtools_endpoint(), 30)
        self.session = aiohttp.ClientSession()
        self.ws = await self.session.ws_connect(endpoint, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _devtools_endpoint(self) -> str:
        assert self.process and self.process.stderr
        while line := await self.process.stderr.readline():
            found = re.search(rb"DevTools listening on (ws://\S+)", line)
            if found:
                return found.group(1).decode()
        raise AssertionError("chromium exited before it opened the DevTools port")

    async def _read(self) -> None:
        assert self.ws
        async for message in self.ws:
            data = json.loads(message.data)
            for future in self._events.pop(data.get("method", ""), []):
                if not future.done():
                    future.set_result(data.get("params", {}))
            if "id" in data and data["id"] in self._waiting:
                self._waiting.pop(data["id"]).set_result(data)
            elif data.get("method") == "Runtime.consoleAPICalled":
                args = data["params"].get("args", [])
                self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
            elif data.get("method") == "Runtime.exceptionThrown":
                details = data["params"]["exceptionDetails"]
                self.console.append("exception: " + str(details.get("exception", {}).get("description", details)))

    async def send(self, method: str, params: dict | None = None, *, page: bool = True) -> dict:
        assert self.ws
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if page and self.page_session:
            message["sessionId"] = self.page_session
        future = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def open(self, url: str, *, mobile: bool = False, width: int = 1280, height: int = 800) -> None:
        target = await self.send("Target.createTarget", {"url": "about:blank"}, page=False)
        attached = await self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                                   page=False)
        self.page_session = attached["sessionId"]
        await self.send("Runtime.enable")
        await self.send("Page.enable")
        await self.send("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        loaded = asyncio.get_running_loop().create_future()
        self._events.setdefault("Page.loadEventFired", []).append(loaded)
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded, 30)

    def _next(self, event: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._events.setdefault(event, []).append(future)
        return future

    async def navigate(self, url: str) -> None:
        """Open another address in the same page and wait for it to load."""
        loaded = self._next("Page.loadEventFired")
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded, 30)

    async def wait_for_path(self, path: str, timeout: float = 15) -> None:
        """Until the page shows `path`, loaded, through redirects and the forms a page posts
        itself (each load is waited for as an event: no polling)."""
        async with asyncio.timeout(timeout):
            while True:
                loaded = self._next("Page.loadEventFired")  # before looking: no load slips by
                try:
                    where = await self.evaluate("[location.pathname, document.readyState]")
                except AssertionError:  # the document went away under the question
                    where = None
                if where == [path, "complete"]:
                    return
                await loaded

    async def evaluate(self, expression: str, timeout: float = 15) -> Any:
        """Evaluate in the page (promises awaited) and return the value."""
        result = await asyncio.wait_for(self.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True,
        }), timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise AssertionError(
                f"in the page: {details.get('exception', {}).get('description', details.get('text'))}; "
                f"console: {self.console[-5:]}")
        return result["result"].get("value")

    async def wait_for(self, selector: str, text: str = "", timeout_ms: int = 10000) -> str:
        """The text of the first element matching `selector` whose text contains `text`, as soon
        as it exists (a MutationObserver in the page: no polling, no sleeping)."""
        script = """
        ((selector, text, timeout) => new Promise((resolve, reject) => {
          const find = () => [...document.querySelectorAll(selector)].find((n) => n.textContent.includes(text));
          const hit = find();
          if (hit) { resolve(hit.textContent); return; }
          const observer = new MutationObserver(() => {
            const found = find();
            if (found) { observer.disconnect(); resolve(found.textContent); }
          });
          observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });
          setTimeout(() => { observer.disconnect(); reject(new Error(`nothing like ${selector} with "${text}" within ${timeout} ms`)); }, timeout);
        }))(%s, %s, %d)
        """ % (json.dumps(selector), json.dumps(text), timeout_ms)
        return await self.evaluate(script, timeout=timeout_ms / 1000 + 5)

    async def click(self, selector: str, text: str = "") -> None:
        """Click the first element matching `selector` whose text contains `text`."""
        await self.wait_for(selector, text)
        await self.evaluate("""
        (() => {
          const node = [...document.querySelectorAll(%s)].find((n) => n.textContent.includes(%s));
          node.scrollIntoView({ block: "center" });
          node.click();
        })()
        """ % (json.dumps(selector), json.dumps(text)))

    async def screenshot(self, path: Path) -> Path:
        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws:
            await self.ws.close()
        if self.session:
            await self.session.close()
        if self.process and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
