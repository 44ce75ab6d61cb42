"""Secrets never reach a screen, a snapshot, a log record, an error message or `config show`.

The console runs against an emulator world whose API key and env var values are known,
distinctive strings; every pane and overlay is exported as an SVG screenshot and searched for
them (the masked form, `tr_prod_…a1b2`, is what the operator is meant to see). The config file's
mode (0600 on save, a warning for a readable one) is covered by `tests/test_config.py`
(`test_save_writes_0600…`, `test_a_readable_file_gets_a_warning`) and the webhook body by
`tests/state/test_notify.py::test_the_webhook_body_holds_no_key`; here the webhook body is
checked once more against an alert about a run whose data holds a secret.
"""

from __future__ import annotations

import html
import json
import logging
import random
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.ui.conftest import FROZEN_AT, SEED, Harness, make_app, make_harness, never, settle
from tests.ui.test_wall import make_wall, settle_wall
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.api.errors import ApiError
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT
from trigger_tui.keys import mask, redact
from trigger_tui.state.alerts import Alert
from trigger_tui.state.session import Session
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.envvars import EnvVarsScreen
from trigger_tui.ui.screens.run_detail import RunDetailScreen

KEY = "tr_prod_K3yS3cr3tQ9w8e7r6t5y4a1b2"
SECRETS = {  # env var name -> a value that must never be on screen unless revealed
    "DATABASE_URL": "postgresql://acme:S3CR3T-pw-7f1c@db.internal/acme",
    "OPENAI_API_KEY": "S3CR3T-sk-proj-0d9c8b7a",
    "LOG_LEVEL": "S3CR3T-plain-but-masked-41",
}
SNAPSHOTS = Path(__file__).parent.parent / "ui" / "__snapshots__"


def needles() -> list[str]:
    """The key, its unmasked body, and every secret value."""
    return [KEY, KEY[len("tr_prod_"):-4], *SECRETS.values()]


