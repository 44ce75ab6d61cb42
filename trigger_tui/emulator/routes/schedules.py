"""Schedules (create/upsert, list, retrieve, update, delete, activate, deactivate) and the
timezone list.

These are the older hand-written routes: a bad key gets "Invalid or Missing API Key", a body that
fails the schema gets `{"error": "Invalid request body", "issues": [...zod issues...]}`, and
what the schedule service rejects is a 422 with its message. The three kinds of response differ
in what they put in `environments`, as the server's presenters do.
"""

from __future__ import annotations

from typing import Any

from trigger_tui.emulator import cron
from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    invalid_body,
    js_type,
    not_found,
    offset_page,
)
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.catalog import BY_ID
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.schedules import (
    Schedule,
    ScheduleBook,
    generator_json,
    window_problem,
)
from trigger_tui.emulator.world.world import DEV_USER

api = Api()

NOT_FOUND = "Schedule not found"
DEFAULT_PER_PAGE = 20
# (field, required) in the order zod reports them.
CREATE_FIELDS = (("task", True), ("cron", True), ("deduplicationKey", True),
                 ("externalId", False), ("timezone", False), ("window", False))
UPDATE_FIELDS = tuple(f for f in CREATE_FIELDS if f[0] != "deduplicationKey")
_MISSING = object()


# ---------------------------------------------------------------------- rendering
def environment_json(env: EnvWorld, style: str) -> dict[str, Any]:
    """`view` (retrieve, activate, deactivate): id and type only; `upsert` adds the dev user;
    `list` adds the slug too."""
    out: dict[str, Any] = {"id": env.internal_id, "type": env.type}
    if style == "list":
        out["slug"] = env.slug
    if style != "view" and env.type == "DEVELOPMENT":
        out["userName"] = DEV_USER
    return out


def schedule_json(env: EnvWorld, s: Schedule, *, style: str = "view") -> dict[str, Any]:
    """The ScheduleObject. Optional keys are left out; only the next-run dates may be null
    (an inactive schedule on retrieve, activate and deactivate)."""
    out: dict[str, Any] = {"id": s.id, "type": s.type, "task": s.task, "active": s.active}
    if s.user_dedup:
        out["deduplicationKey"] = s.dedup_key
    if s.external_id is not None:
        out["externalId"] = s.external_id
    out["generator"] = generator_json(s)
    out["timezone"] = s.timezone
    if s.window is not None:
        out["window"] = s.window
    nxt = env.schedules.next_run(s, even_inactive=style != "view")
    out["nextRun"] = iso(nxt[0]) if nxt else None
    out["nextRunEffectiveAt"] = iso(nxt[1]) if nxt else None
    out["environments"] = [environment_json(env, style)]
    return out


# ---------------------------------------------------------------------- validation
def _issue(name: str, value: Any) -> dict[str, Any]:
    if value is _MISSING:
        return {"code": "invalid_type", "expected": "string", "received": "undefined",
                "path": [name], "message": "Required"}
    got = js_type(value)
    return {"code": "invalid_type", "expected": "string", "received": got, "path": [name],
            "message": f"Expected string, received {got}"}


async def _body(ctx: Ctx, fields: tuple[tuple[str, bool], ...]) -> dict[str, Any]:
    """Every field is a string; all failures are reported together, as zod does."""
    body = await ctx.json(required=False, legacy=True)
    if not isinstance(body, dict):
        got = js_type(body)
        raise invalid_body([{"code": "invalid_type", "expected": "object", "received": got,
                             "path": [], "message": f"Expected object, received {got}"}])
    issues: list[dict[str, Any]] = []
    for name, required in fields:
        value = body.get(name, _MISSING)
        if value is _MISSING and not required:
            continue
        if not isinstance(value, str):
            issues.append(_issue(name, value))
        elif name == "window" and (problem := window_problem(value)) is not None:
            issues.append({"code": "custom", "message": problem, "path": ["window"]})
    if issues:
        raise invalid_body(issues)
    return body


def _check(ctx: Ctx, body: dict[str, Any]) -> tuple[str, str, str]:
    """The schedule service's checks, in its order: cron, timezone, task, scheduled task."""
    task, expression = body["task"], body["cron"]
    try:
        cron.validate(expression)
    except cron.CronError as exc:
        raise HttpError(422, f"Invalid cron expression: {exc}") from None
    timezone = body.get("timezone") or "UTC"
    if not cron.is_timezone(timezone):
        raise HttpError(422, f"Invalid IANA timezone: '{timezone}'. View the list of valid "
                        f"timezones at {ctx.world.api_origin}/timezones")
    spec = BY_ID.get(task)
    if spec is None:
        raise HttpError(422, f"Task with identifier {task} not found in project.")
    if spec.cron is None:
        raise HttpError(422, f"Task with identifier {task} is not a scheduled task.")
    return task, expression, timezone


