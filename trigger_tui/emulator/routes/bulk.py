"""Bulk actions: cancel or replay many runs, chosen by id or by the runs-list filters."""

from __future__ import annotations

from typing import Any

from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    js_type,
    not_found,
    omit_none,
    validation_error,
)
from trigger_tui.emulator.routes.runs import run_filters
from trigger_tui.emulator.routes.tasks import require_length
from trigger_tui.emulator.routes.waitpoints import keyed_page
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.batches import BULK_ABORTED, BULK_COMPLETED, BulkAction
from trigger_tui.emulator.world.env import EnvWorld

api = Api()

ACTIONS = {"cancel": "CANCEL", "replay": "REPLAY"}
CREATE_MAX_BYTES = 1024 * 1024
MAX_RUN_IDS = 500
MAX_NAME_LENGTH = 255

# SDK filter keys → the runs-list query names `run_filters` understands.
LIST_KEYS = ("status", "taskIdentifier", "version", "tag", "region", "machine")
SCALAR_KEYS = {"bulkAction": "filter[bulkAction]", "schedule": "filter[schedule]",
               "batch": "filter[batch]", "period": "filter[createdAt][period]"}
INSTANT_KEYS = {"from": "filter[createdAt][from]", "to": "filter[createdAt][to]"}


def bulk_json(action: BulkAction) -> dict[str, Any]:
    return omit_none({
        "id": action.id,
        "name": action.name,
        "type": action.kind,
        "status": action.status,
        "counts": {"total": len(action.targets), "success": action.success,
                   "failure": action.failure},
        "createdAt": iso(action.created_at),
        "completedAt": iso(action.completed_at) if action.completed_at is not None else None,
    })


# ---------------------------------------------------------------------- filter → query
def _strings(value: Any, path: list[str | int]) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise validation_error("Invalid input", path)
    return values


def _queue_name(queue: Any) -> str:
    if not isinstance(queue, dict) or not isinstance(queue.get("name"), str):
        raise validation_error("Invalid input", ["filter", "queue"])
    return f"task/{queue['name']}" if queue.get("type") == "task" else queue["name"]


def filter_query(raw: dict[str, Any]) -> dict[str, str]:
    """The JSON filter the SDK sends, spelled as the runs-list query parameters."""
    query: dict[str, str] = {}
    for name in LIST_KEYS:
        if raw.get(name) is not None:
            query[f"filter[{name}]"] = ",".join(_strings(raw[name], ["filter", name]))
    for name, param in SCALAR_KEYS.items():
        value = raw.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise validation_error(f"Expected string, received {js_type(value)}",
                                       ["filter", name])
            query[param] = value
    for name, param in INSTANT_KEYS.items():
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise validation_error("Invalid input", ["filter", name])
        query[param] = value if isinstance(value, str) else str(int(value))
    is_test = raw.get("isTest")
    if is_test is not None:
        if not isinstance(is_test, bool):
            raise validation_error(f"Expected boolean, received {js_type(is_test)}",
                                   ["filter", "isTest"])
        query["filter[isTest]"] = "true" if is_test else "false"
    queue = raw.get("queue")
    if queue is not None:
        queues = queue if isinstance(queue, list) else [queue]
        query["filter[queue]"] = ",".join(_queue_name(q) for q in queues)
    return query


def resolve_filter(env: EnvWorld, raw: dict[str, Any]) -> list[str]:
    """Run ids matching the filter now, newest first (no time field: the last 7 days)."""
    query = filter_query(raw)
    try:
        preds = run_filters(env, query.get, env.now)
    except HttpError as exc:
        details = (exc.body or {}).get("details")
        message = details[0].get("message") if isinstance(details, list) and details else None
        raise HttpError(400, str(message or exc)) from None
    runs = sorted(env.runs.values(), key=lambda r: r.seq, reverse=True)
    return [r.id for r in runs if all(p(r) for p in preds)]


def _run_ids(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise validation_error("Expected array of strings", ["runIds"])
    if not raw:
        raise validation_error("Array must contain at least 1 element(s)", ["runIds"])
    if len(raw) > MAX_RUN_IDS:
        raise validation_error(f"Array must contain at most {MAX_RUN_IDS} element(s)",
                               ["runIds"])
    return list(dict.fromkeys(raw))


def _optional_string(body: dict[str, Any], name: str, max_len: int | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise validation_error(f"Expected string, received {js_type(value)}", [name])
    if max_len is not None and len(value) > max_len:
        raise validation_error(f"String must contain at most {max_len} character(s)", [name])
    return value


# ---------------------------------------------------------------------- routes
@api.route("/api/v1/bulk-actions", ["POST"], status=202)
async def create_bulk_action(ctx: Ctx) -> Any:
    require_length(ctx, CREATE_MAX_BYTES)
    body = await ctx.json_object()
    env = ctx.e
    action = body.get("action")
    if action not in ACTIONS:
        raise validation_error("Invalid enum value. Expected 'cancel' | 'replay', received "
                               f"'{action}'", ["action"])
    has_ids, has_filter = body.get("runIds") is not None, body.get("filter") is not None
    if has_ids == has_filter:
        raise validation_error("Provide exactly one of runIds or filter", [])
    name = _optional_string(body, "name", MAX_NAME_LENGTH)
    region = _optional_string(body, "targetRegion") if action == "replay" else None
    if has_ids:
        targets = [r for r in _run_ids(body["runIds"]) if r in env.runs]
    else:
        if not isinstance(body["filter"], dict):
            raise validation_error(f"Expected object, received {js_type(body['filter'])}",
                                   ["filter"])
        targets = resolve_filter(env, body["filter"])
    bulk = env.bulk.create(ACTIONS[action], targets, name=name, target_region=region)
    return {"id": bulk.id}


@api.route("/api/v1/bulk-actions", ["GET"])
async def list_bulk_actions(ctx: Ctx) -> Any:
    return keyed_page(ctx, ctx.e.bulk.items.values(), bulk_json)


def _find(ctx: Ctx) -> BulkAction:
    action = ctx.e.bulk.items.get(ctx.raw_path("bulkActionId"))
    if action is None:
        raise not_found()
    return action


@api.route("/api/v1/bulk-actions/{bulkActionId}", ["GET"])
async def retrieve_bulk_action(ctx: Ctx) -> Any:
    return bulk_json(_find(ctx))


@api.route("/api/v1/bulk-actions/{bulkActionId}/abort", ["POST"])
async def abort_bulk_action(ctx: Ctx) -> Any:
    action = _find(ctx)
    if action.status == BULK_COMPLETED:
        raise HttpError(400, f"Bulk action group already completed: {action.id}")
    if action.status == BULK_ABORTED:
        raise HttpError(400, f"Bulk action group already aborted: {action.id}")
    ctx.e.bulk.abort(action)
    return {"id": action.id}
