"""Notifications leave the process for real: the webhook is POSTed over TCP to a receiver on
127.0.0.1 (a plain `http.server` in a thread, the test's stand-in for Slack or a pager), and
the desktop notification runs a command (a shell script in tmp_path that logs its arguments).

Once per firing, bounded by the timeout, failures as Store notices, never a key in the body.
"""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.state.test_alert_rules import Rig, make_rig
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.rules import Alerting, Rule
from trigger_tui.state.alerts import Alert
from trigger_tui.state.notify import Notifier
from trigger_tui.state.store import Store


class Receiver:
    """A webhook receiver: `mode` is ok (200), fail (500), hang (never answers) or drip (a
    200 whose body arrives one byte every 50 ms, for ten seconds)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server naming)
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.raw.append(body)
                receiver.bodies.append(json.loads(body))
                if receiver.mode == "hang":
                    receiver.release.wait(10)
                    return
                status = 500 if receiver.mode == "fail" else 200
                self.send_response(status)
                self.send_header("content-length", "200" if receiver.mode == "drip" else "2")
                self.end_headers()
                try:
                    if receiver.mode == "drip":
                        for _ in range(200):
                            if receiver.release.wait(0.05):
                                return
                            self.wfile.write(b" ")
                            self.wfile.flush()
                    else:
                        self.wfile.write(b"{}")
                except OSError:
                    return  # the client gave up

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def _alert(rule: str = "checkout failing") -> Alert:
    return Alert(1, rule, "prod", "checkout: 30% failed (3 of 10) over 10m", 1000.0)


async def _fail_for(rig: Rig, seconds: float) -> None:
    rig.h.app.state.faults.ratios["5xx"] = 1.0
    await rig.poll(1.0)
    await rig.poll(seconds)


async def _recover(rig: Rig) -> None:
    rig.h.app.state.faults.ratios["5xx"] = 0.0
    await rig.poll(10.0)


async def test_the_webhook_is_posted_once_per_firing(receiver: Receiver) -> None:
    rig = make_rig([Rule(name="api down", when="connection", over="2m")],
                   settings=Alerting(webhook=receiver.url, webhook_timeout_s=2.0))
    notifier = rig.session.notifier
    assert notifier is not None
    await _fail_for(rig, 120.0)
    await notifier.drain()
    assert len(receiver.bodies) == 1
    for _ in range(3):  # still failing: still the same firing
        await rig.poll(60.0)
    await notifier.drain()
    assert len(receiver.bodies) == 1
    await _recover(rig)
    await notifier.drain()
    assert len(receiver.bodies) == 1  # a clear is not announced
    await _fail_for(rig, 120.0)
    await notifier.drain()
    assert len(receiver.bodies) == 2
    firings = [a for a in rig.alerts.records() if a.rule == "api down"]
    for body, alert in zip(receiver.bodies, sorted(firings, key=lambda a: a.seq), strict=True):
        assert body["rule"] == "api down" and body["environment"] == "prod"
        assert body["since"] == alert.since and body["state"] == "firing"
        assert body["message"].startswith("the API has failed for 2m")
    assert notifier.sent.count(("webhook", "api down", "ok")) == 2
    assert not rig.store.notices
    await rig.close()


async def test_the_webhook_body_holds_no_key(receiver: Receiver) -> None:
    rig = make_rig([Rule(name="api down", when="connection", over="1m")],
                   settings=Alerting(webhook=receiver.url))
    rig.alerts.watch_queue("email", 60.0)
    await rig.h.client.queues.pause("email", type="custom")
    rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await _fail_for(rig, 60.0)
    await _recover(rig)
    await rig.poll(120.0)
    assert rig.session.notifier is not None
    await rig.session.notifier.drain()
    assert len(receiver.raw) == 2  # the rule and the queue watch
    for raw in receiver.raw:
        text = raw.decode()
        assert "tr_" not in text and DEMO_PAT not in text
        assert not any(key in text for key in DEMO_KEYS.values())
        assert {"rule", "environment", "message", "since"} <= json.loads(text).keys()
    await rig.close()


@pytest.mark.parametrize(("mode", "why"), [
    ("hang", "no answer within 0.2 s"),
    ("drip", "no answer within 0.2 s"),
    ("fail", "it answered HTTP 500"),
])
async def test_a_failed_send_gives_up_and_leaves_a_notice(receiver: Receiver, mode: str,
                                                           why: str) -> None:
    receiver.mode = mode
    store = Store()
    notifier = Notifier(store, clock=lambda: 1234.0)
    notifier.announce(_alert(), desktop=False, webhook=receiver.url, timeout_s=0.2,
                      project="proj_demo")
    assert notifier.pending == 1
    await notifier.drain()
    assert notifier.pending == 0 and len(receiver.bodies) == 1
    [note] = store.notices
    assert note.level == "warning" and note.at == 1234.0
    assert note.message == f"Alert 'checkout failing': the webhook notification failed: {why}"
    await notifier.aclose()


async def test_an_unreachable_webhook_is_a_notice() -> None:
    store = Store()
    with Receiver() as gone:
        url = gone.url
    notifier = Notifier(store)
    notifier.announce(_alert(), desktop=False, webhook=url, timeout_s=1.0, project=None)
    await notifier.drain()
    assert "could not reach it (ConnectError)" in store.notices[-1].message
    await notifier.aclose()


async def test_an_unexpected_error_in_a_send_is_a_notice_too() -> None:
    class Broken:
        async def handle_async_request(self, request: Any) -> Any:
            raise RuntimeError("boom")

        async def aclose(self) -> None:
            pass

    store = Store()
    notifier = Notifier(store, transport=Broken())  # type: ignore[arg-type]
    notifier.announce(_alert(), desktop=False, webhook="http://127.0.0.1:9/x", timeout_s=1.0,
                      project=None)
    await notifier.drain()
    assert store.notices[-1].message.endswith("failed: unexpected RuntimeError")
    await notifier.aclose()


def _script(tmp_path: Path, body: str) -> tuple[Path, Path]:
    log = tmp_path / "args.txt"
    script = tmp_path / "notify.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{log}'\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


async def test_the_desktop_command_is_run_with_the_rule_and_message(tmp_path: Path) -> None:
    script, log = _script(tmp_path, "exit 0")
    rig = make_rig([Rule(name="api down", when="connection", over="1m"),
                    Rule(name="quiet one", when="no_completions", over="10m", desktop=False)],
                   settings=Alerting(desktop=True))
    notifier = rig.session.notifier
    assert notifier is not None
    notifier.desktop_command = str(script)
    await _fail_for(rig, 60.0)
    await notifier.drain()
    args = log.read_text().splitlines()
    assert args[:2] == ["--app-name=trigger-tui", "trigger-tui: api down"]
    assert args[2].startswith("[prod] the API has failed for 1m")
    await _recover(rig)
    await notifier.drain()
    assert rig.alerts.firing()[0].rule == "quiet one"  # fired, but not on the desktop
    assert "trigger-tui: quiet one" not in log.read_text()
    assert ("desktop", "api down", "ok") in notifier.sent and not rig.store.notices
    await rig.close()


async def test_a_missing_or_failing_desktop_command_is_a_notice(tmp_path: Path) -> None:
    store = Store()
    notifier = Notifier(store, desktop_command=str(tmp_path / "no-such-notify-send"))
    notifier.announce(_alert(), desktop=True, webhook=None, timeout_s=1.0, project=None)
    await notifier.drain()
    assert store.notices[-1].message.endswith("no-such-notify-send is not installed")
    script, _ = _script(tmp_path, "exit 3")
    notifier.desktop_command = str(script)
    notifier.announce(_alert(), desktop=True, webhook=None, timeout_s=1.0, project=None)
    await notifier.drain()
    assert store.notices[-1].message.endswith("notify.sh exited with 3")
    await notifier.aclose()


async def test_close_cancels_sends_in_flight(receiver: Receiver) -> None:
    receiver.mode = "hang"
    notifier = Notifier(Store())
    notifier.announce(_alert(), desktop=False, webhook=receiver.url, timeout_s=30.0,
                      project=None)
    assert notifier.pending == 1
    await notifier.aclose()
    assert notifier.pending == 0
