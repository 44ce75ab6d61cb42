"""What one runs-view poll costs: the incremental TRQL poll against re-reading the newest N.

Both pollers watch the same emulated production environment (fake clock, fixed seed, one hour
of history, ~0.9 new runs a second) and poll it at the same instants. The naive poller re-runs
the view's full query every time ("the newest N runs"); the incremental one is `RunsPoller`.
Steady state excludes each poller's first (full) load.

Scenarios: `steady` (the normal workload) and `backlog` (the busiest task queue paused, so
queued runs pile up: the case where re-reading every unfinished run by id would explode).

For the table (`figures`): bytes and rows per minute of the steady scenario beside the naive
poller's, and the requests per minute of the whole demo console (every poller it starts, at
its own interval, on the same fake clock) beside the rate limit's sustained budget (the
emulator's default bucket: 750 tokens, 250 more every 10 s, i.e. 1,500 a minute).

    .venv/bin/python benchmarks/incremental_polling.py [--minutes 10] [--interval 2] [--rows 1000]
    .venv/bin/python -m benchmarks.incremental_polling --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

if __package__ in (None, ""):  # `python benchmarks/incremental_polling.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import Figure, ratio, table  # noqa: E402
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient  # noqa: E402
from trigger_tui.emulator.app import create_app  # noqa: E402
from trigger_tui.emulator.clock import FakeClock  # noqa: E402
from trigger_tui.emulator.ratelimit import RateLimiter  # noqa: E402
from trigger_tui.emulator.world import DEMO_KEYS, World  # noqa: E402
from trigger_tui.rules import demo_rules  # noqa: E402
from trigger_tui.state.filters import RunFilter  # noqa: E402
from trigger_tui.state.pollers import RunsPoller  # noqa: E402
from trigger_tui.state.session import Session  # noqa: E402
from trigger_tui.state.store import Store  # noqa: E402

GOAL_SHARE = 0.05


class Wire(httpx.AsyncBaseTransport):
    """Passes requests on; counts the bytes of request and response bodies."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent = 0
        self.received = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += len(await request.aread())
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        self.received += len(content)
        return httpx.Response(response.status_code, headers=response.headers, content=content,
                              request=request)


@dataclass
class Cost:
    """Per-poll means at steady state."""

    name: str
    polls: int = 0
    rows: float = 0.0
    request_bytes: float = 0.0
    response_bytes: float = 0.0
    seconds: float = 0.0  # wall time per poll, in-process emulator included

    def add(self, rows: int, sent: int, received: int, seconds: float) -> None:
        n = self.polls
        self.rows = (self.rows * n + rows) / (n + 1)
        self.request_bytes = (self.request_bytes * n + sent) / (n + 1)
        self.response_bytes = (self.response_bytes * n + received) / (n + 1)
        self.seconds = (self.seconds * n + seconds) / (n + 1)
        self.polls = n + 1


@dataclass
class Figures:
    scenario: str
    minutes: float
    interval_s: float
    view_rows: int
    incremental: Cost
    naive: Cost
    tracked: int  # unfinished runs the incremental poller follows at the end
    view: int  # runs in the incremental view at the end

    @property
    def byte_ratio(self) -> float:
        """How many times more bytes (both ways) the naive poll moves."""
        inc = self.incremental.request_bytes + self.incremental.response_bytes
        naive = self.naive.request_bytes + self.naive.response_bytes
        return naive / inc if inc else float("inf")

    def table(self) -> str:
        lines = [f"scenario {self.scenario}: {self.minutes:g} simulated minutes, poll every "
                 f"{self.interval_s:g} s, view of the newest {self.view_rows} runs "
                 f"(end: {self.view} runs held, {self.tracked} unfinished followed)",
                 f"{'':<12}{'rows/poll':>10}{'req B/poll':>12}{'resp B/poll':>13}"
                 f"{'ms/poll':>9}"]
        for c in (self.incremental, self.naive):
            lines.append(f"{c.name:<12}{c.rows:>10.1f}{c.request_bytes:>12.0f}"
                         f"{c.response_bytes:>13.0f}{c.seconds * 1000:>9.1f}")
        lines.append(f"naive / incremental bytes: {self.byte_ratio:.0f}x")
        return "\n".join(lines)


async def _poll(poller: RunsPoller, wire: Wire, cost: Cost | None, *, full: bool) -> None:
    sent, received = wire.sent, wire.received
    started = time.perf_counter()
    if full:
        poller.set_filter(poller.filter)  # the naive view: the full query, every time
    ok = await poller.poll_once()
    if not ok:
        raise RuntimeError(f"{poller.name} poll failed: {poller.health.last_error}")
    if cost is not None:
        cost.add(poller.stats.last_rows, wire.sent - sent, wire.received - received,
                 time.perf_counter() - started)


