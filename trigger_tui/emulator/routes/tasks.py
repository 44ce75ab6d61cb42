"""Triggering a task: `POST /api/v1/tasks/{taskIdentifier}/trigger`, and the option rules that
batches share."""

from __future__ import annotations

import re
from typing import Any

from trigger_tui.emulator.http import Api, Ctx, HttpError, validation_error
from trigger_tui.emulator.payloads import decode_payload
from trigger_tui.emulator.timefmt import parse_delay, parse_duration
from trigger_tui.emulator.world.catalog import MACHINES
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.options import TriggerOptions

api = Api()

TRIGGER_MAX_BYTES = 3_145_728
IDEMPOTENCY_TTL_RE = re.compile(r"^(\d+)([smhd])$")
_TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
REQUEST_CACHE_S = 86400.0


def key_ttl_seconds(text: str | None) -> float | None:
    """An idempotency-key TTL (`^\\d+[smhd]$`) in seconds; None for anything else."""
    match = IDEMPOTENCY_TTL_RE.match(text) if text else None
    return float(int(match.group(1)) * _TTL_UNITS[match.group(2)]) if match else None


def require_length(ctx: Ctx, cap: int) -> None:
    """Routes with a body cap refuse a missing or oversized Content-Length (413)."""
    raw = ctx.request.headers.get("content-length")
    if raw is None or not raw.isdigit() or int(raw) > cap:
        raise HttpError(413, "Request body too large")


def parse_options(env: EnvWorld, raw: Any, *, path: str = "options") -> TriggerOptions:
    """Validate trigger options as the server does: schema errors are 400, rule errors 422.

    Unknown keys (payloadSize, concurrency, gates … which the SDK always or sometimes sends)
    are accepted and ignored.
    """
    if raw is None:
        return TriggerOptions()
    if not isinstance(raw, dict):
        raise validation_error("Expected object, received " + type(raw).__name__, [path])
    o = TriggerOptions()

    def string(name: str, max_len: int | None = None) -> str | None:
        v = raw.get(name)
        if v is None:
            return None
        if not isinstance(v, str):
            raise validation_error("Expected string", [path, name])
        if max_len is not None and len(v) > max_len:
            raise validation_error(f"String must contain at most {max_len} character(s)",
                                   [path, name])
        return v

    o.idempotency_key = string("idempotencyKey", 2048)
    key_opts = raw.get("idempotencyKeyOptions")
    if isinstance(key_opts, dict) and isinstance(key_opts.get("key"), str):
        o.idempotency_key_user = key_opts["key"]
    ttl_key = string("idempotencyKeyTTL")
    if ttl_key is not None:
        o.idempotency_ttl_s = key_ttl_seconds(ttl_key)
        if o.idempotency_ttl_s is None:
            raise validation_error("Invalid", [path, "idempotencyKeyTTL"])
    delay = raw.get("delay")
    if delay is not None:
        until = parse_delay(delay, env.now)
        if until is None:
            raise HttpError(422, f"Invalid delay {delay}")
        o.delay_until = until if until > env.now else None
    ttl = raw.get("ttl")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, str | int) or (
                isinstance(ttl, int) and ttl < 0):
            raise validation_error("Expected string or non-negative integer", [path, "ttl"])
        seconds = float(ttl) if isinstance(ttl, int) else parse_duration(ttl)
        if seconds is None:
            raise HttpError(422, f"Invalid ttl {ttl}")
        o.ttl, o.ttl_s = (str(ttl) if isinstance(ttl, str) else f"{ttl}s"), seconds
    queue = raw.get("queue")
    if queue is not None:
        if not isinstance(queue, dict) or not isinstance(queue.get("name"), str):
            raise validation_error("Required", [path, "queue", "name"])
        o.queue = queue["name"]
    ck = raw.get("concurrencyKey")
    if ck is not None:
        o.concurrency_key = str(ck)
    tags = raw.get("tags")
    if tags is not None:
        tag_list = [tags] if isinstance(tags, str) else tags
        if not isinstance(tag_list, list) or not all(isinstance(t, str) for t in tag_list):
            raise validation_error("Expected string or array of strings", [path, "tags"])
        if any(len(t) > 128 for t in tag_list):
            raise validation_error("String must contain at most 128 character(s)",
                                   [path, "tags"])
        if len(tag_list) > 10:
            raise HttpError(422, f"Runs can only have 10 tags, you're trying to set "
                            f"{len(tag_list)}.")
        o.tags = [t for t in tag_list if t.strip()]
    machine = raw.get("machine")
    if machine is not None:
        if machine not in MACHINES:
            raise validation_error(
                "Invalid enum value. Expected " + " | ".join(f"'{m}'" for m in MACHINES)
                + f", received '{machine}'", [path, "machine"])
        o.machine = machine
    for name, attr in (("maxAttempts", "max_attempts"), ("maxDuration", "max_duration")):
        v = raw.get(name)
        if v is not None:
            if isinstance(v, bool) or not isinstance(v, int | float) or v < (
                    1 if name == "maxAttempts" else 0):
                raise validation_error("Number must be positive", [path, name])
            setattr(o, attr, int(v))
    meta = raw.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            raise validation_error("Expected object", [path, "metadata"])
        o.metadata = meta
    lock = string("lockToVersion")
    if lock is not None:
        if env.type != "DEVELOPMENT" and env.deployments.by_version(lock) is None:
            raise HttpError(422, f"Specified version '{lock}' not found.")
        o.lock_to_version = lock
        if o.queue is not None and o.queue not in env.queues:
            raise HttpError(422, f"Specified queue '{o.queue}' not found or not associated "
                            f"with locked version '{lock}'.")
    priority = raw.get("priority")
    if priority is not None:
        if isinstance(priority, bool) or not isinstance(priority, int | float):
            raise validation_error("Expected number", [path, "priority"])
        o.priority = float(priority)
    o.region = string("region")
    test = raw.get("test")
    if test is not None:
        o.test = bool(test)
    return o


