"""Runs: list (env and project), retrieve, events, trace, result, cancel, replay, reschedule,
tags, metadata, idempotency-key reset."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    decode_cursor,
    encode_cursor,
    invalid_body,
    not_found,
    page_size,
    query_error,
)
from trigger_tui.emulator.payloads import decode_payload
from trigger_tui.emulator.render import execution_result, list_item, retrieve_run
from trigger_tui.emulator.timefmt import parse_delay, parse_duration, parse_instant, parse_period
from trigger_tui.emulator.traces import build, events_json, span_json, trace_id
from trigger_tui.emulator.world.catalog import MACHINES
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run

api = Api()

DEFAULT_PERIOD_S = 7 * 86400
MAX_TAGS = 10


# ---------------------------------------------------------------------- filters
RunPredicate = Callable[[Run], bool]


def _attr_in(attr: str, values: frozenset[str]) -> RunPredicate:
    return lambda r: getattr(r, attr) in values


def _attr_eq(attr: str, value: str) -> RunPredicate:
    return lambda r: bool(getattr(r, attr) == value)


def _created_between(low: float, high: float) -> RunPredicate:
    return lambda r: low <= r.created_at <= high


def run_filters(env: EnvWorld, get: Callable[[str], str | None], now: float,
                prefix: str = "filter") -> list[RunPredicate]:
    """The list filters shared by `GET /api/v1/runs` and the project runs route."""

    def lst(name: str) -> list[str] | None:
        raw = get(f"{prefix}[{name}]")
        if raw is None:
            return None
        return [p.strip() for p in raw.split(",") if p.strip()]

    preds: list[RunPredicate] = []
    statuses = lst("status")
    if statuses is not None:
        bad = [s for s in statuses if s not in S.FILTER_TO_INTERNAL]
        if bad:
            raise query_error(f"Invalid status values: {', '.join(bad)}", f"{prefix}[status]")
        wanted = frozenset().union(*(S.FILTER_TO_INTERNAL[s] for s in statuses))
        preds.append(lambda r: r.status in wanted)
    for name, attr in (("taskIdentifier", "task"), ("version", "version"),
                       ("region", "region")):
        values = lst(name)
        if values is not None:
            preds.append(_attr_in(attr, frozenset(values)))
    tags = lst("tag")
    if tags is not None:
        ts = frozenset(tags)
        preds.append(lambda r: not ts.isdisjoint(r.tags))
    machines = lst("machine")
    if machines is not None:
        bad = [m for m in machines if m not in MACHINES]
        if bad:
            raise query_error(f"Invalid machine values: {', '.join(bad)}", f"{prefix}[machine]")
        ms = frozenset(machines)
        preds.append(lambda r: r.machine in ms)
    queues = lst("queue")
    if queues is not None:
        qs = frozenset(queues)
        preds.append(lambda r: r.queue in qs)
    for name, attr in (("batch", "batch_id"), ("schedule", "schedule_id")):
        value = get(f"{prefix}[{name}]")
        if value is not None:
            preds.append(_attr_eq(attr, value))
    bulk = get(f"{prefix}[bulkAction]")
    if bulk is not None:
        preds.append(lambda r: bulk in r.bulk_ids)
    error_id = get(f"{prefix}[error]")
    if error_id is not None:
        preds.append(lambda r: env.errors.group_of(r) == error_id)
    is_test = get(f"{prefix}[isTest]")
    if is_test is not None:
        if is_test not in ("true", "false"):
            raise query_error(f"Invalid value for isTest: {is_test}", f"{prefix}[isTest]")
        flag = is_test == "true"
        preds.append(lambda r: r.is_test == flag)
    preds.extend(time_window(get(f"{prefix}[createdAt][period]"),
                             get(f"{prefix}[createdAt][from]"),
                             get(f"{prefix}[createdAt][to]"), now, prefix))
    return preds


def time_window(period: str | None, start: str | None, end: str | None, now: float,
                prefix: str = "filter") -> list[RunPredicate]:
    """`period` wins over from/to; with none of them the last 7 days apply."""
    if period is not None:
        seconds = parse_period(period)
        if seconds is None:
            raise query_error(f"Invalid period: {period}", f"{prefix}[createdAt][period]")
        return [lambda r: r.created_at >= now - seconds]
    preds: list[RunPredicate] = []
    if start is None and end is None:
        return [lambda r: r.created_at >= now - DEFAULT_PERIOD_S]
    for value, is_from in ((start, True), (end, False)):
        if value is None:
            continue
        when = parse_instant(value)
        if when is None:
            raise query_error(f"Invalid date: {value}",
                              f"{prefix}[createdAt][{'from' if is_from else 'to'}]")
        preds.append(_created_between(when, float("inf")) if is_from
                     else _created_between(float("-inf"), when))
    return preds


def cursor_page(ctx: Ctx, runs: Iterable[Run], preds: list[RunPredicate],
                render: Callable[[Run], dict[str, Any]]) -> dict[str, Any]:
    """Newest first by (createdAt, run); opaque cursors; `previous` only when paged."""
    size = page_size(ctx)
    after, before = ctx.q("page[after]"), ctx.q("page[before]")
    if after and before:
        raise query_error("Cannot use both page[after] and page[before]", "page")
    cursor = None
    for raw in (after, before):
        if raw:
            cursor = decode_cursor(raw) or _legacy_cursor(ctx.e, raw)
            if cursor is None:
                raise query_error("Invalid cursor", "page[after]" if after else "page[before]")
    ordered = sorted(runs, key=lambda r: r.seq, reverse=True)
    matches = [r for r in ordered if all(p(r) for p in preds)]

    def key(r: Run) -> tuple[int, int]:
        return (int(r.created_at * 1000), r.seq)

    if before and cursor is not None:
        newer = [r for r in matches if key(r) > cursor]
        page = newer[-size:]
        has_more_newer = len(newer) > size
        pagination: dict[str, str] = {}
        if page:
            pagination["next"] = encode_cursor(page[-1].created_at, page[-1].seq)
            if has_more_newer:
                pagination["previous"] = encode_cursor(page[0].created_at, page[0].seq)
        return {"data": [render(r) for r in page], "pagination": pagination}
    if after and cursor is not None:
        matches = [r for r in matches if key(r) < cursor]
    page = matches[:size]
    pagination = {}
    if len(matches) > size:
        pagination["next"] = encode_cursor(page[-1].created_at, page[-1].seq)
    if after and page:
        pagination["previous"] = encode_cursor(page[0].created_at, page[0].seq)
    return {"data": [render(r) for r in page], "pagination": pagination}


def _legacy_cursor(env: EnvWorld, raw: str) -> tuple[int, int] | None:
    run = env.runs.get(raw)
    return (int(run.created_at * 1000), run.seq) if run else None


def find_run(ctx: Ctx, message: str = "Not found", retry: bool = False) -> Run:
    run = ctx.e.runs.get(ctx.raw_path("runId"))
    if run is None:
        raise not_found(message, retry=retry)
    return run


# ---------------------------------------------------------------------- list
@api.route("/api/v1/runs", ["GET"])
async def list_runs(ctx: Ctx) -> Any:
    env = ctx.e
    preds = run_filters(env, ctx.q, env.now)
    return cursor_page(ctx, env.runs.values(), preds,
                       lambda r: list_item(env, r, ctx.api_version))


ENV_SLUGS = {"dev": "dev", "staging": "stg", "stg": "stg", "prod": "prod", "preview": "preview"}


@api.route("/api/v1/projects/{projectRef}/runs", ["GET"], auth="pat")
async def list_project_runs(ctx: Ctx) -> Any:
    if ctx.raw_path("projectRef") != ctx.world.project_ref:
        raise HttpError(404, "Project not found")
    slugs = ctx.q_list("filter[env]")
    if not slugs:
        raise HttpError(500, "No environment found")
    env = next((ctx.world.envs[ENV_SLUGS[s]] for s in slugs
                if s in ENV_SLUGS and ENV_SLUGS[s] in ctx.world.envs), None)
    if env is None:
        raise HttpError(500, "No environment found")
    ctx.env = env
    preds = run_filters(env, ctx.q, env.now)
    return cursor_page(ctx, env.runs.values(), preds,
                       lambda r: list_item(env, r, ctx.api_version))


# ---------------------------------------------------------------------- reads
@api.route("/api/v3/runs/{runId}", ["GET"], retry_404=True)
async def retrieve(ctx: Ctx) -> Any:
    run = find_run(ctx, retry=True)
    return retrieve_run(ctx.e, run, ctx.api_version)


@api.route("/api/v1/runs/{runId}/events", ["GET"], retry_404=True)
async def events(ctx: Ctx) -> Any:
    run = find_run(ctx, retry=True)
    if not run.attempts:
        return {"events": []}
    return {"events": events_json(ctx.e, run)}


@api.route("/api/v1/runs/{runId}/trace", ["GET"], retry_404=True)
async def trace(ctx: Ctx) -> Any:
    run = find_run(ctx, retry=True)
    root = build(ctx.e, run)
    return {"trace": {"traceId": trace_id(run, ctx.e), "rootSpan": span_json(root)}}


@api.route("/api/v1/runs/{runId}/result", ["GET"], auth="legacy")
async def result(ctx: Ctx) -> Any:
    run = ctx.e.runs.get(ctx.raw_path("runId"))
    if run is None or run.status not in S.FINAL:
        raise not_found("Run either doesn't exist or is not finished")
    return execution_result(run)


# ---------------------------------------------------------------------- actions
@api.route("/api/v2/runs/{runId}/cancel", ["POST"])
async def cancel(ctx: Ctx) -> Any:
    run = find_run(ctx, "Resource not found")
    ctx.e.cancel(run)
    return {"id": run.id}


REPLAY_KEYS = {
    "payload", "payloadType", "metadata", "tags", "queue", "machine", "version", "region",
    "concurrencyKey", "delay", "ttl", "idempotencyKey", "idempotencyKeyTTL", "maxAttempts",
    "maxDuration", "priority",
}


@api.route("/api/v1/runs/{runId}/replay", ["POST"])
async def replay(ctx: Ctx) -> Any:
    run = find_run(ctx, "Resource not found")
    body = await ctx.json_object(required=False)
    unknown = sorted(set(body) - REPLAY_KEYS)
    if unknown:
        raise HttpError(400, f"Validation error: Unrecognized key(s) in object: "
                        f"{', '.join(repr(k) for k in unknown)}")
    overrides: dict[str, Any] = {k: v for k, v in body.items() if v is not None}
    if "payload" in overrides:
        overrides["payload"], overrides["payloadType"] = decode_payload(
            overrides["payload"], overrides.get("payloadType"))
    if "tags" in overrides:
        tags = overrides["tags"]
        overrides["tags"] = [tags] if isinstance(tags, str) else list(tags)
    if "delay" in overrides:
        until = parse_delay(overrides.pop("delay"), ctx.e.now)
        if until is None:
            raise HttpError(400, "Invalid delay")
        overrides["delay_until"] = until
    if "ttl" in overrides:
        ttl = overrides["ttl"]
        seconds = float(ttl) if isinstance(ttl, int) else parse_duration(str(ttl))
        overrides["ttl"], overrides["ttl_s"] = str(ttl) if not isinstance(ttl, int) else \
            f"{ttl}s", seconds
    new = ctx.e.replay(run, overrides)
    return {"id": new.id}


@api.route("/api/v1/runs/{runId}/reschedule", ["POST"], auth="reschedule")
async def reschedule(ctx: Ctx) -> Any:
    run = find_run(ctx, "Run not found")
    body = await ctx.json(required=False)
    if not isinstance(body, dict) or not isinstance(body.get("delay"), str):
        raise HttpError(400, "Invalid request body")
    until = parse_delay(body["delay"], ctx.e.now)
    if until is None or until <= ctx.e.now:
        raise HttpError(400, f"Invalid delay: {body['delay']}")
    if run.status != S.DELAYED:
        raise HttpError(400, "Cannot reschedule a run that is not delayed")
    ctx.e.reschedule(run, until)
    return retrieve_run(ctx.e, run, ctx.api_version)


@api.route("/api/v1/runs/{runId}/tags", ["POST"], auth="legacy")
async def add_tags(ctx: Ctx) -> Any:
    body = await ctx.json(required=False, legacy=True)
    tags = body.get("tags") if isinstance(body, dict) else None
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise invalid_body([{"code": "invalid_type", "expected": "array", "path": ["tags"],
                             "message": "Expected string or array of strings"}])
    too_long = [i for i, t in enumerate(tags) if len(t) > 128]
    if too_long:
        raise invalid_body([{"code": "too_big", "maximum": 128, "path": ["tags", too_long[0]],
                             "message": "String must contain at most 128 character(s)"}])
    run = find_run(ctx, "Run not found")
    new = [t for t in dict.fromkeys(t.strip() for t in tags) if t and t not in run.tags]
    if not new:
        return {"message": "No new tags to add"}
    total = len(run.tags) + len(new)
    if total > MAX_TAGS:
        dropped = ", ".join(f"'{t}'" for t in new[MAX_TAGS - len(run.tags):])
        raise HttpError(422, f"Runs can only have {MAX_TAGS} tags, you're trying to set {total}. "
                        f"These tags have not been set: {dropped}.")
    run.tags = sorted(run.tags + new)
    run.updated_at = ctx.e.now
    return {"message": f"Successfully set {len(new)} new tags."}


@api.route("/api/v1/runs/{runId}/metadata", ["GET"], auth="legacy")
async def get_metadata(ctx: Ctx) -> Any:
    run = find_run(ctx, "Run not found")
    # The SDK validates `{metadata: object}` (reference says a raw string): the SDK wins.
    return {"metadata": run.metadata or {}, "metadataType": "application/json"}


METADATA_MAX_BYTES = 262_144


@api.route("/api/v1/runs/{runId}/metadata", ["PUT"])
async def put_metadata(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    run = ctx.e.runs.get(ctx.raw_path("runId"))
    if run is None:
        raise not_found("Task Run not found")
    if run.status in S.FINAL:
        raise HttpError(422, "Cannot update metadata for a completed run")
    meta = dict(run.metadata or {})
    if "metadata" in body:
        if not isinstance(body["metadata"], dict):
            raise HttpError(400, 'Validation error: Expected object at "metadata"')
        meta = dict(body["metadata"])
    for op in body.get("operations") or []:
        meta = apply_operation(meta, op)
    if len(json.dumps(meta).encode()) > METADATA_MAX_BYTES:
        raise HttpError(413, "Metadata exceeds maximum size of 256KB")
    run.metadata = meta
    run.updated_at = ctx.e.now
    return {"metadata": meta}


def apply_operation(meta: dict[str, Any], op: Any) -> dict[str, Any]:
    if not isinstance(op, dict) or "type" not in op:
        raise HttpError(400, 'Validation error: Invalid discriminator value at "operations"')
    kind, key, value = op["type"], op.get("key"), op.get("value")
    if kind == "update" and isinstance(value, dict):
        return {**meta, **value}
    if not isinstance(key, str):
        raise HttpError(400, 'Validation error: Required at "operations.key"')
    if kind == "set":
        meta[key] = value
    elif kind == "delete":
        meta.pop(key, None)
    elif kind == "append":
        current = meta.get(key)
        meta[key] = ([*current, value] if isinstance(current, list)
                     else [value] if current is None else [current, value])
    elif kind == "remove":
        current = meta.get(key)
        if isinstance(current, list):
            meta[key] = [v for v in current if v != value]
    elif kind == "increment":
        if not isinstance(value, int | float):
            raise HttpError(400, 'Validation error: Expected number at "operations.value"')
        current = meta.get(key, 0)
        meta[key] = (current if isinstance(current, int | float) else 0) + value
    else:
        raise HttpError(400, 'Validation error: Invalid discriminator value at "operations"')
    return meta


@api.route("/api/v1/idempotencyKeys/{key}/reset", ["POST"])
async def reset_idempotency_key(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    task = body.get("taskIdentifier")
    if not isinstance(task, str) or not task:
        raise HttpError(400, 'Validation error: Required at "taskIdentifier"')
    key = ctx.path("key")
    if not ctx.e.reset_idempotency(task, key):
        raise not_found(f"No idempotency key found for task {task}")
    return {"id": key}
