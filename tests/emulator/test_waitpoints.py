"""Waitpoint tokens through HTTP, and the runs they hold, on the fake clock."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.emulator.conftest import DEMO_KEYS, Emu
from trigger_tui.emulator.world.tokens import TokenBook

TOKENS = "/api/v1/waitpoints/tokens"


def _no_nulls(value: Any) -> None:
    """Optional fields are left out: the SDK's schemas reject null."""
    if isinstance(value, dict):
        for v in value.values():
            assert v is not None
            _no_nulls(v)
    elif isinstance(value, list):
        for v in value:
            _no_nulls(v)


@pytest.fixture
def no_approver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the simulated human approver from completing tokens behind the test's back."""
    monkeypatch.setattr(TokenBook, "APPROVE_PROBABILITY", 0.0)


async def _create(quiet: Emu, body: dict[str, Any] | None = None, key: str = DEMO_KEYS["prod"]
                  ) -> dict[str, Any]:
    r = await quiet.post(TOKENS, body if body is not None else {}, key=key)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _token(quiet: Emu, token_id: str) -> dict[str, Any]:
    r = await quiet.get(f"{TOKENS}/{token_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _run_status(quiet: Emu, run_id: str) -> str:
    r = await quiet.get(f"/api/v3/runs/{run_id}")
    return str(r.json()["status"])


async def _waiting_refund(quiet: Emu) -> tuple[str, str]:
    """Trigger `approve-refund` and advance until it waits on its token: (run id, token id)."""
    r = await quiet.post("/api/v1/tasks/approve-refund/trigger",
                         {"payload": {"refundId": "re_42", "amount": 1200}})
    run_id = r.json()["id"]
    for _ in range(30):
        quiet.advance(1)
        if await _run_status(quiet, run_id) == "WAITING":
            break
    assert await _run_status(quiet, run_id) == "WAITING"
    token_id = quiet.world.envs["prod"].runs[run_id].waiting_on
    assert token_id is not None and token_id.startswith("waitpoint_")
    return run_id, token_id


def _path(url: str) -> str:
    return url[url.index("/api/"):]


# ---------------------------------------------------------------------- create
async def test_create_returns_a_signed_callback_url(quiet: Emu) -> None:
    created = await _create(quiet)
    assert created["isCached"] is False
    env = quiet.world.envs["prod"]
    token = env.tokens.items[created["id"]]
    digest = hmac.new(env.api_key.encode(), token.internal_id.encode(), hashlib.sha256)
    assert created["url"] == (f"{quiet.world.api_origin}/api/v1/waitpoints/tokens/"
                              f"{created['id']}/callback/{digest.hexdigest()}")


async def test_empty_body_is_accepted(quiet: Emu) -> None:
    r = await quiet.client.post(TOKENS, headers={**quiet.headers(), "content-length": "0"})
    assert r.status_code == 200
    assert r.json()["id"].startswith("waitpoint_")


async def test_idempotency_key_returns_the_same_token_even_when_completed(quiet: Emu) -> None:
    first = await _create(quiet, {"idempotencyKey": "approval-1"})
    await quiet.post(f"{TOKENS}/{first['id']}/complete", {"data": {"ok": True}})
    again = await _create(quiet, {"idempotencyKey": "approval-1"})
    assert again == {**first, "isCached": True}
    other_env = await _create(quiet, {"idempotencyKey": "approval-1"}, key=DEMO_KEYS["stg"])
    assert other_env["isCached"] is False and other_env["id"] != first["id"]


async def test_expired_idempotency_key_makes_a_new_token(quiet: Emu) -> None:
    first = await _create(quiet, {"idempotencyKey": "k", "idempotencyKeyTTL": "10s"})
    assert (await _token(quiet, first["id"]))["idempotencyKeyExpiresAt"] == \
        "2026-01-01T00:00:10.000Z"
    quiet.advance(11)
    second = await _create(quiet, {"idempotencyKey": "k", "idempotencyKeyTTL": "10s"})
    assert second["isCached"] is False and second["id"] != first["id"]
    old = await _token(quiet, first["id"])
    assert old["inactiveIdempotencyKey"] == "k" and old["idempotencyKey"] != "k"
    listed = (await quiet.get(TOKENS, params={"filter[idempotencyKey]": "k"})).json()["data"]
    assert [t["id"] for t in listed] == [second["id"], first["id"]]
    assert all(t["idempotencyKey"] == "k" for t in listed)


async def test_ttl_outside_the_grammar_is_ignored(quiet: Emu) -> None:
    first = await _create(quiet, {"idempotencyKey": "k", "idempotencyKeyTTL": "5min"})
    assert "idempotencyKeyExpiresAt" not in await _token(quiet, first["id"])
    quiet.advance(6 * 3600)
    assert (await _create(quiet, {"idempotencyKey": "k"}))["isCached"] is True


async def test_generated_key_shows_on_retrieve_but_not_on_list(quiet: Emu) -> None:
    created = await _create(quiet)
    detail = await _token(quiet, created["id"])
    assert detail["userProvidedIdempotencyKey"] is False and detail["idempotencyKey"]
    item = (await quiet.get(TOKENS)).json()["data"][0]
    assert "idempotencyKey" not in item


async def test_tags(quiet: Emu) -> None:
    created = await _create(quiet, {"tags": "user:1"})
    assert (await _token(quiet, created["id"]))["tags"] == ["user:1"]
    r = await quiet.post(TOKENS, {"tags": [f"t{i}" for i in range(11)]})
    assert r.status_code == 422
    assert r.json() == {"error": "Waitpoints can only have 10 tags, you're trying to set 11."}
    r = await quiet.post(TOKENS, {"tags": ["x" * 129]})
    assert r.status_code == 400
    r = await quiet.post(TOKENS, {"idempotencyKey": 5})
    assert r.status_code == 400
    assert r.json() == {"error": 'Validation error: Expected string, received number at '
                                 '"idempotencyKey"'}


async def test_create_body_over_10_kib_is_refused(quiet: Emu) -> None:
    r = await quiet.post(TOKENS, {"tags": ["x" * 100] * 5, "pad": "y" * 11_000})
    assert r.status_code == 413
    assert r.json() == {"error": "Request body too large"}


async def test_timeout_times_the_token_out(quiet: Emu) -> None:
    created = await _create(quiet, {"timeout": "30s"})
    detail = await _token(quiet, created["id"])
    assert detail["status"] == "WAITING" and detail["timeoutAt"] == "2026-01-01T00:00:30.000Z"
    assert "output" not in detail and detail["outputIsError"] is False
    _no_nulls(detail)
    quiet.advance(31)
    detail = await _token(quiet, created["id"])
    assert detail["status"] == "TIMED_OUT"
    assert detail["outputIsError"] is True and detail["outputType"] == "application/json"
    assert json.loads(detail["output"]) == {
        "code": "TRIGGER_WAITPOINT_TIMEOUT",
        "message": "Waitpoint timed out at 2026-01-01T00:00:30.000Z"}
    assert detail["completedAt"] == "2026-01-01T00:00:30.000Z"


async def test_timeout_as_iso_date_and_past_dates(quiet: Emu) -> None:
    created = await _create(quiet, {"timeout": "2026-01-01T00:05:00.000Z"})
    assert (await _token(quiet, created["id"]))["timeoutAt"] == "2026-01-01T00:05:00.000Z"
    past = await _create(quiet, {"timeout": "2025-01-01T00:00:00.000Z"})
    assert "timeoutAt" not in await _token(quiet, past["id"])


# ---------------------------------------------------------------------- list / retrieve
async def test_list_is_newest_first_with_opaque_cursors(quiet: Emu) -> None:
    ids = []
    for _ in range(5):
        ids.append((await _create(quiet))["id"])
        quiet.advance(1)
    newest_first = ids[::-1]
    page1 = (await quiet.get(TOKENS, params={"page[size]": "2"})).json()
    assert [t["id"] for t in page1["data"]] == newest_first[:2]
    assert "previous" not in page1["pagination"]
    page2 = (await quiet.get(TOKENS, params={"page[size]": "2",
                                             "page[after]": page1["pagination"]["next"]})).json()
    assert [t["id"] for t in page2["data"]] == newest_first[2:4]
    back = (await quiet.get(TOKENS, params={
        "page[size]": "2", "page[before]": page2["pagination"]["previous"]})).json()
    assert [t["id"] for t in back["data"]] == newest_first[:2]
    for item in page1["data"] + page2["data"]:
        _no_nulls(item)
        assert set(item) >= {"id", "url", "status", "tags", "createdAt"}
    r = await quiet.get(TOKENS, params={"page[after]": "x", "page[before]": "y"})
    assert r.status_code == 400
    r = await quiet.get(TOKENS, params={"page[after]": "not-a-cursor"})
    assert r.status_code == 400 and r.json()["error"] == "Query Error"


async def test_list_filters(quiet: Emu) -> None:
    done = await _create(quiet, {"tags": ["a", "b"]})
    await quiet.post(f"{TOKENS}/{done['id']}/complete", {})
    quiet.advance(3600)
    waiting = await _create(quiet, {"tags": ["c"]})

    async def ids(**params: str) -> list[str]:
        r = await quiet.get(TOKENS, params=params)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["data"]]

    assert await ids(**{"filter[status]": "COMPLETED"}) == [done["id"]]
    assert await ids(**{"filter[status]": "WAITING,TIMED_OUT"}) == [waiting["id"]]
    assert await ids(**{"filter[tags]": "b,zzz"}) == [done["id"]]
    assert await ids(**{"filter[createdAt][period]": "30m"}) == [waiting["id"]]
    assert await ids(**{"filter[createdAt][to]": "2026-01-01T00:30:00Z"}) == [done["id"]]
    start_ms = str(int((quiet.clock.now() - 60) * 1000))
    assert await ids(**{"filter[createdAt][from]": start_ms}) == [waiting["id"]]
    r = await quiet.get(TOKENS, params={"filter[status]": "WAITING,NOPE"})
    assert r.status_code == 400
    assert r.json() == {"error": "Query Error", "details": [
        {"code": "custom", "message": "Invalid status values: NOPE",
         "path": ["filter[status]"]}]}
    r = await quiet.get(TOKENS, params={"filter[createdAt][from]": "yesterday-ish"})
    assert r.status_code == 400


