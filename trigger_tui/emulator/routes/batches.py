"""Batches: the two-phase API the SDK uses (`POST /api/v3/batches` then NDJSON items), the older
single-call routes, and batch retrieval.

Registered before routes/tasks.py; `/api/v1/tasks/batch` is declared first so that the per-task
`{taskIdentifier:path}/batch` pattern (task ids may contain '/') never sees it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    js_type,
    not_found,
    omit_none,
    validation_error,
)
from trigger_tui.emulator.payloads import decode_payload
from trigger_tui.emulator.render import execution_result
from trigger_tui.emulator.routes.tasks import (
    cached_response,
    key_ttl_seconds,
    parse_options,
    remember_response,
    require_length,
)
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.batches import Batch, BatchItem
from trigger_tui.emulator.world.env import EnvWorld

api = Api()

BATCH_TASK_PAYLOAD_MAX_BYTES = 1_000_000
CREATE_BATCH_MAX_BYTES = 131_072
MAX_LEGACY_ITEMS = 100
MAX_V2_ITEMS = 500
STREAMING_MAX_ITEMS = 1_000
STREAMING_ITEM_MAX_BYTES = 3_145_728
DEFAULT_BATCH_KEY_TTL_S = 30 * 86400.0
NDJSON_TYPES = ("application/x-ndjson", "application/ndjson")


# ---------------------------------------------------------------------- helpers
def _accepted(env: EnvWorld, body: dict[str, Any], status: int = 202) -> JSONResponse:
    """Batch answers carry the JWT claims header (the SDK signs the token itself)."""
    claims = json.dumps({"sub": env.internal_id, "pub": True}, separators=(",", ":"))
    return JSONResponse(body, status_code=status, headers={"x-trigger-jwt-claims": claims})


def _message(exc: HttpError) -> str:
    return str((exc.body or {}).get("error") or exc)


def parse_item(env: EnvWorld, raw: Any, index: int, *, task: str | None = None,
               where: str = "items") -> BatchItem:
    """Validate one `{task?, payload, options}` item; raises the trigger route's errors."""
    if not isinstance(raw, dict):
        raise validation_error(f"Expected object, received {js_type(raw)}", [where, index])
    if task is None:
        task = raw.get("task")
        if not isinstance(task, str):
            raise validation_error("Required" if task is None else
                                   f"Expected string, received {js_type(task)}",
                                   [where, index, "task"])
    options = raw.get("options")
    opts = parse_options(env, options, path=f"{where}.{index}.options")
    payload_type = options.get("payloadType") if isinstance(options, dict) else None
    payload, payload_type = decode_payload(raw.get("payload"), payload_type)
    return BatchItem(index, task, payload, payload_type, opts)


def _items(body: dict[str, Any]) -> list[Any]:
    items = body.get("items")
    if not isinstance(items, list):
        raise validation_error("Required" if items is None else
                               f"Expected array, received {js_type(items)}", ["items"])
    return items


def _header_key_ttl(ctx: Ctx) -> float:
    ttl = key_ttl_seconds(ctx.request.headers.get("idempotency-key-ttl"))
    return ttl if ttl is not None else DEFAULT_BATCH_KEY_TTL_S


# ---------------------------------------------------------------------- older single-call routes
@api.route("/api/v1/tasks/batch", ["POST"])
async def batch_trigger_v1(ctx: Ctx) -> Any:
    """Multi-task batch (engine v1 service): runs are created before answering."""
    require_length(ctx, BATCH_TASK_PAYLOAD_MAX_BYTES)
    env = ctx.e
    raw_items = _items(await ctx.json_object())
    if not raw_items:
        raise HttpError(400, "Batch cannot be triggered with no items")
    if len(raw_items) > MAX_V2_ITEMS:
        raise HttpError(400, f"Batch size of {len(raw_items)} is too large. Maximum allowed "
                        f"batch size is {MAX_V2_ITEMS}.")
    key = ctx.request.headers.get("idempotency-key") or None
    existing = env.batches.find_by_key(key) if key else None
    if existing is not None:
        runs = [env.runs[r] for r in existing.run_ids if r in env.runs]
        return _accepted(env, omit_none({
            "id": existing.id, "isCached": True, "idempotencyKey": key,
            "runs": [omit_none({"id": r.id, "taskIdentifier": r.task, "isCached": True,
                                "idempotencyKey": r.idempotency_key}) for r in runs]}))
    items = [parse_item(env, raw, i) for i, raw in enumerate(raw_items)]
    batch = _start(env, items, key, _header_key_ttl(ctx))
    created = env.batches.process_now(batch)
    runs_json = [omit_none({"id": run.id, "taskIdentifier": run.task, "isCached": cached,
                            "idempotencyKey": run.idempotency_key})
                 for _, run, cached in created if run is not None]
    return _accepted(env, omit_none({"id": batch.id, "isCached": False, "idempotencyKey": key,
                                     "runs": runs_json}))


