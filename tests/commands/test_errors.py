"""`trigger-tui errors …`: list, inspect, resolve and ignore error groups."""

from __future__ import annotations

from typing import Any


def test_list_get_resolve_ignore(cli: Any) -> None:
    r = cli("errors", "list", "--demo", "--period", "1d")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].split()[:3] == ["ID", "STATUS", "TASK"]
    groups = cli("errors", "list", "--demo", "--period", "1d", "--json", "--limit", "50").json()
    assert len(groups) >= 2
    first, second = groups[0]["id"], groups[1]["id"]
    r = cli("errors", "get", first, "--demo")
    assert r.code == 0 and "FINGERPRINT" in r.out
    r = cli("errors", "resolve", first, "--in-version", "20991231.1", "--demo", "--json")
    assert r.code == 0 and r.json()["status"] == "resolved", r.err
    r = cli("errors", "ignore", second, "--for", "2h", "--reason", "known flake", "--demo",
            "--json")
    assert r.code == 0 and r.json()["status"] == "ignored"
    assert r.json()["ignoredReason"] == "known flake"
    resolved = cli("errors", "list", "--status", "resolved", "--period", "1d", "--demo",
                   "--json").json()
    assert first in {g["id"] for g in resolved}


def test_bad_duration_and_unknown_group(cli: Any) -> None:
    r = cli("errors", "ignore", "error_x", "--for", "a while", "--demo")
    assert r.code == 2 and "not a duration" in r.err
    assert cli("errors", "get", "error_doesnotexist", "--demo").code == 1
