"""Connections from settings: missing and rejected keys (exit 3), unreachable servers (exit 1),
and no key ever printed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.commands.conftest import PROD
from trigger_tui.api.errors import AuthenticationError
from trigger_tui.commands import context
from trigger_tui.commands.output import Output
from trigger_tui.emulator.world import DEMO_KEYS


def test_no_key_is_exit_3_with_advice(cli: Any) -> None:
    r = cli("runs", "list")
    assert r.code == 3 and r.out == ""
    assert r.err.startswith("trigger-tui: no API key: set TRIGGER_SECRET_KEY")
    assert len(r.err.strip().splitlines()) == 1


def test_a_rejected_key_is_exit_3_and_never_printed(cli: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "tr_prod_" + "x" * 24
    monkeypatch.setenv("TRIGGER_SECRET_KEY", wrong)
    r = cli("runs", "list")
    assert r.code == 3
    assert r.err.startswith("trigger-tui: the API key was rejected for the prod environment")
    assert wrong not in r.err and "x" * 10 not in r.err


def test_keys_from_the_environment_pick_the_environment(cli: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", DEMO_KEYS["stg"])
    monkeypatch.setenv("TRIGGER_API_URL", "http://127.0.0.1:8030")
    r = cli("runs", "list", "--json", "--limit", "3")
    assert r.code == 0 and r.json()
    r = cli("runs", "list", "--env", "dev")  # the only key is staging's
    assert r.code == 3 and "skipped the stg key" in r.err


def test_an_unreachable_server_is_exit_1(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", PROD)
    monkeypatch.setattr(context.hooks, "transport", None)
    r = cli("runs", "list", "--api-url", "http://127.0.0.1:9")
    assert r.code == 1 and "cannot reach http://127.0.0.1:9" in r.err
    assert PROD not in r.err


def test_guard_masks_any_key_in_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    def boom() -> int:
        raise AuthenticationError(401, f"rejected {PROD} (bad)")

    assert context.guard(boom, Output(), [PROD]) == 3
    err = capsys.readouterr().err
    assert PROD not in err and "tr_prod_…0000" in err


def test_unexpected_errors_are_one_line_not_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    def boom() -> int:
        raise RuntimeError("disk\non fire")

    assert context.guard(boom, Output()) == 1
    assert capsys.readouterr().err == "trigger-tui: unexpected RuntimeError: disk on fire\n"


def test_a_personal_access_token_lists_a_project_environment(
        cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from trigger_tui.emulator.world import DEMO_PAT

    monkeypatch.setenv("TRIGGER_ACCESS_TOKEN", DEMO_PAT)
    r = cli("runs", "list", "--project-ref", "proj_demo", "--env", "stg", "--json",
            "--limit", "3")
    assert r.code == 0, r.err
    assert {run["env"]["name"] for run in r.json()} == {"stg"}
    r = cli("runs", "list", "--env", "stg")
    assert r.code == 2 and "needs the project ref" in r.err