def _start(env: EnvWorld, items: list[BatchItem], key: str | None = None,
           key_ttl_s: float = DEFAULT_BATCH_KEY_TTL_S) -> Batch:
    """A batch holding every item at once, sealed straight away."""
    batch = env.batches.create(len(items), key, key_ttl_s=key_ttl_s)
    for item in items:
        env.batches.receive(batch, item)
    env.batches.seal(batch)
    return batch


@api.route("/api/v1/tasks/{taskIdentifier:path}/batch", ["POST"], auth="key_or_pat")
async def batch_trigger_task(ctx: Ctx) -> Any:
    """The retired single-task route: at most 100 items, every failure a 400."""
    if ctx.env is None:
        raise HttpError(401, "Invalid or Missing API key")
    env = ctx.e
    task = ctx.path("taskIdentifier")
    try:
        body = json.loads(await ctx.raw_body())
    except ValueError:
        body = None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise HttpError(400, "Invalid request body")
    if not items:
        raise HttpError(400, "No items to trigger")
    if len(items) > MAX_LEGACY_ITEMS:
        raise HttpError(400, f"Too many items. Maximum allowed batch size is "
                        f"{MAX_LEGACY_ITEMS}.")
    if not env.deployments.knows_task(task):
        raise HttpError(404, "Task not found")
    key = ctx.request.headers.get("idempotency-key") or None
    existing = env.batches.find_by_key(key) if key else None
    if existing is not None:
        return {"batchId": existing.id, "runs": list(existing.run_ids)}
    try:
        parsed = [parse_item(env, raw, i, task=task) for i, raw in enumerate(items)]
    except HttpError as exc:
        raise HttpError(400, _message(exc)) from None
    batch = _start(env, parsed, key)
    created = env.batches.process_now(batch)
    return {"batchId": batch.id, "runs": [run.id for _, run, _ in created if run is not None]}


@api.route("/api/v2/tasks/batch", ["POST"])
async def batch_trigger_v2(ctx: Ctx) -> Any:
    """Multi-task batch on the v2 engine: `{id, runCount}` now, runs over the next moments."""
    require_length(ctx, BATCH_TASK_PAYLOAD_MAX_BYTES)
    env = ctx.e
    raw_items = _items(await ctx.json_object())
    if not raw_items:
        raise HttpError(400, "Batch cannot be triggered with no items")
    if len(raw_items) > MAX_V2_ITEMS:
        raise HttpError(400, f"Batch size of {len(raw_items)} is too large. Maximum allowed "
                        f"batch size is {MAX_V2_ITEMS}.")
    cached = cached_response(ctx, "batch-trigger")
    if cached is not None:
        return _accepted(env, cached, 200)
    items = [parse_item(env, raw, i) for i, raw in enumerate(raw_items)]
    batch = _start(env, items)
    response = {"id": batch.id, "runCount": batch.run_count}
    remember_response(ctx, "batch-trigger", response)
    return _accepted(env, response)


# ---------------------------------------------------------------------- two-phase batches
def _run_count(body: dict[str, Any]) -> int:
    count = body.get("runCount")
    if count is None:
        raise validation_error("Required", ["runCount"])
    if isinstance(count, bool) or not isinstance(count, int | float):
        raise validation_error(f"Expected number, received {js_type(count)}", ["runCount"])
    if count != int(count):
        raise validation_error("Expected integer, received float", ["runCount"])
    if count <= 0:
        raise HttpError(400, "runCount must be a positive integer")
    if count > STREAMING_MAX_ITEMS:
        raise HttpError(400, f"Batch runCount of {int(count)} exceeds maximum allowed of "
                        f"{STREAMING_MAX_ITEMS}.")
    return int(count)