async def test_retrieve_unknown_is_404(quiet: Emu) -> None:
    r = await quiet.get(f"{TOKENS}/waitpoint_nope")
    assert r.status_code == 404
    assert r.json() == {"error": "Waitpoint not found"}


async def test_tokens_are_per_environment(quiet: Emu) -> None:
    created = await _create(quiet)
    r = await quiet.get(f"{TOKENS}/{created['id']}", key=DEMO_KEYS["dev"])
    assert r.status_code == 404


# ---------------------------------------------------------------------- complete
async def test_complete_stores_serialised_output_once(quiet: Emu) -> None:
    created = await _create(quiet)
    r = await quiet.post(f"{TOKENS}/{created['id']}/complete", {"data": {"approved": True}})
    assert r.status_code == 200 and r.json() == {"success": True}
    detail = await _token(quiet, created["id"])
    assert detail["status"] == "COMPLETED" and detail["outputIsError"] is False
    assert detail["outputType"] == "application/super+json"
    assert json.loads(detail["output"]) == {"json": {"approved": True}}
    r = await quiet.post(f"{TOKENS}/{created['id']}/complete", {"data": "again"})
    assert r.status_code == 200 and r.json() == {"success": True}
    assert (await _token(quiet, created["id"]))["output"] == detail["output"]


