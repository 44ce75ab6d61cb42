"""`trigger-tui config …`: profiles written privately, shown masked with their sources, and
used by every command."""

from __future__ import annotations

import io
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.commands.conftest import PROD
from trigger_tui.emulator.world import DEMO_KEYS


def _path(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "trigger-tui" / "config.toml"


def test_path(cli: Any, tmp_path: Path) -> None:
    r = cli("config", "path")
    assert (r.code, r.out.strip()) == (0, str(_path(tmp_path)))
    assert cli("config", "path", "--json").json() == {"path": str(_path(tmp_path)),
                                                      "exists": False}


def test_add_profile_show_and_use_it(cli: Any, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PROD_KEY", PROD)
    r = cli("config", "add-profile", "demo", "--api-url", "http://127.0.0.1:8030",
            "--key-env", "DEMO_PROD_KEY", "--project-ref", "proj_demo")
    assert r.code == 0, r.err
    assert "added profile 'demo'" in r.err and "(the default)" in r.err
    path = _path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert 'key_env = "DEMO_PROD_KEY"' in path.read_text() and PROD not in path.read_text()
    r = cli("config", "show")
    assert r.code == 0 and PROD not in r.out + r.err
    lines = {line.split()[0]: line for line in r.out.splitlines()[1:]}
    assert "tr_prod_…0000" in lines["key"] and "profile 'demo' via $DEMO_PROD_KEY" in lines["key"]
    assert "http://127.0.0.1:8030" in lines["api_url"]
    assert "the key's prefix" in lines["environment"]
    shown = cli("config", "show", "--json").json()
    assert shown["settings"]["project_ref"] == {"value": "proj_demo", "source": "profile 'demo'"}
    assert shown["profiles"] == ["demo"]
    r = cli("envvars", "list", "--json")  # the profile's project ref and key, end to end
    assert r.code == 0 and r.json()


def test_per_environment_keys_from_stdin(cli: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    for env in ("dev", "prod"):
        monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_KEYS[env] + "\n"))
        r = cli("config", "add-profile", "acme", "--key-stdin", "--for-env", env)
        assert r.code == 0, r.err
        assert "stored in the file" in r.err
    r = cli("config", "add-profile", "acme", "--for-env", "prod", "--read-only")
    assert r.code == 0 and "updated profile 'acme'" in r.err
    text = _path(tmp_path).read_text()
    assert "[profiles.acme.environments.dev]" in text and "read_only = true" in text
    shown = cli("config", "show", "--env", "dev", "--json").json()["settings"]
    assert shown["key"]["source"] == "profile 'acme' (environment dev)"
    assert DEMO_KEYS["dev"] not in str(shown) and shown["read_only"]["value"] is False
    shown = cli("config", "show", "--env", "prod", "--json").json()["settings"]
    assert shown["read_only"] == {"value": True, "source": "profile 'acme' (environment prod)"}
    assert cli("runs", "list", "--env", "dev", "--limit", "1").code == 0
    r = cli("trigger", "send-email", "--env", "prod")
    assert r.code == 2 and "read-only" in r.err
    monkeypatch.setattr("sys.stdin", io.StringIO(DEMO_KEYS["dev"] + "\n"))
    r = cli("config", "add-profile", "acme", "--key-stdin", "--for-env", "stg")
    assert r.code == 2 and "that is a dev key, not a stg one" in r.err


def test_use_and_remove_profiles(cli: Any) -> None:
    assert cli("config", "add-profile", "a", "--key-env", "A_KEY").code == 0
    assert cli("config", "add-profile", "b", "--key-env", "B_KEY").code == 0
    assert cli("config", "show", "--json").json()["settings"]["profile"]["value"] == "a"
    r = cli("config", "use", "b")
    assert r.code == 0 and "default profile: b" in r.err
    assert cli("config", "show", "--json").json()["settings"]["profile"]["value"] == "b"
    r = cli("config", "use", "c")
    assert r.code == 2 and "no profile named 'c' (profiles: a, b)" in r.err
    assert cli("config", "remove-profile", "b").code == 0
    shown = cli("config", "show", "--json").json()
    assert shown["profiles"] == ["a"] and shown["settings"]["profile"]["value"] is None
    assert cli("config", "remove-profile", "b").code == 2
    r = cli("config", "add-profile", "bad", "--api-url", "ftp://x")
    assert r.code == 2 and "api_url must start with http" in r.err
    r = cli("config", "add-profile", "bad", "--key-env", "tr_prod_oops")
    assert r.code == 2 and "key_env is the NAME" in r.err


def test_a_broken_file_stops_every_command_with_its_line(cli: Any, tmp_path: Path) -> None:
    path = _path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("[profiles.x]\nkey_env = 'K'\nread_only = maybe\n")
    path.chmod(0o600)
    for argv in (["config", "show"], ["runs", "list"], ["config", "add-profile", "y"]):
        r = cli(*argv)
        assert r.code == 2, argv
        assert r.err.strip() == (f"trigger-tui: broken config file {path}, line 3, column 13: "
                                 "invalid value")


def test_a_readable_file_is_warned_about(cli: Any, tmp_path: Path) -> None:
    assert cli("config", "add-profile", "a", "--key-env", "A_KEY").code == 0
    _path(tmp_path).chmod(0o644)
    r = cli("config", "show")
    assert r.code == 0 and "can be read by other users (mode 0644)" in r.err


def test_show_in_demo_mode(cli: Any) -> None:
    shown = cli("config", "show", "--demo", "--env", "stg", "--json").json()["settings"]
    assert shown["key"] == {"value": "tr_stg_…0000", "source": "--demo"}
    assert shown["project_ref"]["value"] == "proj_demo"
