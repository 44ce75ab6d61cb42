"""Routes for query: TRQL execution, its schema and the built-in dashboards (trql.md §1)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from trigger_tui.emulator.http import Api, Ctx, HttpError
from trigger_tui.emulator.timefmt import parse_duration, parse_instant, parse_period
from trigger_tui.emulator.trql.dashboards import dashboards_json
from trigger_tui.emulator.trql.engine import TrqlError, time_window
from trigger_tui.emulator.trql.runner import UNEXPECTED, QueryRejected, response, service_for
from trigger_tui.emulator.trql.schema import schema_json

api = Api()
log = logging.getLogger(__name__)

SCOPES = ("organization", "project", "environment")
FORMATS = ("json", "csv")


@dataclass(frozen=True, slots=True)
class QueryBody:
    query: str
    scope: str
    period: str | None
    from_: str | None
    to: str | None
    format: str


def _js_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "null" if value is None else "object"


def parse_body(body: dict[str, Any]) -> QueryBody:
    """The route's zod schema; every issue, joined the way zod-validation-error joins them."""
    issues: list[str] = []

    def string(name: str, *, required: bool = False) -> str | None:
        value = body.get(name)
        if value is None:
            if required:
                issues.append(f'Required at "{name}"')
            return None
        if not isinstance(value, str):
            issues.append(f'Expected string, received {_js_type(value)} at "{name}"')
            return None
        return value

    def enum(name: str, allowed: tuple[str, ...], default: str) -> str:
        value = body.get(name, default)
        if value not in allowed:
            shown = f"'{value}'" if isinstance(value, str) else _js_type(value)
            expected = " | ".join(f"'{a}'" for a in allowed)
            issues.append(f'Invalid enum value. Expected {expected}, received {shown} at "{name}"')
            return default
        return str(value)

    query = string("query", required=True)
    scope = enum("scope", SCOPES, "environment")
    period, from_, to = string("period"), string("from"), string("to")
    fmt = enum("format", FORMATS, "json")
    if issues:
        raise HttpError(400, "Validation error: " + "; ".join(issues))
    assert query is not None
    return QueryBody(query, scope, period, from_, to, fmt)


def _instant(name: str, value: str | None) -> float | None:
    if not value:
        return None
    when = parse_instant(value)
    if when is None:
        raise HttpError(400, f'Invalid "{name}" date: {value}')
    return when


@api.route("/api/v1/query", ["POST"])
async def execute_query(ctx: Ctx) -> Any:
    body = parse_body(await ctx.json_object())
    envs = [ctx.e] if body.scope == "environment" else list(ctx.world.envs.values())
    period_s = None
    if body.period:
        # An unparseable period falls back to the default 7 days, as parse-duration's null does.
        period_s = parse_period(body.period) or parse_duration(body.period) or 7 * 86400.0
    window = time_window(ctx.e.now, period_s, None if period_s else _instant("from", body.from_),
                         None if period_s else _instant("to", body.to))
    try:
        result = await service_for(ctx.world).run(ctx.world, envs, body.query, window)
    except TrqlError as exc:
        raise HttpError(400, exc.message) from None
    except QueryRejected as exc:
        raise HttpError(exc.status, exc.message) from None
    except Exception:
        log.exception("TRQL query failed unexpectedly: %s", body.query)
        raise HttpError(500, UNEXPECTED) from None
    return response(result, body.format)


@api.route("/api/v1/query/schema", ["GET"])
async def query_schema(ctx: Ctx) -> Any:
    return schema_json()


@api.route("/api/v1/query/dashboards", ["GET"])
async def query_dashboards(ctx: Ctx) -> Any:
    return dashboards_json()
