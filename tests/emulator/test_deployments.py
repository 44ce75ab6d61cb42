"""Deployments through HTTP: list shape and paging, retrieve, latest, current, promote."""

from __future__ import annotations

from tests.emulator.conftest import Emu
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world import DEMO_KEYS
from trigger_tui.emulator.world.catalog import BY_ID, NEXT_TASK
from trigger_tui.emulator.world.options import TriggerOptions

STG = DEMO_KEYS["stg"]
DEV = DEMO_KEYS["dev"]
ITEM_KEYS = {"id", "createdAt", "shortCode", "version", "runtime", "runtimeVersion", "status"}


async def test_list_items_follow_the_sdk_schema(quiet: Emu) -> None:
    body = (await quiet.get("/api/v1/deployments")).json()
    items = body["data"]
    deps = quiet.world.envs["prod"].deployments.items
    assert [d["id"] for d in items] == [d.id for d in sorted(
        deps, key=lambda d: d.created_at, reverse=True)]
    assert body["pagination"] == {}
    for item in items:
        assert ITEM_KEYS <= set(item)
        assert item["status"] != "INSTALLING"
        assert all(item[k] is not None for k in ("git", "error", "deployedAt") if k in item)
    failed = next(d for d in items if d["status"] == "FAILED")
    assert failed["runtime"] is None and failed["runtimeVersion"] is None
    assert failed["error"]["name"] == "BuildError" and "deployedAt" not in failed
    deployed = next(d for d in items if d["status"] == "DEPLOYED")
    assert deployed["runtime"] == "node" and "deployedAt" in deployed
    assert len(deployed["git"]["commitSha"]) == 40 and "error" not in deployed


async def test_page_size_is_clamped_and_cursor_is_the_deployment_id(quiet: Emu) -> None:
    first = (await quiet.get("/api/v1/deployments", STG, params={"page[size]": "2"})).json()
    assert len(first["data"]) == 5  # clamped up to the minimum of 5
    assert first["pagination"]["next"] == first["data"][-1]["id"]
    rest = (await quiet.get("/api/v1/deployments", STG, params={
        "page[size]": "5", "page[after]": first["pagination"]["next"]})).json()
    assert len(rest["data"]) == 2 and rest["pagination"] == {}
    ids = [d["id"] for d in first["data"] + rest["data"]]
    assert len(set(ids)) == 7
    big = (await quiet.get("/api/v1/deployments", STG, params={"page[size]": "1000"})).json()
    assert len(big["data"]) == 7


