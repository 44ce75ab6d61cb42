"""The ASGI application: routes from every resource module, behind rate limiting and faults."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trigger_tui.emulator.faults import BODY_KINDS, Faults, rewrite
from trigger_tui.emulator.ratelimit import NO_AUTH_BODY, RateLimiter, exceeded_body, is_limited
from trigger_tui.emulator.routes import ALL_ROUTES
from trigger_tui.emulator.world import World

NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><title>404 | Trigger.dev</title></head>" \
    "<body><h1>404</h1><p>Page not found</p></body></html>"


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    method: str
    path: str
    status: int


async def _not_found(request: Request, exc: Exception) -> Response:
    # Unknown routes get the web app's HTML 404, as a server without the feature answers.
    return HTMLResponse(NOT_FOUND_PAGE, status_code=404)


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    headers = getattr(exc, "headers", None) or {}
    return JSONResponse({"error": "Method not allowed"}, status_code=405, headers=headers)


def create_app(
    world: World,
    *,
    rate_limiter: RateLimiter | None = None,
    faults: Faults | None = None,
    log_size: int = 10_000,
) -> ASGIApp:
    """Build the emulator. `app.state.world`, `.limiter`, `.faults` and `.log` are for tests."""
    app = Starlette(
        routes=ALL_ROUTES,
        exception_handlers={404: _not_found, 405: _method_not_allowed},
    )
    limiter = rate_limiter or RateLimiter(world.clock)
    app.state.world = world
    app.state.limiter = limiter
    app.state.faults = faults or Faults()
    app.state.log = deque(maxlen=log_size)
    return Gateway(app, world, limiter, app.state.faults, app.state.log)


class Gateway:
    """What sits in front of every route: request log, fault injection, rate limiting."""

    def __init__(self, app: Starlette, world: World, limiter: RateLimiter, faults: Faults,
                 log: deque[LoggedRequest]) -> None:
        self.app = app
        self.world = world
        self.limiter = limiter
        self.faults = faults
        self.log = log

    @property
    def state(self) -> Any:
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        status_box = [0]

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = message["status"]
            await send(message)

        try:
            await self._handle(scope, receive, logged_send, path, method)
        finally:
            self.log.append(LoggedRequest(method, path, status_box[0]))

    async def _handle(self, scope: Scope, receive: Receive, send: Send, path: str,
                      method: str) -> None:
        fault = None
        if self.faults.active and path.startswith("/api"):
            if self.faults.latency_s > 0:
                await self.faults.sleep(self.faults.latency_s)
            fault = self.faults.draw()
            if fault == "drop":
                raise ConnectionResetError("connection dropped (injected fault)")
            if fault == "5xx":
                await _send_json(send, 503, {"error": "Service Unavailable"}, {})
                return
            if fault == "429":
                now = self.world.clock.now()
                headers = {"x-ratelimit-limit": str(self.limiter.max_tokens),
                           "x-ratelimit-remaining": "0",
                           "x-ratelimit-reset": str(int((now + 5) * 1000))}
                await _send_json(send, 429, exceeded_body(headers, 5.0), headers,
                                 "application/problem+json")
                return
        extra: dict[str, str] = {}
        if is_limited(path, method):
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            authorization = headers.get("authorization")
            if authorization is None:
                await _send_json(send, 401, NO_AUTH_BODY, {}, "application/problem+json")
                return
            token = authorization.partition(" ")[2].strip()
            env = self.world.env_for_key(token)
            key = self.limiter.bucket_key(authorization, env.internal_id if env else None)
            allowed, extra, wait = self.limiter.take(key)
            if not allowed:
                await _send_json(send, 429, exceeded_body(extra, wait), extra,
                                 "application/problem+json")
                return
        await self.app(scope, receive, _wrap_send(send, extra, fault))


def _wrap_send(send: Send, extra: dict[str, str], fault: str | None) -> Send:
    if not extra and fault not in BODY_KINDS:
        return send
    started: list[Message] = []
    chunks: list[bytes] = []

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", [])]
            # A route's own rate-limit headers (the batch limiter's) win over the API bucket's.
            present = {k.lower() for k, _ in headers}
            headers += [(k.encode(), v.encode()) for k, v in extra.items()
                        if k.encode() not in present]
            message = {**message, "headers": headers}
            if fault is None:
                await send(message)
            else:
                started.append(message)
            return
        if fault is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        original = {k.lower(): v for k, v in started[0]["headers"]}
        status, body, content_type = rewrite(
            fault, started[0]["status"], b"".join(chunks),
            original.get(b"content-type", b"application/json").decode())
        headers = [(k, v) for k, v in started[0]["headers"]
                   if k.lower() not in (b"content-length", b"content-type")]
        headers += [(b"content-length", str(len(body)).encode()),
                    (b"content-type", content_type.encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str],
                     content_type: str = "application/json") -> None:
    raw = json.dumps(body).encode()
    hdrs = [(b"content-type", content_type.encode()), (b"content-length", str(len(raw)).encode())]
    hdrs += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": raw})


__all__ = ["HTTPException", "LoggedRequest", "create_app"]
