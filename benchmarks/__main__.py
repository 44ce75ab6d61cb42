"""`python -m benchmarks`: every figure of the performance issue, each beside its reference.

    python -m benchmarks                    # the full run (about a quarter of an hour)
    python -m benchmarks --quick            # tiny sizes, well under a minute (CI smoke run)
    python -m benchmarks --json out.json    # the same figures as a JSON list as well
    python -m benchmarks --only startup,idle_cpu

The table goes to stdout; each benchmark's own progress goes to stderr. A benchmark that
fails stays in the table as "n/a" with the reason, and the exit code stays 0 either way: this
is a report, and a missed goal is a finding, not a crash.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import sys
import time
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from benchmarks.figures import Figure, table, unmeasured, write_json

# (key, module, what it measures): the items in order, then the extra line.
REGISTRY: tuple[tuple[str, str, str], ...] = (
    ("runs_view", "benchmarks.runs_view", "1. poll to screen"),
    ("client_floor", "benchmarks.client_floor", "2. client floor"),
    ("incremental_polling", "benchmarks.incremental_polling", "3. incremental polling"),
    ("idle_cpu", "benchmarks.idle_cpu", "4. idle CPU"),
    ("memory", "benchmarks.memory", "5. memory"),
    ("startup", "benchmarks.startup", "6. start-up"),
    ("query_results", "benchmarks.query_results", "7. query results"),
    ("trql_grouped", "benchmarks.trql_grouped", "extra: emulator TRQL"),
)


def collect(key: str, module: str, quick: bool) -> list[Figure]:
    """The figures of one benchmark; its own prints go to stderr, a failure becomes a line."""
    figures: Callable[[bool], list[Figure]] = import_module(module).figures
    try:
        with contextlib.redirect_stdout(sys.stderr):
            return figures(quick)
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        return [unmeasured(key, "", None, f"failed: {type(exc).__name__}: {exc}")]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and short windows (a smoke run, not a measurement)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write the figures to FILE as a JSON list")
    parser.add_argument("--only", default="",
                        help="comma-separated benchmarks to run: "
                        + ", ".join(k for k, _, _ in REGISTRY))
    args = parser.parse_args(argv)
    chosen = {k.strip() for k in args.only.split(",") if k.strip()}
    unknown = chosen - {k for k, _, _ in REGISTRY}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    figures: list[Figure] = []
    started = time.perf_counter()
    for key, module, title in REGISTRY:
        if chosen and key not in chosen:
            continue
        print(f"[{time.perf_counter() - started:6.1f} s] {title} ({key}) …", file=sys.stderr)
        figures += collect(key, module, args.quick)
    print(f"python {platform.python_version()} · textual {_textual_version()} · "
          f"{'quick (smoke) sizes' if args.quick else 'full sizes'} · "
          f"{time.perf_counter() - started:.0f} s")
    print(table(figures))
    if args.json is not None:
        write_json(figures, args.json)
    return 0


def _textual_version() -> str:
    from importlib.metadata import version

    return version("textual")


if __name__ == "__main__":
    raise SystemExit(main())
