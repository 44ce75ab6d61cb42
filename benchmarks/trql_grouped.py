"""How long a grouped TRQL query takes over ~100k runs, end to end through the HTTP app.

    .venv/bin/python -m benchmarks.trql_grouped [--runs N] [--repeats R] [--quick]

Builds a busy world on a fake clock holding about N runs, then POSTs
`SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier` (project scope, so
every run counts) through the in-process ASGI app: once cold (the first query creates the
database and materialises every run), then warm (median of R), then warm while the simulated
clock moves one second between queries (new runs, finishing runs: the live-demo case). As a
reference it times the same aggregation in plain Python over the Run records.

In the table (`figures`) it is an extra line without a goal: the emulator's speed, not the
console's, but what makes the demo's dashboards feel slow or quick.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import httpx

from benchmarks.figures import Figure, ratio
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.statuses import FINAL
from trigger_tui.emulator.world import DEMO_KEYS, World

QUERY = "SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier"
RUNS_PER_HOUR_AT_ACTIVITY_1 = 3900.0  # prod ~2.8k + staging ~0.85k + dev ~0.22k
HISTORY_H = 2.0


def build_world(runs: int) -> World:
    activity = max(0.05, runs / (RUNS_PER_HOUR_AT_ACTIVITY_1 * HISTORY_H))
    return World(FakeClock(), history_s=HISTORY_H * 3600, activity=activity,
                 retention_s=HISTORY_H * 3600 * 2, max_runs=max(60_000, runs * 2))


async def _timed(call: Callable[[], Awaitable[None]]) -> float:
    start = time.perf_counter()
    await call()
    return time.perf_counter() - start


async def run(runs: int, repeats: int) -> Figure:
    t0 = time.perf_counter()
    world = build_world(runs)
    build_s = time.perf_counter() - t0
    sizes = {slug: len(env.runs) for slug, env in world.envs.items()}
    total = sum(sizes.values())
    unfinished = sum(r.status not in FINAL for e in world.envs.values() for r in e.runs.values())
    print(f"runs: {total:,} ({', '.join(f'{k} {v:,}' for k, v in sizes.items())}), "
          f"{unfinished:,} unfinished")
    print(f"world build: {build_s:.2f} s")

    app = create_app(world)
    headers = {"authorization": f"Bearer {DEMO_KEYS['prod']}"}
    body = {"query": QUERY, "scope": "project", "format": "json"}
    answer: list[dict[str, object]] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://emulator.bench") as client:

        async def query() -> None:
            r = await client.post("/api/v1/query", json=body, headers=headers)
            r.raise_for_status()
            answer[:] = r.json()["results"]

        cold = await _timed(query)
        print(f"cold (first query, includes materialisation): {cold:.3f} s")
        expected = Counter(r.task for env in world.envs.values() for r in env.runs.values())
        got = {str(row["task_identifier"]): row["runs"] for row in answer}
        print(f"results match the world: {'yes' if got == dict(expected) else 'NO'}")

        warm = statistics.median([await _timed(query) for _ in range(repeats)])
        print(f"warm (median of {repeats}): {warm:.3f} s")

        clock = world.clock
        assert isinstance(clock, FakeClock)
        moving = []
        for _ in range(repeats):
            clock.advance(1.0)
            moving.append(await _timed(query))
        print(f"warm, clock advancing 1 s per query (median of {repeats}): "
              f"{statistics.median(moving):.3f} s")

    def reference() -> dict[str, int]:
        return dict(Counter(r.task for env in world.envs.values() for r in env.runs.values()))

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        reference()
        times.append(time.perf_counter() - start)
    ref = statistics.median(times)
    print(f"reference (plain Python Counter over the Run records, median of {repeats}): "
          f"{ref:.3f} s")
    print(f"ratio warm / reference: {warm / ref if ref > 0 else float('inf'):.1f}x")
    return Figure(f"emulator TRQL GROUP BY over {total:,} runs (warm, vs Python Counter)",
                  warm * 1000, "ms", ref * 1000, ratio(warm, ref))


def figures(quick: bool = False) -> list[Figure]:
    runs, repeats = (3_000, 3) if quick else (100_000, 10)
    return [asyncio.run(run(runs, repeats))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000, help="about how many runs")
    parser.add_argument("--repeats", type=int, default=10, help="warm queries to time")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    args = parser.parse_args(argv)
    runs, repeats = (3_000, 3) if args.quick else (args.runs, args.repeats)
    asyncio.run(run(runs, repeats))


if __name__ == "__main__":
    main()
