"""The metrics poller: per-minute buckets read whole once and then incrementally, figures that
match a recount of the simulated world, and buffers bounded by the window however long it runs.

What the poller asked is read from the request bodies themselves (a recording transport in
front of the in-process emulator), since the emulator's request log keeps no bodies.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass, field

import httpx

from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.statuses import public_status
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.state.filters import ts_literal
from trigger_tui.state.metrics import Metrics, MetricsPoller, metrics_of
from trigger_tui.state.pollers import QueuesPoller
from trigger_tui.state.store import FAILED_STATUSES, Store

API_VERSION = "2025-07-16"
BUCKETS = re.compile(r"toStartOfMinute\(completed_at\).*completed_at >= ('[^']+')")


class Recording(httpx.AsyncBaseTransport):
    """Passes requests to the emulator and keeps every TRQL query text sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.queries: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/query"):
            self.queries.append(str(json.loads(request.content)["query"]))
        return await self.inner.handle_async_request(request)


async def never(seconds: float) -> None:
    await asyncio.Event().wait()


@dataclass
class Rig:
    clock: FakeClock
    world: World
    wire: Recording
    client: TriggerClient
    metrics: MetricsPoller
    queues: QueuesPoller
    store: Store = field(default_factory=Store)

    @property
    def env(self) -> EnvWorld:
        return self.world.envs["prod"]

    @property
    def now(self) -> float:
        return self.clock.now()

    async def poll(self, seconds: float) -> Metrics:
        self.clock.advance(seconds)
        self.world.advance()
        assert await self.queues.poll_once()
        assert await self.metrics.poll_once(), self.metrics.health.last_error
        m = metrics_of(self.store)
        assert m is not None and m.at == self.now
        return m

    def bucket_starts(self) -> list[str]:
        """The `completed_at >=` literal of every bucket query sent so far, in order."""
        return [m[1] for q in self.wire.queries if (m := BUCKETS.search(q))]

    def finished(self) -> list[tuple[float, str]]:
        """(completed_at as TRQL stores it, to the millisecond; public status) of each run."""
        return [(int(r.finished_at * 1000) / 1000, public_status(r.status, API_VERSION))
                for r in self.env.runs.values() if r.finished_at is not None]


def make_rig(*, window_s: float = 600.0, workload: bool = True,
             history_s: float = 1200.0) -> Rig:
    clock = FakeClock()
    world = World(clock, seed=11, history_s=history_s, workload=workload)
    wire = Recording(httpx.ASGITransport(app=create_app(world)))
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=DEMO_KEYS["prod"], project_ref=world.project_ref,
        retry=NO_RETRY, transport=wire, now=clock.now, rng=random.Random(3)))
    store = Store()
    kw = {"clock": clock.now, "sleep": never, "timer": clock.now}
    metrics = MetricsPoller(client, store, window_s=window_s, interval_s=60.0,
                            windows=(600.0,), **kw)  # type: ignore[arg-type]
    queues = QueuesPoller(client, store, **kw)  # type: ignore[arg-type]
    return Rig(clock, world, wire, client, metrics, queues, store)


def _minute(t: float) -> float:
    return float(int(t // 60) * 60)


async def test_buckets_are_read_whole_once_then_only_the_last_two_minutes() -> None:
    rig = make_rig()
    await rig.poll(0.0)
    first = rig.now
    assert rig.bucket_starts() == [ts_literal(_minute(first - 600.0))]
    for _ in range(6):
        await rig.poll(25.0)
        assert rig.bucket_starts()[-1] == ts_literal(_minute(rig.now) - 60.0)
    assert len(rig.bucket_starts()) == 7
    await rig.client.aclose()


async def test_after_a_gap_the_missed_minutes_are_read_too() -> None:
    rig = make_rig()
    await rig.poll(0.0)
    before = rig.now
    m = await rig.poll(300.0)  # five minutes without a poll (paused, or the API failing)
    assert rig.bucket_starts()[-1] == ts_literal(_minute(before))
    _assert_minutes_match(rig, m)
    await rig.client.aclose()


def _assert_minutes_match(rig: Rig, m: Metrics) -> None:
    runs = rig.finished()
    assert len(m.minutes) == 10
    assert m.minutes[-1].at == _minute(rig.now)
    for minute in m.minutes:
        inside = [s for t, s in runs if minute.at <= t < minute.at + 60.0]
        assert (minute.finished, minute.completed, minute.failed) == (
            len(inside), inside.count("COMPLETED"),
            sum(s in FAILED_STATUSES for s in inside)), minute.at
    assert sum(x.finished for x in m.minutes) > 50  # a busy world: the check means something


async def test_figures_match_a_recount_of_the_world() -> None:
    rig = make_rig()
    rig.env.incident = ("deliver-webhook", rig.now + 3600, 8.0)  # failures worth counting
    m = await rig.poll(0.0)
    for _ in range(8):
        m = await rig.poll(37.0)
    _assert_minutes_match(rig, m)
    runs = rig.finished()
    now = rig.now
    last_minute = [s for t, s in runs if _minute(now) - 60.0 <= t < _minute(now)]
    assert m.runs_per_min == len(last_minute) > 0
    recent = [s for t, s in runs if t >= round(now - 900.0, 3)]
    failed = sum(s in FAILED_STATUSES for s in recent)
    assert m.failures_15m == failed > 0
    assert m.success_rate == recent.count("COMPLETED") / len(recent)
    ten = [s for t, s in runs if t >= round(now - 600.0, 3)]
    assert m.window(600.0).finished() == len(ten)
    webhook = [s for t, s in runs if t >= round(now - 900.0, 3)]
    assert m.recent.failed("deliver-webhook") <= failed
    assert len(webhook) == m.recent.finished()
    newest = [f.at for f in m.failures]
    assert newest == sorted(newest, reverse=True) and len(newest) == min(20, failed)
    await rig.client.aclose()


async def test_six_hours_of_polls_keep_every_buffer_within_the_window() -> None:
    rig = make_rig(workload=False, history_s=0.0)
    env = rig.env
    window_min = 10
    await rig.poll(0.0)
    for i in range(72):  # a poll every five minutes for six hours
        if i % 2 == 0:
            env.trigger("send-email", {}, "application/json", TriggerOptions(max_attempts=1))
        if i == 40:
            await rig.client.queues.pause("email", type="custom")
        m = await rig.poll(300.0)
        assert len(rig.metrics._gauges) <= window_min
        assert len(rig.metrics._minutes) <= window_min
        first = _minute(rig.now) - 600.0 + 60.0
        assert all(g.at >= first for g in m.gauges)  # no sample from outside the window
        assert len(m.minutes) == window_min
    assert m.gauges[-1].queued >= 1  # the paused queue is what the last sample shows
    await rig.client.aclose()
