"""`trigger-tui bulk cancel|replay (--ids … | --filter KEY=VALUE …)`, with progress on stderr.

The server works through a bulk action in the background; the command polls it (once a second,
as the SDK's `bulk.poll` does) until it is no longer PENDING, printing progress to stderr, then
prints the final action to stdout. `--no-wait` prints the id at once instead.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Literal

from trigger_tui.api.models.bulk import BulkAction
from trigger_tui.commands.context import Context, UsageError, command, group
from trigger_tui.commands.inputs import duration_ms, key_values
from trigger_tui.commands.output import Column, col
from trigger_tui.commands.runs import parse_instant

COLUMNS = (
    col("ID", "id"), col("TYPE", "type"), col("STATUS", "status"), col("NAME", "name"),
    Column("TOTAL", lambda b: b.counts.total), Column("SUCCEEDED", lambda b: b.counts.success),
    Column("FAILED", lambda b: b.counts.failure), col("CREATED", "created_at"),
    col("COMPLETED", "completed_at"),
)

_LISTS = {"status": "status", "task": "taskIdentifier", "taskidentifier": "taskIdentifier",
          "version": "version", "tag": "tag", "region": "region", "machine": "machine"}
_SCALARS = {"period": "period", "schedule": "schedule", "batch": "batch",
            "bulk-action": "bulkAction", "bulkaction": "bulkAction"}
FILTER_KEYS = "status, task, version, tag, region, machine, queue, period, from, to, " \
    "schedule, batch, bulk-action, test"


def build_filter(pairs: list[str]) -> dict[str, Any]:
    """`--filter` pairs as the API's bulk filter object (the SDK's field names)."""
    out: dict[str, Any] = {}
    for key, value in key_values(pairs, "--filter").items():
        values = [v.strip() for v in value.split(",") if v.strip()]
        if key in _LISTS:
            out[_LISTS[key]] = values
        elif key in _SCALARS:
            out[_SCALARS[key]] = value
        elif key == "queue":
            out["queue"] = [{"type": "task", "name": v.removeprefix("task/")}
                            if v.startswith("task/") else {"type": "custom", "name": v}
                            for v in values]
        elif key in ("from", "to"):
            out[key] = parse_instant(value, f"--filter {key}")
        elif key in ("test", "istest"):
            if value.lower() not in ("true", "false"):
                raise UsageError("--filter test=true or test=false")
            out["isTest"] = value.lower() == "true"
        else:
            raise UsageError(f"--filter: unknown key {key!r}; use {FILTER_KEYS}")
    if not out:
        raise UsageError("--filter needs at least one KEY=VALUE")
    return out


def _ids(values: list[str]) -> list[str]:
    text = " ".join(sys.stdin.read() if v == "-" else v for v in values)
    ids = [i for i in re.split(r"[\s,]+", text) if i]
    if not ids:
        raise UsageError("--ids: no run ids given")
    return ids


def _progress(b: BulkAction) -> str:
    done = b.counts.success + b.counts.failure
    return (f"{b.id}: {b.status.lower()}, {done}/{b.counts.total} runs "
            f"({b.counts.success} ok, {b.counts.failure} failed)")


async def _run(ctx: Context, action: Literal["cancel", "replay"]) -> int:
    a = ctx.args
    if a.ids:
        bulk_id = await ctx.client.bulk.create(action, run_ids=_ids(a.ids), name=a.name)
    else:
        bulk_id = await ctx.client.bulk.create(action, filter=build_filter(a.filter),
                                               name=a.name)
    ctx.out.message(f"started bulk {action} {bulk_id}")
    if a.no_wait:
        ctx.out.done([{"id": bulk_id}])
        return 0
    limit_s = duration_ms(a.timeout, "--timeout") / 1000
    waited, last = 0.0, ""
    while True:
        state = await ctx.client.bulk.retrieve(bulk_id)
        line = _progress(state)
        if line != last:
            ctx.out.message(line)
            last = line
        if state.status != "PENDING":
            ctx.out.item(state, COLUMNS)
            if state.counts.failure:  # a script must see that some runs were not changed
                ctx.out.message(f"trigger-tui: {state.counts.failure} of {state.counts.total} "
                                f"runs could not be {action}ed")
                return 1
            return 0
        if waited >= limit_s:
            ctx.out.message(f"trigger-tui: {bulk_id} is still running after {a.timeout}; "
                            "it carries on in the background")
            ctx.out.item(state, COLUMNS)
            return 1
        await ctx.sleep(a.poll_interval)
        waited += a.poll_interval


async def cancel(ctx: Context) -> int:
    return await _run(ctx, "cancel")


async def replay(ctx: Context) -> int:
    return await _run(ctx, "replay")


def register(sub: Any) -> None:
    actions = group(sub, "bulk", help="cancel or replay many runs at once")
    for name, handler, what in (("cancel", cancel, "cancel every matching run still "
                                 "cancelable"),
                                ("replay", replay, "replay every matching run")):
        p = command(actions, name, handler, help=what,
                    description=what[:1].upper() + what[1:] + ". Choose the runs by id, or by "
                    "filter (server default window: the last 7 days). Examples:\n\n"
                    f"  trigger-tui bulk {name} --ids run_a,run_b\n"
                    f"  trigger-tui bulk {name} --filter status=FAILED --filter period=1h\n"
                    f"  trigger-tui runs list --status FAILED --json | jq -r '.[].id' | "
                    f"trigger-tui bulk {name} --ids -")
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--ids", nargs="+", metavar="RUN_ID",
                           help="run ids (space or comma separated; - reads stdin)")
        which.add_argument("--filter", action="append", metavar="KEY=VALUE",
                           help=f"runs-list filter; keys: {FILTER_KEYS}")
        p.add_argument("--name", help="a name for the bulk action")
        p.add_argument("--no-wait", action="store_true",
                       help="print the bulk action's id and return at once")
        p.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS",
                       help="how often to check progress (default 1)")
        p.add_argument("--timeout", default="15m",
                       help="stop waiting after this long (default 15m; the action continues)")
