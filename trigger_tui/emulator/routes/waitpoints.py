"""Waitpoint tokens: create, list, retrieve, complete, and the unauthenticated HTTP callback.

Also home of `keyed_page`, the newest-first cursor pagination that tokens and bulk actions share.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from trigger_tui.emulator.http import (
    Api,
    Ctx,
    HttpError,
    decode_cursor,
    encode_cursor,
    js_type,
    not_found,
    omit_none,
    page_size,
    query_error,
    validation_error,
)
from trigger_tui.emulator.routes.tasks import (
    TRIGGER_MAX_BYTES,
    key_ttl_seconds,
    require_length,
)
from trigger_tui.emulator.timefmt import iso, parse_delay, parse_instant, parse_period
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.tokens import JSON_NULL, STATUSES, Token

api = Api()

CREATE_MAX_BYTES = 10 * 1024
MAX_TAGS = 10
MAX_TAG_LENGTH = 128


# ---------------------------------------------------------------------- pagination
class Keyed(Protocol):
    created_at: float
    seq: int


K = TypeVar("K", bound=Keyed)


def keyed_page(ctx: Ctx, items: Iterable[K], render: Callable[[K], dict[str, Any]]
               ) -> dict[str, Any]:
    """Newest first by (createdAt, creation order); opaque cursors; `previous` only when paged.

    `items` must already be filtered; they are ordered here.
    """
    size = page_size(ctx)
    after, before = ctx.q("page[after]"), ctx.q("page[before]")
    if after and before:
        raise query_error("Cannot use both page[after] and page[before]", "page")
    cursor = decode_cursor(after or before or "") if (after or before) else None
    if (after or before) and cursor is None:
        raise query_error("Invalid cursor", "page[after]" if after else "page[before]")

    def key(item: K) -> tuple[int, int]:
        return (int(item.created_at * 1000), item.seq)

    ordered = sorted(items, key=key, reverse=True)
    pagination: dict[str, str] = {}
    if before and cursor is not None:
        newer = [i for i in ordered if key(i) > cursor]
        page = newer[-size:]
        if page:
            pagination["next"] = encode_cursor(page[-1].created_at, page[-1].seq)
            if len(newer) > size:
                pagination["previous"] = encode_cursor(page[0].created_at, page[0].seq)
        return {"data": [render(i) for i in page], "pagination": pagination}
    if cursor is not None:
        ordered = [i for i in ordered if key(i) < cursor]
    page = ordered[:size]
    if len(ordered) > size:
        pagination["next"] = encode_cursor(page[-1].created_at, page[-1].seq)
    if after and page:
        pagination["previous"] = encode_cursor(page[0].created_at, page[0].seq)
    return {"data": [render(i) for i in page], "pagination": pagination}


# ---------------------------------------------------------------------- rendering
def _dates(token: Token) -> dict[str, Any]:
    return {
        "completedAt": iso(token.completed_at) if token.completed_at is not None else None,
        "timeoutAt": iso(token.timeout_at) if token.timeout_at is not None else None,
        "idempotencyKeyExpiresAt": iso(token.idempotency_expires_at)
        if token.idempotency_expires_at is not None else None,
    }


def token_item(env: EnvWorld, token: Token) -> dict[str, Any]:
    """A list item: the key only when the user chose it (its inactive form once expired)."""
    key = (token.inactive_idempotency_key or token.idempotency_key) if token.user_key else None
    return omit_none({
        "id": token.id,
        "url": env.tokens.url(token),
        "status": token.status,
        **_dates(token),
        "completedAfter": iso(token.timeout_at) if token.timeout_at is not None else None,
        "idempotencyKey": key,
        "tags": sorted(token.tags),
        "createdAt": iso(token.created_at),
    })


def token_detail(env: EnvWorld, token: Token) -> dict[str, Any]:
    """Retrieve: the output stays the serialised string the SDK decodes by `outputType`."""
    return omit_none({
        "id": token.id,
        "type": "MANUAL",
        "url": env.tokens.url(token),
        "status": token.status,
        "idempotencyKey": token.idempotency_key,
        "userProvidedIdempotencyKey": token.user_key,
        "inactiveIdempotencyKey": token.inactive_idempotency_key,
        "output": token.output,
        "outputType": token.output_type,
        "outputIsError": token.output_is_error,
        **_dates(token),
        "completedAfter": iso(token.timeout_at) if token.timeout_at is not None else None,
        "createdAt": iso(token.created_at),
        "tags": list(token.tags),
    })


# ---------------------------------------------------------------------- create
def _tags(raw: Any) -> list[str]:
    tags = [raw] if isinstance(raw, str) else raw
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise validation_error("Invalid input", ["tags"])
    if any(len(t) > MAX_TAG_LENGTH for t in tags):
        raise validation_error("Tags must be less than 128 characters", ["tags"])
    if len(tags) > MAX_TAGS:
        raise HttpError(422, f"Waitpoints can only have {MAX_TAGS} tags, you're trying to set "
                        f"{len(tags)}.")
    return list(dict.fromkeys(tags))


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise validation_error(f"Expected string, received {js_type(value)}", [name])
    return value


@api.route("/api/v1/waitpoints/tokens", ["POST"])
async def create_token(ctx: Ctx) -> Any:
    require_length(ctx, CREATE_MAX_BYTES)
    body = await ctx.json_object(required=False)
    env = ctx.e
    key = _optional_string(body, "idempotencyKey")
    ttl = _optional_string(body, "idempotencyKeyTTL")
    timeout = _optional_string(body, "timeout")
    tags = _tags(body["tags"]) if body.get("tags") is not None else []
    # Like the server: a TTL outside `^\d+[smhd]$` and an unparseable or past timeout are
    # silently ignored (no expiry, no timeout).
    ttl_s = key_ttl_seconds(ttl)
    until = parse_delay(timeout, env.now) if timeout else None
    token, cached = env.tokens.create(key=key or None, key_ttl_s=ttl_s,
                                      timeout_at=until if until and until > env.now else None,
                                      tags=tags)
    return {"id": token.id, "isCached": cached, "url": env.tokens.url(token)}


# ---------------------------------------------------------------------- list / retrieve
def _token_filters(ctx: Ctx) -> list[Callable[[Token], bool]]:
    preds: list[Callable[[Token], bool]] = []
    statuses = ctx.q_list("filter[status]")
    if statuses:
        bad = [s for s in statuses if s not in STATUSES]
        if bad:
            raise query_error(f"Invalid status values: {', '.join(bad)}", "filter[status]")
        preds.append(lambda t: t.status in statuses)
    key = ctx.q("filter[idempotencyKey]")
    if key:
        preds.append(lambda t: key in (t.idempotency_key, t.inactive_idempotency_key))
    tags = ctx.q_list("filter[tags]")
    if tags:
        wanted = frozenset(tags)
        preds.append(lambda t: not wanted.isdisjoint(t.tags))
    period = ctx.q("filter[createdAt][period]")
    seconds = parse_period(period) if period else None
    if seconds:
        since = ctx.e.now - seconds
        preds.append(lambda t: t.created_at >= since)
    start, end = _instant(ctx, "from"), _instant(ctx, "to")
    if start is not None:
        preds.append(lambda t: t.created_at >= start)
    if end is not None:
        preds.append(lambda t: t.created_at <= end)
    return preds


def _instant(ctx: Ctx, name: str) -> float | None:
    param = f"filter[createdAt][{name}]"
    raw = ctx.q(param)
    if not raw:
        return None
    when = parse_instant(raw)
    if when is None:
        raise query_error("Invalid date", param)
    return when


@api.route("/api/v1/waitpoints/tokens", ["GET"])
async def list_tokens(ctx: Ctx) -> Any:
    env = ctx.e
    preds = _token_filters(ctx)
    matches = (t for t in env.tokens.items.values() if all(p(t) for p in preds))
    return keyed_page(ctx, matches, lambda t: token_item(env, t))


def _find(ctx: Ctx) -> Token:
    token = ctx.e.tokens.items.get(ctx.raw_path("waitpointId"))
    if token is None:
        # The server throws inside its presenter (a 500); the SDK tolerates a 404 better.
        raise not_found("Waitpoint not found")
    return token


@api.route("/api/v1/waitpoints/tokens/{waitpointId}", ["GET"])
async def retrieve_token(ctx: Ctx) -> Any:
    return token_detail(ctx.e, _find(ctx))


# ---------------------------------------------------------------------- complete
@api.route("/api/v1/waitpoints/tokens/{waitpointId}/complete", ["POST"])
async def complete_token(ctx: Ctx) -> Any:
    require_length(ctx, TRIGGER_MAX_BYTES)
    body = await ctx.json_object(required=False)
    token = _find(ctx)
    data = body.get("data")
    ctx.e.tokens.complete(token, JSON_NULL if "data" in body and data is None else data)
    return {"success": True}


@api.route("/api/v1/waitpoints/tokens/{waitpointId}/callback/{hash}", ["POST"], auth="none")
async def callback(ctx: Ctx) -> Any:
    """The pre-signed URL an external system POSTs to; the hash stands in for the API key."""
    length = ctx.request.headers.get("content-length")
    if not length:
        raise HttpError(411, "Content-Length header is required")
    if not length.isdigit() or int(length) > TRIGGER_MAX_BYTES:
        raise HttpError(413, "Request body too large")
    token_id = ctx.raw_path("waitpointId")
    found = next(((e, e.tokens.items[token_id]) for e in ctx.world.envs.values()
                  if token_id in e.tokens.items), None)
    if found is None:
        raise not_found("Waitpoint not found")
    env, token = found
    if not hmac.compare_digest(env.tokens.callback_hash(token), ctx.raw_path("hash")):
        raise HttpError(401, "Invalid URL, hash doesn't match")
    if token.status == "WAITING":
        try:
            data = json.loads(await ctx.raw_body())
        except ValueError:
            data = {}
        env.tokens.complete(token, JSON_NULL if data is None else data)
    return {"success": True}
