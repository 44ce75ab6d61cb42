"""`trigger-tui envvars …`: secrets stay hidden, values from files and stdin, .env import."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from tests.commands.conftest import Demo


def test_list_hides_secret_values(cli: Any) -> None:
    r = cli("envvars", "list", "--demo")
    assert r.code == 0, r.err
    secret_lines = [line for line in r.out.splitlines() if line.rstrip().endswith("yes")]
    assert secret_lines and all("(secret: --reveal to show)" in line for line in secret_lines)
    data = cli("envvars", "list", "--demo", "--json").json()
    assert all(v["value"] is None for v in data if v["isSecret"])
    assert any(v["value"] for v in data if not v["isSecret"])
    revealed = cli("envvars", "list", "--demo", "--json", "--reveal").json()
    assert all(v["value"] is not None for v in revealed)


def test_set_get_unset(cli: Any, demo: Demo, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    r = cli("envvars", "set", "CLI_PLAIN", "hello", "--demo", "--env", "dev")
    assert (r.code, r.out.strip()) == (0, "CLI_PLAIN") and "set CLI_PLAIN in dev" in r.err
    assert cli("envvars", "get", "CLI_PLAIN", "--demo", "--env", "dev", "--json").json() == {
        "name": "CLI_PLAIN", "value": "hello", "isSecret": False}
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cr3t-value\n"))
    r = cli("envvars", "set", "CLI_SECRET", "-", "--secret", "--demo", "--env", "dev")
    assert r.code == 0 and "s3cr3t" not in r.out + r.err
    r = cli("envvars", "get", "CLI_SECRET", "--demo", "--env", "dev")
    assert r.code == 0 and "s3cr3t" not in r.out and "--reveal" in r.out
    r = cli("envvars", "unset", "CLI_PLAIN", "--demo", "--env", "dev")
    assert r.code == 0 and "removed CLI_PLAIN from dev" in r.err
    r = cli("envvars", "get", "CLI_PLAIN", "--demo", "--env", "dev")
    assert r.code == 1 and "HTTP 404" in r.err


def test_import_a_dotenv_file(cli: Any, tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nexport CLI_A=1\nCLI_B="two words" # note\nCLI_C=\'x#y\'\n')
    r = cli("envvars", "import", str(env_file), "--demo", "--env", "stg", "--json")
    assert r.code == 0, r.err
    assert "imported 3 variables into stg" in r.err
    names = {v["name"]: v["value"] for v in
             cli("envvars", "list", "--demo", "--env", "stg", "--json").json()}
    assert (names["CLI_A"], names["CLI_B"], names["CLI_C"]) == ("1", "two words", "x#y")
    r = cli("envvars", "import", str(env_file), "--demo", "--env", "stg")
    assert r.code == 1 and "override" in r.err.lower()
    assert cli("envvars", "import", str(env_file), "--override", "--demo", "--env",
               "stg").code == 0


def test_import_reports_a_bad_line(cli: Any, tmp_path: Path) -> None:
    env_file = tmp_path / "broken.env"
    env_file.write_text("GOOD=1\nthis is not a variable\n")
    r = cli("envvars", "import", str(env_file), "--demo")
    assert r.code == 2 and f"{env_file}, line 2: expected KEY=VALUE" in r.err


def test_envvars_need_a_project_ref_outside_the_demo(cli: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.commands.conftest import PROD

    monkeypatch.setenv("TRIGGER_SECRET_KEY", PROD)
    r = cli("envvars", "list")
    assert r.code == 2 and "needs the project ref" in r.err
    assert cli("envvars", "list", "--project-ref", "proj_demo").code == 0
