"""Start-up: from spawning `trigger-tui --demo` in a terminal to its first frame on screen.

"First frame" is the first output that carries the console's header text ("trigger-tui"), as
a user sees it. The reference is `python -c "import textual.app"` in the same run: the floor
any Textual app pays before it can draw anything. Median of a few launches each.

A second line launches the console against `trigger-tui demo-server` in another process (as
with the real API: no emulator to import, no simulated history to build), the start-up a user
of a real project sees.

    python -m benchmarks.startup            # 5 launches each
    python -m benchmarks.startup --quick    # 1 launch each (a smoke run)
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from benchmarks.figures import Figure, ratio, table
from benchmarks.idle_cpu import demo_server
from benchmarks.terminal import CONSOLE, IMPORT_TEXTUAL, ROOT, PtyProcess, child_env
from trigger_tui.emulator.world import DEMO_KEYS

GOAL_MS = 700.0


def first_frame_s(argv: Sequence[str] = CONSOLE,
                  env: Mapping[str, str] | None = None) -> float:
    with PtyProcess(argv, env=env) as p:
        return p.wait_for(b"trigger-tui", timeout_s=60.0)


def import_textual_s() -> float:
    started = time.perf_counter()
    subprocess.run(IMPORT_TEXTUAL, cwd=ROOT, env=child_env((120, 40)), check=True)
    return time.perf_counter() - started


def figures(quick: bool = False) -> list[Figure]:
    repeats = 1 if quick else 5
    import_textual_s()  # the first launch warms the page cache for both
    launch, floor = [], []
    for _ in range(repeats):
        floor.append(import_textual_s())
        launch.append(first_frame_s())
    remote = []
    with demo_server() as (url, _):
        for _ in range(repeats):
            remote.append(first_frame_s((sys.executable, "-m", "trigger_tui", "--api-url", url),
                                        {"TRIGGER_SECRET_KEY": DEMO_KEYS["prod"]}))
    reference = statistics.median(floor) * 1000
    out = []
    for name, times in (("--demo", launch), ("vs demo-server", remote)):
        value = statistics.median(times) * 1000
        out.append(Figure(f"start-up to first frame, {name} (median of {repeats})", value,
                          "ms", reference, ratio(value, reference), f"< {GOAL_MS:g} ms",
                          value < GOAL_MS))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one launch (a smoke run)")
    args = parser.parse_args(argv)
    print(table(figures(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