def screen_text(svg: str) -> str:
    """The characters an SVG screenshot shows (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def assert_clean(where: str, text: str) -> None:
    for needle in needles():
        assert needle not in text, f"{where} shows a secret ({needle[:10]}…)"


def secret_harness() -> Harness:
    """`make_harness`, but the prod environment answers to KEY and its variables hold SECRETS."""
    h = make_harness()
    env = h.world.envs["prod"]
    env.api_key = KEY
    h.world.by_key = {e.api_key: e for e in h.world.envs.values()}
    for name, value in SECRETS.items():
        env.envvars.items[name].value = value
    client = TriggerClient(ClientOptions(
        base_url=h.world.api_origin, key=KEY, project_ref=h.world.project_ref,
        retry=NO_RETRY, transport=httpx.ASGITransport(app=h.emulator), now=h.clock.now,
        rng=random.Random(SEED)))
    session = Session.connect(client, clock=h.clock.now, sleep=never, timer=h.clock.now)
    session.world, session.emulator = h.world, h.emulator
    h.session = session
    return h


async def shot(app: TriggerApp, pilot: Any, where: str) -> str:
    await pilot.pause()
    text = screen_text(app.export_screenshot())
    assert_clean(where, text)
    return text


async def test_no_screen_shows_the_key_or_an_env_var_value() -> None:
    h = secret_harness()
    app = make_app(h)
    shots: dict[str, str] = {}
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        shots["runs"] = await shot(app, pilot, "the runs pane")
        for key in "234567890":
            await pilot.press(key)
            await settle(pilot)
            shots[key] = await shot(app, pilot, f"pane {key}")
        # The env vars pane lists the seeded names with masked values (esc first: the query
        # editor takes digits).
        await pilot.press("escape", "7")
        await settle(pilot)
        envvars = app.screen
        assert isinstance(envvars, EnvVarsScreen)
        text = await shot(app, pilot, "the env vars pane")
        assert "DATABASE_URL" in text and "OPENAI_API_KEY" in text
        # Revealing one value shows that value only, and moving away masks it again.
        envvars.table.move_cursor(row=envvars.table.get_row_index("LOG_LEVEL"))
        await pilot.press("v")
        await pilot.pause()
        revealed = screen_text(app.export_screenshot())
        assert SECRETS["LOG_LEVEL"] in revealed
        assert SECRETS["DATABASE_URL"] not in revealed and KEY not in revealed
        await pilot.press("k")
        await shot(app, pilot, "the env vars pane after the cursor moved")
        # The diff of two environments.
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        await shot(app, pilot, "the env diff")
        await pilot.press("escape")
        await pilot.press("1")
        await settle(pilot)
        # A run's detail, every tab.
        run = next(iter(h.session.store.runs.values()))
        await app.push_screen(RunDetailScreen(run.id))
        await settle(pilot)
        for tab in ("o", "t", "l", "d"):
            await pilot.press(tab)
            await pilot.pause()
            await shot(app, pilot, f"the run detail, tab {tab}")
        await pilot.press("escape")
        await pilot.pause()
        for key, where in (("exclamation_mark", "the connection details"),
                           ("question_mark", "help"), ("A", "the alerts list")):
            await pilot.press(key)
            await pilot.pause()
            shots[where] = await shot(app, pilot, where)
            await pilot.press("escape")
            await pilot.pause()
        assert mask(KEY) in shots["the connection details"]  # what it shows instead
    assert len(shots) >= 13


async def test_failing_requests_leave_no_secret_in_the_log_or_on_screen(
        caplog: pytest.LogCaptureFixture) -> None:
    h = secret_harness()
    app = make_app(h)
    caplog.set_level(logging.DEBUG)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for kind in ("5xx", "401"):
            if kind == "5xx":
                h.faults.ratios["5xx"] = 1.0
            else:  # the server no longer knows the key
                h.faults.ratios.clear()
                h.world.by_key = {}
            h.advance(30)
            before = h.session.runs.health.consecutive_failures
            h.session.refresh_now()

            def failed_again(b: int = before) -> bool:
                return h.session.runs.health.consecutive_failures > b

            await settle(pilot, failed_again)
            await pilot.press("exclamation_mark")
            await shot(app, pilot, f"the connection details after {kind}")
            await pilot.press("escape")
            await shot(app, pilot, f"the runs pane after {kind}")
        assert "rejected" in str(h.session.runs.health.last_error)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    assert_clean("the log", logged)


def echoing(status: int) -> httpx.MockTransport:
    """A server that echoes the request's Authorization header and body in its error."""

    def handler(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        body = request.content.decode(errors="replace")
        return httpx.Response(status, json={
            "error": f"bad request with {auth} and {body}",
            "issues": [{"path": ["value"], "message": f"{auth} is wrong: {body}"}],
            "echo": {"authorization": auth}})

    return httpx.MockTransport(handler)


def test_redact_masks_the_key_wherever_it_hides() -> None:
    echoed = {"error": f"Bearer {KEY}", "issues": [{"message": KEY}], KEY: (KEY, 3)}
    clean = redact(echoed, KEY)
    assert KEY not in json.dumps(clean) and mask(KEY) in clean["error"]
    assert clean["issues"][0]["message"] == mask(KEY) and clean[mask(KEY)] == (mask(KEY), 3)
    assert redact("no key here", KEY) == "no key here" and redact(None, KEY) is None
    assert redact(f"x{KEY}", "") == f"x{KEY}"  # no key, nothing to hide


# Fixed by masking the key in `TriggerClient._classify` (api/client.py, owned elsewhere):
# body, text and headers go through `keys.redact` before `errors.from_response`.
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429, 500])
async def test_api_errors_never_carry_the_key(status: int) -> None:
    client = TriggerClient(ClientOptions(base_url="https://api.example", key=KEY,
                                         project_ref="proj_x", retry=NO_RETRY,
                                         transport=echoing(status)))
    try:
        with pytest.raises(ApiError) as caught:
            await client.envvars.create("proj_x", "prod", "A", "S3CR3T-v")
    finally:
        await client.aclose()
    exc = caught.value
    assert exc.status == status
    assert KEY not in str(exc) and KEY not in repr(exc)
    assert KEY not in json.dumps(exc.body) and KEY not in json.dumps(exc.headers)
    assert KEY[len("tr_prod_"):-4] not in str(exc)


