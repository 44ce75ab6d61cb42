"""The one HTTP client every part of the console shares.

It sends what the official SDK sends (auth, `x-trigger-api-version`, one request idempotency key
per logical call reused on its retries), retries what is safe to retry with the SDK's backoff,
honours the rate-limit reset header, records rate-limit budget and latency for the header bar,
and refuses mutating calls on a read-only connection before anything leaves the process.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from trigger_tui import __version__
from trigger_tui.api import errors as E
from trigger_tui.keys import DEFAULT_BASE_URL, environment_of_key, redact

if TYPE_CHECKING:
    from trigger_tui.api.resources import (
        Batches,
        Bulk,
        Deployments,
        EnvVars,
        Errors,
        Query,
        Queues,
        Runs,
        Schedules,
        Tasks,
        Tokens,
    )

API_VERSION = "2025-07-16"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The SDK's defaults: 5 attempts, 1 s × 1.6ⁿ up to 30 s; plus a little jitter."""

    max_attempts: int = 5
    min_delay_s: float = 1.0
    max_delay_s: float = 30.0
    factor: float = 1.6
    jitter: float = 0.2  # ± fraction of each delay, so many clients do not retry in lockstep

    def delay(self, attempt: int, rng: random.Random) -> float:
        base = min(self.max_delay_s, self.min_delay_s * self.factor ** (attempt - 1))
        return base * (1 + rng.uniform(-self.jitter, self.jitter)) if self.jitter else base


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass(slots=True)
class RateLimitState:
    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # epoch seconds


@dataclass(slots=True)
class CallStats:
    """What the header bar shows: the last call's latency and outcome."""

    last_latency_s: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    requests: int = 0
    retries: int = 0


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class ClientOptions:
    base_url: str = DEFAULT_BASE_URL
    key: str = ""
    project_ref: str | None = None
    branch: str | None = None
    read_only: bool = False
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Sleep = asyncio.sleep
    now: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    # The API runs at most 3 queries at once per project (429 beyond). Clients of one project
    # (several environments on a wall) pass one shared semaphore; 2 leaves a slot for the
    # application's own dashboards and scripts.
    query_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(2))


