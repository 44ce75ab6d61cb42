"""Fixtures: a TriggerClient wired in-process to the emulator, on the emulator's fake clock.

The client's `sleep` records each delay and moves the fake clock instead of waiting, so retry
and rate-limit tests take no real time and still see the world move on. Every request the
client sends is recorded (`harness.sent`) to check it against what the SDK sends; the
emulator's own log (`harness.log`) says what reached the server.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from trigger_tui.api.client import ClientOptions, RetryPolicy, TriggerClient
from trigger_tui.emulator.app import LoggedRequest, create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import Faults
from trigger_tui.emulator.ratelimit import RateLimiter, parse_budget
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.emulator.world.env import EnvWorld

PROD = DEMO_KEYS["prod"]
BASE_URL = "http://emulator.test"


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests on, keeping a copy of each (body read, so it can be inspected)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sent.append(request)
        return await self.inner.handle_async_request(request)


@dataclass
class Harness:
    clock: FakeClock
    world: World
    app: Any
    client: TriggerClient
    recorder: Recorder
    delays: list[float] = field(default_factory=list)

    @property
    def sent(self) -> list[httpx.Request]:
        return self.recorder.sent

    @property
    def log(self) -> deque[LoggedRequest]:
        """What reached the emulator (method, path, status)."""
        log: deque[LoggedRequest] = self.app.state.log
        return log

    def env(self, slug: str = "prod") -> EnvWorld:
        return self.world.envs[slug]

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.advance()


def make_harness(
    key: str = PROD,
    *,
    read_only: bool = False,
    faults: Faults | None = None,
    retry: RetryPolicy | None = None,
    branch: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    budget: str | None = None,
    **world_kw: Any,
) -> Harness:
    """A client over the emulator (or over `transport`, e.g. an httpx.MockTransport).

    `budget` is the emulator's rate-limit bucket as `MAX,REFILL,INTERVAL` (e.g. `2,1,10s`).
    """
    clock = FakeClock()
    world = World(clock, **world_kw)
    limiter = RateLimiter(clock, *parse_budget(budget)) if budget else None
    app = create_app(world, faults=faults, rate_limiter=limiter)
    recorder = Recorder(transport or httpx.ASGITransport(app=app))
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        clock.advance(seconds)

    client = TriggerClient(ClientOptions(
        base_url=BASE_URL, key=key, read_only=read_only, branch=branch,
        retry=retry or RetryPolicy(), transport=recorder, sleep=sleep, now=clock.now,
        rng=random.Random(4)))
    return Harness(clock, world, app, client, recorder, delays)


def quiet_world() -> dict[str, Any]:
    return {"workload": False, "history_s": 0}


@pytest.fixture
async def api() -> AsyncIterator[Harness]:
    """A world with no simulated workload: only what the test does happens."""
    h = make_harness(**quiet_world())
    yield h
    await h.client.aclose()


@pytest.fixture
async def busy() -> AsyncIterator[Harness]:
    """A world with ten minutes of simulated history (a few hundred runs per environment)."""
    h = make_harness(history_s=600)
    yield h
    await h.client.aclose()


@pytest.fixture
async def history() -> AsyncIterator[Harness]:
    """The emulator's default world: two hours of history, failures and error groups too."""
    h = make_harness()
    yield h
    await h.client.aclose()
