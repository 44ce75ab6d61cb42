"""World records → the JSON the real API returns. Absent values are left out, never null."""

from __future__ import annotations

import json
from typing import Any

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.world import DEV_USER

_HIDDEN_METADATA_KEYS = ("$$streams", "$$streamsVersion", "$$streamsBaseUrl")


def serialized_error(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """The internal TaskRunError union → the public SerializedError."""
    if error is None:
        return None
    kind = error.get("type")
    if kind == "BUILT_IN_ERROR":
        out: dict[str, Any] = {"message": error.get("message", "")}
        if error.get("name"):
            out["name"] = error["name"]
        if error.get("stackTrace"):
            out["stackTrace"] = error["stackTrace"]
        return out
    if kind == "INTERNAL_ERROR":
        return {"message": f"trigger.dev internal error ({error.get('code')})"}
    return {"message": str(error.get("raw", error.get("message", "")))}


def common_run(env: EnvWorld, run: Run, api_version: str | None, *,
               list_item: bool = False) -> dict[str, Any]:
    public = S.public_status(run.status, api_version)
    out: dict[str, Any] = {
        "id": run.id,
        "status": public,
        "taskIdentifier": run.task,
        "idempotencyKey": run.idempotency_key_user or run.idempotency_key,
        "version": run.version,
        "createdAt": iso(run.created_at),
        "updatedAt": iso(run.updated_at),
        "startedAt": iso(run.started_at) if run.started_at is not None else None,
        "finishedAt": iso(run.finished_at) if run.finished_at is not None else None,
        "delayedUntil": iso(run.delayed_until) if run.delayed_until is not None else None,
        "expiredAt": iso(run.expired_at) if run.expired_at is not None else None,
        "ttl": run.ttl,
        "isTest": run.is_test,
        "tags": sorted(run.tags),
        "costInCents": round(env.cost_cents(run), 6),
        "baseCostInCents": run.base_cost_cents,
        "durationMs": env.usage_ms(run),
        "depth": run.depth,
        "region": run.region,
        **S.helper_flags(public),
    }
    if run.metadata is not None:
        meta = run.metadata
        if list_item:
            meta = {k: v for k, v in meta.items() if k not in _HIDDEN_METADATA_KEYS}
        out["metadata"] = meta
    if list_item:
        out["taskKind"] = "STANDARD"
    else:
        out["triggerFunction"] = run.trigger_function
        out["batchId"] = run.batch_id
    return {k: v for k, v in out.items() if v is not None}


def list_item(env: EnvWorld, run: Run, api_version: str | None) -> dict[str, Any]:
    item = common_run(env, run, api_version, list_item=True)
    item["env"] = {"id": env.internal_id, "name": env.slug}
    if env.type == "DEVELOPMENT":
        item["env"]["user"] = DEV_USER
    return item


def retrieve_run(env: EnvWorld, run: Run, api_version: str | None) -> dict[str, Any]:
    out = common_run(env, run, api_version)
    stored = run.payload.get("$storePath") if isinstance(run.payload, dict) else None
    if isinstance(stored, str):
        # An offloaded payload: the SDK follows the URL (served by routes/misc.py) itself.
        out["payloadPresignedUrl"] = f"{env.world.api_origin}/packets/{env.slug}/{stored}"
    else:
        out["payload"] = run.payload
    if run.status == S.COMPLETED_SUCCESSFULLY:
        out["output"] = run.output
    err = serialized_error(run.error)
    if err is not None:
        out["error"] = err
    if run.schedule_id is not None:
        sched = env.schedules.describe_for_run(run.schedule_id)
        if sched is not None:
            out["schedule"] = sched
    related: dict[str, Any] = {"children": [
        common_run(env, env.runs[c], api_version) for c in run.children if c in env.runs
    ]}
    if run.root_id is not None and run.root_id in env.runs:
        related["root"] = common_run(env, env.runs[run.root_id], api_version)
    if run.parent_id is not None and run.parent_id in env.runs:
        related["parent"] = common_run(env, env.runs[run.parent_id], api_version)
    out["relatedRuns"] = related
    out["attemptCount"] = len(run.attempts)
    out["attempts"] = []
    return out


def execution_result(run: Run) -> dict[str, Any]:
    """`TaskRunExecutionResult`: output as a serialised string, error with its `type`."""
    usage = {"durationMs": run.usage_ms}
    if run.status == S.COMPLETED_SUCCESSFULLY:
        return {"ok": True, "id": run.id, "output": json.dumps(run.output),
                "outputType": "application/json", "usage": usage, "taskIdentifier": run.task}
    error = run.error or {"type": "STRING_ERROR", "raw": f"Run ended with status {run.status}"}
    if run.status == S.CANCELED:
        error = {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED",
                 "message": "Run was cancelled"}
    elif run.status == S.EXPIRED:
        error = {"type": "INTERNAL_ERROR", "code": "TASK_RUN_EXPIRED",
                 "message": f"Run expired because the TTL ({run.ttl}) was reached"}
    return {"ok": False, "id": run.id, "error": error, "usage": usage,
            "taskIdentifier": run.task}