def cached_response(ctx: Ctx, scope: str) -> Any:
    """A retried request carrying the same request idempotency key gets the first answer."""
    key = ctx.request.headers.get("x-trigger-request-idempotency-key")
    if not key:
        return None
    hit = ctx.e.request_cache.get((scope, key))
    if hit is not None and hit[0] > ctx.e.now:
        return hit[1]
    return None


def remember_response(ctx: Ctx, scope: str, response: Any) -> None:
    key = ctx.request.headers.get("x-trigger-request-idempotency-key")
    if key:
        ctx.e.request_cache[(scope, key)] = (ctx.e.now + REQUEST_CACHE_S, response)


@api.route("/api/v1/tasks/{taskIdentifier:path}/trigger", ["POST"])
async def trigger(ctx: Ctx) -> Any:
    require_length(ctx, TRIGGER_MAX_BYTES)
    task = ctx.path("taskIdentifier")
    body = await ctx.json_object()
    cached = cached_response(ctx, f"trigger:{task}")
    if cached is not None:
        return cached
    options = dict(body.get("options") or {}) if isinstance(body.get("options"), dict) \
        else body.get("options")
    header_key = ctx.request.headers.get("idempotency-key")
    if header_key and isinstance(options, dict):
        options["idempotencyKey"] = header_key
        ttl = ctx.request.headers.get("idempotency-key-ttl")
        if ttl:
            options["idempotencyKeyTTL"] = ttl
    opts = parse_options(ctx.e, options)
    payload_type = options.get("payloadType") if isinstance(options, dict) else None
    payload, payload_type = decode_payload(body.get("payload"), payload_type)
    run, cached_run = ctx.e.trigger(task, payload, payload_type, opts)
    response = {"id": run.id, "isCached": cached_run}
    remember_response(ctx, f"trigger:{task}", response)
    return response
