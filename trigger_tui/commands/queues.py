"""`trigger-tui queues list|get|pause|resume|override|reset`.

A queue is named the way an operator knows it: its id (`queue_…`), a task id (the task's own
queue, also written `task/<id>`) or a custom queue's name. Without `--type` the name is looked
up as a task queue first, then as a custom queue; actions then address the queue by its id.
"""

from __future__ import annotations

import argparse
from typing import Any, cast

from trigger_tui.api.errors import NotFoundError, NotSupportedError
from trigger_tui.api.models.queues import Queue
from trigger_tui.api.resources.queues import QueueType
from trigger_tui.commands.context import Context, UsageError, command, group
from trigger_tui.commands.output import Column, col


def _limit(q: Queue) -> str:
    if q.concurrency is not None and q.concurrency.override is not None:
        return f"{q.concurrency.override} (override, base {q.concurrency.base})"
    return "-" if q.concurrency_limit is None else str(q.concurrency_limit)


COLUMNS = (
    col("NAME", "name", 40), col("TYPE", "type"), col("RUNNING", "running"),
    col("QUEUED", "queued"), Column("LIMIT", _limit), col("PAUSED", "paused"), col("ID", "id"),
)


async def find(ctx: Context, name: str, kind: str) -> Queue:
    """The queue `name` refers to (see the module docstring)."""
    if kind in ("id", "task", "custom"):
        return await ctx.client.queues.retrieve(name, type=cast(QueueType, kind))
    if name.startswith("queue_"):
        return await ctx.client.queues.retrieve(name, type="id")
    if name.startswith("task/"):
        return await ctx.client.queues.retrieve(name.removeprefix("task/"), type="task")
    try:
        return await ctx.client.queues.retrieve(name, type="task")
    except NotSupportedError:
        raise
    except NotFoundError:
        pass
    try:
        return await ctx.client.queues.retrieve(name, type="custom")
    except NotSupportedError:
        raise
    except NotFoundError as exc:
        raise NotFoundError(404, f"no queue {name!r}: neither a task's queue nor a custom "
                            "queue of that name", headers=exc.headers, body=exc.body) from None


async def list_queues(ctx: Context) -> None:
    ctx.out.items([q async for q in ctx.client.queues.list()], COLUMNS, empty="no queues")


async def get(ctx: Context) -> None:
    ctx.out.item(await find(ctx, ctx.args.queue, ctx.args.type), COLUMNS)


async def pause(ctx: Context) -> None:
    q = await find(ctx, ctx.args.queue, ctx.args.type)
    done = await ctx.client.queues.pause(q.id)
    ctx.out.message(f"paused {done.name}: running runs finish, queued runs wait")
    ctx.out.item(done, COLUMNS)


async def resume(ctx: Context) -> None:
    q = await find(ctx, ctx.args.queue, ctx.args.type)
    done = await ctx.client.queues.resume(q.id)
    ctx.out.message(f"resumed {done.name}")
    ctx.out.item(done, COLUMNS)


async def override(ctx: Context) -> None:
    if ctx.args.limit < 0:
        raise UsageError("the limit must be 0 or more")
    q = await find(ctx, ctx.args.queue, ctx.args.type)
    done = await ctx.client.queues.override(q.id, ctx.args.limit)
    ctx.out.message(f"{done.name}: concurrency limit overridden to {ctx.args.limit}")
    ctx.out.item(done, COLUMNS)


async def reset(ctx: Context) -> None:
    q = await find(ctx, ctx.args.queue, ctx.args.type)
    done = await ctx.client.queues.reset(q.id)
    ctx.out.message(f"{done.name}: concurrency limit back to {_limit(done)}")
    ctx.out.item(done, COLUMNS)


def _queue_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("queue", metavar="QUEUE", help="queue_… id, task id (or task/<id>), or "
                   "custom queue name")
    p.add_argument("--type", choices=("auto", "id", "task", "custom"), default="auto",
                   help="how to read QUEUE (default: auto)")


def register(sub: Any) -> None:
    actions = group(sub, "queues", help="queues: backlog, concurrency, pause and overrides")
    command(actions, "list", list_queues, help="list queues with running and queued counts")
    _queue_arg(command(actions, "get", get, help="show one queue"))
    _queue_arg(command(actions, "pause", pause, help="stop starting new runs from a queue"))
    _queue_arg(command(actions, "resume", resume, help="start runs from a paused queue again"))
    p = command(actions, "override", override, help="override a queue's concurrency limit")
    _queue_arg(p)
    p.add_argument("limit", metavar="LIMIT", type=int, help="new concurrency limit")
    _queue_arg(command(actions, "reset", reset,
                       help="drop a concurrency override (back to the base limit)"))
