"""Error groups: list with occurrence counts over a time window, retrieve, and the lifecycle
actions (resolve, ignore, unresolve), each answering with the full error object.

Unknown ids get the route builder's generic 404 bodies: `Not found` on the read route,
`Resource not found` on the action routes (the resource lookup fails before the handler runs).
"""

from __future__ import annotations

from typing import Any

from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    js_type,
    not_found,
    page_size,
    query_error,
    validation_error,
)
from trigger_tui.emulator.timefmt import iso, parse_instant, parse_period
from trigger_tui.emulator.world.errors import STATUSES, ErrorGroup

api = Api()

DEFAULT_PERIOD_S = 86400.0  # the API's list asks for the last day unless told otherwise
MAX_SEARCH = 1000
MAX_REASON = 1000


def _when(ts: float | None) -> str | None:
    return iso(ts) if ts is not None else None


def list_item(group: ErrorGroup, count: int) -> dict[str, Any]:
    """ErrorListItem: `count` is within the requested window; the nullables are sent as null."""
    return {
        "id": group.id,
        "fingerprint": group.fingerprint,
        "taskIdentifier": group.task,
        "errorType": group.error_type,
        "errorMessage": group.message,
        "status": group.status,
        "count": count,
        "firstSeen": iso(group.first_seen),
        "lastSeen": iso(group.last_seen),
        "resolvedAt": _when(group.resolved_at),
        "ignoredUntil": _when(group.ignored_until),
    }


def error_object(group: ErrorGroup) -> dict[str, Any]:
    """ErrorObject: total count, affected versions and the whole lifecycle state."""
    return {
        "id": group.id,
        "fingerprint": group.fingerprint,
        "taskIdentifier": group.task,
        "errorType": group.error_type,
        "errorMessage": group.message,
        "count": group.count,
        "firstSeen": iso(group.first_seen),
        "lastSeen": iso(group.last_seen),
        "affectedVersions": group.affected_versions(),
        "status": group.status,
        "resolvedAt": _when(group.resolved_at),
        "resolvedInVersion": group.resolved_in_version,
        "resolvedBy": None,  # a secret key has no user to attribute the change to
        "ignoredAt": _when(group.ignored_at),
        "ignoredUntil": _when(group.ignored_until),
        "ignoredReason": group.ignored_reason,
        "ignoredByUserId": None,
        "ignoredUntilOccurrenceRate": group.ignored_rate,
        "ignoredUntilTotalOccurrences": group.ignored_total,
    }


# ---------------------------------------------------------------------- list
def _window(ctx: Ctx, now: float) -> tuple[float, float]:
    """`filter[period]` wins; else from/to; else the last day. An unparseable period falls back
    to the default, as the service's time-filter helper does."""
    period = ctx.q("filter[period]")
    seconds = parse_period(period) if period else None
    if seconds is not None:
        return now - seconds, now
    bounds: list[float | None] = []
    for name in ("filter[from]", "filter[to]"):
        raw = ctx.q(name)
        when = parse_instant(raw) if raw is not None else None
        if raw is not None and when is None:
            raise query_error("Invalid date", name)
        bounds.append(when)
    start, end = bounds
    if start is None and end is None:
        return now - DEFAULT_PERIOD_S, now
    return (start if start is not None else 0.0), (end if end is not None else now)


def _statuses(ctx: Ctx) -> frozenset[str] | None:
    wanted = ctx.q_list("filter[status]")
    if not wanted:
        return None
    bad = [s for s in wanted if s not in STATUSES]
    if bad:
        raise query_error(f"Invalid status values: {', '.join(bad)}. Allowed: unresolved, "
                          "resolved, ignored.", "filter[status]")
    return frozenset(wanted)


