"""Queues: list, retrieve by id or by name+type, pause/resume, concurrency override and reset."""

from __future__ import annotations

from typing import Any

from trigger_tui.emulator.http import Api, Ctx, HttpError, offset_page, validation_error
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Queue

api = Api()

QUEUE_TYPES = ("id", "task", "custom")
MAX_OVERRIDE = 100_000


def queue_json(env: EnvWorld, q: Queue) -> dict[str, Any]:
    """The QueueItem; `version` is left out (the SDK reads that as V1, the reference shape)."""
    base = q.base_limit
    current = q.override if q.override is not None else base
    return {
        "id": q.id,
        "name": q.public_name,
        "type": q.type,
        "running": q.running,
        "queued": len(q.members),
        "paused": q.paused,
        "concurrencyLimit": current,
        "concurrency": {
            "current": current,
            "base": base,
            "override": q.override,
            "overriddenAt": iso(q.overridden_at) if q.overridden_at is not None else None,
            "overriddenBy": None,
        },
        "releaseConcurrencyOnWaitpoint": True,
    }


def _find(ctx: Ctx, kind: str | None, not_found: str = "queue-not-found") -> Queue:
    kind = kind or "id"
    if kind not in QUEUE_TYPES:
        raise validation_error(
            "Invalid enum value. Expected 'id' | 'task' | 'custom', received " f"'{kind}'",
            ["type"])
    q = ctx.e.find_queue(ctx.path("queueParam"), kind)
    if q is None:
        raise HttpError(404, not_found)
    return q


def _sorted(env: EnvWorld) -> list[Queue]:
    return sorted(env.queues.values(), key=lambda q: (q.type != "task", q.public_name))


@api.route("/api/v1/queues", ["GET"])
async def list_queues(ctx: Ctx) -> Any:
    page = offset_page(_sorted(ctx.e), ctx, default_per_page=25)
    page["data"] = [queue_json(ctx.e, q) for q in page["data"]]
    return page


@api.route("/api/v1/queues/{queueParam:path}/pause", ["POST"])
async def pause(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    action = body.get("action")
    if action not in ("pause", "resume"):
        raise validation_error("Invalid enum value. Expected 'pause' | 'resume'", ["action"])
    q = _find(ctx, body.get("type"))
    ctx.e.set_paused(q, action == "pause")
    return queue_json(ctx.e, q)


@api.route("/api/v1/queues/{queueParam:path}/concurrency/override", ["POST"])
async def override(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    q = _find(ctx, body.get("type"), "Queue not found")
    limit = body.get("concurrencyLimit")
    percent = body.get("percent")
    if (limit is None) == (percent is None):
        raise validation_error("Provide exactly one of concurrencyLimit or percent", [])
    if percent is not None:
        if isinstance(percent, bool) or not isinstance(percent, int | float) or not (
                0 < percent <= 100):
            raise validation_error("Number must be greater than 0 and at most 100", ["percent"])
        limit = max(1, int(ctx.e.max_concurrency * percent / 100))
    if isinstance(limit, bool) or not isinstance(limit, int) or not (0 <= limit <= MAX_OVERRIDE):
        raise validation_error(f"Expected an integer between 0 and {MAX_OVERRIDE}",
                               ["concurrencyLimit"])
    if limit > ctx.e.max_concurrency:
        raise HttpError(400, f"Concurrency limit {limit} is greater than the environment's "
                        f"maximum concurrency of {ctx.e.max_concurrency}")
    ctx.e.override_limit(q, limit)
    return queue_json(ctx.e, q)


@api.route("/api/v1/queues/{queueParam:path}/concurrency/reset", ["POST"])
async def reset(ctx: Ctx) -> Any:
    body = await ctx.json_object(required=False)
    q = _find(ctx, body.get("type"), "Queue not found")
    if q.override is None:
        raise HttpError(400, "Queue is not overridden")
    ctx.e.override_limit(q, None)
    return queue_json(ctx.e, q)


@api.route("/api/v1/queues/{queueParam:path}", ["GET"])
async def retrieve(ctx: Ctx) -> Any:
    q = _find(ctx, ctx.q("type"))
    out = queue_json(ctx.e, q)
    out["concurrencyLimitOverridePercent"] = None
    return out
