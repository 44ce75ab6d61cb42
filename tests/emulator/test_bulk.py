"""Bulk actions through HTTP: cancel and replay by ids or by filter, progress on the fake clock,
abort, counts and listing."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import DEMO_KEYS, Emu

BULK = "/api/v1/bulk-actions"


async def _delayed_runs(emu: Emu, n: int, task: str = "resize-image", **options: Any
                        ) -> list[str]:
    """Runs that stay DELAYED (cancellable) for the whole test."""
    ids = []
    for i in range(n):
        r = await emu.post(f"/api/v1/tasks/{task}/trigger",
                           {"payload": {"i": i}, "options": {"delay": "1h", **options}})
        ids.append(r.json()["id"])
    return ids


async def _bulk(emu: Emu, body: dict[str, Any]) -> str:
    r = await emu.post(BULK, body)
    assert r.status_code == 202, r.text
    assert set(r.json()) == {"id"} and r.json()["id"].startswith("bulk_")
    return str(r.json()["id"])


async def _get(emu: Emu, bulk_id: str) -> dict[str, Any]:
    r = await emu.get(f"{BULK}/{bulk_id}")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _status(emu: Emu, run_id: str) -> str:
    return str((await emu.get(f"/api/v3/runs/{run_id}")).json()["status"])


async def _bulk_members(emu: Emu, bulk_id: str) -> set[str]:
    r = await emu.get("/api/v1/runs", params={"filter[bulkAction]": bulk_id,
                                              "page[size]": "100"})
    return {run["id"] for run in r.json()["data"]}


async def test_cancel_by_ids_counts_success_and_failure(quiet: Emu) -> None:
    runs = await _delayed_runs(quiet, 5)
    await quiet.post(f"/api/v2/runs/{runs[0]}/cancel")
    bulk_id = await _bulk(quiet, {"action": "cancel", "runIds": [*runs, "run_unknown", runs[1]],
                                  "name": "tidy up"})
    action = await _get(quiet, bulk_id)
    assert action == {"id": bulk_id, "name": "tidy up", "type": "CANCEL", "status": "PENDING",
                      "counts": {"total": 5, "success": 0, "failure": 0},
                      "createdAt": "2026-01-01T00:00:00.000Z"}
    quiet.advance(5)
    action = await _get(quiet, bulk_id)
    assert action["status"] == "COMPLETED" and "completedAt" in action
    assert action["counts"] == {"total": 5, "success": 4, "failure": 1}
    assert [await _status(quiet, r) for r in runs] == ["CANCELED"] * 5
    assert await _bulk_members(quiet, bulk_id) == set(runs)


async def test_cancel_by_filter_progresses_over_time(quiet: Emu) -> None:
    targets = await _delayed_runs(quiet, 50)
    bystanders = await _delayed_runs(quiet, 3, task="send-email")
    bulk_id = await _bulk(quiet, {"action": "cancel", "filter": {
        "taskIdentifier": "resize-image", "status": ["DELAYED"]}})
    assert (await _get(quiet, bulk_id))["counts"]["total"] == 50
    quiet.advance(1.05)
    progress = (await _get(quiet, bulk_id))["counts"]
    assert progress == {"total": 50, "success": 20, "failure": 0}  # 20 runs per second
    quiet.advance(2.0)
    action = await _get(quiet, bulk_id)
    assert action["status"] == "COMPLETED" and action["counts"]["success"] == 50
    assert {await _status(quiet, r) for r in targets} == {"CANCELED"}
    assert {await _status(quiet, r) for r in bystanders} == {"DELAYED"}


async def test_abort_stops_processing(quiet: Emu) -> None:
    await _delayed_runs(quiet, 40)
    bulk_id = await _bulk(quiet, {"action": "cancel", "filter": {"status": "DELAYED"}})
    quiet.advance(0.5)
    r = await quiet.post(f"{BULK}/{bulk_id}/abort")
    assert r.status_code == 200 and r.json() == {"id": bulk_id}
    aborted = await _get(quiet, bulk_id)
    assert aborted["status"] == "ABORTED" and "completedAt" not in aborted
    quiet.advance(10)
    assert await _get(quiet, bulk_id) == aborted
    assert aborted["counts"] == {"total": 40, "success": 8, "failure": 0}
    still_delayed = await quiet.get("/api/v1/runs", params={"filter[status]": "DELAYED"})
    assert len(still_delayed.json()["data"]) == 25  # first page of the 32 left alone
    r = await quiet.post(f"{BULK}/{bulk_id}/abort")
    assert r.status_code == 400
    assert r.json() == {"error": f"Bulk action group already aborted: {bulk_id}"}


async def test_abort_completed_and_unknown(quiet: Emu) -> None:
    bulk_id = await _bulk(quiet, {"action": "cancel", "runIds": ["run_gone"]})
    quiet.advance(1)
    assert (await _get(quiet, bulk_id))["counts"] == {"total": 0, "success": 0, "failure": 0}
    r = await quiet.post(f"{BULK}/{bulk_id}/abort")
    assert r.status_code == 400
    assert r.json() == {"error": f"Bulk action group already completed: {bulk_id}"}
    r = await quiet.post(f"{BULK}/bulk_nope/abort")
    assert r.status_code == 404 and r.json() == {"error": "Not found"}
    r = await quiet.get(f"{BULK}/bulk_nope")
    assert r.status_code == 404 and r.json() == {"error": "Not found"}


async def test_replay_tags_originals_and_copies(quiet: Emu) -> None:
    runs = await _delayed_runs(quiet, 3)
    bulk_id = await _bulk(quiet, {"action": "replay", "runIds": runs,
                                  "targetRegion": "eu-central-1"})
    quiet.advance(2)
    action = await _get(quiet, bulk_id)
    assert action["type"] == "REPLAY" and action["counts"] == \
        {"total": 3, "success": 3, "failure": 0}
    members = await _bulk_members(quiet, bulk_id)
    assert len(members) == 6 and set(runs) <= members
    replays = members - set(runs)
    for run_id in replays:
        run = (await quiet.get(f"/api/v3/runs/{run_id}")).json()
        assert run["region"] == "eu-central-1" and run["taskIdentifier"] == "resize-image"


async def test_filter_keys_as_the_sdk_sends_them(quiet: Emu) -> None:
    custom = await _delayed_runs(quiet, 2, tags=["vip"], queue={"name": "special"})
    tested = await _delayed_runs(quiet, 1, test=True)
    plain = await _delayed_runs(quiet, 2)
    now_ms = int(quiet.clock.now() * 1000)

    async def targets(filt: dict[str, Any]) -> set[str]:
        bulk_id = await _bulk(quiet, {"action": "cancel", "filter": filt})
        env = quiet.world.envs["prod"]
        return set(env.bulk.items[bulk_id].targets)

    assert await targets({"queue": {"type": "custom", "name": "special"}}) == set(custom)
    assert await targets({"queue": [{"type": "task", "name": "resize-image"}]}) == \
        set(tested + plain)
    assert await targets({"tag": "vip"}) == set(custom)
    assert await targets({"isTest": True}) == set(tested)
    assert await targets({"from": now_ms + 1}) == set()
    assert await targets({"to": "2026-01-01T00:00:00.000Z", "machine": ["medium-1x"]}) == \
        set(custom + tested + plain)
    assert await targets({"period": "1h", "taskIdentifier": ["send-email"]}) == set()


async def test_filter_without_time_covers_the_last_seven_days(quiet: Emu) -> None:
    old = await _delayed_runs(quiet, 1, delay="30d")
    quiet.advance(8 * 86400)
    new = await _delayed_runs(quiet, 1, delay="30d")
    bulk_id = await _bulk(quiet, {"action": "cancel", "filter": {"status": "DELAYED"}})
    assert quiet.world.envs["prod"].bulk.items[bulk_id].targets == new
    assert old != new


async def test_create_validation(quiet: Emu) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"action": "cancel"}, "Validation error: Provide exactly one of runIds or filter"),
        ({"action": "cancel", "runIds": ["run_1"], "filter": {}},
         "Validation error: Provide exactly one of runIds or filter"),
        ({"action": "delete", "runIds": ["run_1"]},
         "Validation error: Invalid enum value. Expected 'cancel' | 'replay', received "
         "'delete' at \"action\""),
        ({"action": "cancel", "runIds": []},
         'Validation error: Array must contain at least 1 element(s) at "runIds"'),
        ({"action": "cancel", "runIds": ["r"] * 501},
         'Validation error: Array must contain at most 500 element(s) at "runIds"'),
        ({"action": "cancel", "filter": {"status": ["DELAYED", "NOPE"]}},
         "Invalid status values: NOPE"),
        ({"action": "cancel", "filter": {"isTest": "yes"}},
         'Validation error: Expected boolean, received string at "filter.isTest"'),
        ({"action": "cancel", "runIds": ["r"], "name": "n" * 256},
         'Validation error: String must contain at most 255 character(s) at "name"'),
    ]
    for body, message in cases:
        r = await quiet.post(BULK, body)
        assert (r.status_code, r.json()) == (400, {"error": message}), body


async def test_list_newest_first_with_cursors(quiet: Emu) -> None:
    ids = []
    for _ in range(3):
        ids.append(await _bulk(quiet, {"action": "cancel", "runIds": ["run_x"]}))
        quiet.advance(1)
    page = (await quiet.get(BULK, params={"page[size]": "2"})).json()
    assert [a["id"] for a in page["data"]] == ids[::-1][:2]
    rest = (await quiet.get(BULK, params={"page[size]": "2",
                                          "page[after]": page["pagination"]["next"]})).json()
    assert [a["id"] for a in rest["data"]] == [ids[0]]
    assert "next" not in rest["pagination"] and "previous" in rest["pagination"]
    other = await quiet.get(BULK, key=DEMO_KEYS["stg"])
    assert other.json() == {"data": [], "pagination": {}}


async def test_prune_forgets_finished_actions(quiet: Emu) -> None:
    done = await _bulk(quiet, {"action": "cancel", "runIds": ["run_x"]})
    quiet.advance(1)
    await _delayed_runs(quiet, 10)
    running = await _bulk(quiet, {"action": "cancel", "filter": {"status": "DELAYED"}})
    env = quiet.world.envs["prod"]
    env.bulk.prune(env.now + 1)
    assert done not in env.bulk.items and running in env.bulk.items