@api.route("/api/v1/errors", ["GET"])
async def list_errors(ctx: Ctx) -> Any:
    env = ctx.e
    size = page_size(ctx)
    statuses = _statuses(ctx)
    tasks = ctx.q_list("filter[taskIdentifier]")
    versions = ctx.q_list("filter[version]")
    search = (ctx.q("filter[search]") or "").strip().lower()
    if len(search) > MAX_SEARCH:
        raise query_error(f"String must contain at most {MAX_SEARCH} character(s)",
                          "filter[search]")
    start, end = _window(ctx, env.now)
    only = frozenset(versions) if versions else None
    rows: list[tuple[ErrorGroup, int]] = []
    for group in env.errors.all():
        if tasks and group.task not in tasks:
            continue
        if statuses is not None and group.status not in statuses:
            continue
        if search and search not in group.error_type.lower() \
                and search not in group.message.lower():
            continue
        count = group.count_between(start, end, only)
        if count > 0:
            rows.append((group, count))
    rows.sort(key=lambda r: (r[0].last_seen, r[0].id), reverse=True)
    return _page(rows, size, ctx.q("page[after]"), ctx.q("page[before]"))


def _page(rows: list[tuple[ErrorGroup, int]], size: int, after: str | None,
          before: str | None) -> dict[str, Any]:
    """Error ids as cursors: `next` is the last id shown, `previous` the first."""
    ids = [g.id for g, _ in rows]
    if before:
        end = ids.index(before) if before in ids else 0
        start = max(0, end - size)
    elif after:
        start = ids.index(after) + 1 if after in ids else len(ids)
        end = start + size
    else:
        start, end = 0, size
    page = rows[start:end]
    pagination: dict[str, str] = {}
    if page and end < len(rows):
        pagination["next"] = page[-1][0].id
    if page and start > 0:
        pagination["previous"] = page[0][0].id
    return {"data": [list_item(g, n) for g, n in page], "pagination": pagination}


# ---------------------------------------------------------------------- one group
def _find(ctx: Ctx, message: str) -> ErrorGroup:
    group = ctx.e.errors.get(ctx.raw_path("errorId"))
    if group is None:
        raise not_found(message)
    return group


@api.route("/api/v1/errors/{errorId}", ["GET"])
async def retrieve_error(ctx: Ctx) -> Any:
    return error_object(_find(ctx, "Not found"))


@api.route("/api/v1/errors/{errorId}/resolve", ["POST"])
async def resolve_error(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    version = body.get("resolvedInVersion")
    if "resolvedInVersion" in body and not isinstance(version, str):
        raise _expected("string", version, "resolvedInVersion")
    group = _find(ctx, "Resource not found")
    ctx.e.errors.resolve(group, version)
    return error_object(group)


@api.route("/api/v1/errors/{errorId}/ignore", ["POST"])
async def ignore_error(ctx: Ctx) -> Any:
    body = await ctx.json_object()
    duration = _positive(body, "duration", integer=True)
    rate = _positive(body, "occurrenceRate", integer=False)
    total = _positive(body, "totalOccurrences", integer=True)
    reason = body.get("reason")
    if "reason" in body:
        if not isinstance(reason, str):
            raise _expected("string", reason, "reason")
        if len(reason) > MAX_REASON:
            raise validation_error(f"String must contain at most {MAX_REASON} character(s)",
                                   ["reason"])
    group = _find(ctx, "Resource not found")
    ctx.e.errors.ignore(group, duration_ms=int(duration) if duration is not None else None,
                        rate=rate, total=int(total) if total is not None else None,
                        reason=reason)
    return error_object(group)


@api.route("/api/v1/errors/{errorId}/unresolve", ["POST"])
async def unresolve_error(ctx: Ctx) -> Any:
    group = _find(ctx, "Resource not found")
    ctx.e.errors.unresolve(group)
    return error_object(group)


def _expected(kind: str, value: Any, name: str) -> HttpError:
    return validation_error(f"Expected {kind}, received {js_type(value)}", [name])


def _positive(body: dict[str, Any], name: str, *, integer: bool) -> float | None:
    """zod's `number().int()?.positive().optional()`: absent is fine, null is not."""
    if name not in body:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _expected("number", value, name)
    if integer and value != int(value):
        raise validation_error("Expected integer, received float", [name])
    if value <= 0:
        raise validation_error("Number must be greater than 0", [name])
    return float(value)
