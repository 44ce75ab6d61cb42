"""`client.tasks` and `client.batches`: trigger bodies exactly as the SDK sends them, the
two-phase batch, and what the emulator made of them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.conftest import Harness, make_harness, quiet_world
from trigger_tui.api import errors as E
from trigger_tui.api.client import NO_RETRY
from trigger_tui.api.models import BatchItem
from trigger_tui.api.models.batches import BATCH_STATUSES
from trigger_tui.api.resources import BatchNotSealedError
from trigger_tui.emulator import statuses as S


def last_body(h: Harness) -> Any:
    return json.loads(h.sent[-1].content)


# ---------------------------------------------------------------------- trigger
async def test_an_object_payload_goes_as_superjson_with_its_size(api: Harness) -> None:
    handle = await api.client.tasks.trigger("send-email", {"to": "ä@b.c", "n": [1, 2]})
    assert handle.is_cached is False
    sent = api.sent[-1]
    assert sent.url.raw_path == b"/api/v1/tasks/send-email/trigger"
    assert sent.headers["content-length"] == str(len(sent.content))
    body = json.loads(sent.content)
    payload = '{"json":{"to":"ä@b.c","n":[1,2]}}'
    assert body == {"payload": payload, "options": {
        "payloadType": "application/super+json", "payloadSize": len(payload.encode())}}
    assert api.env().runs[handle.id].payload == {"to": "ä@b.c", "n": [1, 2]}


async def test_a_string_payload_goes_as_text_and_none_as_no_payload(api: Harness) -> None:
    text = await api.client.tasks.trigger("send-email", "hello")
    assert last_body(api) == {"payload": "hello", "options": {
        "payloadType": "text/plain", "payloadSize": 5}}
    assert api.env().runs[text.id].payload == "hello"
    empty = await api.client.tasks.trigger("send-email")
    assert last_body(api) == {"options": {"payloadType": "application/json"}}
    assert api.env().runs[empty.id].payload is None


async def test_dates_in_a_payload_are_described_in_superjson_meta(api: Harness) -> None:
    when = datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    handle = await api.client.tasks.trigger("send-email", {"at": when, "a.b": [when]})
    payload = json.loads(last_body(api)["payload"])
    assert payload == {"json": {"at": "2026-01-01T12:30:00.000Z",
                                "a.b": ["2026-01-01T12:30:00.000Z"]},
                       "meta": {"values": {"at": ["Date"], "a\\.b.0": ["Date"]}}}
    assert api.env().runs[handle.id].payload["at"] == "2026-01-01T12:30:00.000Z"


async def test_task_ids_are_percent_encoded_like_encodeuricomponent(api: Harness) -> None:
    handle = await api.client.tasks.trigger("team/my task", {})
    assert api.sent[-1].url.raw_path == b"/api/v1/tasks/team%2Fmy%20task/trigger"
    assert api.env().runs[handle.id].task == "team/my task"


async def test_idempotency_keys_are_hashed_and_the_original_kept(api: Harness) -> None:
    first = await api.client.tasks.trigger("send-email", {"n": 1}, idempotency_key="order-7",
                                           idempotency_key_ttl="1h")
    options = last_body(api)["options"]
    assert options["idempotencyKey"] == hashlib.sha256(b"order-7").hexdigest()
    assert options["idempotencyKeyOptions"] == {"key": "order-7", "scope": "run"}
    assert options["idempotencyKeyTTL"] == "1h"
    again = await api.client.tasks.trigger("send-email", {"n": 2}, idempotency_key="order-7")
    assert again.id == first.id and again.is_cached
    run = await api.client.runs.retrieve(first.id)
    assert run.idempotency_key == "order-7"


async def test_trigger_options_are_sent_and_applied(api: Harness) -> None:
    handle = await api.client.tasks.trigger(
        "send-email", {}, delay="1h", ttl="10m", tags=["a", "b"], queue="email",
        concurrency_key="user-1", machine="small-2x", max_attempts=2, max_duration=60,
        metadata={"k": "v"}, priority=30, test=True)
    options = last_body(api)["options"]
    assert options == {
        "payloadType": "application/super+json", "payloadSize": len('{"json":{}}'),
        "queue": {"name": "email"}, "concurrencyKey": "user-1", "delay": "1h", "ttl": "10m",
        "tags": ["a", "b"], "maxAttempts": 2, "metadata": {"k": "v"}, "maxDuration": 60,
        "machine": "small-2x", "priority": 30, "test": True}
    run = await api.client.runs.retrieve(handle.id)
    assert run.status == "DELAYED" and run.is_queued and run.tags == ["a", "b"]
    assert run.metadata == {"k": "v"} and run.is_test and run.ttl == "10m"
    later = datetime.fromtimestamp(api.clock.now() + 7200, tz=UTC)
    await api.client.tasks.trigger("send-email", {}, delay=later, version="20251230.1")
    options = last_body(api)["options"]
    assert options["delay"] == later.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert options["lockToVersion"] == "20251230.1"


async def test_trigger_errors_carry_the_servers_words(api: Harness) -> None:
    with pytest.raises(E.UnprocessableEntityError, match="Runs can only have 10 tags"):
        await api.client.tasks.trigger("send-email", {}, tags=[f"t{i}" for i in range(11)])
    with pytest.raises(E.BadRequestError, match="Invalid enum value.*huge"):
        await api.client.tasks.trigger("send-email", {}, machine="huge")
    with pytest.raises(E.UnprocessableEntityError, match="Specified version 'nope'"):
        await api.client.tasks.trigger("send-email", {}, version="nope")
    assert api.env().runs == {}


# ---------------------------------------------------------------------- batches
async def test_batch_trigger_reserves_then_streams_ndjson(api: Harness) -> None:
    items = [BatchItem("resize-image", {"i": 0}), BatchItem("send-email", "hi", tags="x"),
             BatchItem("resize-image", idempotency_key="k")]
    handle = await api.client.tasks.batch_trigger(items)
    assert handle.run_count == 3 and handle.id.startswith("batch_")
    create, stream = api.sent[-2], api.sent[-1]
    assert create.url.path == "/api/v3/batches"
    assert json.loads(create.content) == {"runCount": 3,
                                          "taskIdentifiers": ["resize-image", "send-email"]}
    assert stream.url.path == f"/api/v3/batches/{handle.id}/items"
    assert stream.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in stream.content.decode().splitlines()]
    assert lines[0] == {"index": 0, "task": "resize-image", "payload": '{"json":{"i":0}}',
                        "options": {"payloadType": "application/super+json",
                                    "payloadSize": 16}}
    assert lines[1]["payload"] == "hi" and lines[1]["options"]["tags"] == "x"
    assert lines[2]["options"]["idempotencyKey"] == hashlib.sha256(b"k").hexdigest()
    assert "payload" not in lines[2]
    api.advance(1)
    batch = await api.client.batches.retrieve(handle.id)
    assert batch.run_count == 3 and len(batch.runs) == 3 and batch.processing.errors == []
    assert batch.status in BATCH_STATUSES  # the engine's item-creation status
    assert batch.processing.completed_at is not None
    assert batch.created_at.tzinfo is not None
    assert {api.env().runs[r].task for r in batch.runs} == {"resize-image", "send-email"}


async def test_batch_results_are_the_finished_runs_results(api: Harness) -> None:
    handle = await api.client.tasks.batch_trigger(
        [BatchItem("send-email", {"to": f"{i}@x.y"}) for i in range(3)])
    api.advance(600)
    results = await api.client.batches.results(handle.id)
    env = api.env()
    done = [r for r in env.runs.values() if r.batch_id == handle.id and r.status in S.FINAL]
    assert len(results) == len(done) == 3
    for result in results:
        run = env.runs[result.id]
        assert result.ok == (run.status == S.COMPLETED_SUCCESSFULLY)
        if result.ok:
            assert result.output == run.output


async def test_unknown_batches_are_not_found(api: Harness) -> None:
    with pytest.raises(E.NotFoundError):
        await api.client.batches.retrieve("batch_missing", retry=NO_RETRY)
    with pytest.raises(E.NotFoundError, match="Batch not found"):
        await api.client.batches.results("batch_missing")


async def test_an_empty_batch_is_refused_locally(api: Harness) -> None:
    with pytest.raises(ValueError, match="at least one item"):
        await api.client.tasks.batch_trigger([])
    assert api.sent == []


def _batch_server(*, cached: bool = False) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/batches":
            return httpx.Response(202, json={"id": "batch_1", "runCount": 1,
                                             "isCached": cached})
        return httpx.Response(200, json={"id": "batch_1", "itemsAccepted": 0,
                                         "itemsDeduplicated": 1, "sealed": False,
                                         "enqueuedCount": 0, "expectedCount": 1})
    return handler


async def test_a_cached_batch_sends_no_items() -> None:
    h = make_harness(transport=httpx.MockTransport(_batch_server(cached=True)), **quiet_world())
    handle = await h.client.tasks.batch_trigger([BatchItem("t", {})])
    assert handle.is_cached and [r.url.path for r in h.sent] == ["/api/v3/batches"]


async def test_a_batch_that_never_seals_is_resent_then_reported() -> None:
    h = make_harness(transport=httpx.MockTransport(_batch_server()), **quiet_world())
    with pytest.raises(BatchNotSealedError, match="batch batch_1 was not sealed"):
        await h.client.tasks.batch_trigger([BatchItem("t", {})])
    streams = [r for r in h.sent if r.url.path.endswith("/items")]
    assert len(streams) == 5 and len({r.content for r in streams}) == 1
    assert len(h.delays) == 4 and h.delays[1] > h.delays[0]
