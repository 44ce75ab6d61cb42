"""Runs view: time from a poll's answer to the refreshed frame, virtual table vs stock DataTable.

For 10k and 100k runs held, each poll changes 1 % of them (status and duration, as a poll
reports runs finishing). The same changes go through the Store (`store.upsert`, which finds what
changed and notifies) into:

* `RunsTable` — the console's Line-API table (sorted index + only visible rows rendered);
* Textual's stock `DataTable`, keyed by run id, updated with `update_cell` for each changed cell
  (its fastest update path; a rebuild would be far slower).

Measured per poll: from the `upsert` call to the last frame that the change caused (headless
`run_test` at 200x50, with every frame still encoded to terminal bytes as a real terminal would
need). Printed: median and p95 in milliseconds, the first build, and the DataTable/virtual ratio.

    python -m benchmarks.runs_view            # 10k and 100k runs, 20 polls each
    python -m benchmarks.runs_view --quick    # small sizes, a few polls (a smoke run)

Goals (the table's lines, `figures`): under 20 ms at 10k runs and 50 ms at 100k, median and
p95, and at least 5× faster than the stock table (a ratio of 0.2 or less).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.widgets import DataTable

import trigger_tui.ui.app
from benchmarks.figures import Figure, ratio
from trigger_tui.state.store import RunRow, Store
from trigger_tui.ui import format as fmt
from trigger_tui.ui.widgets.runs_table import RunsTable

NOW = 1_767_225_600.0
SIZE = (200, 50)
QUIET_S = 0.08  # no new frame for this long: the change has been drawn
TASKS = ("send-email", "charge-card", "resize-image", "sync-crm", "embed-chunks",
         "deliver-webhook", "summarize-document", "process-order")
STATUSES = ("QUEUED", "EXECUTING", "WAITING", "COMPLETED", "FAILED", "CANCELED")
COLUMNS = ("status", "id", "task", "version", "tags", "created", "duration", "cost", "queue",
           "machine")


def make_rows(n: int, rng: random.Random) -> list[RunRow]:
    return [RunRow(id=f"run_{i:021d}", status=rng.choice(STATUSES), task=rng.choice(TASKS),
                   created_at=NOW - i * 0.5, version="20260101.1",
                   tags=(f"customer:{rng.randrange(50)}",), duration_ms=rng.randrange(90_000),
                   cost_usd=rng.random() / 1000, queue=f"task/{rng.choice(TASKS)}",
                   machine="small-1x") for i in range(n)]


def poll_changes(rows: dict[str, RunRow], rng: random.Random, share: float) -> list[RunRow]:
    """What one poll reports: `share` of the runs moved on (finished, with a duration)."""
    ids = rng.sample(sorted(rows), max(1, int(len(rows) * share)))
    return [replace(rows[i], status=rng.choice(("COMPLETED", "FAILED")),
                    duration_ms=rows[i].duration_ms + rng.randrange(1, 5000)) for i in ids]


def cells(r: RunRow) -> tuple[str, ...]:
    look = fmt.status_look(r.status)
    return (f"{look.symbol} {look.label}", r.id, r.task, r.version, ", ".join(r.tags),
            fmt.ago(r.created_at, NOW), fmt.duration(r.duration_ms), fmt.money(r.cost_usd),
            r.queue, r.machine)


class Frames:
    """Timestamps of produced frames, each encoded like a real terminal would receive it."""

    def __init__(self, app: App[Any]) -> None:
        self.times: list[float] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(app.console)
                self.times.append(time.perf_counter())
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]

    async def settled_after(self, start: float, timeout_s: float = 120.0) -> float:
        """The time of the last frame after `start`, once frames have stopped coming."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            await asyncio.sleep(0.002)
            after = [t for t in self.times if t >= start]
            if after and time.perf_counter() - after[-1] >= QUIET_S:
                return after[-1]
        raise TimeoutError("no frame after the change")


class VirtualApp(App[None]):
    CSS_PATH = str(Path(trigger_tui.ui.app.__file__).parent / "styles" / "runs.tcss")

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield RunsTable(self.store, clock=lambda: NOW)


