"""`trigger-tui deployments …`: list, inspect, current, and promoting staging's new version."""

from __future__ import annotations

from typing import Any


def test_list_get_current(cli: Any) -> None:
    r = cli("deployments", "list", "--demo")
    assert r.code == 0 and r.out.splitlines()[0].split()[:2] == ["VERSION", "STATUS"]
    deployments = cli("deployments", "list", "--demo", "--json").json()
    current = cli("deployments", "current", "--demo", "--json").json()
    assert current["id"] in {d["id"] for d in deployments} and current["status"] == "DEPLOYED"
    r = cli("deployments", "get", current["id"], "--demo")
    assert r.code == 0 and current["version"] in r.out and "TASKS" in r.out
    assert cli("deployments", "list", "--status", "FAILED", "--demo", "--json").json() == \
        [d for d in deployments if d["status"] == "FAILED"]


def test_promote_and_refusals(cli: Any) -> None:
    current = cli("deployments", "current", "--demo", "--env", "stg", "--json").json()
    newer = [d for d in cli("deployments", "list", "--demo", "--env", "stg", "--json").json()
             if d["status"] == "DEPLOYED" and d["version"] > current["version"]]
    assert newer, "staging has a deployed version that was never promoted"
    r = cli("deployments", "promote", newer[0]["version"], "--demo", "--env", "stg", "--json")
    assert r.code == 0 and r.json()["version"] == newer[0]["version"] and "promoted" in r.err
    again = cli("deployments", "promote", newer[0]["version"], "--demo", "--env", "stg")
    assert again.code == 1 and "already the current" in again.err
    assert cli("deployments", "promote", "19990101.1", "--demo").code == 1
