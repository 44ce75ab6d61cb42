"""Memory: RSS with 10k and 100k runs held, and RSS growth of the wall over 24 simulated hours.

Runs held: a fresh interpreter imports the console's UI, notes its RSS (the reference: Python,
Textual and the app's modules, nothing held), builds a Store of N runs (the same generator as
`benchmarks.runs_view`) and mounts the runs table on it headless, then notes its RSS once the
first frame is drawn. A fresh process per size, so one size's garbage cannot flatter another.

Wall growth: a fresh interpreter runs the wall's state on a fake clock — a demo session
without a runs view, the wall's metrics (one hour window) and the demo's alert rules — whose
world starts with its full 12 h retention of history, so the world itself is at steady state.
Every poller polls once per simulated minute while the world moves on; RSS is sampled every
simulated hour after one hour of warm-up (the metrics window full). The world swaps its runs as
they age out of retention and RSS swings a few percent with the allocator, so the reference is
the median of the first three samples and the value the median of the last three. Growth is
what would pile up on a wall left on for days.

The wall's RSS at both ends of its 60 s idle run (`benchmarks.wall`) is a third line.

    python -m benchmarks.memory            # 10k and 100k runs; 24 simulated hours
    python -m benchmarks.memory --quick    # 1k runs; 2 simulated hours (a smoke run)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks import wall
from benchmarks.figures import Figure, ratio, table, unmeasured
from benchmarks.terminal import ROOT, child_env, rss_mb

GOAL_MB_100K = 150.0
GOAL_GROWTH = 0.05
RETENTION_S = 12 * 3600.0


async def _held(n: int) -> dict[str, float]:
    from benchmarks.runs_view import SIZE, VirtualApp, make_rows
    from trigger_tui.state.store import Store

    gc.collect()
    before = rss_mb()
    store = Store(max_runs=max(n, 1))
    store.upsert("runs", make_rows(n, random.Random(7)))
    app = VirtualApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        after = rss_mb()
    return {"before": before, "after": after}


async def _wall_day(hours: float, warmup_h: float, poll_s: float,
                    history_s: float) -> dict[str, float]:
    from trigger_tui.emulator.clock import FakeClock
    from trigger_tui.rules import demo_rules
    from trigger_tui.state.session import Session

    clock = FakeClock()
    session = Session.for_demo(clock=clock, runs=False, history_s=history_s)
    session.enable_metrics(window_s=3600.0, interval_s=poll_s)
    session.enable_alerts(demo_rules())
    world = session.world

    async def run_for(seconds: float) -> int:
        polls = 0
        for _ in range(int(seconds / poll_s)):
            clock.advance(poll_s)
            world.advance()
            for poller in list(session.pollers.values()):
                await poller.poll_once()
                polls += 1
        return polls

    await run_for(warmup_h * 3600)
    samples, polls = [], 0
    step_h = min(1.0, hours / 4)
    for _ in range(round(hours / step_h) + 1):
        gc.collect()
        samples.append(rss_mb())
        polls += await run_for(step_h * 3600)
    await session.stop()
    # The world replaces its runs as they age out of retention, so RSS swings a few percent
    # with the allocator: the first and last three samples, each by its median, compare ends.
    return {"before": statistics.median(samples[:3]), "after": statistics.median(samples[-3:]),
            "low": min(samples), "high": max(samples), "polls": polls,
            "samples": len(samples)}


def _child(args: Sequence[str]) -> dict[str, Any]:
    """Run this module in a fresh interpreter with `args`; its JSON answer."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.memory", *args], cwd=ROOT,
                         env=child_env((200, 50)), capture_output=True, text=True, check=True)
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def figures(quick: bool = False) -> list[Figure]:
    out = []
    for n in (1_000,) if quick else (10_000, 100_000):
        held = _child(["--held", str(n)])
        goal = f"< {GOAL_MB_100K:g} MB" if n >= 100_000 else None
        out.append(Figure(f"RSS, {n:,} runs held + runs table (vs before)", held["after"], "MB",
                          held["before"], ratio(held["after"], held["before"]), goal,
                          held["after"] < GOAL_MB_100K if goal else None))
    hours, warmup_h, poll_s, history_s = ((1.0, 0.25, 60.0, 1800.0) if quick
                                          else (24.0, 1.0, 60.0, RETENTION_S))
    day = _child(["--wall-day", str(hours), str(warmup_h), str(poll_s), str(history_s)])
    r = ratio(day["after"], day["before"])
    out.append(Figure(f"RSS, wall state after {hours:g} simulated h (vs after {warmup_h:g} h)",
                      day["after"], "MB", day["before"], r, f"growth < {GOAL_GROWTH:.0%}",
                      r is not None and r < 1 + GOAL_GROWTH,
                      note=f"{int(day['polls']):,} polls, one per poller every {poll_s:g} "
                      f"simulated s; medians of the first and last 3 of "
                      f"{int(day['samples'])} RSS samples, range "
                      f"{day['low']:.0f}–{day['high']:.0f} MB"))
    seconds, warmup = wall.sizes(quick)
    name = f"RSS, wall --demo after {seconds:g} s idle (vs its start)"
    try:
        w = wall.measure(seconds, warmup)
    except (RuntimeError, TimeoutError) as exc:
        out.append(unmeasured(name, "MB", None, f"the wall did not run: {exc}"))
    else:
        out.append(Figure(name, w.rss_end_mb, "MB", w.rss_start_mb,
                          ratio(w.rss_end_mb, w.rss_start_mb)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--held", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--wall-day", nargs=4, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.held is not None:
        print(json.dumps(asyncio.run(_held(args.held))))
    elif args.wall_day is not None:
        print(json.dumps(asyncio.run(_wall_day(*args.wall_day))))
    else:
        print(table(figures(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