async def test_complete_without_data_or_with_text(quiet: Emu) -> None:
    empty = await _create(quiet)
    await quiet.post(f"{TOKENS}/{empty['id']}/complete", {})
    detail = await _token(quiet, empty["id"])
    assert detail["status"] == "COMPLETED" and "output" not in detail
    text = await _create(quiet)
    await quiet.post(f"{TOKENS}/{text['id']}/complete", {"data": "yes"})
    detail = await _token(quiet, text["id"])
    assert detail["output"] == "yes" and detail["outputType"] == "text/plain"


async def test_complete_unknown_is_404(quiet: Emu) -> None:
    r = await quiet.post(f"{TOKENS}/waitpoint_nope/complete", {})
    assert r.status_code == 404 and r.json() == {"error": "Waitpoint not found"}


async def test_completing_resumes_the_waiting_run(quiet: Emu, no_approver: None) -> None:
    run_id, token_id = await _waiting_refund(quiet)
    quiet.advance(600)
    assert await _run_status(quiet, run_id) == "WAITING"
    r = await quiet.post(f"{TOKENS}/{token_id}/complete", {"data": {"approved": True}})
    assert r.json() == {"success": True}
    quiet.advance(30)
    assert await _run_status(quiet, run_id) == "COMPLETED"


async def test_token_timeout_fails_the_waiting_run(quiet: Emu, no_approver: None) -> None:
    run_id, token_id = await _waiting_refund(quiet)
    quiet.advance(3600)
    assert (await _token(quiet, token_id))["status"] == "TIMED_OUT"
    quiet.advance(30)
    run = (await quiet.get(f"/api/v3/runs/{run_id}")).json()
    assert run["status"] == "FAILED"
    assert run["error"]["name"] == "WaitpointTimeoutError"