class TriggerClient:
    """Management API client over ONE `httpx.AsyncClient`, with SDK-shaped namespaces."""

    # Set by `trigger_tui.api.resources.attach`.
    runs: Runs
    tasks: Tasks
    batches: Batches
    schedules: Schedules
    envvars: EnvVars
    queues: Queues
    tokens: Tokens
    query: Query
    deployments: Deployments
    bulk: Bulk
    errors: Errors

    def __init__(self, options: ClientOptions) -> None:
        self.options = options
        self.environment = environment_of_key(options.key)
        self.is_pat = options.key.startswith("tr_pat_")
        self.rate_limit = RateLimitState()
        self.stats = CallStats()
        self._http = httpx.AsyncClient(
            base_url=options.base_url.rstrip("/"),
            transport=options.transport,
            timeout=options.timeout_s,
            headers=self._base_headers(),
        )
        from trigger_tui.api.resources import attach

        attach(self)

    def _base_headers(self) -> dict[str, str]:
        o = self.options
        headers = {
            "authorization": f"Bearer {o.key}",
            "content-type": "application/json",
            "accept": "application/json",
            "trigger-version": __version__,
            "x-trigger-source": "trigger-tui",
            "x-trigger-api-version": API_VERSION,
            "user-agent": f"trigger-tui/{__version__}",
        }
        if o.branch:
            headers["x-trigger-branch"] = o.branch
        return headers

    @property
    def read_only(self) -> bool:
        return self.options.read_only

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> TriggerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ the one request path
    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        mutating: bool | None = None,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Send one logical call, retrying what is safe. Returns a 2xx response or raises.

        `mutating` defaults to "not GET"; reads sent as POST (TRQL) pass `mutating=False`.
        `idempotent` says whether repeating the call after it may have reached the server is
        harmless (cancel is; replay is not). It defaults to True for safe methods.
        """
        method = method.upper()
        is_mutating = (method not in SAFE_METHODS) if mutating is None else mutating
        if is_mutating and self.options.read_only:
            raise E.ReadOnlyError(method, path)
        repeatable = (method in SAFE_METHODS or not is_mutating) if idempotent is None \
            else idempotent
        policy = retry or self.options.retry
        call_headers = {"x-trigger-request-idempotency-key": str(uuid.uuid4())}
        if headers:
            call_headers.update(headers)
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode()
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            self.stats.requests += 1
            try:
                response = await self._http.request(
                    method, path, params=params, content=content, headers=call_headers)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # No connection was made, so nothing reached the server: always safe.
                error: E.TriggerError = E.ApiConnectionError(_connect_message(self, exc))
                retry_ok = True
            except httpx.TimeoutException:
                error = E.ApiTimeoutError(
                    f"no answer from {self.options.base_url} within "
                    f"{self.options.timeout_s:g} s", may_have_reached_server=True)
                retry_ok = repeatable
            except (httpx.TransportError, OSError) as exc:
                error = E.ApiConnectionError(
                    f"the connection to {self.options.base_url} broke ({type(exc).__name__})",
                    may_have_reached_server=True)
                retry_ok = repeatable
            else:
                self.stats.last_latency_s = time.perf_counter() - started
                self.stats.last_status = response.status_code
                self._note_rate_limit(response)
                if response.is_success:
                    self.stats.last_error = None
                    return response
                await response.aread()
                error, retry_ok, wait = self._classify(response, repeatable)
                if retry_ok and attempt < policy.max_attempts:
                    self.stats.retries += 1
                    await self.options.sleep(
                        wait if wait is not None else policy.delay(attempt, self.options.rng))
                    continue
                self.stats.last_error = str(error)
                raise error
            self.stats.last_latency_s = time.perf_counter() - started
            self.stats.last_status = None
            if retry_ok and attempt < policy.max_attempts:
                self.stats.retries += 1
                await self.options.sleep(policy.delay(attempt, self.options.rng))
                continue
            self.stats.last_error = str(error)
            raise error

    def _classify(self, response: httpx.Response,
                  repeatable: bool) -> tuple[E.ApiError, bool, float | None]:
        """The SDK's retry decision, narrowed to what is safe for this call."""
        status = response.status_code
        # A server or proxy may echo the Authorization header: the error never carries it.
        key = self.options.key
        body = redact(_maybe_json(response), key)
        text = redact(response.text, key)
        headers = {name: redact(value, key) for name, value in response.headers.items()}
        route_missing = status == 404 and not isinstance(body, dict)
        error = E.from_response(status, headers, body, text,
                                env_hint=self.environment, route_missing=route_missing,
                                personal_token=key.startswith("tr_pat_"),
                                target=_target(response.request.url.path))
        should = response.headers.get("x-should-retry")
        if status == 429:
            return error, True, self._rate_limit_wait(response)
        if should == "true":
            return error, repeatable or status == 404, None
        if should == "false":
            return error, False, None
        if status in (408, 409) or status >= 500:
            return error, repeatable, None
        return error, False, None

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        reset = response.headers.get("x-ratelimit-reset")
        if reset is not None:
            try:
                wait = int(reset) / 1000.0 - self.options.now()
            except ValueError:
                wait = 0.0
            if wait > 0:
                return wait + self.options.rng.uniform(0, 1.0)
        retry_after = response.headers.get("retry-after")
        if retry_after is not None and retry_after.isdigit():
            return float(retry_after)
        return None

    def _note_rate_limit(self, response: httpx.Response) -> None:
        h = response.headers
        try:
            if "x-ratelimit-limit" in h:
                self.rate_limit.limit = int(h["x-ratelimit-limit"])
            if "x-ratelimit-remaining" in h:
                self.rate_limit.remaining = int(h["x-ratelimit-remaining"])
            if "x-ratelimit-reset" in h:
                self.rate_limit.reset_at = int(h["x-ratelimit-reset"]) / 1000.0
        except ValueError:
            pass

    # ------------------------------------------------------------------ JSON helpers
    async def get_json(self, path: str, *, params: Mapping[str, str] | None = None,
                       retry: RetryPolicy | None = None) -> Any:
        return parse_json(await self.request("GET", path, params=params, retry=retry))

    async def send_json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        return parse_json(await self.request(method, path, json_body=body, **kw))


def parse_json(response: httpx.Response) -> Any:
    """The body as JSON, or a SchemaError that says what came back instead."""
    try:
        return response.json()
    except ValueError:
        pass
    size = len(response.content)
    page = E.html_title(response.text)
    if page is not None:
        what = (f"an HTML page ({page or 'no title'}), not JSON: a proxy or a login page "
                "answered instead of the API")
    elif response.text.lstrip().startswith(("{", "[")):
        what = f"JSON cut short or garbled ({size} bytes): the response was truncated"
    else:
        kind = response.headers.get("content-type", "unknown content")
        what = f"a body that is not JSON ({kind}, {size} bytes)"
    raise E.SchemaError(
        f"{_endpoint(response)}the API answered {response.status_code} with {what}",
        status=response.status_code, raw=response.text)


def _endpoint(response: httpx.Response) -> str:
    """`GET /api/v3/runs/run_…: ` for messages, when the response knows its request."""
    try:
        request = response.request
    except RuntimeError:
        return ""
    return f"{request.method} {request.url.path}: "


def _maybe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _connect_message(client: TriggerClient, exc: Exception) -> str:
    return f"cannot reach {client.options.base_url} ({exc.__class__.__name__}: " \
        f"{str(exc) or 'connection failed'})"


_ID = re.compile(r"^(run|batch|queue|sched|waitpoint|deployment|error|bulk)_[0-9a-z]+$")


def _target(path: str) -> str | None:
    """The last resource id in a request path (`/api/v3/runs/run_x` → `run_x`); queues are
    also addressed by name (`/api/v1/queues/email` → `queue email`)."""
    segments = [unquote(s) for s in path.split("/")]
    for segment in reversed(segments):
        if _ID.match(segment):
            return segment
    if "queues" in segments[:-1]:
        return f"queue {segments[segments.index('queues') + 1]}"
    return None