async def measure(*, scenario: str = "steady", minutes: float = 10.0, interval_s: float = 2.0,
                  view_rows: int = 1000, seed: int = 7) -> Figures:
    clock = FakeClock()
    world = World(clock, seed=seed, history_s=3600)
    wire = Wire(httpx.ASGITransport(app=create_app(world)))
    client = TriggerClient(ClientOptions(base_url="http://emulator.test", key=DEMO_KEYS["prod"],
                                         transport=wire, retry=NO_RETRY, now=clock.now))
    f = RunFilter(period="24h")
    incremental = RunsPoller(client, Store(), filter=f, view_rows=view_rows,
                             interval_s=interval_s, clock=clock.now, name="incremental")
    naive = RunsPoller(client, Store(), filter=f, view_rows=view_rows, interval_s=interval_s,
                       clock=clock.now, name="naive")
    if scenario == "backlog":
        env = world.envs["prod"]
        busiest = max(env.queues.values(), key=lambda q: sum(
            1 for r in env.runs.values() if r.queue == q.name))
        env.set_paused(busiest, True)
    elif scenario != "steady":
        raise ValueError(f"unknown scenario {scenario!r}")
    inc_cost, naive_cost = Cost("incremental"), Cost("naive")
    await _poll(incremental, wire, None, full=False)
    await _poll(naive, wire, None, full=True)
    for _ in range(int(minutes * 60 / interval_s)):
        clock.advance(interval_s)
        await _poll(incremental, wire, inc_cost, full=False)
        await _poll(naive, wire, naive_cost, full=True)
    await client.aclose()
    return Figures(scenario, minutes, interval_s, view_rows, inc_cost, naive_cost,
                   incremental.tracked, len(incremental.store.runs))


@dataclass
class Requests:
    """The whole console's request rate against the rate limit, over simulated minutes."""

    minutes: float
    requests: int
    pollers: tuple[str, ...]
    lowest_remaining: int | None  # fewest tokens left in the bucket after any request
    limit: int | None

    @property
    def per_minute(self) -> float:
        return self.requests / self.minutes


async def console_requests(minutes: float, seed: int = 7) -> Requests:
    """The demo console's pollers (runs, queues, metrics for the demo's alert rules, as
    `trigger-tui --demo` starts them), each polled at its own next delay on a fake clock."""
    clock = FakeClock()
    session = Session.for_demo(clock=clock, seed=seed)
    session.enable_alerts(demo_rules())
    client = session.client
    due = {name: clock.now() for name in session.pollers}
    end = clock.now() + minutes * 60
    lowest: int | None = None
    while True:
        t = min(due.values())
        if t > end:
            break
        clock.advance(max(0.0, t - clock.now()))
        for name in [n for n, at in due.items() if at <= clock.now()]:
            poller = session.pollers[name]
            await poller.poll_once()
            due[name] = clock.now() + poller.next_delay_s
            remaining = client.rate_limit.remaining
            if remaining is not None:
                lowest = remaining if lowest is None else min(lowest, remaining)
    requests = client.stats.requests
    limit = client.rate_limit.limit
    await session.stop()
    return Requests(minutes, requests, tuple(sorted(session.pollers)), lowest, limit)


def figures(quick: bool = False) -> list[Figure]:
    minutes = 1.0 if quick else 10.0
    f = asyncio.run(measure(scenario="steady", minutes=minutes))
    per_min = 60 / f.interval_s
    inc, naive = f.incremental, f.naive
    inc_kb = (inc.request_bytes + inc.response_bytes) * per_min / 1024
    naive_kb = (naive.request_bytes + naive.response_bytes) * per_min / 1024
    goal = f"≤ {GOAL_SHARE:.0%} of naive"
    rq = asyncio.run(console_requests(minutes))
    budget = RateLimiter.refill * 60 / RateLimiter.interval_s
    share = ratio(rq.per_minute, budget)
    return [
        Figure(f"incremental polling: bytes/min, demo world ({minutes:g} min)", inc_kb,
               "KB/min", naive_kb, ratio(inc_kb, naive_kb), goal,
               inc_kb <= GOAL_SHARE * naive_kb),
        Figure("incremental polling: rows/min", inc.rows * per_min, "rows/min",
               naive.rows * per_min, ratio(inc.rows, naive.rows), goal,
               inc.rows <= GOAL_SHARE * naive.rows),
        Figure(f"console requests/min vs rate-limit refill ({'+'.join(rq.pollers)})",
               rq.per_minute, "req/min", budget, share, "< refill rate",
               share is not None and share < 1,
               note=f"bucket of {rq.limit} tokens never below {rq.lowest_remaining} left"),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--rows", type=int, default=1000, help="view size (newest N runs)")
    parser.add_argument("--scenario", choices=("steady", "backlog", "both"), default="both")
    parser.add_argument("--quick", action="store_true",
                        help="one simulated minute, the table's figures only (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        print(table(figures(quick=True)))
        return
    scenarios = ("steady", "backlog") if args.scenario == "both" else (args.scenario,)
    for scenario in scenarios:
        result = asyncio.run(measure(scenario=scenario, minutes=args.minutes,
                                     interval_s=args.interval, view_rows=args.rows))
        print(result.table())
        print()


if __name__ == "__main__":
    main()
