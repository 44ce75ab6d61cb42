"""The poller loop: one poll at a time, re-armed after each; backoff when the API pushes back;
pause, resume and manual refresh; a health record that says what happened."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import MIN_INTERVAL_S, RunsPoller
from trigger_tui.state.store import Store

EMPTY = {"format": "json", "results": []}


class Scripted(httpx.AsyncBaseTransport):
    """A fake API: answers every request per `mode`, optionally held at a gate (slow)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.mode = "ok"
        self.gate: asyncio.Event | None = None
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            return self._answer()
        finally:
            self.in_flight -= 1

    def _answer(self) -> httpx.Response:
        reset = str(int((self.clock.now() + 30) * 1000))
        if self.mode == "429":
            return httpx.Response(429, json={"error": "Rate limit exceeded"}, headers={
                "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset})
        if self.mode == "503":
            return httpx.Response(503, json={"error": "Service Unavailable"})
        if self.mode == "503-retry-after":
            return httpx.Response(503, json={"error": "Service Unavailable"},
                                  headers={"retry-after": "45"})
        if self.mode == "drop":
            raise httpx.ConnectError("connection refused")
        if self.mode == "empty-bucket":
            return httpx.Response(200, json=EMPTY, headers={
                "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": reset})
        return httpx.Response(200, json=EMPTY, headers={
            "x-ratelimit-limit": "60", "x-ratelimit-remaining": "59", "x-ratelimit-reset": reset})


class Sleeper:
    """An injected sleep that waits until the test ticks it (and records what was asked)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.asked: list[float] = []
        self._pending: asyncio.Future[None] | None = None

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self._pending = asyncio.get_running_loop().create_future()
        try:
            await self._pending
        finally:
            self._pending = None
        self.clock.advance(seconds)

    @property
    def sleeping(self) -> bool:
        return self._pending is not None

    def tick(self) -> None:
        assert self._pending is not None, "nothing is sleeping"
        self._pending.set_result(None)


async def until(cond: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if cond():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"never happened: {what}")


def setup(**kw: Any) -> tuple[RunsPoller, Scripted, Sleeper, FakeClock, Store]:
    clock = FakeClock()
    transport = Scripted(clock)
    client = TriggerClient(ClientOptions(base_url="http://api.test", key="tr_prod_x" * 3,
                                         retry=NO_RETRY, transport=transport, now=clock.now))
    sleeper = Sleeper(clock)
    store = Store()
    poller = RunsPoller(client, store, filter=RunFilter(), clock=clock.now, sleep=sleeper,
                        timer=clock.now, **kw)
    return poller, transport, sleeper, clock, store


async def test_polls_never_overlap_and_refreshes_coalesce() -> None:
    poller, transport, sleeper, _, _ = setup(interval_s=2.0)
    transport.gate = asyncio.Event()  # the API is slow: the first poll hangs
    task = asyncio.create_task(poller.run())
    await until(lambda: transport.in_flight == 1, "the first poll is in flight")
    for _ in range(5):
        poller.refresh_now()  # an impatient operator
    extra = asyncio.create_task(poller.poll_once())  # and a manual poll from elsewhere
    for _ in range(50):
        await asyncio.sleep(0)
    assert transport.requests == 1
    transport.gate.set()
    await until(lambda: sleeper.sleeping, "the loop re-armed its timer")
    await extra
    # The poll in flight, one coalesced refresh, the manual poll: one at a time, never two.
    assert transport.max_in_flight == 1
    assert transport.requests == 3
    assert sleeper.asked == [2.0]
    sleeper.tick()
    await until(lambda: transport.requests == 4 and sleeper.sleeping, "the next tick polled")
    poller.stop()
    await asyncio.wait_for(task, 1)
    assert poller.health.next_at is None


async def test_a_rate_limit_waits_for_the_reset_and_success_resets_the_backoff() -> None:
    poller, transport, _, clock, store = setup(interval_s=2.0)
    seen: list[frozenset[str]] = []
    store.subscribe("health", seen.append)
    transport.mode = "429"
    assert not await poller.poll_once()
    h = poller.health
    assert h.consecutive_failures == 1
    assert "rate limited" in (h.last_error or "")
    assert poller.next_delay_s == pytest.approx(30.0)  # the reset, not 2 × 2 s
    transport.mode = "ok"
    assert await poller.poll_once()
    assert (h.consecutive_failures, h.last_error, h.last_success) == (0, None, clock.now())
    assert poller.next_delay_s == 2.0
    assert seen and all(ids == frozenset({"runs"}) for ids in seen)


async def test_server_errors_back_off_exponentially_up_to_a_cap() -> None:
    poller, transport, _, clock, _ = setup(interval_s=2.0, max_backoff_s=60.0)
    transport.mode = "503"
    delays = []
    for _ in range(7):
        assert not await poller.poll_once()
        delays.append(poller.next_delay_s)
    assert delays == [4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert poller.health.state(clock.now() + 10) == "failing"
    assert "503" in (poller.health.last_error or "")
    transport.mode = "503-retry-after"
    poller.health.consecutive_failures = 0
    assert not await poller.poll_once()
    assert poller.next_delay_s == 45.0  # the server's retry-after wins over 2 × 2 s


async def test_a_dropped_connection_is_a_failure_with_a_human_message() -> None:
    poller, transport, _, _, _ = setup()
    transport.mode = "drop"
    assert not await poller.poll_once()
    assert "cannot reach http://api.test" in (poller.health.last_error or "")
    assert poller.next_delay_s == 4.0


async def test_an_empty_rate_limit_bucket_slows_the_next_poll() -> None:
    poller, transport, _, _, _ = setup(interval_s=2.0)
    transport.mode = "empty-bucket"
    assert await poller.poll_once()
    assert poller.next_delay_s == pytest.approx(30.0)


async def test_pause_freezes_refresh_polls_once_resume_polls_at_once() -> None:
    poller, transport, sleeper, _, store = setup(interval_s=2.0)
    task = asyncio.create_task(poller.run())
    await until(lambda: sleeper.sleeping, "first poll done")
    assert transport.requests == 1
    poller.pause()
    assert store.health["runs"].paused
    await until(lambda: not sleeper.sleeping, "the timer was dropped")
    for _ in range(50):
        await asyncio.sleep(0)
    assert transport.requests == 1  # frozen
    poller.refresh_now()
    await until(lambda: transport.requests == 2, "a manual refresh polls once")
    for _ in range(50):
        await asyncio.sleep(0)
    assert transport.requests == 2 and not sleeper.sleeping  # and stays frozen
    poller.resume()
    await until(lambda: transport.requests == 3 and sleeper.sleeping, "resume polled at once")
    assert not store.health["runs"].paused
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_the_interval_has_a_floor() -> None:
    poller, _, _, _, store = setup(interval_s=0.1)
    assert poller.interval_s == MIN_INTERVAL_S
    poller.interval_s = 5
    assert poller.interval_s == 5.0 and store.health["runs"].interval_s == 5.0
    poller.interval_s = 0
    assert poller.interval_s == MIN_INTERVAL_S


async def test_an_unexpected_error_is_reported_not_raised() -> None:
    poller, transport, _, _, _ = setup()

    async def broken() -> None:
        raise KeyError("run_id")

    poller._poll = broken  # type: ignore[method-assign]
    assert not await poller.poll_once()
    assert poller.health.last_error == "unexpected KeyError: 'run_id'"
    assert transport.requests == 0


async def test_a_sped_up_clock_scales_staleness_and_resets() -> None:
    """A demo world running 5× faster: 2 s of sleep are 10 s of its clock."""
    poller, transport, _, clock, store = setup(interval_s=2.0, clock_rate=5.0)
    assert store.health["runs"].interval_s == 10.0
    assert await poller.poll_once()
    assert store.health["runs"].state(clock.now() + 15) == "fresh"
    transport.mode = "429"  # resets 30 clock seconds ahead: 6 s of sleep
    assert not await poller.poll_once()
    assert poller.next_delay_s == pytest.approx(6.0)