async def test_simulated_approver_completes_the_token(quiet: Emu,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TokenBook, "APPROVE_PROBABILITY", 1.0)
    run_id, token_id = await _waiting_refund(quiet)
    quiet.advance(3600)
    detail = await _token(quiet, token_id)
    assert detail["status"] == "COMPLETED"
    assert detail["tags"] == ["approval", "refund:re_42"]
    assert await _run_status(quiet, run_id) == "COMPLETED"


async def test_busy_world_has_tokens_in_every_state(emu: Emu) -> None:
    statuses = {t.status for t in emu.world.envs["prod"].tokens.items.values()}
    assert statuses == {"WAITING", "COMPLETED", "TIMED_OUT"}


# ---------------------------------------------------------------------- callback URL
async def test_callback_completes_without_auth_and_resumes(quiet: Emu, no_approver: None) -> None:
    run_id, token_id = await _waiting_refund(quiet)
    url = (await _token(quiet, token_id))["url"]
    r = await quiet.client.post(_path(url), json={"status": "approved"})
    assert r.status_code == 200 and r.json() == {"success": True}
    detail = await _token(quiet, token_id)
    assert json.loads(detail["output"]) == {"json": {"status": "approved"}}
    quiet.advance(30)
    assert await _run_status(quiet, run_id) == "COMPLETED"
    r = await quiet.client.post(_path(url), json={"status": "twice"})
    assert r.status_code == 200 and r.json() == {"success": True}
    assert (await _token(quiet, token_id))["output"] == detail["output"]


async def test_callback_invalid_json_becomes_empty_object(quiet: Emu) -> None:
    created = await _create(quiet)
    r = await quiet.client.post(_path(created["url"]), content=b"not json")
    assert r.status_code == 200
    assert json.loads((await _token(quiet, created["id"]))["output"]) == {"json": {}}


async def test_callback_errors(quiet: Emu) -> None:
    created = await _create(quiet)
    path = _path(created["url"])

    async def chunked() -> AsyncIterator[bytes]:
        yield b"{}"

    r = await quiet.client.post(path, content=chunked())
    assert r.status_code == 411
    assert r.json() == {"error": "Content-Length header is required"}
    r = await quiet.client.post(path, content=b"{}", headers={"content-length": "3145729"})
    assert r.status_code == 413 and r.json() == {"error": "Request body too large"}
    r = await quiet.client.post(path[: path.rindex("/")] + "/deadbeef", json={})
    assert r.status_code == 401 and r.json() == {"error": "Invalid URL, hash doesn't match"}
    r = await quiet.client.post(path.replace(created["id"], "waitpoint_nope"), json={})
    assert r.status_code == 404 and r.json() == {"error": "Waitpoint not found"}
    r = await quiet.client.get(path)
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert (await _token(quiet, created["id"]))["status"] == "WAITING"


# ---------------------------------------------------------------------- retention
async def test_prune_forgets_finished_then_idle_tokens(quiet: Emu, no_approver: None) -> None:
    run_id, held = await _waiting_refund(quiet)
    done = await _create(quiet, {"idempotencyKey": "gone"})
    await quiet.post(f"{TOKENS}/{done['id']}/complete", {})
    idle = await _create(quiet)
    env = quiet.world.envs["prod"]
    env.tokens.prune(env.now + 1)
    assert done["id"] not in env.tokens.items and "gone" not in env.tokens.keys
    assert {held, idle["id"]} <= set(env.tokens.items)
    env.tokens.prune(env.now + 8 * 86400)
    assert held in env.tokens.items and idle["id"] not in env.tokens.items
