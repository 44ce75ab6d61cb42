"""`trigger-tui tokens …`: create, list, inspect and complete waitpoint tokens."""

from __future__ import annotations

from typing import Any


def test_create_list_get_complete(cli: Any) -> None:
    r = cli("tokens", "create", "--timeout", "1h", "--tag", "cli,approval", "--demo", "--json")
    assert r.code == 0, r.err
    token = r.json()
    assert token["id"].startswith("waitpoint_") and token["url"].startswith("http")
    listed = cli("tokens", "list", "--status", "WAITING", "--tag", "cli", "--demo", "--json")
    assert token["id"] in {t["id"] for t in listed.json()}
    r = cli("tokens", "get", token["id"], "--demo")
    assert r.code == 0 and "WAITING" in r.out
    r = cli("tokens", "complete", token["id"], "--data", '{"approved": true}', "--demo")
    assert (r.code, r.out.strip()) == (0, token["id"]) and "resume" in r.err
    got = cli("tokens", "get", token["id"], "--demo", "--json").json()
    assert got["status"] == "COMPLETED" and got["output"] == {"approved": True}


def test_idempotent_create_returns_the_same_token(cli: Any) -> None:
    first = cli("tokens", "create", "--idempotency-key", "cli-k", "--demo", "--json").json()
    again = cli("tokens", "create", "--idempotency-key", "cli-k", "--demo", "--json")
    assert again.json()["id"] == first["id"] and again.json()["isCached"] is True
    assert "existing" in again.err


def test_list_table_and_unknown_token(cli: Any) -> None:
    r = cli("tokens", "list", "--demo", "--limit", "2")
    assert r.code == 0 and r.out.splitlines()[0].startswith("ID")
    assert cli("tokens", "complete", "waitpoint_nope", "--demo").code == 1
