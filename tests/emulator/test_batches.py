"""Batches through HTTP: the two-phase API (chunked NDJSON items), the older single-call
routes, retrieval and results, with run creation progressing on the fake clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from tests.emulator.conftest import DEMO_KEYS, Emu
from trigger_tui.emulator.world.world import DEMO_PAT

NDJSON = "application/x-ndjson"


def _item(index: int, task: str = "resize-image", **options: Any) -> dict[str, Any]:
    """An item as the SDK streams it: a SuperJSON string payload plus payloadType/Size."""
    payload = json.dumps({"json": {"i": index}})
    return {"index": index, "task": task, "payload": payload,
            "options": {"payloadType": "application/super+json",
                        "payloadSize": len(payload), **options}}


async def _chunks(lines: list[Any]) -> AsyncIterator[bytes]:
    """A streamed body: httpx sends an async generator chunked, without Content-Length."""
    for line in lines:
        yield ((line if isinstance(line, str) else json.dumps(line)) + "\n").encode()


async def _stream(emu: Emu, batch_id: str, lines: list[Any], content_type: str = NDJSON
                  ) -> Any:
    headers = {**emu.headers(), "content-type": content_type}
    r = await emu.client.post(f"/api/v3/batches/{batch_id}/items", content=_chunks(lines),
                              headers=headers)
    assert "content-length" not in r.request.headers
    assert r.request.headers["transfer-encoding"] == "chunked"
    return r


async def _create(emu: Emu, run_count: int, **extra: Any) -> str:
    r = await emu.post("/api/v3/batches", {"runCount": run_count,
                                           "taskIdentifiers": ["resize-image"], **extra})
    assert r.status_code == 202, r.text
    assert r.json()["isCached"] is False
    return str(r.json()["id"])


async def _batch(emu: Emu, batch_id: str, version: str = "v2") -> dict[str, Any]:
    r = await emu.get(f"/api/{version}/batches/{batch_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


# ---------------------------------------------------------------------- two-phase
async def test_two_phase_batch_streamed_in_two_requests(quiet: Emu) -> None:
    batch_id = await _create(quiet, 60)
    first = await _stream(quiet, batch_id, [_item(i) for i in range(30)] + [_item(5)])
    assert first.status_code == 200
    assert first.json() == {"id": batch_id, "itemsAccepted": 30, "itemsDeduplicated": 1,
                            "sealed": False, "enqueuedCount": 30, "expectedCount": 60}
    batch = await _batch(quiet, batch_id)
    assert batch["status"] == "PENDING" and batch["runs"] == []
    assert batch["processing"] == {"errors": []}

    quiet.advance(0.2)  # items already received start turning into runs before the seal
    assert len((await _batch(quiet, batch_id))["runs"]) == 10

    second = await _stream(quiet, batch_id, [_item(0)] + [_item(i) for i in range(30, 60)])
    assert second.json() == {"id": batch_id, "itemsAccepted": 30, "itemsDeduplicated": 1,
                             "sealed": True}
    batch = await _batch(quiet, batch_id)
    assert batch["status"] == "PROCESSING" and "completedAt" not in batch["processing"]

    seen = [len(batch["runs"])]
    for _ in range(5):
        quiet.advance(0.2)
        seen.append(len((await _batch(quiet, batch_id))["runs"]))
    assert seen == [10, 20, 30, 40, 50, 60]

    batch = await _batch(quiet, batch_id)
    assert batch["status"] == "PENDING"  # all runs created; they have not all finished
    assert batch["processing"]["completedAt"] == batch["processingCompletedAt"]
    assert len(set(batch["runs"])) == 60

    run = (await quiet.get(f"/api/v3/runs/{batch['runs'][0]}")).json()
    assert run["batchId"] == batch_id and run["triggerFunction"] == "batchTrigger"
    assert run["payload"] in ({"i": i} for i in range(60))
    listed = (await quiet.get("/api/v1/runs", params={"filter[batch]": batch_id,
                                                      "page[size]": "100"})).json()
    assert len(listed["data"]) == 60

    quiet.advance(600)
    assert (await _batch(quiet, batch_id))["status"] == "COMPLETED"


async def test_sealed_batch_refuses_more_items(quiet: Emu) -> None:
    batch_id = await _create(quiet, 1)
    assert (await _stream(quiet, batch_id, [_item(0)])).json()["sealed"] is True
    r = await _stream(quiet, batch_id, [_item(0)])
    assert r.status_code == 422
    assert r.json() == {"error": f"Batch {batch_id} is already sealed and cannot accept more "
                                 "items"}


async def test_item_errors(quiet: Emu) -> None:
    batch_id = await _create(quiet, 3)
    r = await _stream(quiet, batch_id, [_item(0)], content_type="application/json")
    assert r.status_code == 415
    assert r.json() == {"error": "Content-Type must be application/x-ndjson or "
                                 "application/ndjson"}
    r = await _stream(quiet, "batch_nope", [_item(0)])
    assert r.status_code == 422 and r.json() == {"error": "Batch batch_nope not found"}
    r = await _stream(quiet, batch_id, [_item(0), "{not json"], content_type="application/ndjson")
    assert r.status_code == 400
    assert r.json()["error"].startswith("Invalid JSON at line 2: ")
    r = await _stream(quiet, batch_id, [_item(1), {"index": 2}])
    assert r.status_code == 422
    assert r.json()["error"].startswith("Invalid item at index 2: ")
    r = await _stream(quiet, batch_id, [_item(3)])
    assert r.status_code == 422
    assert r.json() == {"error": "Item index 3 exceeds batch runCount 3"}
    # Items before a bad line were accepted, as the server's streaming parser does.
    r = await _stream(quiet, batch_id, [_item(0), _item(1), _item(2)])
    assert r.json() == {"id": batch_id, "itemsAccepted": 1, "itemsDeduplicated": 2,
                        "sealed": True}
    r = await quiet.get(f"/api/v3/batches/{batch_id}/items")
    assert r.status_code == 405
    assert r.json() == {"error": "Method not allowed. Use POST to stream batch items."}


async def test_invalid_items_become_processing_errors(quiet: Emu) -> None:
    batch_id = await _create(quiet, 3)
    too_many_tags = [f"t{i}" for i in range(11)]
    lines = [_item(0), _item(1, tags=too_many_tags), _item(2, machine="huge")]
    assert (await _stream(quiet, batch_id, lines)).json()["sealed"] is True
    quiet.advance(1)
    batch = await _batch(quiet, batch_id)
    assert batch["status"] == "PARTIAL_FAILED" and len(batch["runs"]) == 1
    errors = sorted(batch["processing"]["errors"], key=lambda e: e["index"])
    assert errors[0] == {"index": 1, "taskIdentifier": "resize-image",
                         "error": "Runs can only have 10 tags, you're trying to set 11."}
    assert errors[1]["index"] == 2 and errors[1]["error"].startswith("Validation error")
    v1 = await _batch(quiet, batch_id, "v1")
    assert v1["successfulRunCount"] == 1 and v1["failedRunCount"] == 2
    assert len(v1["errors"]) == 2
    quiet.advance(600)
    assert (await _batch(quiet, batch_id))["status"] == "COMPLETED"


async def test_batch_where_every_item_fails_is_aborted(quiet: Emu) -> None:
    batch_id = await _create(quiet, 1)
    await _stream(quiet, batch_id, [_item(0, delay="whenever")])
    quiet.advance(1)
    batch = await _batch(quiet, batch_id)
    assert batch["status"] == "ABORTED" and batch["runs"] == []
    assert batch["processing"]["errors"][0]["error"] == "Invalid delay whenever"


async def test_create_batch_validation(quiet: Emu) -> None:
    for count, message in ((0, "runCount must be a positive integer"),
                           (-3, "runCount must be a positive integer"),
                           (1001, "Batch runCount of 1001 exceeds maximum allowed of 1000.")):
        r = await quiet.post("/api/v3/batches", {"runCount": count})
        assert r.status_code == 400 and r.json() == {"error": message}
    r = await quiet.post("/api/v3/batches", {"taskIdentifiers": []})
    assert r.status_code == 400 and r.json() == {"error": 'Validation error: Required at '
                                                          '"runCount"'}
    r = await quiet.post("/api/v3/batches", {"runCount": "2"})
    assert r.status_code == 400
    assert (await quiet.post("/api/v3/batches", {"runCount": 1000})).status_code == 202


async def test_create_batch_needs_content_length(quiet: Emu) -> None:
    r = await quiet.client.post("/api/v3/batches", content=_chunks([{"runCount": 1}]),
                                headers=quiet.headers())
    assert r.status_code == 413 and r.json() == {"error": "Request body too large"}


async def test_create_batch_idempotency(quiet: Emu) -> None:
    r = await quiet.post("/api/v3/batches", {"runCount": 2, "idempotencyKey": "abc"})
    assert r.status_code == 202
    first = r.json()
    assert first["idempotencyKey"] == "abc"
    r = await quiet.post("/api/v3/batches", {"runCount": 2, "idempotencyKey": "abc"})
    assert r.json() == {"id": first["id"], "runCount": 2, "isCached": True}
    assert (await _batch(quiet, first["id"]))["idempotencyKey"] == "abc"
    headers = {**quiet.headers(), "x-trigger-request-idempotency-key": "req-1"}
    a = await quiet.client.post("/api/v3/batches", json={"runCount": 1}, headers=headers)
    b = await quiet.client.post("/api/v3/batches", json={"runCount": 1}, headers=headers)
    assert a.json() == b.json()


async def test_batch_rate_limit(quiet: Emu) -> None:
    assert (await quiet.post("/api/v3/batches", {"runCount": 1000})).status_code == 202
    r = await quiet.post("/api/v3/batches", {"runCount": 1000})
    assert r.status_code == 429
    assert r.json()["error"].startswith("Batch rate limit exceeded. Limit resets at ")
    # The route's own limiter headers come first (the gateway appends the API limiter's).
    assert r.headers.get_list("x-ratelimit-limit")[0] == "1200"
    assert r.headers.get_list("x-ratelimit-remaining")[0] == "200"
    assert int(r.headers.get_list("x-ratelimit-reset")[0]) > quiet.clock.now() * 1000
    assert int(r.headers["retry-after"]) >= 1
    quiet.advance(90)
    assert (await quiet.post("/api/v3/batches", {"runCount": 1000})).status_code == 202


# ---------------------------------------------------------------------- retrieve / results
async def test_retrieve_unknown_batch(quiet: Emu) -> None:
    for version in ("v1", "v2"):
        r = await quiet.get(f"/api/{version}/batches/batch_nope")
        assert r.status_code == 404 and r.json() == {"error": "Not found"}
        assert r.headers["x-should-retry"] == "true"
    r = await quiet.get("/api/v1/batches/batch_nope/results")
    assert r.status_code == 404 and r.json() == {"error": "Batch not found"}


async def test_results_list_only_finished_runs(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/tasks/batch", {"items": [
        {"task": "resize-image", "payload": {"n": 1}},
        {"task": "resize-image", "payload": {"n": 2}, "options": {"delay": "1h"}}]})
    batch_id = r.json()["id"]
    assert (await quiet.get(f"/api/v1/batches/{batch_id}/results")).json() == \
        {"id": batch_id, "items": []}
    quiet.advance(120)
    items = (await quiet.get(f"/api/v1/batches/{batch_id}/results")).json()["items"]
    assert len(items) == 1 and items[0]["taskIdentifier"] == "resize-image"
    assert {"ok", "id", "usage"} <= set(items[0])


# ---------------------------------------------------------------------- older routes
async def test_v1_multi_task_batch(quiet: Emu) -> None:
    body = {"items": [{"task": "resize-image", "payload": {"a": 1}},
                      {"task": "send-email", "payload": {"b": 2},
                       "options": {"idempotencyKey": "mail-1"}}]}
    headers = {**quiet.headers(), "idempotency-key": "batch-key"}
    r = await quiet.client.post("/api/v1/tasks/batch", json=body, headers=headers)
    assert r.status_code == 202
    out = r.json()
    assert out["isCached"] is False and out["idempotencyKey"] == "batch-key"
    assert [(x["taskIdentifier"], x["isCached"]) for x in out["runs"]] == \
        [("resize-image", False), ("send-email", False)]
    assert out["runs"][1]["idempotencyKey"] == "mail-1" and "idempotencyKey" not in out["runs"][0]
    batch = await _batch(quiet, out["id"])
    assert batch["runs"] == [x["id"] for x in out["runs"]]
    again = (await quiet.client.post("/api/v1/tasks/batch", json=body, headers=headers)).json()
    assert again["id"] == out["id"] and again["isCached"] is True


async def test_v1_and_v2_multi_task_limits(quiet: Emu) -> None:
    for path in ("/api/v1/tasks/batch", "/api/v2/tasks/batch"):
        r = await quiet.post(path, {"items": []})
        assert r.status_code == 400
        assert r.json() == {"error": "Batch cannot be triggered with no items"}
        r = await quiet.post(path, {"items": [{"task": "resize-image"}] * 501})
        assert r.status_code == 400
        assert r.json() == {"error": "Batch size of 501 is too large. Maximum allowed batch "
                                     "size is 500."}
        r = await quiet.post(path, {"items": [{"task": "resize-image", "options": {
            "tags": [f"t{i}" for i in range(11)]}}]})
        assert r.status_code == 422


async def test_v2_batch_creates_runs_progressively(quiet: Emu) -> None:
    r = await quiet.post("/api/v2/tasks/batch",
                         {"items": [{"task": "resize-image", "payload": {"i": i}}
                                    for i in range(25)]})
    assert r.status_code == 202
    assert set(r.json()) == {"id", "runCount"} and r.json()["runCount"] == 25
    batch_id = r.json()["id"]
    counts = []
    for _ in range(3):
        quiet.advance(0.2)
        counts.append(len((await _batch(quiet, batch_id))["runs"]))
    assert counts == [10, 20, 25]


async def test_legacy_single_task_batch(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/tasks/resize-image/batch",
                         {"items": [{"payload": {"i": 1}}, {"payload": {"i": 2}}]})
    assert r.status_code == 200
    out = r.json()
    assert set(out) == {"batchId", "runs"} and len(out["runs"]) == 2
    run = (await quiet.get(f"/api/v3/runs/{out['runs'][1]}")).json()
    assert run["payload"] == {"i": 2} and run["batchId"] == out["batchId"]


async def test_legacy_single_task_batch_errors(quiet: Emu) -> None:
    cases: list[tuple[str, Any, int, str]] = [
        ("resize-image", {"items": []}, 400, "No items to trigger"),
        ("resize-image", {"items": [{}] * 101}, 400,
         "Too many items. Maximum allowed batch size is 100."),
        ("resize-image", {"nope": 1}, 400, "Invalid request body"),
        ("no/such-task", {"items": [{}]}, 404, "Task not found"),
        ("resize-image", {"items": [{"options": {"delay": "soon"}}]}, 400, "Invalid delay soon"),
    ]
    for task, body, status, message in cases:
        r = await quiet.post(f"/api/v1/tasks/{task}/batch", body)
        assert (r.status_code, r.json()) == (status, {"error": message}), task
    r = await quiet.post("/api/v1/tasks/resize-image/batch", {"items": [{}]}, key=DEMO_PAT)
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing API key"}


async def test_other_env_cannot_see_batch(quiet: Emu) -> None:
    batch_id = await _create(quiet, 1)
    r = await quiet.get(f"/api/v2/batches/{batch_id}", key=DEMO_KEYS["dev"])
    assert r.status_code == 404


# ---------------------------------------------------------------------- retention
async def test_prune_forgets_finished_batches(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/tasks/batch", {"items": [{"task": "resize-image"}]})
    done = r.json()["id"]
    unsealed = await _create(quiet, 5)
    quiet.advance(600)
    env = quiet.world.envs["prod"]
    assert env.batches.items[done].status == "COMPLETED"
    live = await _create(quiet, 1)
    env.batches.prune(env.now)
    assert done not in env.batches.items and unsealed not in env.batches.items
    assert live in env.batches.items
