"""Every emulated operation of the official OpenAPI spec, answered and checked against it.

One test per (operation, status): the request is sent to the in-process emulator, and the answer
must have the documented status, the documented content type and a body that validates against
the documented schema (with the overrides of `spec.py`). Where the spec documents a status with
no body schema, an error answer must still be a JSON object with a string `error`, because that
is what the SDK builds its message from (sdk-4.8.3.md §0.5, D16); a 2xx must still be JSON
(§0.1). Valid requests are also checked against the spec's request schema, so a passing test
proves the emulator accepted a request the contract allows.

`test_every_operation_is_covered` keeps the list honest: each documented status is either a case
here or in NOT_TESTED with the reason it cannot be provoked.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.contract import spec
from tests.contract.conftest import (
    BAD_KEY,
    BAD_PAT,
    DEV,
    ENVVARS,
    PAT,
    SCHEDULED_TASK,
    STG,
    TASK,
    Caller,
    ndjson,
    open_caller,
)
from trigger_tui.emulator.world import PROJECT_REF

if not spec.spec_dir_present():
    pytest.skip(spec.absent_reason(), allow_module_level=True)

V3, BATCHES = spec.V3, spec.BATCHES
Call = Callable[[Caller], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Case:
    spec: str
    method: str
    path: str  # the spec's path template
    status: int
    variant: str
    call: Call
    busy: bool  # needs the two-hour history (failed runs are rare in a short one)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} {self.status}" + (f" {self.variant}"
                                                             if self.variant else "")


CASES: list[Case] = []


def case(method: str, path: str, status: int, variant: str = "",
         on: str = V3, busy: bool = False) -> Callable[[Call], Call]:
    def register(fn: Call) -> Call:
        CASES.append(Case(on, method, path, status, variant, fn, busy))
        return fn
    return register


UNKNOWN_RUN = "run_contractmissing0000000"

# ====================================================================== schedules
SCHEDULES = "/api/v1/schedules"
SCHEDULE = "/api/v1/schedules/{schedule_id}"


@case("POST", SCHEDULES, 200)
async def _create_schedule(c: Caller) -> httpx.Response:
    return await c.call("POST", SCHEDULES, {"task": SCHEDULED_TASK, "cron": "0 0 * * *",
                                            "deduplicationKey": "contract-create",
                                            "externalId": "user_1", "timezone": "UTC"})


@case("POST", SCHEDULES, 400)
async def _create_schedule_bad_body(c: Caller) -> httpx.Response:
    return await c.call("POST", SCHEDULES, {"task": SCHEDULED_TASK})


@case("POST", SCHEDULES, 401)
async def _create_schedule_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", SCHEDULES, {"task": SCHEDULED_TASK, "cron": "0 0 * * *",
                                            "deduplicationKey": "k"}, key=BAD_KEY)


@case("POST", SCHEDULES, 422)
async def _create_schedule_bad_cron(c: Caller) -> httpx.Response:
    return await c.call("POST", SCHEDULES, {"task": SCHEDULED_TASK, "cron": "61 * * * *",
                                            "deduplicationKey": "bad-cron"})


@case("GET", SCHEDULES, 200)
async def _list_schedules(c: Caller) -> httpx.Response:
    await c.schedule()
    return await c.call("GET", SCHEDULES, params={"page": "1", "perPage": "5"})


@case("GET", SCHEDULES, 401)
async def _list_schedules_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", SCHEDULES, key=BAD_KEY)


@case("GET", SCHEDULE, 200)
async def _get_schedule(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{SCHEDULES}/{await c.schedule()}")


@case("GET", SCHEDULE, 200, "declarative")
async def _get_declarative_schedule(c: Caller) -> httpx.Response:
    page = await c.setup("GET", f"{SCHEDULES}?perPage=100")
    declared = [s for s in page.get("data", []) if s.get("type") == "DECLARATIVE"]
    if not declared:
        raise AssertionError("GET /api/v1/schedules lists no DECLARATIVE schedule, though the "
                             "project declares scheduled tasks")
    return await c.call("GET", f"{SCHEDULES}/{declared[0]['id']}")


@case("GET", SCHEDULE, 401)
async def _get_schedule_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{SCHEDULES}/sched_contract", key=BAD_KEY)


@case("GET", SCHEDULE, 404)
async def _get_schedule_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{SCHEDULES}/sched_contractmissing")


@case("PUT", SCHEDULE, 200)
async def _update_schedule(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{SCHEDULES}/{await c.schedule()}",
                        {"task": SCHEDULED_TASK, "cron": "30 2 * * 1", "timezone": "Asia/Tokyo"})


@case("PUT", SCHEDULE, 400)
async def _update_schedule_bad_body(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{SCHEDULES}/{await c.schedule()}", {"cron": 5})


@case("PUT", SCHEDULE, 401)
async def _update_schedule_bad_key(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{SCHEDULES}/sched_x", {"task": SCHEDULED_TASK,
                                                        "cron": "0 0 * * *"}, key=BAD_KEY)


@case("PUT", SCHEDULE, 404)
async def _update_schedule_unknown(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{SCHEDULES}/sched_contractmissing",
                        {"task": SCHEDULED_TASK, "cron": "0 0 * * *"})


@case("PUT", SCHEDULE, 422)
async def _update_schedule_bad_timezone(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{SCHEDULES}/{await c.schedule()}",
                        {"task": SCHEDULED_TASK, "cron": "0 0 * * *", "timezone": "Mars/Olympus"})


@case("DELETE", SCHEDULE, 200)
async def _delete_schedule(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{SCHEDULES}/{await c.schedule()}")


@case("DELETE", SCHEDULE, 401)
async def _delete_schedule_bad_key(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{SCHEDULES}/sched_x", key=BAD_KEY)


@case("DELETE", SCHEDULE, 404)
async def _delete_schedule_unknown(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{SCHEDULES}/sched_contractmissing")


for _verb in ("activate", "deactivate"):
    _toggle = f"{SCHEDULE}/{_verb}"

    @case("POST", _toggle, 200)
    async def _toggle_schedule(c: Caller, verb: str = _verb) -> httpx.Response:
        sid = await c.schedule()
        if verb == "activate":
            await c.setup("POST", f"{SCHEDULES}/{sid}/deactivate")
        return await c.call("POST", f"{SCHEDULES}/{sid}/{verb}")

    @case("POST", _toggle, 401)
    async def _toggle_schedule_bad_key(c: Caller, verb: str = _verb) -> httpx.Response:
        return await c.call("POST", f"{SCHEDULES}/sched_x/{verb}", key=BAD_KEY)

    @case("POST", _toggle, 404)
    async def _toggle_schedule_unknown(c: Caller, verb: str = _verb) -> httpx.Response:
        return await c.call("POST", f"{SCHEDULES}/sched_contractmissing/{verb}")


@case("GET", "/api/v1/timezones", 200)
async def _timezones(c: Caller) -> httpx.Response:
    return await c.call("GET", "/api/v1/timezones", key=None, params={"excludeUtc": "true"})


# ====================================================================== runs
RUN = "/api/v3/runs/{runId}"
RUNS = "/api/v1/runs"


@case("GET", RUN, 200, "completed")
async def _retrieve_completed(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{c.finished_run()}")


@case("GET", RUN, 200, "failed", busy=True)
async def _retrieve_failed(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{c.failed_run()}")


@case("GET", RUN, 200, "parent")
async def _retrieve_parent(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{c.parent_run()}")


@case("GET", RUN, 200, "child")
async def _retrieve_child(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{c.child_run()}")


@case("GET", RUN, 200, "delayed")
async def _retrieve_delayed(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{await c.delayed_run()}")


@case("GET", RUN, 200, "text-payload")
async def _retrieve_text_payload(c: Caller) -> httpx.Response:
    run = await c.trigger_raw({"payload": "plain words",
                               "options": {"payloadType": "text/plain", "payloadSize": 11}})
    return await c.call("GET", f"/api/v3/runs/{run}")


@case("GET", RUN, 200, "no-payload")
async def _retrieve_no_payload(c: Caller) -> httpx.Response:
    run = await c.trigger_raw({"options": {"payloadType": "application/json"}})
    return await c.call("GET", f"/api/v3/runs/{run}")


@case("GET", RUN, 401)
async def _retrieve_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{UNKNOWN_RUN}", key=BAD_KEY)


@case("GET", RUN, 404)
async def _retrieve_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v3/runs/{UNKNOWN_RUN}")


@case("GET", RUNS, 200)
async def _list_runs(c: Caller) -> httpx.Response:
    return await c.call("GET", RUNS, params={"page[size]": "50"})


@case("GET", RUNS, 200, "filtered")
async def _list_runs_filtered(c: Caller) -> httpx.Response:
    return await c.call("GET", RUNS, params={
        "filter[status]": "COMPLETED,FAILED,WAITING", "filter[taskIdentifier]": TASK,
        "filter[createdAt][period]": "1h", "page[size]": "10"})


@case("GET", RUNS, 400)
async def _list_runs_bad_filter(c: Caller) -> httpx.Response:
    return await c.call("GET", RUNS, params={"filter[status]": "FOOBAR"})


@case("GET", RUNS, 401)
async def _list_runs_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", RUNS, key=BAD_KEY)


PROJECT_RUNS = "/api/v1/projects/{projectRef}/runs"


@case("GET", PROJECT_RUNS, 200)
async def _project_runs(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/projects/{PROJECT_REF}/runs", key=PAT,
                        params={"filter[env]": "dev", "page[size]": "20"})


@case("GET", PROJECT_RUNS, 400)
async def _project_runs_bad_filter(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/projects/{PROJECT_REF}/runs", key=PAT,
                        params={"filter[env]": "prod", "filter[status]": "NOPE"})


@case("GET", PROJECT_RUNS, 401)
async def _project_runs_bad_pat(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/projects/{PROJECT_REF}/runs", key=BAD_PAT,
                        params={"filter[env]": "prod"})


@case("GET", "/api/v1/runs/{runId}/result", 200, "completed")
async def _result_ok(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/runs/{c.finished_run()}/result")


@case("GET", "/api/v1/runs/{runId}/result", 200, "failed", busy=True)
async def _result_failed(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/runs/{c.failed_run()}/result")


@case("GET", "/api/v1/runs/{runId}/result", 401)
async def _result_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/runs/{UNKNOWN_RUN}/result", key=BAD_KEY)


@case("GET", "/api/v1/runs/{runId}/result", 404)
async def _result_unfinished(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/runs/{await c.delayed_run()}/result")


for _sub in ("events", "trace"):
    _path = f"/api/v1/runs/{{runId}}/{_sub}"

    @case("GET", _path, 200)
    async def _run_detail(c: Caller, sub: str = _sub) -> httpx.Response:
        return await c.call("GET", f"/api/v1/runs/{c.parent_run()}/{sub}")

    @case("GET", _path, 401)
    async def _run_detail_bad_key(c: Caller, sub: str = _sub) -> httpx.Response:
        return await c.call("GET", f"/api/v1/runs/{UNKNOWN_RUN}/{sub}", key=BAD_KEY)

    @case("GET", _path, 404)
    async def _run_detail_unknown(c: Caller, sub: str = _sub) -> httpx.Response:
        return await c.call("GET", f"/api/v1/runs/{UNKNOWN_RUN}/{sub}")


@case("GET", "/api/v1/runs/{runId}/events", 200, "failed", busy=True)
async def _events_failed(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/runs/{c.failed_run()}/events")


CANCEL = "/api/v2/runs/{runId}/cancel"


@case("POST", CANCEL, 200)
async def _cancel(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v2/runs/{await c.delayed_run()}/cancel")


@case("POST", CANCEL, 401)
async def _cancel_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v2/runs/{UNKNOWN_RUN}/cancel", key=BAD_KEY)


@case("POST", CANCEL, 404)
async def _cancel_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v2/runs/{UNKNOWN_RUN}/cancel")


REPLAY = "/api/v1/runs/{runId}/replay"


@case("POST", REPLAY, 200)
async def _replay(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{c.finished_run()}/replay")


@case("POST", REPLAY, 200, "with-options")
async def _replay_options(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{c.finished_run()}/replay",
                        {"payload": json.dumps({"json": {"a": 1}}), "tags": ["z"],
                         "payloadType": "application/super+json"})


@case("POST", REPLAY, 400)
async def _replay_bad_body(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{c.finished_run()}/replay", {"bogus": True})


@case("POST", REPLAY, 401)
async def _replay_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{UNKNOWN_RUN}/replay", key=BAD_KEY)


@case("POST", REPLAY, 404)
async def _replay_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{UNKNOWN_RUN}/replay")


RESCHEDULE = "/api/v1/runs/{runId}/reschedule"


@case("POST", RESCHEDULE, 200)
async def _reschedule(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{await c.delayed_run()}/reschedule",
                        {"delay": "2h"})


@case("POST", RESCHEDULE, 400)
async def _reschedule_not_delayed(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{c.finished_run()}/reschedule", {"delay": "2h"})


@case("POST", RESCHEDULE, 401)
async def _reschedule_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{UNKNOWN_RUN}/reschedule", {"delay": "2h"},
                        key=BAD_KEY)


@case("POST", RESCHEDULE, 404)
async def _reschedule_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{UNKNOWN_RUN}/reschedule", {"delay": "2h"})


TAGS = "/api/v1/runs/{runId}/tags"


@case("POST", TAGS, 200)
async def _tags(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{await c.delayed_run()}/tags",
                        {"tags": ["a", "b"]})


@case("POST", TAGS, 400)
async def _tags_bad_body(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{await c.delayed_run()}/tags", {"tags": 5})


@case("POST", TAGS, 401)
async def _tags_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/runs/{UNKNOWN_RUN}/tags", {"tags": ["a"]},
                        key=BAD_KEY)


@case("POST", TAGS, 422)
async def _tags_too_many(c: Caller) -> httpx.Response:
    run = await c.delayed_run()
    await c.setup("POST", f"/api/v1/runs/{run}/tags", {"tags": [f"t{i}" for i in range(8)]})
    return await c.call("POST", f"/api/v1/runs/{run}/tags", {"tags": ["x", "y", "z"]})


METADATA = "/api/v1/runs/{runId}/metadata"


@case("PUT", METADATA, 200)
async def _metadata(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"/api/v1/runs/{await c.delayed_run()}/metadata",
                        {"metadata": {"progress": 0.5, "step": "upload"}})


@case("PUT", METADATA, 400)
async def _metadata_bad(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"/api/v1/runs/{await c.delayed_run()}/metadata",
                        {"metadata": "not an object"})


@case("PUT", METADATA, 401)
async def _metadata_bad_key(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"/api/v1/runs/{UNKNOWN_RUN}/metadata", {"metadata": {}},
                        key=BAD_KEY)


@case("PUT", METADATA, 404)
async def _metadata_unknown(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"/api/v1/runs/{UNKNOWN_RUN}/metadata", {"metadata": {}})


# ====================================================================== tasks and batches
TRIGGER = "/api/v1/tasks/{taskIdentifier}/trigger"


@case("POST", TRIGGER, 200)
async def _trigger(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/trigger", {
        "payload": json.dumps({"json": {"to": "x@y.z"}}),
        "options": {"payloadType": "application/super+json", "payloadSize": 26,
                    "tags": ["contract"], "ttl": "10m", "machine": "small-2x"}})


@case("POST", TRIGGER, 400)
async def _trigger_bad_body(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/trigger",
                        {"payload": {}, "options": {"machine": "huge-9x"}})


@case("POST", TRIGGER, 401)
async def _trigger_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/trigger", {"payload": {}}, key=BAD_KEY)


def _items(count: int) -> list[dict[str, Any]]:
    return [{"payload": {"i": i}, "options": {"tags": ["contract"]}} for i in range(count)]


TASK_BATCH = "/api/v1/tasks/{taskIdentifier}/batch"


@case("POST", TASK_BATCH, 200)
async def _task_batch(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/batch", {"items": _items(2)})


@case("POST", TASK_BATCH, 400)
async def _task_batch_empty(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/batch", {"items": []})


@case("POST", TASK_BATCH, 401)
async def _task_batch_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"/api/v1/tasks/{TASK}/batch", {"items": _items(1)},
                        key=BAD_KEY)


@case("POST", TASK_BATCH, 404)
async def _task_batch_unknown_task(c: Caller) -> httpx.Response:
    return await c.call("POST", "/api/v1/tasks/no-such-task/batch", {"items": _items(1)})


MULTI_BATCH = "/api/v1/tasks/batch"


@case("POST", MULTI_BATCH, 202)
async def _multi_batch(c: Caller) -> httpx.Response:
    return await c.call("POST", MULTI_BATCH, {"items": [
        {"task": TASK, "payload": {"i": 1}}, {"task": "resize-image", "payload": {"i": 2}}]})


@case("POST", MULTI_BATCH, 400)
async def _multi_batch_empty(c: Caller) -> httpx.Response:
    return await c.call("POST", MULTI_BATCH, {"items": []})


@case("POST", MULTI_BATCH, 401)
async def _multi_batch_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", MULTI_BATCH, {"items": [{"task": TASK, "payload": {}}]},
                        key=BAD_KEY)


BATCH_V1 = "/api/v1/batches/{batchId}"


@case("GET", BATCH_V1, 200)
async def _batch_v1(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/batches/{await c.batch()}")


@case("GET", BATCH_V1, 401)
async def _batch_v1_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", "/api/v1/batches/batch_contractmissing", key=BAD_KEY)


@case("GET", BATCH_V1, 404)
async def _batch_v1_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", "/api/v1/batches/batch_contractmissing")


@case("GET", f"{BATCH_V1}/results", 200)
async def _batch_results(c: Caller) -> httpx.Response:
    batch_id = await c.batch()
    c.emu.advance(600)
    return await c.call("GET", f"/api/v1/batches/{batch_id}/results")


@case("GET", f"{BATCH_V1}/results", 401)
async def _batch_results_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", "/api/v1/batches/batch_contractmissing/results", key=BAD_KEY)


@case("GET", f"{BATCH_V1}/results", 404)
async def _batch_results_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", "/api/v1/batches/batch_contractmissing/results")


CREATE_BATCH = "/api/v3/batches"
ITEMS = "/api/v3/batches/{batchId}/items"
NDJSON = {"content-type": "application/x-ndjson"}


@case("POST", CREATE_BATCH, 202, on=BATCHES)
async def _create_batch(c: Caller) -> httpx.Response:
    return await c.call("POST", CREATE_BATCH, {"runCount": 2, "taskIdentifiers": [TASK]})


@case("POST", CREATE_BATCH, 400, on=BATCHES)
async def _create_batch_zero(c: Caller) -> httpx.Response:
    return await c.call("POST", CREATE_BATCH, {"runCount": 0})


@case("POST", CREATE_BATCH, 401, on=BATCHES)
async def _create_batch_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", CREATE_BATCH, {"runCount": 1}, key=BAD_KEY)


async def _new_batch(c: Caller, runs: int = 2) -> str:
    return str((await c.setup("POST", CREATE_BATCH, {"runCount": runs,
                                                     "taskIdentifiers": [TASK]}))["id"])


@case("POST", ITEMS, 200, on=BATCHES)
async def _items_sealed(c: Caller) -> httpx.Response:
    batch_id = await _new_batch(c)
    return await c.call("POST", f"/api/v3/batches/{batch_id}/items", content=ndjson(2),
                        headers=NDJSON)


@case("POST", ITEMS, 200, "partial", on=BATCHES)
async def _items_partial(c: Caller) -> httpx.Response:
    batch_id = await _new_batch(c, runs=3)
    return await c.call("POST", f"/api/v3/batches/{batch_id}/items", content=ndjson(2),
                        headers=NDJSON)


@case("POST", ITEMS, 400, on=BATCHES)
async def _items_bad_line(c: Caller) -> httpx.Response:
    batch_id = await _new_batch(c)
    return await c.call("POST", f"/api/v3/batches/{batch_id}/items", content=b"{not json\n",
                        headers=NDJSON)


@case("POST", ITEMS, 401, on=BATCHES)
async def _items_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", "/api/v3/batches/batch_contractmissing/items",
                        content=ndjson(1), headers=NDJSON, key=BAD_KEY)


@case("POST", ITEMS, 415, on=BATCHES)
async def _items_wrong_type(c: Caller) -> httpx.Response:
    batch_id = await _new_batch(c)
    return await c.call("POST", f"/api/v3/batches/{batch_id}/items", content=ndjson(2),
                        headers={"content-type": "text/plain"})


# ====================================================================== bulk actions
BULK = "/api/v1/bulk-actions"
BULK_ONE = "/api/v1/bulk-actions/{bulkActionId}"


@case("GET", BULK, 200)
async def _list_bulk(c: Caller) -> httpx.Response:
    await c.bulk_action()
    return await c.call("GET", BULK, params={"page[size]": "10"})


@case("GET", BULK, 400)
async def _list_bulk_bad_page(c: Caller) -> httpx.Response:
    return await c.call("GET", BULK, params={"page[size]": "1000"})


@case("GET", BULK, 401)
async def _list_bulk_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", BULK, key=BAD_KEY)


@case("POST", BULK, 202)
async def _create_bulk(c: Caller) -> httpx.Response:
    return await c.call("POST", BULK, {"filter": {"status": ["QUEUED"], "taskIdentifier": TASK},
                                       "action": "cancel", "name": "contract"})


@case("POST", BULK, 202, "replay-ids")
async def _create_bulk_replay(c: Caller) -> httpx.Response:
    return await c.call("POST", BULK, {"runIds": [c.finished_run()], "action": "replay"})


@case("POST", BULK, 400)
async def _create_bulk_bad(c: Caller) -> httpx.Response:
    return await c.call("POST", BULK, {"action": "explode", "runIds": ["run_x"]})


@case("POST", BULK, 401)
async def _create_bulk_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", BULK, {"runIds": ["run_x"], "action": "cancel"}, key=BAD_KEY)


@case("GET", BULK_ONE, 200)
async def _get_bulk(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{BULK}/{await c.bulk_action()}")


@case("GET", BULK_ONE, 401)
async def _get_bulk_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{BULK}/bulk_contractmissing", key=BAD_KEY)


@case("GET", BULK_ONE, 404)
async def _get_bulk_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{BULK}/bulk_contractmissing")


@case("POST", f"{BULK_ONE}/abort", 200)
async def _abort_bulk(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{BULK}/{await c.bulk_action()}/abort")


@case("POST", f"{BULK_ONE}/abort", 401)
async def _abort_bulk_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{BULK}/bulk_contractmissing/abort", key=BAD_KEY)


@case("POST", f"{BULK_ONE}/abort", 404)
async def _abort_bulk_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{BULK}/bulk_contractmissing/abort")


# ====================================================================== env vars
ENV_LIST = "/api/v1/projects/{projectRef}/envvars/{env}"
ENV_ONE = "/api/v1/projects/{projectRef}/envvars/{env}/{name}"
ENV_IMPORT = "/api/v1/projects/{projectRef}/envvars/{env}/import"
WRONG_PROJECT = "/api/v1/projects/proj_someoneelse/envvars/prod"


@case("GET", ENV_LIST, 200)
async def _list_envvars(c: Caller) -> httpx.Response:
    await c.envvar()
    return await c.call("GET", ENVVARS)


@case("GET", ENV_LIST, 200, "pat")
async def _list_envvars_pat(c: Caller) -> httpx.Response:
    return await c.call("GET", f"/api/v1/projects/{PROJECT_REF}/envvars/staging", key=PAT)


@case("GET", ENV_LIST, 400)
async def _list_envvars_wrong_project(c: Caller) -> httpx.Response:
    return await c.call("GET", WRONG_PROJECT)


@case("GET", ENV_LIST, 401)
async def _list_envvars_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", ENVVARS, key=BAD_KEY)


@case("GET", ENV_LIST, 404)
async def _list_envvars_unknown_project(c: Caller) -> httpx.Response:
    return await c.call("GET", WRONG_PROJECT, key=PAT)


@case("POST", ENV_LIST, 200)
async def _create_envvar(c: Caller) -> httpx.Response:
    return await c.call("POST", ENVVARS, {"name": "NEW_VAR", "value": "hello"})


@case("POST", ENV_LIST, 400)
async def _create_envvar_bad(c: Caller) -> httpx.Response:
    return await c.call("POST", ENVVARS, {"name": "NO_VALUE"})


@case("POST", ENV_LIST, 401)
async def _create_envvar_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", ENVVARS, {"name": "A", "value": "1"}, key=BAD_KEY)


@case("POST", ENV_LIST, 404)
async def _create_envvar_unknown_project(c: Caller) -> httpx.Response:
    return await c.call("POST", WRONG_PROJECT, {"name": "A", "value": "1"}, key=PAT)


@case("POST", ENV_IMPORT, 200)
async def _import_envvars(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{ENVVARS}/import",
                        {"variables": {"IMPORTED_A": "1", "IMPORTED_B": "2"}, "override": True})


@case("POST", ENV_IMPORT, 400)
async def _import_envvars_conflict(c: Caller) -> httpx.Response:
    name = await c.envvar()
    return await c.call("POST", f"{ENVVARS}/import", {"variables": {name: "again"}})


@case("POST", ENV_IMPORT, 401)
async def _import_envvars_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{ENVVARS}/import", {"variables": {"A": "1"}}, key=BAD_KEY)


@case("POST", ENV_IMPORT, 404)
async def _import_envvars_unknown_project(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{WRONG_PROJECT}/import", {"variables": {"A": "1"}}, key=PAT)


@case("GET", ENV_ONE, 200)
async def _get_envvar(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ENVVARS}/{await c.envvar()}")


@case("GET", ENV_ONE, 400)
async def _get_envvar_wrong_project(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{WRONG_PROJECT}/A")


@case("GET", ENV_ONE, 401)
async def _get_envvar_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ENVVARS}/A", key=BAD_KEY)


@case("GET", ENV_ONE, 404)
async def _get_envvar_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ENVVARS}/NO_SUCH_VARIABLE")


@case("PUT", ENV_ONE, 200)
async def _update_envvar(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{ENVVARS}/{await c.envvar()}", {"value": "v2"})


@case("PUT", ENV_ONE, 400)
async def _update_envvar_bad(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{ENVVARS}/{await c.envvar()}", {"value": 42})


@case("PUT", ENV_ONE, 401)
async def _update_envvar_bad_key(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{ENVVARS}/A", {"value": "v"}, key=BAD_KEY)


@case("PUT", ENV_ONE, 404)
async def _update_envvar_unknown(c: Caller) -> httpx.Response:
    return await c.call("PUT", f"{ENVVARS}/NO_SUCH_VARIABLE", {"value": "v"})


@case("DELETE", ENV_ONE, 200)
async def _delete_envvar(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{ENVVARS}/{await c.envvar()}")


@case("DELETE", ENV_ONE, 400)
async def _delete_envvar_wrong_project(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{WRONG_PROJECT}/A")


@case("DELETE", ENV_ONE, 401)
async def _delete_envvar_bad_key(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{ENVVARS}/A", key=BAD_KEY)


@case("DELETE", ENV_ONE, 404)
async def _delete_envvar_unknown(c: Caller) -> httpx.Response:
    return await c.call("DELETE", f"{ENVVARS}/NO_SUCH_VARIABLE")


# ====================================================================== queues
QUEUES = "/api/v1/queues"
QUEUE = "/api/v1/queues/{queueParam}"


def _queue_id(c: Caller) -> str:
    return next(iter(c.env().queues.values())).id


@case("GET", QUEUES, 200)
async def _list_queues(c: Caller) -> httpx.Response:
    return await c.call("GET", QUEUES, params={"page": "1", "perPage": "5"})


@case("GET", QUEUES, 401)
async def _list_queues_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", QUEUES, key=BAD_KEY)


@case("GET", QUEUE, 200, "by-id")
async def _get_queue(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{QUEUES}/{_queue_id(c)}")


@case("GET", QUEUE, 200, "by-task")
async def _get_queue_task(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{QUEUES}/resize-image", params={"type": "task"})


@case("GET", QUEUE, 401)
async def _get_queue_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{QUEUES}/queue_x", key=BAD_KEY)


@case("GET", QUEUE, 404)
async def _get_queue_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{QUEUES}/queue_contractmissing")


@case("POST", f"{QUEUE}/pause", 200)
async def _pause_queue(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/pause", {"type": "custom", "action": "pause"})


@case("POST", f"{QUEUE}/pause", 400)
async def _pause_queue_bad(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/pause", {"type": "custom", "action": "nap"})


@case("POST", f"{QUEUE}/pause", 401)
async def _pause_queue_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/pause", {"type": "custom", "action": "pause"},
                        key=BAD_KEY)


@case("POST", f"{QUEUE}/pause", 404)
async def _pause_queue_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/nope/pause", {"type": "custom", "action": "pause"})


OVERRIDE = f"{QUEUE}/concurrency/override"
RESET = f"{QUEUE}/concurrency/reset"


@case("POST", OVERRIDE, 200)
async def _override(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/concurrency/override",
                        {"type": "custom", "concurrencyLimit": 3})


@case("POST", OVERRIDE, 400)
async def _override_too_high(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/concurrency/override",
                        {"type": "custom", "concurrencyLimit": 99_999})


@case("POST", OVERRIDE, 401)
async def _override_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/concurrency/override",
                        {"type": "custom", "concurrencyLimit": 3}, key=BAD_KEY)


@case("POST", OVERRIDE, 404)
async def _override_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/nope/concurrency/override",
                        {"type": "custom", "concurrencyLimit": 3})


@case("POST", RESET, 200)
async def _reset(c: Caller) -> httpx.Response:
    await c.setup("POST", f"{QUEUES}/email/concurrency/override",
                  {"type": "custom", "concurrencyLimit": 3})
    return await c.call("POST", f"{QUEUES}/email/concurrency/reset", {"type": "custom"})


@case("POST", RESET, 400)
async def _reset_not_overridden(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/concurrency/reset", {"type": "custom"})


@case("POST", RESET, 401)
async def _reset_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/email/concurrency/reset", {"type": "custom"},
                        key=BAD_KEY)


@case("POST", RESET, 404)
async def _reset_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{QUEUES}/nope/concurrency/reset", {"type": "custom"})


# ====================================================================== waitpoint tokens
TOKENS = "/api/v1/waitpoints/tokens"
TOKEN = "/api/v1/waitpoints/tokens/{waitpointId}"
CALLBACK = "/api/v1/waitpoints/tokens/{waitpointId}/callback/{callbackHash}"


@case("POST", TOKENS, 200)
async def _create_token(c: Caller) -> httpx.Response:
    return await c.call("POST", TOKENS, {"idempotencyKey": "contract-token",
                                         "idempotencyKeyTTL": "1h", "timeout": "10m",
                                         "tags": ["a", "b"]})


@case("POST", TOKENS, 401)
async def _create_token_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", TOKENS, {}, key=BAD_KEY)


@case("POST", TOKENS, 422)
async def _create_token_too_many_tags(c: Caller) -> httpx.Response:
    return await c.call("POST", TOKENS, {"tags": [f"t{i}" for i in range(11)]})


@case("GET", TOKENS, 200)
async def _list_tokens(c: Caller) -> httpx.Response:
    await c.token()
    await c.completed_token()
    return await c.call("GET", TOKENS, params={"page[size]": "10"})


@case("GET", TOKENS, 200, "filtered")
async def _list_tokens_filtered(c: Caller) -> httpx.Response:
    await c.completed_token()
    return await c.call("GET", TOKENS, params={"filter[status]": "COMPLETED,TIMED_OUT",
                                               "filter[tags]": "contract",
                                               "filter[createdAt][period]": "1d"})


@case("GET", TOKENS, 401)
async def _list_tokens_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", TOKENS, key=BAD_KEY)


@case("GET", TOKEN, 200, "waiting")
async def _get_token(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{TOKENS}/{(await c.token())['id']}")


@case("GET", TOKEN, 200, "completed")
async def _get_completed_token(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{TOKENS}/{await c.completed_token()}")


@case("GET", TOKEN, 200, "timed-out")
async def _get_timed_out_token(c: Caller) -> httpx.Response:
    tok = await c.token()
    c.emu.advance(3700)
    return await c.call("GET", f"{TOKENS}/{tok['id']}")


@case("GET", TOKEN, 401)
async def _get_token_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{TOKENS}/waitpoint_x", key=BAD_KEY)


@case("GET", TOKEN, 404)
async def _get_token_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{TOKENS}/waitpoint_contractmissing")


@case("POST", f"{TOKEN}/complete", 200)
async def _complete_token(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{TOKENS}/{(await c.token())['id']}/complete",
                        {"data": {"approved": True}})


@case("POST", f"{TOKEN}/complete", 401)
async def _complete_token_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{TOKENS}/waitpoint_x/complete", {}, key=BAD_KEY)


@case("POST", f"{TOKEN}/complete", 404)
async def _complete_token_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{TOKENS}/waitpoint_contractmissing/complete", {"data": 1})


@case("POST", CALLBACK, 200)
async def _callback(c: Caller) -> httpx.Response:
    tok = await c.token()
    return await c.call("POST", c.callback_path(tok["url"]), {"approved": True}, key=None)


@case("POST", CALLBACK, 401)
async def _callback_bad_hash(c: Caller) -> httpx.Response:
    tok = await c.token()
    return await c.call("POST", f"{TOKENS}/{tok['id']}/callback/{'0' * 64}", {}, key=None)


@case("POST", CALLBACK, 404)
async def _callback_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{TOKENS}/waitpoint_contractmissing/callback/{'0' * 64}", {},
                        key=None)


@case("POST", CALLBACK, 405)
async def _callback_get(c: Caller) -> httpx.Response:
    tok = await c.token()
    return await c.call("GET", c.callback_path(tok["url"]), key=None)


# ====================================================================== deployments
DEPLOYMENTS = "/api/v1/deployments"


@case("GET", DEPLOYMENTS, 200)
async def _list_deployments(c: Caller) -> httpx.Response:
    return await c.call("GET", DEPLOYMENTS, params={"page[size]": "5"})


@case("GET", DEPLOYMENTS, 200, "failed-only")
async def _list_failed_deployments(c: Caller) -> httpx.Response:
    return await c.call("GET", DEPLOYMENTS, params={"status": "FAILED", "period": "30d"})


@case("GET", DEPLOYMENTS, 401)
async def _list_deployments_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", DEPLOYMENTS, key=BAD_KEY)


@case("GET", "/api/v1/deployments/{deploymentId}", 200)
async def _get_deployment(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/{c.deployment('DEPLOYED').id}")


@case("GET", "/api/v1/deployments/{deploymentId}", 200, "failed")
async def _get_failed_deployment(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/{c.deployment('FAILED').id}")


@case("GET", "/api/v1/deployments/{deploymentId}", 401)
async def _get_deployment_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/deployment_x", key=BAD_KEY)


@case("GET", "/api/v1/deployments/{deploymentId}", 404)
async def _get_deployment_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/deployment_contractmissing")


@case("GET", "/api/v1/deployments/latest", 200)
async def _latest_deployment(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/latest")


@case("GET", "/api/v1/deployments/latest", 401)
async def _latest_deployment_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/latest", key=BAD_KEY)


@case("GET", "/api/v1/deployments/latest", 404)
async def _latest_deployment_none(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{DEPLOYMENTS}/latest", key=DEV)  # dev has no deployments


PROMOTE = "/api/v1/deployments/{version}/promote"


@case("POST", PROMOTE, 200)
async def _promote(c: Caller) -> httpx.Response:
    version = c.unpromoted_deployment().version
    return await c.call("POST", f"{DEPLOYMENTS}/{version}/promote", key=STG)


@case("POST", PROMOTE, 400)
async def _promote_failed(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{DEPLOYMENTS}/{c.deployment('FAILED').version}/promote")


@case("POST", PROMOTE, 401)
async def _promote_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{DEPLOYMENTS}/20250101.1/promote", key=BAD_KEY)


@case("POST", PROMOTE, 404)
async def _promote_unknown(c: Caller) -> httpx.Response:
    return await c.call("POST", f"{DEPLOYMENTS}/19990101.9/promote")


# ====================================================================== query
QUERY = "/api/v1/query"


@case("POST", QUERY, 200, "json")
async def _query_json(c: Caller) -> httpx.Response:
    return await c.call("POST", QUERY, {"query": "SELECT run_id, status, task_identifier FROM "
                                        "runs LIMIT 5", "scope": "environment",
                                        "format": "json"})


@case("POST", QUERY, 200, "csv")
async def _query_csv(c: Caller) -> httpx.Response:
    return await c.call("POST", QUERY, {"query": "SELECT run_id, status FROM runs LIMIT 5",
                                        "scope": "environment", "period": "1d",
                                        "format": "csv"})


@case("POST", QUERY, 200, "aggregate")
async def _query_aggregate(c: Caller) -> httpx.Response:
    return await c.call("POST", QUERY, {
        "query": "SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier "
                 "ORDER BY runs DESC", "scope": "environment", "format": "json"})


@case("POST", QUERY, 400)
async def _query_invalid(c: Caller) -> httpx.Response:
    return await c.call("POST", QUERY, {"query": "SELEC nonsense FROM nowhere",
                                        "scope": "environment", "format": "json"})


@case("POST", QUERY, 401)
async def _query_bad_key(c: Caller) -> httpx.Response:
    return await c.call("POST", QUERY, {"query": "SELECT 1"}, key=BAD_KEY)


for _read in ("schema", "dashboards"):
    @case("GET", f"{QUERY}/{_read}", 200)
    async def _query_read(c: Caller, what: str = _read) -> httpx.Response:
        return await c.call("GET", f"{QUERY}/{what}")

    @case("GET", f"{QUERY}/{_read}", 401)
    async def _query_read_bad_key(c: Caller, what: str = _read) -> httpx.Response:
        return await c.call("GET", f"{QUERY}/{what}", key=BAD_KEY)


# ====================================================================== error groups
ERRORS = "/api/v1/errors"
ERROR = "/api/v1/errors/{errorId}"


@case("GET", ERRORS, 200, busy=True)
async def _list_errors(c: Caller) -> httpx.Response:
    return await c.call("GET", ERRORS, params={"filter[period]": "7d", "page[size]": "10"})


@case("GET", ERRORS, 400)
async def _list_errors_bad_filter(c: Caller) -> httpx.Response:
    return await c.call("GET", ERRORS, params={"filter[status]": "exploded"})


@case("GET", ERRORS, 401)
async def _list_errors_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", ERRORS, key=BAD_KEY)


@case("GET", ERROR, 200, busy=True)
async def _get_error(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ERRORS}/{await c.error_group()}")


@case("GET", ERROR, 401)
async def _get_error_bad_key(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ERRORS}/error_x", key=BAD_KEY)


@case("GET", ERROR, 404)
async def _get_error_unknown(c: Caller) -> httpx.Response:
    return await c.call("GET", f"{ERRORS}/error_contractmissing")


_ERROR_ACTIONS: dict[str, Any] = {
    "resolve": {"resolvedInVersion": "20990101.1"},
    "ignore": {"duration": 3_600_000, "reason": "known flake"},
    "unresolve": Caller.NOTHING,
}
for _action, _action_body in _ERROR_ACTIONS.items():
    @case("POST", f"{ERROR}/{_action}", 200, busy=True)
    async def _error_action(c: Caller, action: str = _action, body: Any = _action_body
                            ) -> httpx.Response:
        group = await c.error_group()
        if action == "unresolve":
            await c.setup("POST", f"{ERRORS}/{group}/resolve", {})
        return await c.call("POST", f"{ERRORS}/{group}/{action}", body)

    @case("POST", f"{ERROR}/{_action}", 401)
    async def _error_action_bad_key(c: Caller, action: str = _action) -> httpx.Response:
        return await c.call("POST", f"{ERRORS}/error_x/{action}", {}, key=BAD_KEY)

    @case("POST", f"{ERROR}/{_action}", 404)
    async def _error_action_unknown(c: Caller, action: str = _action) -> httpx.Response:
        return await c.call("POST", f"{ERRORS}/error_contractmissing/{action}", {})


# ====================================================================== not provoked
NOT_TESTED: dict[tuple[str, str, int], str] = {
    ("POST", CANCEL, 400): "cancel takes no body; no request of the SDK provokes a 400",
    ("GET", RUN, 400): "an empty run id does not reach the route (the path does not match)",
    ("POST", TRIGGER, 404): "trigger-api.md §8: the engine-v2 trigger never answers 'Task not "
                            "found' (an unknown task waits in PENDING_VERSION)",
    ("POST", MULTI_BATCH, 404): "trigger-api.md §9.2 documents no 404 for the multi-task batch",
    ("POST", BULK, 422): "trigger-api.md §7.13 documents no 422 case for bulk actions",
    ("POST", BULK, 429): "a rate limit: not provoked in a contract test",
    ("POST", f"{BULK_ONE}/abort", 400): "trigger-api.md §7.13 documents no 400 case for abort",
    ("POST", QUERY, 429): "query concurrency (3 at once): not provoked in-process",
    ("POST", QUERY, 500): "an internal failure",
    ("POST", TOKENS, 500): "an internal failure",
    ("GET", TOKENS, 422): "trigger-api.md §13: a bad filter is a 400 Query Error, not a 422",
    ("GET", TOKENS, 500): "an internal failure",
    ("GET", TOKEN, 500): "trigger-api.md §13: the live code throws (500) for an unknown id; the "
                         "spec's 404 is what the emulator must answer (tested)",
    ("POST", f"{TOKEN}/complete", 500): "an internal failure",
    ("POST", CALLBACK, 411): "httpx always sends Content-Length for a body",
    ("POST", CALLBACK, 413): "a body over 3 MiB: too slow for a contract test",
    ("POST", CALLBACK, 500): "an internal failure",
    ("POST", CREATE_BATCH, 422): "trigger-api.md §9.4 names no body that gives 422",
    ("POST", CREATE_BATCH, 429): "the batch rate limiter: not provoked in a contract test",
    ("POST", CREATE_BATCH, 500): "an internal failure",
    ("POST", ITEMS, 422): "trigger-api.md §9.5 names no item that gives 422",
    ("POST", ITEMS, 500): "an internal failure",
}


# ====================================================================== the checks
def _served(resp: httpx.Response, case_: Case) -> None:
    if resp.status_code == 404 and resp.headers.get("content-type", "").startswith("text/html"):
        pytest.fail(f"the emulator does not serve {resp.request.method} {resp.request.url.path}"
                    " (the web app's HTML 404 came back)")
    if resp.status_code == 405 and case_.status != 405:
        pytest.fail(f"the emulator does not serve {resp.request.method} on "
                    f"{resp.request.url.path} (405)")


def _body(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        pytest.fail(f"{resp.status_code} body is not JSON: {resp.text[:300]!r}")


def _check_request(case_: Case, sent: Any) -> None:
    """A sanity check on the test itself: the valid request must be valid for the spec."""
    pointer = spec.request_pointer(case_.spec, case_.path, case_.method)
    if pointer is None or sent is Caller.NOTHING:
        return
    problems = spec.errors(case_.spec, pointer, sent)
    assert not problems, "the test's own request breaks the spec's request schema:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("case_", CASES, ids=[c.id for c in CASES])
async def test_response_matches_spec(case_: Case) -> None:
    documented = spec.response(case_.spec, case_.path, case_.method, case_.status)
    async with open_caller(busy=case_.busy) as caller:
        resp = await case_.call(caller)
    _served(resp, case_)
    body = _body(resp)
    assert resp.status_code == case_.status, (
        f"expected {case_.status}, got {resp.status_code}: {json.dumps(body)[:500]}")
    if 200 <= case_.status < 300:
        _check_request(case_, caller.sent)
    if documented.schema_pointer is None:
        if case_.status >= 400:
            assert isinstance(body, dict) and isinstance(body.get("error"), str), (
                f"an error body needs a string 'error' (sdk-4.8.3.md D16): {body!r}")
        return
    content_type = resp.headers.get("content-type", "")
    assert content_type.split(";")[0].strip() == documented.content_type, (
        f"content-type {content_type!r}, spec says {documented.content_type}")
    problems = spec.errors(case_.spec, documented.schema_pointer, body)
    assert not problems, (f"{case_.id}: the body breaks the spec:\n  " + "\n  ".join(problems)
                          + f"\nbody: {json.dumps(body)[:1500]}")


def test_every_operation_is_covered() -> None:
    """Each documented (operation, status) is a case above, or is listed in NOT_TESTED."""
    covered = {(c.method, c.path, c.status) for c in CASES}
    missing = []
    for _spec, method, path, statuses in spec.all_operations():
        for status in statuses:
            key = (method, path, status)
            if key not in covered and key not in NOT_TESTED:
                missing.append(f"{method} {path} {status}")
    assert not missing, "documented but neither tested nor excused:\n" + "\n".join(missing)
    stale = [k for k in NOT_TESTED if k in covered]
    assert not stale, f"excused but tested anyway: {stale}"


def test_cases_name_documented_statuses() -> None:
    """A case for a status the spec does not document would test nothing."""
    for c in CASES:
        spec.response(c.spec, c.path, c.method, c.status)


def test_overrides_still_apply() -> None:
    """Every override names an existing spec location (load() raises otherwise) and a source."""
    for s in spec.FILES:
        spec.load(s)
    for o in spec.OVERRIDES:
        assert o.source and o.spec_says and o.instead


async def test_every_history_run_matches_spec(busy: Caller) -> None:
    """Two hours of simulated history, every page: each status and shape the world makes."""
    list_ptr = spec.response(V3, RUNS, "GET", 200).schema_pointer
    run_ptr = spec.response(V3, RUN, "GET", 200).schema_pointer
    assert list_ptr and run_ptr
    params: dict[str, str] = {"page[size]": "100", "filter[createdAt][period]": "3h"}
    seen: set[str] = set()
    for _ in range(200):
        resp = await busy.call("GET", RUNS, params=params)
        assert resp.status_code == 200, resp.text[:300]
        page = resp.json()
        problems = spec.errors(V3, list_ptr, page)
        assert not problems, "\n".join(problems)
        for item in page["data"]:
            if item["status"] not in seen:  # one retrieve per status is enough
                seen.add(item["status"])
                one = await busy.call("GET", f"/api/v3/runs/{item['id']}")
                problems = spec.errors(V3, run_ptr, one.json())
                assert not problems, f"{item['status']} run {item['id']}:\n" + \
                    "\n".join(problems)
        nxt = page["pagination"].get("next")
        if not nxt:
            break
        params["page[after]"] = nxt
    assert {"COMPLETED", "FAILED"} <= seen, f"too little history to be useful: {seen}"