async def test_status_and_time_filters(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/deployments", params={"status": "FAILED"})
    assert [d["status"] for d in r.json()["data"]] == ["FAILED"]
    r = await quiet.get("/api/v1/deployments", params={"status": "INSTALLING"})
    assert r.status_code == 400 and r.json()["error"] == "Query Error"
    r = await quiet.get("/api/v1/deployments", params={"period": "4d"})
    assert {d["status"] for d in r.json()["data"]} == {"CANCELED", "DEPLOYED"}
    assert len(r.json()["data"]) == 2
    r = await quiet.get("/api/v1/deployments", params={"period": "banana"})
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid search query parameter: period=banana"}
    now = quiet.world.envs["prod"].now
    r = await quiet.get("/api/v1/deployments", params={
        "from": iso(now - 16 * 86400), "to": iso(now - 5 * 86400)})
    assert len(r.json()["data"]) == 3
    r = await quiet.get("/api/v1/deployments", params={"to": iso(now - 30 * 86400)})
    assert len(r.json()["data"]) == 6  # `to` alone is ignored
    r = await quiet.get("/api/v1/deployments", params={"from": "yesterday"})
    assert r.status_code == 400 and r.json()["error"].startswith("Invalid search query")


async def test_retrieve_has_worker_tasks_from_the_catalog(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    dep = env.deployments.current
    assert dep is not None
    r = await quiet.get(f"/api/v1/deployments/{dep.id}")
    body = r.json()
    assert body["id"] == dep.id and body["version"] == dep.version
    assert body["imageReference"].endswith(f"{dep.version}.prod")
    tasks = {t["slug"]: t for t in body["worker"]["tasks"]}
    assert tasks["send-email"]["filePath"] == BY_ID["send-email"].file_path
    assert tasks["send-email"]["exportName"] == "sendEmail"
    assert tasks["send-email"]["id"].startswith("task_")
    assert NEXT_TASK not in tasks
    again = (await quiet.get(f"/api/v1/deployments/{dep.id}")).json()
    assert again == body  # ids are stable
    failed = next(d for d in env.deployments.items if d.status == "FAILED")
    body = (await quiet.get(f"/api/v1/deployments/{failed.id}")).json()
    assert body["worker"] is None and body["errorData"]["name"] == "BuildError"
    assert body["imageReference"] is None
    r = await quiet.get("/api/v1/deployments/deployment_nope")
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    assert r.headers["x-should-retry"] == "false"


async def test_latest_and_current(quiet: Emu) -> None:
    env = quiet.world.envs["stg"]
    latest = (await quiet.get("/api/v1/deployments/latest", STG)).json()
    newest = max(env.deployments.items, key=lambda d: d.created_at)
    assert latest["id"] == newest.id and latest["errorData"] is None
    assert set(latest) == {"id", "status", "contentHash", "shortCode", "version",
                           "imageReference", "errorData"}
    current = (await quiet.get("/api/v1/deployments/current", STG)).json()
    assert env.deployments.current is not None
    assert current["version"] == env.deployments.current.version != newest.version
    assert ITEM_KEYS <= set(current)


async def test_dev_has_no_deployments(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/deployments", DEV)
    assert r.json() == {"data": [], "pagination": {}}
    for path in ("latest", "current"):
        r = await quiet.get(f"/api/v1/deployments/{path}", DEV)
        assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    r = await quiet.post("/api/v1/deployments/20250101.1/promote", key=DEV)
    assert r.status_code == 404


async def test_promote_errors(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    book = env.deployments
    assert book.current is not None
    url = "/api/v1/deployments/{}/promote"
    r = await quiet.post(url.format("19990101.1"))
    assert r.status_code == 404 and r.json() == {"error": "Deployment not found"}
    failed = next(d for d in book.items if d.status == "FAILED")
    r = await quiet.post(url.format(failed.version))
    assert r.status_code == 400 and r.json() == {
        "error": "Deployment is not associated with a worker and cannot be promoted."}
    canceled = next(d for d in book.items if d.status == "CANCELED")
    canceled.worker_id = "worker_leftover"
    r = await quiet.post(url.format(canceled.version))
    assert r.json() == {"error": "Deployment must be in the DEPLOYED state to be promoted."}
    r = await quiet.post(url.format(book.current.version))
    assert r.json() == {"error": "Deployment is already the current deployment."}
    older = book.items[0]
    r = await quiet.post(url.format(older.version))
    assert r.status_code == 400 and r.json() == {
        "error": "Cannot promote a deployment that is older than the current deployment."}
    r = await quiet.post(url.format(older.version) + "?allowRollbacks=true")
    assert r.status_code == 200
    assert r.json() == {"id": older.id, "version": older.version, "shortCode": older.short_code}
    assert book.current is older
    current = (await quiet.get("/api/v1/deployments/current")).json()
    assert current["id"] == older.id


async def test_promote_releases_pending_version_runs(quiet: Emu) -> None:
    env = quiet.world.envs["stg"]
    run, _ = env.trigger(NEXT_TASK, {}, "application/json", TriggerOptions())
    assert run.status == S.PENDING_VERSION
    quiet.advance(30)
    assert run.status == S.PENDING_VERSION
    newest = max(env.deployments.items, key=lambda d: d.created_at)
    r = await quiet.post(f"/api/v1/deployments/{newest.version}/promote", key=STG)
    assert r.status_code == 200
    assert run.status != S.PENDING_VERSION and run.version == newest.version
    quiet.advance(120)
    assert run.status in S.FINAL


async def test_staging_workload_waits_for_the_promote(emu: Emu) -> None:
    env = emu.world.envs["stg"]
    waiting = [r for r in env.runs.values() if r.task == NEXT_TASK]
    assert waiting and all(r.status == S.PENDING_VERSION for r in waiting)
    newest = max(env.deployments.items, key=lambda d: d.created_at)
    r = await emu.post(f"/api/v1/deployments/{newest.version}/promote", key=STG)
    assert r.status_code == 200
    assert all(r.status != S.PENDING_VERSION and r.version == newest.version for r in waiting)
    assert not env.pending_version
