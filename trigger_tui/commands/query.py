"""`trigger-tui query "SELECT …" [--period 7d] [--format table|json|csv]`."""

from __future__ import annotations

from typing import Any

from trigger_tui.commands.context import Context, UsageError, command
from trigger_tui.commands.inputs import read_text
from trigger_tui.commands.runs import parse_instant


async def execute(ctx: Context) -> None:
    a = ctx.args
    trql = read_text(a.trql, "the query").strip()
    if not trql:
        raise UsageError("the query is empty")
    if a.period and (a.from_ or a.to):
        raise UsageError("give --period or --from/--to, not both (the server would ignore "
                         "--from/--to)")
    result = await ctx.client.query.execute(
        trql, period=a.period, from_=parse_instant(a.from_, "--from"),
        to=parse_instant(a.to, "--to"), scope=a.scope,
        format="json")
    rows = result.rows or []
    if ctx.out.format == "csv":
        # The console's export code, so `query --format csv` and F8 write the same file
        # (imported here: the other commands never load the console's state layer).
        from trigger_tui.state.query import columns_of, export_text

        ctx.out.data(export_text(columns_of(rows), rows, "csv"))
        return
    ctx.out.rows(rows)


def register(sub: Any) -> None:
    p = command(sub, "query", execute, help="run a TRQL query (SQL over runs and metrics)",
                description="Run a TRQL query against the environment of the key. TRQL is "
                "ClickHouse-flavoured SQL over the tables runs, metrics and llm_metrics; see "
                "https://trigger.dev/docs/observability/query. Example:\n\n"
                "  trigger-tui query \"SELECT task_identifier, count() AS runs FROM runs "
                "GROUP BY task_identifier\" --period 1d")
    p.add_argument("trql", metavar="QUERY", help="the query, @file, or - to read stdin")
    p.add_argument("--period", help="look back this far, e.g. 1h, 7d (server default: 7d)")
    p.add_argument("--from", dest="from_", metavar="TIME", help="window start (ISO)")
    p.add_argument("--to", metavar="TIME", help="window end (ISO)")
    p.add_argument("--scope", choices=("environment", "project", "organization"),
                   default="environment", help="whose runs (default: the key's environment)")