# The value an operator types is in the request body; a server that echoes the body in its
# error would put it in the toast. Fixed by `keys.redact(message, value)` on the failure
# messages of EnvVarActions.set / import_vars (state/envvars.py, owned elsewhere: diff in the
# notes).
async def test_a_refused_env_var_keeps_its_value_out_of_the_message() -> None:
    from trigger_tui.state.envvars import EnvVarActions
    from trigger_tui.state.store import Store

    client = TriggerClient(ClientOptions(base_url="https://api.example", key=KEY,
                                         project_ref="proj_x", retry=NO_RETRY,
                                         transport=echoing(422)))
    actions = EnvVarActions(client, Store())
    try:
        one = await actions.set("API_TOKEN", "S3CR3T-typed-value-9")
        many = await actions.import_vars({"A": "S3CR3T-imported-1", "B": "S3CR3T-imported-2"},
                                         override=True)
    finally:
        await client.aclose()
    assert not one.ok and not many.ok
    assert "S3CR3T" not in one.message + many.message, (one.message, many.message)
    assert "API_TOKEN" in one.message


def test_the_webhook_body_of_an_alert_holds_no_secret() -> None:
    alert = Alert(seq=1, kind="rule", rule="failures", environment="prod",
                  message="3 failures of sync-db in 5m", subject="task:sync-db",
                  since=FROZEN_AT)
    body = json.dumps(alert.to_json("proj_demo"))
    assert_clean("the webhook body", body)
    assert "sync-db" in body


async def test_the_wall_shows_no_demo_key() -> None:
    app = make_wall(("prod", "stg"))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        text = screen_text(app.export_screenshot())
        await pilot.press("question_mark")
        await pilot.pause()
        text += screen_text(app.export_screenshot())
    assert "proj" in text or "prod" in text
    for key in (*DEMO_KEYS.values(), DEMO_PAT):
        assert key not in text and key[-12:-4] not in text


def test_no_stored_snapshot_holds_a_demo_key() -> None:
    svgs = sorted(SNAPSHOTS.rglob("*.svg"))
    assert len(svgs) > 20
    for svg in svgs:
        text = screen_text(svg.read_text(encoding="utf-8"))
        for key in (*DEMO_KEYS.values(), DEMO_PAT):
            assert key not in text, f"{svg.name} holds the demo key {mask(key)}"


def test_config_show_masks_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from trigger_tui.cli import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("TRIGGER_SECRET_KEY", KEY)
    monkeypatch.setenv("TRIGGER_ACCESS_TOKEN", "tr_pat_S3CR3Tpat0000000000zz")
    for fmt in ((), ("--json",)):
        assert main(["config", "show", *fmt]) == 0
        out, err = capsys.readouterr()
        assert_clean("config show", out + err)
        assert "tr_pat_S3CR3Tpat" not in out + err
        assert mask(KEY) in out or json.dumps(mask(KEY))[1:-1] in out
    profile = tmp_path / "trigger-tui" / "config.toml"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.write_text(f'[profiles.acme]\nkey = "{KEY}"\nproject_ref = "proj_x"\n')
    profile.chmod(0o600)
    monkeypatch.delenv("TRIGGER_SECRET_KEY")
    assert main(["--profile", "acme", "config", "show"]) == 0
    out, err = capsys.readouterr()
    assert_clean("config show of a profile", out + err)
