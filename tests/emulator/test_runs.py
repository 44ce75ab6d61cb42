"""Runs endpoints through HTTP: shapes, filters, pagination, actions and their errors."""

from __future__ import annotations

import json

from tests.emulator.conftest import Emu, make_emu
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT
from trigger_tui.emulator.world.options import TriggerOptions

FORBIDDEN_NULLS = ("idempotencyKey", "version", "ttl", "metadata", "taskKind", "region",
                   "batchId", "error", "startedAt", "finishedAt", "delayedUntil", "expiredAt")


def _no_nulls(item: dict[str, object]) -> None:
    for key in FORBIDDEN_NULLS:
        assert item.get(key, "absent") is not None, key


async def test_list_is_newest_first_with_opaque_cursors_that_walk_every_run(emu: Emu) -> None:
    seen: list[str] = []
    params = {"page[size]": "100"}
    while True:
        r = await emu.get("/api/v1/runs", params=params)
        assert r.status_code == 200
        body = r.json()
        seen += [item["id"] for item in body["data"]]
        for item in body["data"]:
            _no_nulls(item)
            assert item["env"] == {"id": emu.world.envs["prod"].internal_id, "name": "prod"}
        nxt = body["pagination"].get("next")
        if not nxt:
            break
        assert not nxt.startswith("run_")
        params = {"page[size]": "100", "page[after]": nxt}
    env = emu.world.envs["prod"]
    expected = [r.id for r in sorted(env.runs.values(), key=lambda r: r.seq, reverse=True)]
    assert seen == expected
    assert len(seen) > 1000


async def test_previous_cursor_goes_back_one_page(emu: Emu) -> None:
    first = (await emu.get("/api/v1/runs", params={"page[size]": "10"})).json()
    assert "previous" not in first["pagination"]
    second = (await emu.get("/api/v1/runs", params={
        "page[size]": "10", "page[after]": first["pagination"]["next"]})).json()
    back = (await emu.get("/api/v1/runs", params={
        "page[size]": "10", "page[before]": second["pagination"]["previous"]})).json()
    assert [i["id"] for i in back["data"]] == [i["id"] for i in first["data"]]


async def test_status_filter_accepts_both_vocabularies_and_rejects_unknown(emu: Emu) -> None:
    r = await emu.get("/api/v1/runs", params={"filter[status]": "FAILED,CRASHED"})
    assert r.status_code == 200
    assert {i["status"] for i in r.json()["data"]} <= {"FAILED", "CRASHED"}
    assert r.json()["data"]
    bad = await emu.get("/api/v1/runs", params={"filter[status]": "FOOBAR,NOPE"})
    assert bad.status_code == 400
    assert bad.json() == {"error": "Query Error", "details": [{
        "code": "custom", "message": "Invalid status values: FOOBAR, NOPE",
        "path": ["filter[status]"]}]}


async def test_other_filters(emu: Emu) -> None:
    r = await emu.get("/api/v1/runs", params={"filter[taskIdentifier]": "send-email",
                                              "filter[createdAt][period]": "30m"})
    items = r.json()["data"]
    assert items and {i["taskIdentifier"] for i in items} == {"send-email"}
    r = await emu.get("/api/v1/runs", params={"filter[queue]": "webhooks"})
    assert {i["taskIdentifier"] for i in r.json()["data"]} == {"deliver-webhook"}
    r = await emu.get("/api/v1/runs", params={"filter[machine]": "huge"})
    assert r.status_code == 400 and "Invalid machine values: huge" in r.text
    r = await emu.get("/api/v1/runs", params={"filter[isTest]": "maybe"})
    assert r.status_code == 400 and "Invalid value for isTest: maybe" in r.text
    tag = next(iter(next(r for r in emu.world.envs["prod"].runs.values() if r.tags).tags))
    r = await emu.get("/api/v1/runs", params={"filter[tag]": tag})
    assert all(tag in i["tags"] for i in r.json()["data"])


