"""Fixtures: a world on a fake clock, and an httpx client wired to the emulator in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.statuses import API_VERSION_CURRENT
from trigger_tui.emulator.world import DEMO_KEYS, World

PROD = DEMO_KEYS["prod"]


@dataclass
class Emu:
    clock: FakeClock
    world: World
    app: Any
    client: httpx.AsyncClient

    def headers(self, key: str = PROD, *, current: bool = True) -> dict[str, str]:
        h = {"authorization": f"Bearer {key}"}
        if current:
            h["x-trigger-api-version"] = API_VERSION_CURRENT
        return h

    async def get(self, path: str, key: str = PROD, **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(key), **kw)

    async def post(self, path: str, body: Any = None, key: str = PROD, **kw: Any) -> httpx.Response:
        if body is None:
            return await self.client.post(path, headers=self.headers(key), **kw)
        return await self.client.post(path, json=body, headers=self.headers(key), **kw)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.advance()


def make_emu(**world_kw: Any) -> Emu:
    clock = FakeClock()
    world = World(clock, **world_kw)
    app = create_app(world)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                               base_url="http://emulator.test")
    return Emu(clock, world, app, client)


@pytest.fixture
async def emu() -> AsyncIterator[Emu]:
    """A busy world with two hours of history."""
    e = make_emu()
    yield e
    await e.client.aclose()


@pytest.fixture
async def quiet() -> AsyncIterator[Emu]:
    """A world with no simulated workload: only what the test does happens."""
    e = make_emu(workload=False, history_s=0)
    yield e
    await e.client.aclose()
