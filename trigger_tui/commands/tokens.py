"""`trigger-tui tokens list|get|create|complete`: waitpoint tokens that runs wait on."""

from __future__ import annotations

from typing import Any

from trigger_tui.commands.context import Context, command, group
from trigger_tui.commands.inputs import read_json, split_list, statuses
from trigger_tui.commands.output import col

COLUMNS = (
    col("ID", "id"), col("STATUS", "status"), col("TAGS", "tags", 40),
    col("CREATED", "created_at"), col("TIMEOUT", "timeout_at"),
    col("COMPLETED", "completed_at"), col("IDEMPOTENCY KEY", "idempotency_key", 32),
)
DETAIL = (*COLUMNS, col("URL", "url", 200), col("OUTPUT", "output"),
          col("OUTPUT IS ERROR", "output_is_error"))


async def list_tokens(ctx: Context) -> None:
    a = ctx.args
    tokens = [t async for t in ctx.client.tokens.list(
        status=statuses(a.status), tags=split_list(a.tag), idempotency_key=a.idempotency_key,
        period=a.period, limit=a.limit)]
    ctx.out.items(tokens, COLUMNS, empty="no tokens match")


async def get(ctx: Context) -> None:
    ctx.out.item(await ctx.client.tokens.retrieve(ctx.args.token_id), DETAIL)


async def create(ctx: Context) -> None:
    a = ctx.args
    token = await ctx.client.tokens.create(
        timeout=a.timeout, tags=split_list(a.tag), idempotency_key=a.idempotency_key,
        idempotency_key_ttl=a.idempotency_key_ttl)
    ctx.out.message(f"token {token.id}" + (" (existing, same idempotency key)"
                                           if token.is_cached else ""))
    ctx.out.item(token, (col("ID", "id"), col("URL", "url", 200), col("CACHED", "is_cached")))


async def complete(ctx: Context) -> None:
    data = read_json(ctx.args.data, "--data") if ctx.args.data is not None else None
    await ctx.client.tokens.complete(ctx.args.token_id, data)
    ctx.out.message(f"completed {ctx.args.token_id}: the runs waiting on it resume")
    ctx.out.done([{"id": ctx.args.token_id, "completed": True}])


def register(sub: Any) -> None:
    actions = group(sub, "tokens", help="waitpoint tokens (human-in-the-loop waits)")
    p = command(actions, "list", list_tokens, help="list tokens, newest first")
    p.add_argument("--status", action="append", help="WAITING, COMPLETED, TIMED_OUT")
    p.add_argument("--tag", action="append", help="tokens with any of these tags")
    p.add_argument("--idempotency-key", help="the token created with this key")
    p.add_argument("--period", help="created within, e.g. 1d")
    p.add_argument("--limit", type=int, default=25, help="at most this many (default 25)")
    p = command(actions, "get", get, help="show one token with its output")
    p.add_argument("token_id", metavar="TOKEN_ID", help="waitpoint_…")
    p = command(actions, "create", create, help="create a token for a run to wait on")
    p.add_argument("--timeout", help="time out after a duration (1h) or at an ISO time")
    p.add_argument("--tag", action="append", help="tags of the new token")
    p.add_argument("--idempotency-key", help="the same key returns the same live token")
    p.add_argument("--idempotency-key-ttl", help="how long the key holds, e.g. 1h")
    p = command(actions, "complete", complete, help="complete a token (resumes its waiters)")
    p.add_argument("token_id", metavar="TOKEN_ID", help="waitpoint_…")
    p.add_argument("--data", help="the output: JSON, @file or -")
