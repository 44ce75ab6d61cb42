"""`trigger-tui trigger TASK --payload JSON|@file`: start one run."""

from __future__ import annotations

from typing import Any

from trigger_tui.commands.context import Context, UsageError, command
from trigger_tui.commands.inputs import read_json, split_list


async def trigger(ctx: Context) -> None:
    a = ctx.args
    payload = read_json(a.payload, "--payload") if a.payload is not None else None
    metadata = read_json(a.metadata, "--metadata") if a.metadata is not None else None
    if metadata is not None and not isinstance(metadata, dict):
        raise UsageError("--metadata must be a JSON object")
    run = await ctx.client.tasks.trigger(
        a.task, payload, delay=a.delay, ttl=a.ttl, tags=split_list(a.tag), queue=a.queue,
        concurrency_key=a.concurrency_key, idempotency_key=a.idempotency_key,
        idempotency_key_ttl=a.idempotency_key_ttl, machine=a.machine,
        max_attempts=a.max_attempts, max_duration=a.max_duration, metadata=metadata,
        version=a.pin_version, priority=a.priority, test=True if a.test else None)
    cached = " (an existing run: same idempotency key)" if run.is_cached else ""
    ctx.out.message(f"triggered {a.task}: {run.id}{cached}")
    ctx.out.done([{"id": run.id, "isCached": run.is_cached}])


def register(sub: Any) -> None:
    p = command(sub, "trigger", trigger, help="trigger a task (start one run)")
    p.add_argument("task", metavar="TASK", help="the task identifier")
    p.add_argument("--payload", help="the payload: JSON, @file or - (stdin)")
    p.add_argument("--delay", help="start later: a duration (30m) or an ISO time")
    p.add_argument("--ttl", help="expire if not started within, e.g. 10m")
    p.add_argument("--tag", action="append", help="tags (repeat, or comma-separated)")
    p.add_argument("--queue", help="run on this queue")
    p.add_argument("--concurrency-key", help="runs with the same key share the queue's limit")
    p.add_argument("--idempotency-key", help="the same key returns the same run")
    p.add_argument("--idempotency-key-ttl", help="how long the key holds, e.g. 1h")
    p.add_argument("--machine", help="machine preset, e.g. small-2x")
    p.add_argument("--max-attempts", type=int, help="attempts before the run fails")
    p.add_argument("--max-duration", type=int, help="seconds")
    p.add_argument("--metadata", help="a JSON object, @file or -")
    p.add_argument("--pin-version", help="run on this worker version")
    p.add_argument("--priority", type=float, help="seconds of queue priority")
    p.add_argument("--test", action="store_true", help="mark the run as a test run")
