"""Client floor: what the console adds to a poll answer between the socket and the Store.

The answer is real: the runs poller's full reload query (the newest 1,000 runs, every column
the view reads) run once against the emulator's demo world, its response bytes kept. Timed on
those bytes: `json.loads` → `QueryResult` validation → `read_run` per row →
`store.reconcile` (what `RunsPoller` does with an answer), beside bare `json.loads` of the same
bytes, the floor no client in Python can go under. Median of many repeats.

    python -m benchmarks.client_floor            # 1,000 runs, 60 repeats
    python -m benchmarks.client_floor --quick    # 100 runs, a few repeats (a smoke run)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from benchmarks.figures import Figure, ratio, table
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.api.models.common import validate
from trigger_tui.api.models.query import QueryResult
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import RunsPoller, read_run
from trigger_tui.state.store import Store

GOAL_RATIO = 3.0


class Keep(httpx.AsyncBaseTransport):
    """Passes requests on and keeps the last response body."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.body = b""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.body = await response.aread()
        return httpx.Response(response.status_code, headers=response.headers,
                              content=self.body, request=request)


async def poll_answer(runs: int, seed: int = 7) -> bytes:
    """The bytes of the runs poller's reload answer for the newest `runs` runs."""
    clock = FakeClock()
    world = World(clock, seed=seed, history_s=max(1800.0, runs * 1.6))
    keep = Keep(httpx.ASGITransport(app=create_app(world)))
    client = TriggerClient(ClientOptions(base_url="http://emulator.test", key=DEMO_KEYS["prod"],
                                         transport=keep, retry=NO_RETRY, now=clock.now))
    poller = RunsPoller(client, Store(), filter=RunFilter(period="24h"), view_rows=runs,
                        clock=clock.now)
    if not await poller.poll_once():
        raise RuntimeError(f"the reload failed: {poller.health.last_error}")
    await client.aclose()
    got = len(json.loads(keep.body)["results"])
    if got != runs:
        raise RuntimeError(f"the answer holds {got} runs, not {runs}")
    return keep.body


def apply(body: bytes, now: float) -> Store:
    data = json.loads(body)
    result = validate(QueryResult, data, "POST /api/v1/query")
    rows = [read_run(r).row for r in result.rows or []]
    store = Store()
    store.reconcile("runs", rows, now=now, replace_all=True)
    return store


def median_s(call: Callable[[], Any], repeats: int) -> float:
    call()  # warm caches (validators, interned strings)
    gc.collect()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def figures(quick: bool = False) -> list[Figure]:
    runs, repeats = (100, 5) if quick else (1000, 60)
    body = asyncio.run(poll_answer(runs))
    now = time.time()
    value = median_s(lambda: apply(body, now), repeats) * 1000
    reference = median_s(lambda: json.loads(body), repeats) * 1000
    r = ratio(value, reference)
    return [Figure(f"client floor: poll answer of {runs:,} runs ({len(body) / 1024:.0f} KB) "
                   f"→ Store", value, "ms", reference, r, f"≤ {GOAL_RATIO:g}× json.loads",
                   r is not None and r <= GOAL_RATIO)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.client_floor",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 runs (a smoke run)")
    args = parser.parse_args(argv)
    print(table(figures(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
