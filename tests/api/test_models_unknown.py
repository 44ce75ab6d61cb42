"""Responses from servers older or newer than this client parse: unknown statuses and fields
are carried, missing optional fields are fine, and a wrong shape is a readable SchemaError."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trigger_tui.api.errors import SchemaError
from trigger_tui.api.models import (
    Batch,
    BulkAction,
    Deployment,
    ErrorGroup,
    Queue,
    Run,
    RunListItem,
    Schedule,
    Token,
)
from trigger_tui.api.models.common import validate, validate_list
from trigger_tui.api.models.runs import CURRENT_STATUSES, LEGACY_STATUSES

MINIMAL_RUN = {"id": "run_1", "status": "QUEUED", "taskIdentifier": "t",
               "createdAt": "2026-01-01T00:00:00.000Z"}


def run(**fields: Any) -> Run:
    return Run.model_validate({**MINIMAL_RUN, **fields})


@pytest.mark.parametrize("status", ["FROZEN", "REATTEMPTING", "WAITING_FOR_DEPLOY",
                                    "INTERRUPTED", "HIBERNATING"])
def test_statuses_outside_the_current_vocabulary_are_carried_as_is(status: str) -> None:
    item = RunListItem.model_validate({**MINIMAL_RUN, "status": status})
    assert item.status == status
    assert item.is_known_status == (status != "HIBERNATING")


def test_helpers_come_from_the_status_not_the_servers_flags() -> None:
    # The REST helpers say EXPIRED is not completed; the console calls it final.
    expired = run(status="EXPIRED", isCompleted=False, isFailed=False)
    assert expired.is_final and not expired.is_failed and not expired.is_success
    assert expired.model_extra == {"isCompleted": False, "isFailed": False}
    canceled = run(status="CANCELED", isFailed=True)
    assert canceled.is_final and not canceled.is_failed
    timed_out = run(status="TIMED_OUT")
    assert timed_out.is_final and timed_out.is_failed


HELPERS = {
    # status: (queued, running, final, success, failed)
    "PENDING_VERSION": (True, False, False, False, False),
    "QUEUED": (True, False, False, False, False),
    "DELAYED": (True, False, False, False, False),
    "DEQUEUED": (False, True, False, False, False),
    "EXECUTING": (False, True, False, False, False),
    "WAITING": (False, True, False, False, False),
    "COMPLETED": (False, False, True, True, False),
    "CANCELED": (False, False, True, False, False),
    "FAILED": (False, False, True, False, True),
    "CRASHED": (False, False, True, False, True),
    "SYSTEM_FAILURE": (False, False, True, False, True),
    "EXPIRED": (False, False, True, False, False),
    "TIMED_OUT": (False, False, True, False, True),
    "WAITING_FOR_DEPLOY": (True, False, False, False, False),
    "REATTEMPTING": (False, True, False, False, False),
    "FROZEN": (False, True, False, False, False),
    "INTERRUPTED": (False, False, True, False, True),
    "SOMETHING_NEW": (False, False, False, False, False),
}


def test_every_status_has_its_helpers() -> None:
    assert set(CURRENT_STATUSES) | set(LEGACY_STATUSES) <= set(HELPERS)
    for status, expected in HELPERS.items():
        r = run(status=status)
        got = (r.is_queued, r.is_running, r.is_final, r.is_success, r.is_failed)
        assert got == expected, status


def test_unknown_fields_are_kept_at_every_level() -> None:
    r = run(newField={"nested": 1}, relatedRuns={"children": [
        {**MINIMAL_RUN, "id": "run_2", "status": "DEQUEUED", "childOnly": True}],
        "siblings": []}, error={"message": "boom", "code": "E1"})
    assert r.model_extra == {"newField": {"nested": 1}}
    child = r.related_runs.children[0]
    assert child.model_extra == {"childOnly": True} and child.is_running
    assert r.related_runs.model_extra == {"siblings": []}
    assert r.error is not None and r.error.model_extra == {"code": "E1"}


def test_missing_and_null_optional_fields_are_fine() -> None:
    r = run(metadata=None, idempotencyKey=None, startedAt=None)
    assert r.tags == [] and r.cost_in_cents == 0 and r.metadata is None
    assert r.related_runs.children == [] and r.attempt_count == 0 and r.payload is None
    assert r.updated_at is None and r.error is None and r.schedule is None
    assert RunListItem.model_validate(MINIMAL_RUN).env is None
    queue = Queue.model_validate({"id": "queue_1", "name": "q", "type": "custom",
                                  "version": "V2"})
    assert queue.concurrency is None and queue.concurrency_limit is None
    assert not queue.is_overridden
    schedule = Schedule.model_validate({"id": "sched_1", "task": "t"})
    assert schedule.environments == [] and schedule.next_run is None
    token = Token.model_validate({"id": "waitpoint_1", "status": "PAUSED",
                                  "createdAt": 1_767_225_600_000})
    assert token.status == "PAUSED" and token.created_at == datetime(2026, 1, 1, tzinfo=UTC)
    deployment = Deployment.model_validate({"id": "deployment_1", "status": "INSTALLING",
                                            "version": "20260101.1"})
    assert deployment.status == "INSTALLING" and deployment.runtime is None
    batch = Batch.model_validate({"id": "batch_1", "status": "QUEUED_SOMEWHERE",
                                  "createdAt": "2026-01-01T00:00:00Z"})
    assert batch.processing.errors == [] and batch.runs == []
    bulk = BulkAction.model_validate({"id": "bulk_1", "type": "RETAG", "status": "RUNNING",
                                      "createdAt": "2026-01-01T00:00:00Z"})
    assert bulk.counts.total == 0 and bulk.type == "RETAG"
    group = ErrorGroup.model_validate({"id": "error_1", "status": "snoozed"})
    assert group.status == "snoozed" and group.affected_versions == []


def test_dates_are_timezone_aware_utc_whatever_the_server_sends() -> None:
    utc = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    for raw in ("2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00+01:00",
                "2026-01-01T01:00:00", 1_767_229_200_000, 1_767_229_200):
        r = run(createdAt=raw)
        assert r.created_at == utc and r.created_at.tzinfo == UTC, raw


def test_a_wrong_shape_is_a_schema_error_naming_endpoint_and_field() -> None:
    with pytest.raises(SchemaError) as info:
        validate(Run, {**MINIMAL_RUN, "tags": "not-a-list", "createdAt": "never"},
                 "GET /api/v3/runs/run_1")
    message = str(info.value)
    assert message.startswith("GET /api/v3/runs/run_1: ")
    assert "`tags`" in message and "`createdAt`" in message and "'never'" in message
    assert "pydantic" not in message and "errors.pydantic.dev" not in message
    with pytest.raises(SchemaError, match=r"field `id`: field required \(missing\)"):
        validate(Run, {"status": "QUEUED", "taskIdentifier": "t",
                       "createdAt": "2026-01-01T00:00:00Z"}, "GET /api/v3/runs/x")
    with pytest.raises(SchemaError, match=r"GET /api/v1/queues: .*`1.name`"):
        validate_list(Queue, [{"id": "q", "name": "a", "type": "task"}, {"id": "q2"}],
                      "GET /api/v1/queues")
    with pytest.raises(SchemaError, match="whole body"):
        validate(Run, ["not", "an", "object"], "GET /api/v3/runs/x")
