"""`trigger-tui serve -- --demo` in a real browser: headless Chromium driven over the DevTools
protocol.

The page draws the terminal on a canvas (xterm.js with its WebGL or canvas renderer), so there is
no text in the DOM to read. A script installed before the page loads catches the xterm.js
`Terminal` as textual-serve's page stores it (`this.terminal = new Terminal(…)` goes through a
setter on Object.prototype), and the test reads the terminal's own screen buffer: what the
browser shows, cell for cell.

Every wait is bounded by a deadline; the whole test takes a few seconds. Skipped when no
Chromium is installed.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
KEY = "tr_dev_0123456789abcdefBROWSER"
SERVER_START = 30.0  # seconds: generous for a cold interpreter on a loaded CI machine
SCREEN_WAIT = 20.0
CALL_WAIT = 15.0

# Runs `serve` through its own parser rather than the CLI, so this test stands on serve.py alone.
SERVE_ENTRY = """
import argparse, sys
from trigger_tui import serve
parser = argparse.ArgumentParser(prog="trigger-tui")
serve.add_parser(parser.add_subparsers(dest="command"))
sys.exit(serve.run(parser.parse_args(sys.argv[1:])))
"""

# Installed before any page script runs: keeps the terminal textual-serve's page creates, and
# the moment the first frame's bytes arrived (the page marks it with the `-first-byte` class).
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    if (value && value.buffer && !window.__terminal) { window.__terminal = value; }
    Object.defineProperty(this, "terminal",
      {value, writable: true, configurable: true, enumerable: true});
  },
});
new MutationObserver((_, observer) => {
  if (document.body && document.body.classList.contains("-first-byte")) {
    window.__firstByte = performance.now();
    observer.disconnect();
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ["class"]});
"""

SCREEN_TEXT = """
(() => {
  const t = window.__terminal;
  if (!t) return "";
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = b.getLine(b.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""


def find_chromium() -> str | None:
    return (shutil.which("chromium") or shutil.which("chromium-browser")
            or shutil.which("google-chrome"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group (the server and the consoles it started), then SIGKILL."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    try:  # whatever is left of the group, the leader included
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=5)


@dataclass
class Served:
    url: str
    log: Path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "TRIGGER_SECRET_KEY": KEY}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", SERVE_ENTRY, "serve", "--port", str(port), "--", "--demo"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START
        while not port_answers(port):
            assert server.poll() is None, f"serve exited early:\n{log.read_text()}"
            assert time.monotonic() < deadline, "serve did not answer in time"
            time.sleep(0.05)  # waiting for another process to listen; bounded above
        yield Served(f"http://127.0.0.1:{port}", log)
    finally:
        stop(server)


@pytest.fixture
def devtools_url(tmp_path: Path) -> Iterator[str]:
    """The browser's DevTools websocket, read from Chromium's stderr."""
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium (chromium, chromium-browser or google-chrome) on PATH")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp_path)
    stderr = tmp_path / "chromium.err"
    with stderr.open("wb") as err:
        browser = subprocess.Popen(
            [chromium, "--headless=new", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "--no-sandbox", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--window-size=1200,800",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            found = re.search(r"DevTools listening on (ws://\S+)",
                              stderr.read_text(errors="replace"))
            if found:
                break
            assert browser.poll() is None, f"chromium exited:\n{stderr.read_text()}"
            assert time.monotonic() < deadline, "chromium did not start in time"
            time.sleep(0.05)
        yield found.group(1)
    finally:
        stop(browser)


class Page:
    """Just enough of the DevTools protocol: commands on one page target, by session id."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: str) -> None:
        self.ws, self.session = ws, session
        self.ids = itertools.count(1000)

    @classmethod
    async def open(cls, ws: aiohttp.ClientWebSocketResponse) -> Page:
        ids = itertools.count(1)
        target = await call(ws, next(ids), "Target.createTarget", {"url": "about:blank"})
        attached = await call(ws, next(ids), "Target.attachToTarget",
                              {"targetId": target["targetId"], "flatten": True})
        return cls(ws, attached["sessionId"])

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await call(self.ws, next(self.ids), method, params, session=self.session)

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send("Runtime.evaluate",
                                 {"expression": expression, "returnByValue": True})
        return answer["result"].get("value")

    async def screen(self) -> str:
        return str(await self.evaluate(SCREEN_TEXT) or "")

    async def wait_for_screen(self, pattern: str) -> str:
        deadline = time.monotonic() + SCREEN_WAIT
        text = ""
        while time.monotonic() < deadline:
            text = await self.screen()
            if re.search(pattern, text):
                return text
            await asyncio.sleep(0.05)  # polling a browser that renders on its own schedule
        raise AssertionError(f"{pattern!r} never appeared; the screen was:\n{text}")

    async def press(self, key: str, code: str, key_code: int) -> None:
        await self.evaluate("window.__terminal.focus()")
        for kind in ("keyDown", "keyUp"):
            params: dict[str, Any] = {"type": kind, "key": key, "code": code,
                                      "windowsVirtualKeyCode": key_code}
            if kind == "keyDown":
                params["text"] = key
            await self.send("Input.dispatchKeyEvent", params)


async def call(ws: aiohttp.ClientWebSocketResponse, id_: int, method: str,
               params: dict[str, Any] | None = None, *,
               session: str | None = None) -> dict[str, Any]:
    """Send one command and return its result, skipping the events that arrive meanwhile."""
    message: dict[str, Any] = {"id": id_, "method": method, "params": params or {}}
    if session is not None:
        message["sessionId"] = session
    await ws.send_str(json.dumps(message))
    async with asyncio.timeout(CALL_WAIT):
        while True:
            answer = json.loads((await ws.receive()).data)
            if answer.get("id") == id_:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result


async def test_the_console_runs_in_a_browser_and_takes_keys(
        devtools_url: str, served: Served) -> None:  # the browser first: no server if skipped
    started = time.monotonic()
    async with aiohttp.ClientSession() as http, \
            http.ws_connect(devtools_url, max_msg_size=0) as ws:
        page = await Page.open(ws)
        await page.send("Page.enable")
        # A headless page never has the window focus; without it xterm.js drops key events.
        await page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        navigated = time.monotonic()
        await page.send("Page.navigate", {"url": served.url})

        runs = await page.wait_for_screen(r"(?s)trigger-tui demo.*RUN ID")
        first_text = time.monotonic() - navigated
        assert "OLDEST WAIT" not in runs  # the queues pane is not showing yet
        first_byte_ms = await page.evaluate("window.__firstByte ?? null")
        load_ms = await page.evaluate(
            "performance.getEntriesByType('navigation')[0].loadEventStart")

        await page.press("2", "Digit2", 50)
        queues = await page.wait_for_screen(r"OLDEST WAIT")
        assert "QUEUE" in queues

        shot = await page.send("Page.captureScreenshot", {"format": "png"})
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "serve-browser.png").write_bytes(base64.b64decode(shot["data"]))

        html = str(await page.evaluate("document.documentElement.outerHTML"))
    assert KEY not in runs and KEY not in queues and KEY not in html
    assert KEY not in served.log.read_text(errors="replace")
    print(f"\nfirst console text {first_text:.2f}s after navigate; page load event at "
          f"{float(load_ms or 0):.0f} ms, first frame bytes at {float(first_byte_ms or 0):.0f} ms "
          "(page time); "
          f"test body {time.monotonic() - started:.2f}s")
