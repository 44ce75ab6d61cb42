"""`trigger-tui deployments list|get|current|promote`."""

from __future__ import annotations

from typing import Any

from trigger_tui.commands.context import Context, command, group
from trigger_tui.commands.output import Column, col

COLUMNS = (
    col("VERSION", "version"), col("STATUS", "status"), col("SHORT CODE", "short_code"),
    col("CREATED", "created_at"), col("DEPLOYED", "deployed_at"), col("ID", "id"),
    Column("ERROR", lambda d: d.error.message if d.error else None),
)
DETAIL = (
    col("ID", "id"), col("VERSION", "version"), col("STATUS", "status"),
    col("SHORT CODE", "short_code"), col("COMMIT", "commit_sha"),
    col("IMAGE", "image_reference", 100),
    Column("TASKS", lambda d: [t.slug for t in d.worker.tasks] if d.worker else None),
    Column("ERROR", lambda d: f"{d.error_data.name}: {d.error_data.message}"
           if d.error_data else None),
)


async def list_deployments(ctx: Context) -> None:
    a = ctx.args
    found = [d async for d in ctx.client.deployments.list(status=a.status, period=a.period,
                                                          limit=a.limit)]
    ctx.out.items(found, COLUMNS, empty="no deployments")


async def get(ctx: Context) -> None:
    ctx.out.item(await ctx.client.deployments.retrieve(ctx.args.deployment_id), DETAIL)


async def current(ctx: Context) -> None:
    ctx.out.item(await ctx.client.deployments.current(), COLUMNS)


async def promote(ctx: Context) -> None:
    result = await ctx.client.deployments.promote(ctx.args.version,
                                                  allow_rollbacks=ctx.args.allow_rollback)
    ctx.out.message(f"promoted {result.version}: new runs now execute on it")
    ctx.out.item(result, (col("ID", "id"), col("VERSION", "version"),
                          col("SHORT CODE", "short_code")))


def register(sub: Any) -> None:
    actions = group(sub, "deployments", help="deployments and the current version")
    p = command(actions, "list", list_deployments, help="list deployments, newest first")
    p.add_argument("--status", help="e.g. DEPLOYED, FAILED")
    p.add_argument("--period", help="created within, e.g. 30d")
    p.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    p = command(actions, "get", get, help="show one deployment with its tasks")
    p.add_argument("deployment_id", metavar="DEPLOYMENT_ID", help="deployment_…")
    command(actions, "current", current, help="show the deployment new runs execute on")
    p = command(actions, "promote", promote, help="make a deployed version current")
    p.add_argument("version", metavar="VERSION", help="e.g. 20250228.1")
    p.add_argument("--allow-rollback", action="store_true",
                   help="allow promoting a version older than the current one")
