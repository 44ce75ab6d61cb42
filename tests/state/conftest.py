"""Fixtures: the state layer over the emulator in-process, on the emulator's fake clock.

The client does not retry (`NO_RETRY`) so the pollers' own backoff is what a test sees, and its
`sleep` moves the fake clock instead of waiting. What reached the server is in `log` (the
emulator's request log).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from trigger_tui.api.client import NO_RETRY, ClientOptions, RetryPolicy, TriggerClient
from trigger_tui.emulator.app import LoggedRequest, create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.statuses import public_status
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.state.store import Store

API_VERSION = "2025-07-16"


@dataclass
class StateHarness:
    clock: FakeClock
    world: World
    app: Any
    client: TriggerClient
    store: Store = field(default_factory=Store)
    delays: list[float] = field(default_factory=list)

    @property
    def env(self) -> EnvWorld:
        return self.world.envs["prod"]

    @property
    def log(self) -> deque[LoggedRequest]:
        log: deque[LoggedRequest] = self.app.state.log
        return log

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.advance()

    def truth(self) -> dict[str, str]:
        """Every prod run's public status, as the API would report it now."""
        self.world.advance()
        return {r.id: public_status(r.status, API_VERSION) for r in self.env.runs.values()}

    @property
    def sleep(self) -> Callable[[float], Awaitable[None]]:
        """Moves the fake clock instead of waiting (and records the delay)."""
        return self.client.options.sleep


def make_state(*, read_only: bool = False, retry: RetryPolicy = NO_RETRY,
               transport: httpx.AsyncBaseTransport | None = None,
               **world_kw: Any) -> StateHarness:
    clock = FakeClock()
    world = World(clock, **world_kw)
    app = create_app(world)
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        clock.advance(seconds)

    client = TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], read_only=read_only,
        retry=retry, transport=transport or httpx.ASGITransport(app=app), sleep=sleep,
        now=clock.now, rng=random.Random(5)))
    return StateHarness(clock, world, app, client, delays=delays)


def quiet_world() -> dict[str, Any]:
    return {"workload": False, "history_s": 0}


@pytest.fixture
async def quiet() -> AsyncIterator[StateHarness]:
    """No simulated workload: only what the test does happens."""
    h = make_state(**quiet_world())
    yield h
    await h.client.aclose()


@pytest.fixture
async def busy() -> AsyncIterator[StateHarness]:
    """Fifteen minutes of history and a live workload (about one new run a second)."""
    h = make_state(history_s=900)
    yield h
    await h.client.aclose()
