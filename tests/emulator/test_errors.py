"""Error groups: fingerprinting on the fake clock, counts per window, lifecycle, and the routes."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Emu
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.errors import GROUP_RETENTION_S, normalise
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions


def fail_runs(env: EnvWorld, task: str, n: int) -> list[Run]:
    """Trigger `n` runs of `task` that fail on their only attempt (a huge incident boost)."""
    env.incident = (task, env.now + 86400, 1000.0)
    return [env.trigger(task, {}, "application/json", TriggerOptions(max_attempts=1))[0]
            for _ in range(n)]


def record(env: EnvWorld, task: str, message: str, *, name: str = "Error",
           version: str | None = "20251231.1", error: dict[str, Any] | None = None) -> Run:
    """A failed run put straight into the world, with exactly this error."""
    seq = len(env.runs) + 10_000
    run = Run(id=f"run_fake{seq}", seq=seq, task=task, status=S.COMPLETED_WITH_ERRORS,
              created_at=env.now, updated_at=env.now, queue=f"task/{task}", machine="micro",
              error=error or {"type": "BUILT_IN_ERROR", "name": name, "message": message,
                              "stackTrace": ""}, version=version)
    env.runs[run.id] = run
    env.errors.record(run)
    return run


def ids(body: dict[str, Any]) -> list[str]:
    return [e["id"] for e in body["data"]]


# ---------------------------------------------------------------------- fingerprinting
def test_normalise_replaces_dynamic_parts() -> None:
    assert normalise("Order ord_123456 is already fulfilled") == "Order <id> is already fulfilled"
    assert normalise("run run_abc123 failed") == "run <run-id> failed"
    assert normalise("request to https://hooks.acme.io/x failed, reason: ECONNRESET") == \
        "request to <url> failed, reason: ECONNRESET"
    assert normalise("at 2026-01-01T10:00:00.123Z (1767225600)") == "at <timestamp> (<timestamp>)"
    assert normalise("id 3f2b8c1e-1d2a-4c3b-9a8f-0123456789ab") == "id <uuid>"
    assert normalise("row 48213 of /tmp/imports/a.csv") == "row <id> of <path>"
    assert normalise("mail to bob@example.com") == "mail to <email>"
    assert normalise("503 Service Unavailable") == "503 Service Unavailable"


async def test_same_normalised_error_of_same_task_is_one_group(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    a = record(env, "process-order", "Order ord_1001 is already fulfilled", name="OrderStateError")
    b = record(env, "process-order", "Order ord_99921 is already fulfilled",
               name="OrderStateError")
    c = record(env, "charge-card", "Order ord_1001 is already fulfilled", name="OrderStateError")
    d = record(env, "process-order", "Order ord_1001 is already fulfilled", name="TypeError")
    assert env.errors.group_of(a) == env.errors.group_of(b)
    assert len({env.errors.group_of(r) for r in (a, c, d)}) == 3
    group = env.errors.get(env.errors.group_of(a) or "")
    assert group is not None and group.count == 2
    assert group.id == "error_" + group.fingerprint and len(group.fingerprint) == 16


async def test_failed_runs_are_grouped_and_listed(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    runs = fail_runs(env, "resize-image", 3)
    quiet.advance(120)
    assert all(r.status == S.COMPLETED_WITH_ERRORS for r in runs)
    body = (await quiet.get("/api/v1/errors")).json()
    assert body["pagination"] == {} and len(body["data"]) == 1
    item = body["data"][0]
    assert item["taskIdentifier"] == "resize-image" and item["errorType"] == "Error"
    assert item["errorMessage"] == "Input buffer contains unsupported image format"
    assert item["count"] == 3 and item["status"] == "unresolved"
    assert item["resolvedAt"] is None and item["ignoredUntil"] is None
    assert item["lastSeen"] == iso(max(r.finished_at or 0 for r in runs))
    listed = (await quiet.get("/api/v1/runs", params={"filter[error]": item["id"]})).json()
    assert sorted(r["id"] for r in listed["data"]) == sorted(r.id for r in runs)
    detail = (await quiet.get(f"/api/v1/errors/{item['id']}")).json()
    assert detail["count"] == 3 and detail["affectedVersions"] == [runs[0].version]
    assert detail["resolvedBy"] is None and detail["ignoredUntilTotalOccurrences"] is None


async def test_internal_errors_group_by_code(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    oom = {"type": "INTERNAL_ERROR", "code": "TASK_PROCESS_OOM_KILLED",
           "message": "Task ran out of memory and was killed"}
    run = record(env, "resize-image", "", error=oom)
    item = (await quiet.get("/api/v1/errors")).json()["data"][0]
    assert item["id"] == env.errors.group_of(run)
    assert item["errorType"] == "TASK_PROCESS_OOM_KILLED"
    assert item["errorMessage"] == "Task ran out of memory and was killed"


# ---------------------------------------------------------------------- counting windows
async def test_counts_are_within_the_requested_window(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    record(env, "send-email", "boom")
    quiet.advance(3 * 3600)
    record(env, "send-email", "boom")
    record(env, "send-email", "boom")
    start = env.now
    quiet.advance(600)
    item = (await quiet.get("/api/v1/errors")).json()["data"][0]
    assert item["count"] == 3  # the default window is the last day
    hour = (await quiet.get("/api/v1/errors", params={"filter[period]": "1h"})).json()
    assert hour["data"][0]["count"] == 2
    r = await quiet.get("/api/v1/errors", params={"filter[period]": "5m"})
    assert r.json()["data"] == []  # nothing in the window: the group is not listed
    r = await quiet.get("/api/v1/errors", params={"filter[from]": iso(start - 60),
                                                  "filter[to]": iso(start + 60)})
    assert r.json()["data"][0]["count"] == 2
    r = await quiet.get("/api/v1/errors", params={"filter[period]": "nonsense"})
    assert r.json()["data"][0]["count"] == 3  # an unparseable period means the default
    r = await quiet.get("/api/v1/errors", params={"filter[from]": "not a date"})
    assert r.status_code == 400 and r.json()["details"][0]["path"] == ["filter[from]"]
    detail = (await quiet.get(f"/api/v1/errors/{item['id']}")).json()
    assert detail["count"] == 3


# ---------------------------------------------------------------------- lifecycle
async def test_resolve_then_recur_is_unresolved_again(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    run = record(env, "send-email", "boom")
    gid = env.errors.group_of(run)
    r = await quiet.post(f"/api/v1/errors/{gid}/resolve", {"resolvedInVersion": "20260101.1"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "resolved" and body["resolvedInVersion"] == "20260101.1"
    assert body["resolvedAt"] == iso(env.now)
    listed = (await quiet.get("/api/v1/errors", params={"filter[status]": "resolved"})).json()
    assert ids(listed) == [gid]
    assert (await quiet.get("/api/v1/errors", params={"filter[status]": "unresolved"})
            ).json()["data"] == []
    quiet.advance(60)
    record(env, "send-email", "boom")
    body = (await quiet.get(f"/api/v1/errors/{gid}")).json()
    assert body["status"] == "unresolved" and body["resolvedAt"] is None
    assert body["resolvedInVersion"] is None and body["count"] == 2


async def test_ignore_for_a_duration_lapses_on_the_clock(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    gid = env.errors.group_of(record(env, "send-email", "boom"))
    r = await quiet.post(f"/api/v1/errors/{gid}/ignore",
                         {"duration": 3_600_000, "reason": "known flaky provider"})
    body = r.json()
    assert body["status"] == "ignored" and body["ignoredReason"] == "known flaky provider"
    assert body["ignoredAt"] == iso(env.now) and body["ignoredUntil"] == iso(env.now + 3600)
    record(env, "send-email", "boom")  # still ignored: a duration is not an occurrence limit
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "ignored"
    quiet.advance(3601)
    body = (await quiet.get(f"/api/v1/errors/{gid}")).json()
    assert body["status"] == "unresolved" and body["ignoredUntil"] is None


async def test_ignore_until_more_occurrences(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    gid = env.errors.group_of(record(env, "send-email", "boom"))
    body = (await quiet.post(f"/api/v1/errors/{gid}/ignore", {"totalOccurrences": 2})).json()
    assert body["ignoredUntilTotalOccurrences"] == 2 and body["ignoredUntil"] is None
    record(env, "send-email", "boom")
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "ignored"
    record(env, "send-email", "boom")
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "unresolved"


async def test_ignore_until_a_rate_is_exceeded(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    gid = env.errors.group_of(record(env, "send-email", "boom"))
    await quiet.post(f"/api/v1/errors/{gid}/ignore", {"occurrenceRate": 2.5})
    quiet.advance(120)
    for _ in range(2):
        record(env, "send-email", "boom")
        quiet.advance(60)
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "ignored"
    for _ in range(10):  # averaged over the (up to five-minute) evaluation window
        record(env, "send-email", "boom")
    body = (await quiet.get(f"/api/v1/errors/{gid}")).json()
    assert body["status"] == "unresolved" and body["ignoredUntilOccurrenceRate"] is None


async def test_unresolve_clears_state_and_ignore_without_conditions_is_permanent(
        quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    gid = env.errors.group_of(record(env, "send-email", "boom"))
    body = (await quiet.post(f"/api/v1/errors/{gid}/ignore", {})).json()
    assert body["status"] == "ignored" and body["ignoredUntil"] is None
    for _ in range(20):
        record(env, "send-email", "boom")
    quiet.advance(86400)
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "ignored"
    r = await quiet.post(f"/api/v1/errors/{gid}/unresolve")
    body = r.json()
    assert r.status_code == 200 and body["status"] == "unresolved"
    assert body["ignoredAt"] is None and body["ignoredReason"] is None


# ---------------------------------------------------------------------- list filters, paging
async def test_list_filters_and_sorting(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    record(env, "send-email", "Rate limit exceeded", name="ResendError", version="20251230.1")
    quiet.advance(10)
    record(env, "charge-card", "Your card was declined.", name="StripeCardError")
    quiet.advance(10)
    record(env, "send-email", "Invalid `to` field", name="ValidationError")
    body = (await quiet.get("/api/v1/errors")).json()
    assert [e["errorType"] for e in body["data"]] == [
        "ValidationError", "StripeCardError", "ResendError"]  # last seen first
    r = await quiet.get("/api/v1/errors", params={"filter[taskIdentifier]": "send-email"})
    assert {e["taskIdentifier"] for e in r.json()["data"]} == {"send-email"}
    assert len(r.json()["data"]) == 2
    r = await quiet.get("/api/v1/errors", params={"filter[version]": "20251230.1"})
    assert [e["errorType"] for e in r.json()["data"]] == ["ResendError"]
    r = await quiet.get("/api/v1/errors", params={"filter[search]": "  DECLINED "})
    assert [e["errorType"] for e in r.json()["data"]] == ["StripeCardError"]
    r = await quiet.get("/api/v1/errors", params={"filter[search]": "stripecard"})
    assert len(r.json()["data"]) == 1


async def test_invalid_status_filter_is_a_query_error_with_details(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/errors", params={"filter[status]": "unresolved,open,closed"})
    assert r.status_code == 400
    assert r.json() == {"error": "Query Error", "details": [{
        "code": "custom", "path": ["filter[status]"],
        "message": "Invalid status values: open, closed. Allowed: unresolved, resolved, "
                   "ignored."}]}
    r = await quiet.get("/api/v1/errors", params={"page[size]": "101"})
    assert r.status_code == 400 and r.json()["details"][0]["path"] == ["page[size]"]


async def test_cursor_pages_forward_and_back(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    for i in range(5):
        record(env, "send-email", f"failure kind {chr(65 + i)}")
        quiet.advance(5)
    everything = ids((await quiet.get("/api/v1/errors")).json())
    first = (await quiet.get("/api/v1/errors", params={"page[size]": "2"})).json()
    assert ids(first) == everything[:2] and first["pagination"] == {"next": everything[1]}
    second = (await quiet.get("/api/v1/errors", params={
        "page[size]": "2", "page[after]": first["pagination"]["next"]})).json()
    assert ids(second) == everything[2:4]
    assert second["pagination"] == {"next": everything[3], "previous": everything[2]}
    last = (await quiet.get("/api/v1/errors", params={
        "page[size]": "2", "page[after]": everything[3]})).json()
    assert ids(last) == everything[4:] and last["pagination"] == {"previous": everything[4]}
    back = (await quiet.get("/api/v1/errors", params={
        "page[size]": "2", "page[before]": second["pagination"]["previous"]})).json()
    assert ids(back) == everything[:2] and back["pagination"] == {"next": everything[1]}


# ---------------------------------------------------------------------- errors of the routes
async def test_unknown_ids_and_bad_bodies(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/errors/error_0000000000000000")
    assert r.status_code == 404 and r.json() == {"error": "Not found"}
    for action in ("resolve", "ignore", "unresolve"):
        r = await quiet.post(f"/api/v1/errors/error_0000000000000000/{action}", {})
        assert r.status_code == 404 and r.json() == {"error": "Resource not found"}
    env = quiet.world.envs["prod"]
    gid = env.errors.group_of(record(env, "send-email", "boom"))
    url = f"/api/v1/errors/{gid}/ignore"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"duration": -5}, 'Validation error: Number must be greater than 0 at "duration"'),
        ({"duration": 1.5}, 'Validation error: Expected integer, received float at "duration"'),
        ({"duration": None}, 'Validation error: Expected number, received null at "duration"'),
        ({"occurrenceRate": "10"},
         'Validation error: Expected number, received string at "occurrenceRate"'),
        ({"reason": "x" * 1001},
         'Validation error: String must contain at most 1000 character(s) at "reason"'),
    ]
    for body, message in cases:
        r = await quiet.post(url, body)
        assert r.status_code == 400 and r.json() == {"error": message}, body
    r = await quiet.post(f"/api/v1/errors/{gid}/resolve", {"resolvedInVersion": 3})
    assert r.status_code == 400
    r = await quiet.post(f"/api/v1/errors/{gid}/resolve")
    assert r.status_code == 400 and r.json() == {"error": "Request body is empty"}
    assert (await quiet.get(f"/api/v1/errors/{gid}")).json()["status"] == "unresolved"


# ---------------------------------------------------------------------- retention
async def test_prune_forgets_vanished_runs_and_silent_groups(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    old = record(env, "send-email", "old failure")
    quiet.advance(7200)
    new = record(env, "charge-card", "new failure")
    del env.runs[old.id]
    env.errors.prune(env.now - 3600)
    assert env.errors.group_of(old) is None
    assert env.errors.group_of(new) is not None
    assert sorted(g.task for g in env.errors.all()) == ["charge-card", "send-email"]
    quiet.advance(GROUP_RETENTION_S)  # a month of silence forgets the group, not before
    record(env, "charge-card", "new failure")
    env.errors.prune(env.now - 3600)
    assert [g.task for g in env.errors.all()] == ["charge-card"]


# ---------------------------------------------------------------------- the busy world
async def test_busy_world_groups_match_its_failed_runs(emu: Emu) -> None:
    env = emu.world.envs["prod"]
    failed = [r for r in env.runs.values() if r.status in S.FAILED_FINAL and r.error]
    assert failed, "two hours of production should have some failures"
    assert sum(g.count for g in env.errors.all()) == len(failed)
    for run in failed:
        group = env.errors.get(env.errors.group_of(run) or "")
        assert group is not None and group.task == run.task
    body = (await emu.get("/api/v1/errors", params={"page[size]": "100"})).json()
    assert sum(e["count"] for e in body["data"]) == len(failed)
    lasts = [e["lastSeen"] for e in body["data"]]
    assert lasts == sorted(lasts, reverse=True)