def _find(ctx: Ctx) -> Schedule:
    s = ctx.e.schedules.get(ctx.raw_path("scheduleId"))
    if s is None:
        raise not_found(NOT_FOUND)
    return s


def _holder(ctx: Ctx, key: str) -> tuple[ScheduleBook, Schedule] | None:
    """Deduplication keys are unique per project: look in every environment, the caller's
    first."""
    books = [ctx.e.schedules] + [e.schedules for e in ctx.world.envs.values() if e is not ctx.e]
    for book in books:
        s = book.by_dedup_key(key)
        if s is not None:
            return book, s
    return None


# ---------------------------------------------------------------------- routes
@api.route("/api/v1/schedules", ["POST"], auth="legacy")
async def create(ctx: Ctx) -> Any:
    body = await _body(ctx, CREATE_FIELDS)
    task, expression, timezone = _check(ctx, body)
    external_id = body.get("externalId") or None
    window = body.get("window")
    key = body["deduplicationKey"]
    book = ctx.e.schedules
    found = _holder(ctx, key) if key else None
    if found is None:
        s = book.create(task, expression, timezone, dedup_key=key or None,
                        external_id=external_id, window=window)
        return schedule_json(ctx.e, s, style="upsert")
    holder, s = found
    if s.type == "DECLARATIVE":
        raise HttpError(422, "Cannot update a declarative schedule")
    if holder is not book:
        book.adopt(s, holder)
    book.update(s, task, expression, timezone, external_id=external_id, window=window)
    return schedule_json(ctx.e, s, style="upsert")


@api.route("/api/v1/schedules", ["GET"], auth="legacy")
async def list_schedules(ctx: Ctx) -> Any:
    issues = [i for name in ("page", "perPage") if (i := _positive_int(ctx, name)) is not None]
    if issues:
        raise HttpError(400, body={"error": "Invalid request parameters", "issues": issues})
    page = offset_page(ctx.e.schedules.newest_first(), ctx, default_per_page=DEFAULT_PER_PAGE)
    page["data"] = [schedule_json(ctx.e, s, style="list") for s in page["data"]]
    return page


def _positive_int(ctx: Ctx, name: str) -> dict[str, Any] | None:
    """`z.coerce.number().int().positive()`: the zod issue for a bad value, else None."""
    raw = ctx.q(name)
    if raw is None:
        return None
    try:
        value = float(raw) if raw.strip() else 0.0
    except ValueError:
        return {"code": "invalid_type", "expected": "number", "received": "nan", "path": [name],
                "message": "Expected number, received nan"}
    if not value.is_integer():
        return {"code": "invalid_type", "expected": "integer", "received": "float",
                "path": [name], "message": "Expected integer, received float"}
    if value <= 0:
        return {"code": "too_small", "minimum": 0, "type": "number", "inclusive": False,
                "exact": False, "message": "Number must be greater than 0", "path": [name]}
    return None


@api.route("/api/v1/schedules/{scheduleId}", ["GET"], auth="legacy")
async def retrieve(ctx: Ctx) -> Any:
    return schedule_json(ctx.e, _find(ctx))


@api.route("/api/v1/schedules/{scheduleId}", ["PUT"], auth="legacy")
async def update(ctx: Ctx) -> Any:
    body = await _body(ctx, UPDATE_FIELDS)
    task, expression, timezone = _check(ctx, body)
    s = _find(ctx)
    if s.type == "DECLARATIVE":
        raise HttpError(422, "Cannot update a declarative schedule")
    ctx.e.schedules.update(s, task, expression, timezone,
                           external_id=body.get("externalId") or None, window=body.get("window"))
    return schedule_json(ctx.e, s, style="upsert")


@api.route("/api/v1/schedules/{scheduleId}", ["DELETE"], auth="legacy")
async def delete(ctx: Ctx) -> Any:
    s = _find(ctx)
    ctx.e.schedules.delete(s)
    return {"id": s.id}


@api.route("/api/v1/schedules/{scheduleId}/activate", ["POST"], auth="legacy")
async def activate(ctx: Ctx) -> Any:
    s = _find(ctx)
    ctx.e.schedules.set_active(s, True)
    return schedule_json(ctx.e, s)


@api.route("/api/v1/schedules/{scheduleId}/deactivate", ["POST"], auth="legacy")
async def deactivate(ctx: Ctx) -> Any:
    s = _find(ctx)
    ctx.e.schedules.set_active(s, False)
    return schedule_json(ctx.e, s)


@api.route("/api/v1/timezones", ["GET"], auth="none")
async def timezones(ctx: Ctx) -> Any:
    """No auth (the SDK sends none): the geographic IANA zones, sorted, `UTC` first unless
    `excludeUtc=true`."""
    zones = list(cron.timezones())
    if ctx.q("excludeUtc") != "true":
        zones.insert(0, "UTC")
    return {"timezones": zones}
