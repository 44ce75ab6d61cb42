"""`trigger-tui runs list|get|cancel|replay|reschedule|tag`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from trigger_tui.api.client import NO_RETRY
from trigger_tui.api.models.runs import Run
from trigger_tui.commands.context import Context, UsageError, command, group
from trigger_tui.commands.inputs import read_json, split_list, statuses
from trigger_tui.commands.output import Column, col
from trigger_tui.humanize import duration

LIST_COLUMNS = (
    col("ID", "id"), col("STATUS", "status"), col("TASK", "task_identifier", 32),
    col("VERSION", "version"), col("CREATED", "created_at"),
    Column("DURATION", lambda r: duration(r.duration_ms) if r.duration_ms else "-",
           raw=lambda r: r.duration_ms),
    col("TAGS", "tags", 40),
)


def _error_text(run: Run) -> str | None:
    if run.error is None:
        return None
    return f"{run.error.name}: {run.error.message}" if run.error.name else run.error.message


def _relation(run: Run, which: str) -> str | None:
    related = getattr(run.related_runs, which)
    return related.id if related is not None else None


DETAIL_FIELDS = (
    col("ID", "id"), col("STATUS", "status"), col("TASK", "task_identifier"),
    col("VERSION", "version"), col("CREATED", "created_at"), col("STARTED", "started_at"),
    col("FINISHED", "finished_at"), col("DELAYED UNTIL", "delayed_until"),
    Column("DURATION", lambda r: duration(r.duration_ms) if r.duration_ms else "-",
           raw=lambda r: r.duration_ms),
    col("ATTEMPTS", "attempt_count"), col("TAGS", "tags"), col("TTL", "ttl"),
    col("IDEMPOTENCY KEY", "idempotency_key"), col("BATCH", "batch_id"),
    Column("ROOT", lambda r: _relation(r, "root")),
    Column("PARENT", lambda r: _relation(r, "parent")),
    Column("SCHEDULE", lambda r: r.schedule.id if r.schedule else None),
    Column("COST", lambda r: f"{(r.cost_in_cents + r.base_cost_in_cents) / 100:.6f} USD"),
    Column("ERROR", _error_text), col("PAYLOAD", "payload"), col("OUTPUT", "output"),
    col("METADATA", "metadata"),
)


def parse_instant(value: str | None, what: str) -> datetime | None:
    """An ISO-8601 time (`2026-01-01T10:00:00Z`; no offset means UTC)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{what}: {value!r} is not an ISO-8601 time such as "
                         "2026-01-31T09:00:00Z") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def add_filters(p: argparse.ArgumentParser) -> None:
    """The runs-list filters (also used by `bulk … --filter`'s documentation)."""
    f = p.add_argument_group("filters (repeat a flag or separate values with commas)")
    f.add_argument("--status", action="append", help="e.g. FAILED,CRASHED")
    f.add_argument("--task", action="append", help="task identifier")
    f.add_argument("--tag", action="append", help="runs with any of these tags")
    f.add_argument("--version", action="append", help="worker version, e.g. 20250101.1")
    f.add_argument("--queue", action="append", help="queue name (task queues: task/<id>)")
    f.add_argument("--machine", action="append", help="machine preset, e.g. small-1x")
    f.add_argument("--region", action="append", help="worker region, e.g. us-east-1")
    f.add_argument("--batch", help="batch_…")
    f.add_argument("--schedule", help="sched_…")
    f.add_argument("--bulk-action", help="bulk_…")
    f.add_argument("--test", dest="is_test", action="store_const", const=True,
                   help="only test runs")
    f.add_argument("--no-test", dest="is_test", action="store_const", const=False,
                   help="no test runs")
    f.add_argument("--period", help="look back this far, e.g. 1h, 7d (server default: 7d)")
    f.add_argument("--from", dest="from_", metavar="TIME", help="created at or after (ISO)")
    f.add_argument("--to", metavar="TIME", help="created at or before (ISO)")


def filters_of(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "status": statuses(args.status), "task": split_list(args.task),
        "tag": split_list(args.tag), "version": split_list(args.version),
        "queue": split_list(args.queue), "machine": split_list(args.machine),
        "region": split_list(args.region), "batch": args.batch, "schedule": args.schedule,
        "bulk_action": args.bulk_action, "is_test": args.is_test, "period": args.period,
        "from_": parse_instant(args.from_, "--from"), "to": parse_instant(args.to, "--to"),
    }


