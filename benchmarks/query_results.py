"""Query results: time from a TRQL answer (rows as dicts) to the frame showing it.

The same rows (run id, task, status, machine, counts, a cost, a timestamp) go into:

* `ResultsTable` — the console's Line-API table (`set_result`: widths from a sample, each line
  formatted when painted);
* Textual's stock `DataTable` (`add_columns` + `add_rows`, its bulk path).

Measured: from the call to the last frame it caused (headless `run_test` at 200x50, frames
encoded to terminal bytes, as `benchmarks.runs_view` does). Printed: the median of a few
repeats per size and the DataTable/virtual ratio.

    python -m benchmarks.query_results            # 10k and 100k rows
    python -m benchmarks.query_results --quick    # small sizes (a smoke run)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from benchmarks.figures import Figure, ratio
from benchmarks.runs_view import SIZE, TASKS, Frames
from trigger_tui.ui.widgets.results_table import ResultsTable, cell_text

STATUSES = ("Completed", "Failed", "Executing", "Queued", "Crashed")
MACHINES = ("micro", "small-1x", "small-2x", "medium-1x")


def make_rows(n: int, rng: random.Random) -> list[dict[str, Any]]:
    return [{"run_id": f"run_{i:021d}", "task_identifier": rng.choice(TASKS),
             "status": rng.choice(STATUSES), "machine": rng.choice(MACHINES),
             "attempt_count": rng.randrange(1, 4), "usage_duration": rng.randrange(90_000),
             "total_cost": rng.random() / 100,
             "triggered_at": f"2026-01-01 00:{i // 60 % 60:02d}:{i % 60:02d}.000"}
            for i in range(n)]


class VirtualApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultsTable()


class StockApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def _time(app: App[None], show: Callable[[App[None]], None]) -> float:
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        await pilot.pause()
        gc.collect()
        start = time.perf_counter()
        show(app)
        end = await frames.settled_after(start)
        return end - start


def _virtual(rows: list[dict[str, Any]]) -> Callable[[App[None]], None]:
    columns = tuple(rows[0])

    def show(app: App[None]) -> None:
        app.query_one(ResultsTable).set_result(columns, rows)

    return show


def _stock(rows: list[dict[str, Any]]) -> Callable[[App[None]], None]:
    columns = tuple(rows[0])

    def show(app: App[None]) -> None:
        table: DataTable[str] = app.query_one(DataTable)
        table.add_columns(*columns)
        table.add_rows([cell_text(r[c]) for c in columns] for r in rows)

    return show


async def measure(n: int, repeats: int) -> tuple[float, float]:
    rows = make_rows(n, random.Random(n))
    runs: dict[str, list[float]] = {"virtual": [], "stock": []}
    cases: list[tuple[str, Callable[[], App[None]], Callable[[App[None]], None]]] = [
        ("virtual", VirtualApp, _virtual(rows)), ("stock", StockApp, _stock(rows))]
    for _ in range(repeats):
        for name, make, show in cases:
            runs[name].append(await _time(make(), show))
    return statistics.median(runs["virtual"]), statistics.median(runs["stock"])


def figures(quick: bool = False) -> list[Figure]:
    """The table's lines: each size's result to screen beside the stock DataTable (the issue
    sets no goal for this one: the ratio is the figure)."""
    sizes, repeats = ((500, 2000), 1) if quick else ((10_000, 100_000), 3)
    out = []
    for n in sizes:
        virtual, stock = asyncio.run(measure(n, repeats))
        out.append(Figure(f"query result to screen, {n:,} rows (median of {repeats})",
                          virtual * 1000, "ms", stock * 1000, ratio(virtual, stock)))
    return out


async def main(sizes: tuple[int, ...], repeats: int) -> None:
    for n in sizes:
        virtual, stock = await measure(n, repeats)
        print(f"{n:>7,} rows  virtual {virtual * 1000:8.1f} ms   DataTable {stock * 1000:9.1f} ms"
              f"   DataTable takes {stock / virtual:6.1f}x the virtual table's time to frame")


def run(argv: list[str] | None = None, runner: Callable[[Awaitable[None]], None] | None = None
        ) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    args = parser.parse_args(argv)
    sizes, repeats = ((500, 2000), 1) if args.quick else ((10_000, 100_000), 3)
    (runner or asyncio.run)(main(sizes, repeats))


if __name__ == "__main__":
    run()