async def test_default_window_is_seven_days() -> None:
    quiet = make_emu(workload=False, history_s=0, retention_s=30 * 86400)
    env = quiet.world.envs["prod"]
    old, _ = env.trigger("send-email", {}, "application/json", TriggerOptions())
    quiet.advance(8 * 86400)
    new, _ = env.trigger("send-email", {}, "application/json", TriggerOptions())
    ids = [i["id"] for i in (await quiet.get("/api/v1/runs")).json()["data"]]
    assert new.id in ids and old.id not in ids
    ids = [i["id"] for i in (await quiet.get("/api/v1/runs", params={
        "filter[createdAt][from]": str(int((old.created_at - 1) * 1000))})).json()["data"]]
    assert old.id in ids
    await quiet.client.aclose()


async def test_status_vocabulary_follows_the_api_version_header(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    run, _ = env.trigger("approve-refund", {}, "application/json", TriggerOptions())
    quiet.advance(5)
    assert run.status == S.WAITING_TO_RESUME
    current = (await quiet.get(f"/api/v3/runs/{run.id}")).json()
    legacy = (await quiet.client.get(f"/api/v3/runs/{run.id}",
                                     headers={"authorization": f"Bearer {DEMO_KEYS['prod']}"}))
    assert current["status"] == "WAITING" and current["isWaiting"] is True
    assert legacy.json()["status"] == "FROZEN" and legacy.json()["isExecuting"] is True


async def test_retrieve_has_payload_output_related_runs_and_404_retries(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    parent, _ = env.trigger("process-order", {"orderId": "ord_1"}, "application/json",
                            TriggerOptions(tags=["b", "a"]))
    quiet.advance(900)
    body = (await quiet.get(f"/api/v3/runs/{parent.id}")).json()
    assert body["payload"] == {"orderId": "ord_1"}
    assert body["tags"] == ["a", "b"]
    assert body["triggerFunction"] == "trigger" and body["depth"] == 0
    assert len(body["relatedRuns"]["children"]) == 2
    assert "parent" not in body["relatedRuns"] and "root" not in body["relatedRuns"]
    if parent.status == S.COMPLETED_SUCCESSFULLY:
        assert body["output"] == parent.output
    child = (await quiet.get(f"/api/v3/runs/{parent.children[0]}")).json()
    assert child["relatedRuns"]["parent"]["id"] == parent.id
    assert child["triggerFunction"] == "triggerAndWait" and child["depth"] == 1
    missing = await quiet.get("/api/v3/runs/run_doesnotexist")
    assert missing.status_code == 404
    assert missing.headers["x-should-retry"] == "true"
    assert missing.json() == {"error": "Not found"}


async def test_failed_run_exposes_serialized_error_and_result(emu: Emu) -> None:
    env = emu.world.envs["prod"]
    failed = next(r for r in env.runs.values() if r.status == S.COMPLETED_WITH_ERRORS)
    body = (await emu.get(f"/api/v3/runs/{failed.id}")).json()
    assert body["status"] == "FAILED" and body["isFailed"] and body["isCompleted"]
    assert set(body["error"]) <= {"message", "name", "stackTrace"}
    assert body["error"]["message"]
    result = (await emu.get(f"/api/v1/runs/{failed.id}/result")).json()
    assert result["ok"] is False and result["error"]["type"] == "BUILT_IN_ERROR"
    done = next(r for r in env.runs.values() if r.status == S.COMPLETED_SUCCESSFULLY)
    ok = (await emu.get(f"/api/v1/runs/{done.id}/result")).json()
    assert ok["ok"] is True and json.loads(ok["output"]) == done.output
    running = next(r for r in env.runs.values() if r.status not in S.FINAL)
    r = await emu.get(f"/api/v1/runs/{running.id}/result")
    assert r.status_code == 404
    assert r.json() == {"error": "Run either doesn't exist or is not finished"}


async def test_trace_is_a_tree_with_child_runs_nested(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    parent, _ = env.trigger("process-order", {}, "application/json", TriggerOptions())
    quiet.advance(900)
    trace = (await quiet.get(f"/api/v1/runs/{parent.id}/trace")).json()["trace"]
    assert len(trace["traceId"]) == 32
    root = trace["rootSpan"]
    assert root["runId"] == parent.id and "parentId" not in root

    def walk(span: dict[str, object], acc: list[dict[str, object]]) -> None:
        acc.append(span)
        for child in span["children"]:  # type: ignore[attr-defined]
            assert child["parentId"] == span["id"]
            walk(child, acc)

    spans: list[dict[str, object]] = []
    walk(root, spans)
    run_ids = {s["runId"] for s in spans}
    assert run_ids == {parent.id, *parent.children}
    events = (await quiet.get(f"/api/v1/runs/{parent.id}/events")).json()["events"]
    assert {e["runId"] for e in events} == {parent.id}
    assert all(isinstance(e["startTime"], str) and e["startTime"].isdigit() for e in events)
    assert any(e["kind"] == "LOG" for e in events)


async def test_cancel_is_idempotent_and_404s_unknown(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    env.set_paused(env.queues["task/resize-image"], True)
    run, _ = env.trigger("resize-image", {}, "application/json", TriggerOptions())
    r = await quiet.post(f"/api/v2/runs/{run.id}/cancel")
    assert r.status_code == 200 and r.json() == {"id": run.id}
    assert run.status == S.CANCELED
    again = await quiet.post(f"/api/v2/runs/{run.id}/cancel")
    assert again.status_code == 200
    r = await quiet.post("/api/v2/runs/run_nope/cancel")
    assert r.status_code == 404 and r.json() == {"error": "Resource not found"}


async def test_replay_with_and_without_body(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    run, _ = env.trigger("send-email", {"to": "a@b.c"}, "application/json",
                         TriggerOptions(tags=["x"]))
    r = await quiet.client.post(f"/api/v1/runs/{run.id}/replay", headers={
        **quiet.headers(), "content-type": "application/json", "content-length": "0"})
    assert r.status_code == 200
    copy = env.runs[r.json()["id"]]
    assert copy.payload == {"to": "a@b.c"} and copy.tags == ["x"] and copy.id != run.id
    r = await quiet.post(f"/api/v1/runs/{run.id}/replay", {
        "payload": '{"json":{"to":"z@y.x"}}', "payloadType": "application/super+json",
        "tags": ["z"]})
    edited = env.runs[r.json()["id"]]
    assert edited.payload == {"to": "z@y.x"} and edited.tags == ["z"]
    r = await quiet.post(f"/api/v1/runs/{run.id}/replay", {"bogus": 1})
    assert r.status_code == 400
    r = await quiet.post("/api/v1/runs/run_nope/replay")
    assert r.status_code == 404


async def test_reschedule_only_delayed_runs(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    delayed, _ = env.trigger("send-email", {}, "application/json",
                             TriggerOptions(delay_until=quiet.clock.now() + 3600))
    r = await quiet.post(f"/api/v1/runs/{delayed.id}/reschedule", {"delay": "2h"})
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == delayed.id and "relatedRuns" in body and body["status"] == "DELAYED"
    assert delayed.delayed_until == quiet.clock.now() + 7200
    quiet.advance(3700)
    assert delayed.status == S.DELAYED  # the old wake-up no longer applies
    r = await quiet.post(f"/api/v1/runs/{delayed.id}/reschedule", {"delay": "soon"})
    assert r.status_code == 400 and r.json() == {"error": "Invalid delay: soon"}
    done, _ = env.trigger("send-email", {}, "application/json", TriggerOptions())
    r = await quiet.post(f"/api/v1/runs/{done.id}/reschedule", {"delay": "1h"})
    assert r.json() == {"error": "Cannot reschedule a run that is not delayed"}
    r = await quiet.post("/api/v1/runs/run_x/reschedule", {"delay": "1h"})
    assert r.status_code == 404 and r.json() == {"error": "Run not found"}


async def test_tags_add_dedupe_and_limit(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    run, _ = env.trigger("send-email", {}, "application/json", TriggerOptions(tags=["a"]))
    r = await quiet.post(f"/api/v1/runs/{run.id}/tags", {"tags": ["a", "b", " "]})
    assert r.json() == {"message": "Successfully set 1 new tags."}
    r = await quiet.post(f"/api/v1/runs/{run.id}/tags", {"tags": "b"})
    assert r.json() == {"message": "No new tags to add"}
    r = await quiet.post(f"/api/v1/runs/{run.id}/tags", {"tags": [f"t{i}" for i in range(10)]})
    assert r.status_code == 422
    assert r.json()["error"].startswith("Runs can only have 10 tags, you're trying to set 12.")
    r = await quiet.post(f"/api/v1/runs/{run.id}/tags", {"nope": 1})
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"


async def test_metadata_operations_and_completed_run(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    env.set_paused(env.queues["task/resize-image"], True)
    run, _ = env.trigger("resize-image", {}, "application/json", TriggerOptions())
    r = await quiet.client.put(f"/api/v1/runs/{run.id}/metadata", headers=quiet.headers(),
                               json={"metadata": {"n": 1, "list": []}, "operations": [
                                   {"type": "increment", "key": "n", "value": 2},
                                   {"type": "append", "key": "list", "value": "x"},
                                   {"type": "set", "key": "stage", "value": "resize"}]})
    assert r.status_code == 200
    assert r.json() == {"metadata": {"n": 3, "list": ["x"], "stage": "resize"}}
    got = (await quiet.get(f"/api/v1/runs/{run.id}/metadata")).json()
    assert got["metadata"] == {"n": 3, "list": ["x"], "stage": "resize"}
    env.cancel(run)
    r = await quiet.client.put(f"/api/v1/runs/{run.id}/metadata", headers=quiet.headers(),
                               json={"metadata": {}})
    assert r.status_code == 422


async def test_project_runs_need_a_pat_and_an_env(emu: Emu) -> None:
    r = await emu.get("/api/v1/projects/proj_demo/runs", key=DEMO_PAT,
                      params={"filter[env]": "staging", "page[size]": "5"})
    assert r.status_code == 200
    assert {i["env"]["name"] for i in r.json()["data"]} == {"stg"}
    r = await emu.get("/api/v1/projects/proj_demo/runs", params={"filter[env]": "prod"})
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing PAT"}
    r = await emu.get("/api/v1/runs", key=DEMO_PAT)
    assert r.status_code == 401 and r.json() == {"error": "Invalid API key"}


async def test_bad_keys(emu: Emu) -> None:
    r = await emu.get("/api/v1/runs", key="tr_prod_wrong")
    assert r.status_code == 401 and r.json() == {"error": "Invalid API key"}
    r = await emu.get("/api/v1/runs/run_x/result", key="tr_prod_wrong")
    assert r.json() == {"error": "Invalid or Missing API Key"}
    r = await emu.client.get("/api/v1/runs")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "No authorization header provided"


async def test_unknown_dev_branch_is_refused_and_default_means_none(emu: Emu) -> None:
    key = DEMO_KEYS["dev"]
    r = await emu.client.get("/api/v1/runs", headers={**emu.headers(key),
                                                      "x-trigger-branch": "feature-x"})
    assert r.status_code == 401 and r.json() == {"error": "No matching branch env"}
    r = await emu.client.get("/api/v1/runs", headers={**emu.headers(key),
                                                      "x-trigger-branch": "default"})
    assert r.status_code == 200
    r = await emu.client.get("/api/v1/runs", headers={**emu.headers(), "x-trigger-branch": "x"})
    assert r.status_code == 200
