"""`trigger-tui schedules list|get|create|update|delete|activate|deactivate`."""

from __future__ import annotations

import argparse
from typing import Any

from trigger_tui.api.models.schedules import Schedule
from trigger_tui.commands.context import Context, command, group
from trigger_tui.commands.output import Column, col

COLUMNS = (
    col("ID", "id"), col("TASK", "task", 32), Column("CRON", lambda s: s.cron),
    col("TIMEZONE", "timezone"), col("ACTIVE", "active"), col("NEXT RUN", "next_run"),
    col("TYPE", "type"), col("EXTERNAL ID", "external_id"),
)
DETAIL = (
    *COLUMNS[:3], Column("DESCRIPTION", lambda s: s.generator.description),
    *COLUMNS[3:], col("DEDUPLICATION KEY", "deduplication_key"), col("WINDOW", "window"),
    Column("ENVIRONMENTS", lambda s: [e.slug or e.type for e in s.environments]),
)


async def list_schedules(ctx: Context) -> None:
    ctx.out.items([s async for s in ctx.client.schedules.list()], COLUMNS, empty="no schedules")


async def get(ctx: Context) -> None:
    ctx.out.item(await ctx.client.schedules.retrieve(ctx.args.schedule_id), DETAIL)


async def create(ctx: Context) -> None:
    a = ctx.args
    s = await ctx.client.schedules.create(a.task, a.cron, a.dedup_key,
                                          external_id=a.external_id, timezone=a.timezone)
    ctx.out.message(f"schedule {s.id}: {s.task} {s.cron} ({s.timezone})")
    ctx.out.item(s, DETAIL)


async def update(ctx: Context) -> None:
    """The API replaces task and cron together; what is not given is kept from the schedule."""
    a = ctx.args
    current = await ctx.client.schedules.retrieve(a.schedule_id)
    s = await ctx.client.schedules.update(
        a.schedule_id, a.task or current.task, a.cron or current.cron,
        external_id=a.external_id if a.external_id is not None else current.external_id,
        timezone=a.timezone or current.timezone)
    ctx.out.message(f"updated {s.id}")
    ctx.out.item(s, DETAIL)


async def delete(ctx: Context) -> None:
    deleted = await ctx.client.schedules.delete(ctx.args.schedule_id)
    ctx.out.message(f"deleted {deleted}")
    ctx.out.done([{"id": deleted, "deleted": True}])


async def activate(ctx: Context) -> None:
    s = await ctx.client.schedules.activate(ctx.args.schedule_id)
    ctx.out.message(f"activated {s.id}")
    ctx.out.item(s, DETAIL)


async def deactivate(ctx: Context) -> None:
    s: Schedule = await ctx.client.schedules.deactivate(ctx.args.schedule_id)
    ctx.out.message(f"deactivated {s.id}")
    ctx.out.item(s, DETAIL)


def _id(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("schedule_id", metavar="SCHEDULE_ID", help="sched_…")
    return p


def register(sub: Any) -> None:
    actions = group(sub, "schedules", help="cron schedules of the environment")
    command(actions, "list", list_schedules, help="list schedules")
    _id(command(actions, "get", get, help="show one schedule"))
    p = command(actions, "create", create,
                help="create a schedule (or update the one with the same deduplication key)")
    p.add_argument("--task", required=True, help="a scheduled task's id")
    p.add_argument("--cron", required=True, help='e.g. "0 9 * * 1-5"')
    p.add_argument("--dedup-key", required=True,
                   help="deduplication key: creating again with it updates that schedule")
    p.add_argument("--external-id", help="your own id (e.g. a user id), passed to each run")
    p.add_argument("--timezone", help="IANA timezone, e.g. Europe/London (default UTC)")
    p = _id(command(actions, "update", update,
                    help="change a schedule's task, cron, timezone or external id"))
    p.add_argument("--task", help="a scheduled task's id (unchanged when not given)")
    p.add_argument("--cron", help='e.g. "0 9 * * 1-5" (unchanged when not given)')
    p.add_argument("--external-id", help="your own id, passed to each run")
    p.add_argument("--timezone", help="IANA timezone, e.g. Europe/London")
    _id(command(actions, "delete", delete, help="delete a schedule"))
    _id(command(actions, "activate", activate, help="turn a schedule on"))
    _id(command(actions, "deactivate", deactivate, help="turn a schedule off"))
