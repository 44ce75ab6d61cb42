"""`trigger-tui errors list|get|resolve|ignore`: failed runs grouped by error fingerprint."""

from __future__ import annotations

import argparse
from typing import Any

from trigger_tui.commands.context import Context, command, group
from trigger_tui.commands.inputs import duration_ms, split_list, statuses
from trigger_tui.commands.output import col

COLUMNS = (
    col("ID", "id"), col("STATUS", "status"), col("TASK", "task_identifier", 28),
    col("COUNT", "count"), col("LAST SEEN", "last_seen"), col("TYPE", "error_type", 24),
    col("MESSAGE", "error_message", 60),
)
DETAIL = (
    *COLUMNS, col("FIRST SEEN", "first_seen"), col("VERSIONS", "affected_versions"),
    col("FINGERPRINT", "fingerprint"), col("RESOLVED AT", "resolved_at"),
    col("RESOLVED IN", "resolved_in_version"), col("IGNORED UNTIL", "ignored_until"),
    col("IGNORED REASON", "ignored_reason"),
)


async def list_errors(ctx: Context) -> None:
    a = ctx.args
    found = [g async for g in ctx.client.errors.list(
        status=statuses(a.status, upper=False), task=split_list(a.task), period=a.period,
        search=a.search, limit=a.limit)]
    ctx.out.items(found, COLUMNS, empty="no error groups match")


async def get(ctx: Context) -> None:
    ctx.out.item(await ctx.client.errors.retrieve(ctx.args.error_id), DETAIL)


async def resolve(ctx: Context) -> None:
    g = await ctx.client.errors.resolve(ctx.args.error_id, ctx.args.in_version)
    ctx.out.message(f"resolved {g.id}: it reopens if it happens again")
    ctx.out.item(g, DETAIL)


async def ignore(ctx: Context) -> None:
    a = ctx.args
    g = await ctx.client.errors.ignore(
        a.error_id, duration_ms=duration_ms(a.for_, "--for") if a.for_ else None,
        rate=a.until_rate, total=a.until_total, reason=a.reason)
    ctx.out.message(f"ignoring {g.id}")
    ctx.out.item(g, DETAIL)


def _id(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("error_id", metavar="ERROR_ID", help="error_…")
    return p


def register(sub: Any) -> None:
    actions = group(sub, "errors", help="error groups: list, resolve and ignore")
    p = command(actions, "list", list_errors, help="list error groups (server default: last day)")
    p.add_argument("--status", action="append", help="unresolved, resolved, ignored")
    p.add_argument("--task", action="append", help="task identifier (repeat, or comma-separated)")
    p.add_argument("--period", help="with occurrences within, e.g. 7d")
    p.add_argument("--search", help="text in the error type or message")
    p.add_argument("--limit", type=int, default=25, help="at most this many (default 25)")
    _id(command(actions, "get", get, help="show one error group"))
    p = _id(command(actions, "resolve", resolve, help="mark an error group resolved"))
    p.add_argument("--in-version", help="the version that fixes it")
    p = _id(command(actions, "ignore", ignore,
                    help="ignore an error group (for a while, or until it grows)"))
    p.add_argument("--for", dest="for_", metavar="DURATION", help="e.g. 1h, 7d")
    p.add_argument("--until-rate", type=float, metavar="N", help="occurrences per minute")
    p.add_argument("--until-total", type=int, metavar="N", help="new occurrences in total")
    p.add_argument("--reason", help="why it is ignored (shown with the group)")