@api.route("/api/v3/batches", ["POST"])
async def create_batch(ctx: Ctx) -> Any:
    """Phase 1: reserve a batch for `runCount` items (a live idempotency key returns it)."""
    require_length(ctx, CREATE_BATCH_MAX_BYTES)
    env = ctx.e
    body = await ctx.json_object()
    run_count = _run_count(body)
    key = body.get("idempotencyKey")
    if key is not None and not isinstance(key, str):
        raise validation_error(f"Expected string, received {js_type(key)}", ["idempotencyKey"])
    if key is not None and len(key) > 2048:
        raise validation_error("String must contain at most 2048 character(s)",
                               ["idempotencyKey"])
    cached = cached_response(ctx, "create-batch")
    if cached is not None:
        return _accepted(env, cached, 200)
    existing = env.batches.find_by_key(key) if key else None
    if existing is not None:
        return _accepted(env, {"id": existing.id, "runCount": existing.run_count,
                               "isCached": True}, 200)
    decision = env.batches.take_rate(run_count)
    if not decision.allowed:
        # The SDK reads x-ratelimit-reset as epoch milliseconds everywhere (the server
        # sends seconds on this route); Retry-After stays in whole seconds.
        raise HttpError(429, f"Batch rate limit exceeded. Limit resets at "
                        f"{iso(decision.reset_at)}", headers={
                            "x-ratelimit-limit": str(decision.limit),
                            "x-ratelimit-remaining": str(max(0, decision.remaining)),
                            "x-ratelimit-reset": str(int(decision.reset_at * 1000)),
                            "retry-after": str(max(1, -int(-(decision.reset_at - env.now)))),
                        })
    batch = env.batches.create(run_count, key or None)
    response = omit_none({"id": batch.id, "runCount": run_count, "isCached": False,
                          "idempotencyKey": key or None})
    remember_response(ctx, "create-batch", response)
    return _accepted(env, response)


def _issue(path: list[str], expected: str, value: Any) -> dict[str, Any]:
    received = "undefined" if value is None else js_type(value)
    return {"code": "invalid_type", "expected": expected, "received": received, "path": path,
            "message": "Required" if value is None else
            f"Expected {expected}, received {received}"}


def _item_issues(raw: Any) -> list[dict[str, Any]]:
    """The zod issues `BatchItemNDJSON` would report for a parsed line."""
    if not isinstance(raw, dict):
        return [_issue([], "object", raw)]
    issues: list[dict[str, Any]] = []
    index = raw.get("index")
    if isinstance(index, bool) or not isinstance(index, int | float):
        issues.append(_issue(["index"], "number", index))
    elif index != int(index):
        issues.append({"code": "invalid_type", "expected": "integer", "received": "float",
                       "path": ["index"], "message": "Expected integer, received float"})
    elif index < 0:
        issues.append({"code": "too_small", "minimum": 0, "type": "number", "inclusive": True,
                       "exact": False, "path": ["index"],
                       "message": "Number must be greater than or equal to 0"})
    if not isinstance(raw.get("task"), str):
        issues.append(_issue(["task"], "string", raw.get("task")))
    options = raw.get("options")
    if options is not None and not isinstance(options, dict):
        issues.append(_issue(["options"], "object", options))
    return issues


def _lenient_item(env: EnvWorld, raw: dict[str, Any]) -> BatchItem:
    """A streamed item whose trigger errors are kept for `processing.errors`, not raised."""
    index, task = int(raw["index"]), str(raw["task"])
    try:
        return parse_item(env, raw, index, task=task)
    except HttpError as exc:
        return BatchItem(index, task, error=_message(exc))


def _stream_lines(text: str) -> list[tuple[int, str]]:
    """(line number, trimmed line) for the non-blank lines, numbered as the server counts."""
    return [(n, line.strip()) for n, line in enumerate(text.split("\n"), 1) if line.strip()]


