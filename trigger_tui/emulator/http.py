"""The HTTP plumbing every route shares: auth, body parsing, error bodies, response shapes.

Each resource module declares its routes with `Api.route(...)`; the wrapper advances the world
to the clock, authenticates the way the real route does (the error bodies differ between the
route builder and the older hand-written routes), and turns `HttpError` into the real JSON body.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from trigger_tui.emulator.statuses import API_VERSION_CURRENT
from trigger_tui.emulator.world import World
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.world import DEMO_PAT

# How each kind of route answers a bad key (the real service is inconsistent; we copy it).
AUTH_MESSAGES = {
    "key": ("Invalid API key", "Invalid or Missing API key"),
    "legacy": ("Invalid or Missing API Key", "Invalid or Missing API Key"),
    "reschedule": ("Invalid or missing API Key", "Invalid or missing API Key"),
    "pat": ("Invalid or Missing PAT", "Invalid or Missing PAT"),
    "key_or_pat": ("Invalid or Missing API key", "Invalid or Missing API key"),
}


class HttpError(Exception):
    """Raised by handlers; rendered as the real service's JSON error body."""

    def __init__(self, status: int, message: str | None = None, *,
                 body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or "")
        self.status = status
        self.body = body if body is not None else {"error": message}
        self.headers = headers or {}


def not_found(message: str = "Not found", *, retry: bool = False) -> HttpError:
    return HttpError(404, message, headers={"x-should-retry": "true" if retry else "false"})


def query_error(message: str, param: str) -> HttpError:
    return HttpError(400, body={"error": "Query Error", "details": [
        {"code": "custom", "message": message, "path": [param]}]})


def invalid_body(issues: list[dict[str, Any]]) -> HttpError:
    return HttpError(400, body={"error": "Invalid request body", "issues": issues})


@dataclass
class Ctx:
    request: Request
    world: World
    env: EnvWorld | None
    pat: bool
    _body: bytes | None = None

    @property
    def api_version(self) -> str | None:
        return self.request.headers.get("x-trigger-api-version")

    @property
    def current_vocabulary(self) -> bool:
        return self.api_version == API_VERSION_CURRENT

    @property
    def e(self) -> EnvWorld:
        assert self.env is not None
        return self.env

    def path(self, name: str) -> str:
        """A path parameter, percent-decoded once more (the SDK double-encodes queue names)."""
        return unquote(str(self.request.path_params[name]))

    def raw_path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def q(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def q_list(self, name: str) -> list[str] | None:
        raw = self.request.query_params.get(name)
        if raw is None:
            return None
        return [p.strip() for p in raw.split(",") if p.strip()]

    async def raw_body(self) -> bytes:
        if self._body is None:
            self._body = await self.request.body()
        return self._body

    async def json(self, *, required: bool = True, legacy: bool = False) -> Any:
        """The JSON body. Empty bodies are None (body-less POSTs carry Content-Length: 0).

        Route-builder routes and the older hand-written ones word body errors differently.
        """
        raw = await self.raw_body()
        if not raw.strip():
            if not required:
                return None
            if legacy:
                raise invalid_body([])
            raise HttpError(400, "Request body is empty")
        try:
            return json.loads(raw)
        except ValueError:
            if legacy:
                raise invalid_body(
                    [{"code": "custom", "message": "Invalid JSON", "path": []}]) from None
            raise HttpError(400, "Invalid JSON") from None

    async def json_object(self, *, required: bool = True, legacy: bool = False) -> dict[str, Any]:
        body = await self.json(required=required, legacy=legacy)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise validation_error("Expected object, received " + js_type(body), [])
        return body


def js_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else "object"


def validation_error(message: str, path: list[str | int]) -> HttpError:
    """A route-builder body-schema failure, worded like zod-validation-error."""
    where = ".".join(str(p) for p in path)
    text = f"Validation error: {message}" + (f' at "{where}"' if where else "")
    return HttpError(400, text)


Handler = Callable[[Ctx], Awaitable[Any]]


class Api:
    """Collects a resource module's routes."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        path: str,
        methods: list[str],
        *,
        auth: str = "key",
        retry_404: bool = False,
        status: int = 200,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                world: World = request.app.state.world
                world.advance()
                try:
                    env, pat = _authenticate(request, world, auth)
                    ctx = Ctx(request, world, env, pat)
                    result = await handler(ctx)
                except HttpError as exc:
                    headers = dict(exc.headers)
                    if exc.status == 404 and "x-should-retry" not in headers:
                        headers["x-should-retry"] = "true" if retry_404 else "false"
                    return JSONResponse(exc.body, status_code=exc.status, headers=headers)
                if isinstance(result, Response):
                    return result
                return JSONResponse(result, status_code=status)

            self.routes.append(Route(path, endpoint, methods=methods))
            return handler

        return register


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _authenticate(request: Request, world: World, kind: str) -> tuple[EnvWorld | None, bool]:
    if kind == "none":
        return None, False
    token = _bearer(request)
    bad, empty = AUTH_MESSAGES[kind]
    if not token:
        raise HttpError(401, empty)
    if token == DEMO_PAT:
        if kind in ("pat", "key_or_pat"):
            return None, True
        raise HttpError(401, bad)
    env = world.env_for_key(token)
    if env is None or kind == "pat":
        raise HttpError(401, bad)
    branch = request.headers.get("x-trigger-branch", "").strip()
    if branch and branch != "default" and env.type == "DEVELOPMENT":
        # The demo project has no dev branches: the real service answers this way.
        raise HttpError(401, "No matching branch env")
    return env, False


# ---------------------------------------------------------------------- cursors
def encode_cursor(created_at: float, seq: int) -> str:
    raw = json.dumps({"c": int(created_at * 1000), "r": seq}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return int(data["c"]), int(data["r"])
    except (ValueError, KeyError, TypeError):
        return None


def page_size(ctx: Ctx, default: int = 25, low: int = 1, high: int = 100,
              clamp: bool = False) -> int:
    raw = ctx.q("page[size]")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise query_error("Expected number, received nan", "page[size]") from None
    if clamp:
        return max(low, min(high, size))
    if size < low or size > high:
        rel = "greater than or equal to" if size < low else "less than or equal to"
        bound = low if size < low else high
        raise query_error(f"Number must be {rel} {bound}", "page[size]")
    return size


def offset_page(items: list[Any], ctx: Ctx, *, default_per_page: int) -> dict[str, Any]:
    """`page`/`perPage` pagination, as schedules and queues use it."""
    try:
        page = max(1, int(ctx.q("page") or 1))
        per_page = max(1, min(100, int(ctx.q("perPage") or default_per_page)))
    except ValueError:
        raise HttpError(400, "Invalid query parameters") from None
    total_pages = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    return {
        "data": items[start:start + per_page],
        "pagination": {"currentPage": page, "totalPages": total_pages, "count": len(items)},
    }


def omit_none(d: dict[str, Any]) -> dict[str, Any]:
    """Optional fields are left out, never null: the SDK's schemas reject null there."""
    return {k: v for k, v in d.items() if v is not None}
