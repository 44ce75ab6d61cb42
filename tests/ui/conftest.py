"""Fixtures for the console's UI tests: a Session over the in-process emulator, frozen in time.

`make_session` builds what `Session.for_demo` builds, with the knobs a test needs: a FakeClock
that moves only when the test says (so every relative time on screen is stable), a client that
never retries (an injected fault shows at once), and pollers whose wait between polls never ends
on its own — a poller polls once at start and then only when a test asks (`refresh_now`,
`poll_once`). What reached the emulator is in `harness.log`.
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.emulator.app import LoggedRequest, create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import Faults
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel, TriggerApp

FROZEN_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z
SEED = 7
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READS_SENT_AS_POST = ("/api/v1/query",)  # TRQL is a POST that changes nothing


async def never(seconds: float) -> None:
    """A poller's wait that only a refresh, a pause or a stop ends."""
    await asyncio.Event().wait()


@dataclass
class Harness:
    clock: FakeClock
    world: World
    emulator: Any
    session: Session

    @property
    def log(self) -> deque[LoggedRequest]:
        log: deque[LoggedRequest] = self.emulator.state.log
        return log

    @property
    def faults(self) -> Faults:
        faults: Faults = self.emulator.state.faults
        return faults

    def mutations(self) -> list[LoggedRequest]:
        """Requests that would change something (TRQL reads excluded)."""
        return [r for r in self.log
                if r.method in MUTATING and not r.path.startswith(READS_SENT_AS_POST)]

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.world.advance()


def make_harness(*, read_only: bool = False, seed: int = SEED, history_s: float = 900.0,
                 workload: bool = True, filter: RunFilter | None = None,
                 faults: Faults | None = None) -> Harness:
    clock = FakeClock(FROZEN_AT)
    world = World(clock, seed=seed, history_s=history_s, workload=workload)
    emulator = create_app(world, faults=faults)
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=DEMO_KEYS["prod"], project_ref=world.project_ref,
        read_only=read_only, retry=NO_RETRY, transport=httpx.ASGITransport(app=emulator),
        now=clock.now, rng=random.Random(seed)))
    session = Session.connect(client, filter=filter, clock=clock.now, sleep=never,
                              timer=clock.now)
    session.world = world
    session.emulator = emulator
    return Harness(clock, world, emulator, session)


def make_app(harness: Harness, **kw: Any) -> TriggerApp:
    """The app the way `launch.build_app` makes it for the demo, over the test session."""
    s = harness.session
    label = ConnectionLabel(project=s.project_ref, environment=s.environment or "prod",
                            demo=True)
    return TriggerApp(s, read_only=s.read_only, label=label, **kw)


async def settle(pilot: Any, done: Callable[[], bool] | None = None, *,
                 rounds: int = 200) -> None:
    """Let the first polls land and the screen catch up (no sleeping on wall time: the
    emulator runs in-process, so a few event-loop turns are enough)."""
    app = pilot.app
    session: Session = app.session
    check = done or (lambda: all(p.polls or p.health.last_error
                                 for p in session.pollers.values()))
    for _ in range(rounds):
        await pilot.pause()
        if check():
            break
    else:
        raise AssertionError("the pollers never answered")
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
