"""Triggering through HTTP: payload encodings, options, idempotency and validation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from tests.emulator.conftest import Emu
from trigger_tui.emulator import statuses as S


async def test_superjson_and_text_payloads_are_decoded(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    r = await quiet.post("/api/v1/tasks/send-email/trigger", {
        "payload": json.dumps({"json": {"to": "a@b.c"}, "meta": {}}),
        "options": {"payloadType": "application/super+json", "payloadSize": 30, "tags": ["x"],
                    "concurrency": ["a"], "gates": []}})
    assert r.status_code == 200
    body = r.json()
    assert body["isCached"] is False
    assert env.runs[body["id"]].payload == {"to": "a@b.c"}
    r = await quiet.post("/api/v1/tasks/send-email/trigger", {
        "payload": "hello", "options": {"payloadType": "text/plain"}})
    assert env.runs[r.json()["id"]].payload == "hello"
    r = await quiet.post("/api/v1/tasks/send-email/trigger", {"payload": {"raw": True}})
    assert env.runs[r.json()["id"]].payload == {"raw": True}


async def test_idempotency_key_returns_the_same_run_until_it_fails(quiet: Emu) -> None:
    body = {"payload": {}, "options": {"idempotencyKey": "k" * 64,
                                       "idempotencyKeyOptions": {"key": "abc", "scope": "global"}}}
    first = (await quiet.post("/api/v1/tasks/send-email/trigger", body)).json()
    second = (await quiet.post("/api/v1/tasks/send-email/trigger", body)).json()
    assert second == {"id": first["id"], "isCached": True}
    run = (await quiet.get(f"/api/v3/runs/{first['id']}")).json()
    assert run["idempotencyKey"] == "abc"
    env = quiet.world.envs["prod"]
    env.runs[first["id"]].status = S.COMPLETED_WITH_ERRORS
    third = (await quiet.post("/api/v1/tasks/send-email/trigger", body)).json()
    assert third["id"] != first["id"] and third["isCached"] is False


async def test_request_idempotency_key_replays_the_first_answer(quiet: Emu) -> None:
    headers = {**quiet.headers(), "x-trigger-request-idempotency-key": "req-1"}
    a = await quiet.client.post("/api/v1/tasks/send-email/trigger", json={"payload": {}},
                                headers=headers)
    b = await quiet.client.post("/api/v1/tasks/send-email/trigger", json={"payload": {}},
                                headers=headers)
    assert a.json() == b.json()
    assert len(quiet.world.envs["prod"].runs) == 1


async def test_delay_ttl_machine_queue_options(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    r = await quiet.post("/api/v1/tasks/resize-image/trigger", {"payload": {}, "options": {
        "delay": "1h", "ttl": 120, "machine": "large-2x", "queue": {"name": "bulk"},
        "maxAttempts": 1, "metadata": {"a": 1}, "priority": 10}})
    run = env.runs[r.json()["id"]]
    assert run.status == S.DELAYED and run.delayed_until == quiet.clock.now() + 3600
    assert run.ttl == "120s" and run.machine == "large-2x" and run.queue == "bulk"
    assert run.max_attempts == 1 and run.metadata == {"a": 1}


async def test_validation_errors(quiet: Emu) -> None:
    async def trigger(options: object) -> tuple[int, str]:
        r = await quiet.post("/api/v1/tasks/send-email/trigger", {"payload": {},
                                                                   "options": options})
        return r.status_code, r.json()["error"]

    assert await trigger({"delay": "soonish"}) == (422, "Invalid delay soonish")
    status, message = await trigger({"tags": [f"t{i}" for i in range(11)]})
    assert (status, message) == (422, "Runs can only have 10 tags, you're trying to set 11.")
    status, message = await trigger({"machine": "huge"})
    assert status == 400 and message.startswith("Validation error:")
    status, message = await trigger({"lockToVersion": "19990101.1"})
    assert status == 422
    r = await quiet.client.post("/api/v1/tasks/send-email/trigger", content=b"{not json",
                                headers={**quiet.headers(), "content-type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": "Invalid JSON"}


async def test_missing_content_length_is_refused(quiet: Emu) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"payload": {}}'

    r = await quiet.client.post("/api/v1/tasks/send-email/trigger", content=chunks(),
                                headers=quiet.headers())
    assert r.status_code == 413 and r.json() == {"error": "Request body too large"}


async def test_unknown_task_waits_for_a_version(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/tasks/not-deployed/trigger", {"payload": {}})
    run = (await quiet.get(f"/api/v3/runs/{r.json()['id']}")).json()
    assert run["status"] == "PENDING_VERSION" and run["isQueued"] is True


async def test_task_ids_with_slashes(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/tasks/my%2Ftask/trigger", {"payload": {}})
    assert r.status_code == 200
    assert quiet.world.envs["prod"].runs[r.json()["id"]].task == "my/task"


async def test_offloaded_payload_round_trips_through_packets(quiet: Emu) -> None:
    r = await quiet.client.put("/api/v2/packets/trigger/packet_1/payload.json",
                               headers=quiet.headers())
    upload = r.json()
    assert r.status_code == 200 and upload["storagePath"] == "trigger/packet_1/payload.json"
    url = upload["presignedUrl"].replace(quiet.world.api_origin, "")
    put = await quiet.client.put(url, content=b'{"big": true}',
                                 headers={"content-type": "application/json"})
    assert put.status_code == 200
    r = await quiet.post("/api/v1/tasks/send-email/trigger", {
        "payload": upload["storagePath"], "options": {"payloadType": "application/store"}})
    run = (await quiet.get(f"/api/v3/runs/{r.json()['id']}")).json()
    assert "payload" not in run
    fetched = await quiet.client.get(run["payloadPresignedUrl"].replace(
        quiet.world.api_origin, ""))
    assert fetched.json() == {"big": True}