@api.route("/api/v3/batches/{batchId}/items", ["POST"])
async def stream_items(ctx: Ctx) -> Any:
    """Phase 2: NDJSON items, deduplicated by index, possibly over several requests.

    The SDK streams this body chunked, without Content-Length, so no length rule applies.
    Items before a bad line stay accepted, as with the server's streaming parser.
    """
    content_type = ctx.request.headers.get("content-type") or ""
    if not any(t in content_type for t in NDJSON_TYPES):
        raise HttpError(415, "Content-Type must be application/x-ndjson or application/ndjson")
    env = ctx.e
    batch_id = ctx.raw_path("batchId")
    batch = env.batches.items.get(batch_id)
    if batch is None:
        raise HttpError(422, f"Batch {batch_id} not found")
    if batch.sealed:
        raise HttpError(422, f"Batch {batch_id} is already sealed and cannot accept more items")
    if batch.status != "PENDING":
        raise HttpError(422, f"Batch {batch_id} is not in PENDING status (current: "
                        f"{batch.status})")
    text = (await ctx.raw_body()).decode("utf-8", errors="replace")
    accepted = deduplicated = 0
    last_index = -1
    for line_no, line in _stream_lines(text):
        size = len(line.encode())
        if size > STREAMING_ITEM_MAX_BYTES:
            raise HttpError(500, f"Item at line {line_no} exceeds maximum size of "
                            f"{STREAMING_ITEM_MAX_BYTES} bytes (actual: {size})",
                            headers={"x-should-retry": "false"})
        try:
            raw = json.loads(line)
        except ValueError as exc:
            raise HttpError(400, f"Invalid JSON at line {line_no}: {exc}") from None
        issues = _item_issues(raw)
        if issues:
            raise HttpError(422, f"Invalid item at index {last_index + 1}: "
                            f"{json.dumps(issues, indent=2)}")
        last_index = int(raw["index"])
        if last_index >= batch.run_count:
            raise HttpError(422, f"Item index {last_index} exceeds batch runCount "
                            f"{batch.run_count}")
        if last_index in batch.received:
            deduplicated += 1
        elif env.batches.receive(batch, _lenient_item(env, raw)):
            accepted += 1
    result: dict[str, Any] = {"id": batch.id, "itemsAccepted": accepted,
                              "itemsDeduplicated": deduplicated}
    if len(batch.received) != batch.run_count:
        return {**result, "sealed": False, "enqueuedCount": len(batch.received),
                "expectedCount": batch.run_count}
    env.batches.seal(batch)
    return {**result, "sealed": True}


@api.route("/api/v3/batches/{batchId}/items", ["GET"], auth="none")
async def stream_items_get(ctx: Ctx) -> Any:
    raise HttpError(405, "Method not allowed. Use POST to stream batch items.")


# ---------------------------------------------------------------------- retrieve
def _errors(batch: Batch) -> list[dict[str, Any]]:
    return [omit_none(e) for e in batch.errors]


def _find(ctx: Ctx) -> Batch:
    batch = ctx.e.batches.items.get(ctx.raw_path("batchId"))
    if batch is None:
        raise not_found(retry=True)
    return batch


def _common(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "status": batch.status,
        "idempotencyKey": batch.idempotency_key,
        "createdAt": iso(batch.created_at),
        "updatedAt": iso(batch.updated_at),
        "runCount": batch.run_count,
        "runs": list(batch.run_ids),
    }


@api.route("/api/v1/batches/{batchId}", ["GET"], retry_404=True)
async def retrieve_v1(ctx: Ctx) -> Any:
    batch = _find(ctx)
    done = batch.processing_completed_at is not None
    return omit_none({
        **_common(batch),
        "successfulRunCount": batch.successful if done else None,
        "failedRunCount": batch.failed if done else None,
        "errors": _errors(batch) or None,
    })


@api.route("/api/v2/batches/{batchId}", ["GET"], retry_404=True)
async def retrieve_v2(ctx: Ctx) -> Any:
    batch = _find(ctx)
    completed = iso(batch.processing_completed_at) \
        if batch.processing_completed_at is not None else None
    return omit_none({
        **_common(batch),
        "processingCompletedAt": completed,
        "processing": omit_none({"completedAt": completed, "errors": _errors(batch)}),
    })


@api.route("/api/v1/batches/{batchId}/results", ["GET"], auth="legacy")
async def results(ctx: Ctx) -> Any:
    """Execution results of the batch's finished runs only."""
    env = ctx.e
    batch = env.batches.items.get(ctx.raw_path("batchId"))
    if batch is None:
        raise not_found("Batch not found")
    finished = [env.runs[r] for r in batch.run_ids
                if r in env.runs and env.runs[r].status in S.FINAL]
    return {"id": batch.id, "items": [execution_result(run) for run in finished]}