class StockApp(App[None]):
    """DataTable fed from the same Store notifications, by row key, cell by cell."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key in COLUMNS:
            table.add_column(key.upper(), key=key)
        for r in self.store.runs.values():
            table.add_row(*cells(r), key=r.id)
        self.store.subscribe("runs", self.on_store)

    def on_store(self, changed: frozenset[str]) -> None:
        table = self.query_one(DataTable)
        for rid in changed:
            values = cells(self.store.runs.items[rid])
            table.update_cell(rid, "status", values[0])
            table.update_cell(rid, "duration", values[6])


@dataclass
class Result:
    name: str
    runs: int
    build_s: float
    polls_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.polls_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.polls_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(name: str, make_app: Callable[[Store], App[Any]], n: int, polls: int,
                  share: float, seed: int) -> Result:
    rng = random.Random(seed)
    store = Store(max_runs=max(n, 1))
    store.upsert("runs", make_rows(n, rng))
    gc.collect()
    app = make_app(store)
    started = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        await pilot.pause()
        build = await frames.settled_after(started) - started
        samples: list[float] = []
        for _ in range(polls + 1):  # the first poll warms caches and is not counted
            changes = poll_changes(store.runs.items, rng, share)
            t0 = time.perf_counter()
            store.upsert("runs", changes)
            done = await frames.settled_after(t0)
            samples.append((done - t0) * 1000)
        return Result(name, n, build, samples[1:])


def report(results: Sequence[Result]) -> str:
    lines = [f"{'runs':>9}  {'table':<14} {'first frame':>11}  {'poll→frame p50':>14}  "
             f"{'p95':>8}"]
    for r in results:
        lines.append(f"{r.runs:>9,}  {r.name:<14} {r.build_s:>10.2f}s  {r.p50:>11.1f} ms  "
                     f"{r.p95:>5.1f} ms")
    by_size: dict[int, dict[str, Result]] = {}
    for r in results:
        by_size.setdefault(r.runs, {})[r.name] = r
    lines.append("")
    for n, pair in by_size.items():
        if "virtual" in pair and "DataTable" in pair:
            ratio = pair["DataTable"].p50 / max(pair["virtual"].p50, 1e-9)
            lines.append(f"{n:>9,} runs, 1 % changed per poll: DataTable takes {ratio:.1f}x "
                         f"the virtual table's time to frame "
                         f"({pair['DataTable'].p50:.1f} ms vs {pair['virtual'].p50:.1f} ms)")
    return "\n".join(lines)


async def run(sizes: Sequence[int], polls: int, share: float, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        results.append(await measure("virtual", VirtualApp, n, polls, share, seed))
        results.append(await measure("DataTable", StockApp, n, polls, share, seed))
    return results


GOAL_RATIO = 0.2


def goal_ms(runs: int) -> float:
    return 20.0 if runs <= 10_000 else 50.0


def figures(quick: bool = False, seed: int = 7) -> list[Figure]:
    sizes = (500, 2_000) if quick else (10_000, 100_000)
    results = asyncio.run(run(sizes, 3 if quick else 20, 0.01, seed))
    out = []
    for n in sizes:
        virtual, stock = (next(r for r in results if r.runs == n and r.name == name)
                          for name in ("virtual", "DataTable"))
        limit = goal_ms(n)
        for stat, ours, theirs in (("median", virtual.p50, stock.p50),
                                   ("p95", virtual.p95, stock.p95)):
            r = ratio(ours, theirs)
            out.append(Figure(f"poll→frame {stat}, {n:,} runs, 1 % changed", ours, "ms", theirs,
                              r, f"< {limit:g} ms, ≤ {GOAL_RATIO:g}× stock",
                              ours < limit and r is not None and r <= GOAL_RATIO))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runs_view",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few polls (a smoke run, not a measurement)")
    parser.add_argument("--polls", type=int, default=None, help="polls measured per size")
    parser.add_argument("--share", type=float, default=0.01, help="share of runs changed per "
                        "poll (default 0.01)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    sizes = (500, 2_000) if args.quick else (10_000, 100_000)
    polls = args.polls or (3 if args.quick else 20)
    results = asyncio.run(run(sizes, polls, args.share, args.seed))
    print(report(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