# --------------------------------------------------------------------------- handlers
async def list_runs(ctx: Context) -> None:
    """With a personal access token the project's runs route is used (it names the env)."""
    filters = filters_of(ctx.args)
    if ctx.client.is_pat:
        found = ctx.client.runs.list_project(ctx.project_ref(), ctx.environment,
                                             limit=ctx.args.limit, **filters)
    else:
        found = ctx.client.runs.list(limit=ctx.args.limit, **filters)
    runs = [r async for r in found]
    ctx.out.items(runs, LIST_COLUMNS, empty="no runs match")


async def get_run(ctx: Context) -> None:
    ctx.out.item(await ctx.client.runs.retrieve(ctx.args.run_id, retry=NO_RETRY), DETAIL_FIELDS)


async def cancel(ctx: Context) -> None:
    done = []
    for run_id in ctx.args.run_ids:
        done.append({"id": await ctx.client.runs.cancel(run_id)})
        ctx.out.message(f"canceled {run_id}")
    ctx.out.done(done)


async def replay(ctx: Context) -> None:
    a = ctx.args
    overrides: dict[str, Any] = {
        "tags": split_list(a.tag), "queue": a.queue, "machine": a.machine, "delay": a.delay,
        "ttl": a.ttl, "version": a.pin_version,
    }
    if a.payload is not None:
        overrides["payload"] = read_json(a.payload, "--payload")
    if a.metadata is not None:
        overrides["metadata"] = read_json(a.metadata, "--metadata")
    new_id = await ctx.client.runs.replay(
        a.run_id, **{k: v for k, v in overrides.items() if v is not None})
    ctx.out.message(f"replayed {a.run_id} as {new_id}")
    ctx.out.done([{"id": new_id, "replayOf": a.run_id}])


async def reschedule(ctx: Context) -> None:
    run = await ctx.client.runs.reschedule(ctx.args.run_id, ctx.args.delay)
    ctx.out.message(f"rescheduled {run.id}")
    ctx.out.item(run, (col("ID", "id"), col("STATUS", "status"),
                       col("DELAYED UNTIL", "delayed_until")))


async def tag(ctx: Context) -> None:
    tags = split_list(ctx.args.tags)
    if not tags:
        raise UsageError("give at least one tag")
    message = await ctx.client.runs.add_tags(ctx.args.run_id, tags)
    ctx.out.message(message)
    ctx.out.done([{"id": ctx.args.run_id, "tags": tags}])


# --------------------------------------------------------------------------- parsers
def register(sub: Any) -> None:
    actions = group(sub, "runs", help="list, inspect, cancel, replay, reschedule and tag runs")

    p = command(actions, "list", list_runs, help="list runs, newest first")
    add_filters(p)
    p.add_argument("--limit", type=int, default=25, help="at most this many runs (default 25)")

    p = command(actions, "get", get_run, help="show one run with its payload, output and error")
    p.add_argument("run_id", metavar="RUN_ID")

    p = command(actions, "cancel", cancel, help="cancel runs that have not finished")
    p.add_argument("run_ids", metavar="RUN_ID", nargs="+")

    p = command(actions, "replay", replay,
                help="start a new run of the same task with the same (or an edited) payload")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("--payload", help="new payload: JSON, @file or - (stdin)")
    p.add_argument("--metadata", help="new metadata: JSON, @file or -")
    p.add_argument("--tag", action="append", help="tags of the new run")
    p.add_argument("--queue", help="run the replay on this queue")
    p.add_argument("--machine", help="machine preset for the replay, e.g. small-2x")
    p.add_argument("--delay", help="start later: a duration (30m) or an ISO time")
    p.add_argument("--ttl", help="expire if not started within, e.g. 10m")
    p.add_argument("--pin-version", help="run on this worker version")

    p = command(actions, "reschedule", reschedule, help="move a delayed run's start")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("delay", metavar="DELAY", help="a duration from now (1h) or an ISO time")

    p = command(actions, "tag", tag, help="add tags to a run")
    p.add_argument("run_id", metavar="RUN_ID")
    p.add_argument("tags", metavar="TAG", nargs="+")
