"""The wall monitor left running: CPU percent of one core and RSS of `trigger-tui --demo --wall`.

A wall display runs for days on a shared machine, so what it costs while nothing is touched
is the figure that matters. The real command runs in a pseudo-terminal (120x40, the demo's
default 2 s polling); after a warm-up, CPU time (utime + stime from /proc) is read at the
start and end of the window, and RSS at both ends. The demo hosts its API emulator in the same
process, so these figures include the emulator's share.

    python benchmarks/wall.py            # 60 s window after 10 s of warm-up
    python -m benchmarks.wall --quick    # a few seconds (a smoke run)
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if __package__ in (None, ""):  # `python benchmarks/wall.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.terminal import WALL, PtyProcess  # noqa: E402

FIRST_FRAME = b"Runs/min"  # a tile title: the wall has drawn its panel


@dataclass(frozen=True, slots=True)
class Idle:
    """What a process cost over an idle window."""

    seconds: float
    cpu_percent: float  # of one core
    rss_start_mb: float
    rss_end_mb: float
    output_bytes: int  # what it wrote to the terminal during the window

    @property
    def rss_growth_percent(self) -> float:
        return (self.rss_end_mb / self.rss_start_mb - 1) * 100


def watch(argv: Sequence[str], first: bytes, *, seconds: float, warmup_s: float,
          env: Mapping[str, str] | None = None) -> Idle:
    """Spawn `argv`, wait for `first` on screen and `warmup_s` more, then measure `seconds`."""
    with PtyProcess(argv, env=env) as p:
        p.wait_for(first, timeout_s=60.0)
        time.sleep(warmup_s)
        cpu0, rss0, out0, t0 = p.cpu_seconds(), p.rss_mb(), p.received, time.perf_counter()
        time.sleep(seconds)
        cpu1, rss1, out1, t1 = p.cpu_seconds(), p.rss_mb(), p.received, time.perf_counter()
        if not p.alive():
            raise RuntimeError(f"{argv[2:]} exited during the window: {p.tail()}")
    elapsed = t1 - t0
    return Idle(elapsed, (cpu1 - cpu0) / elapsed * 100, rss0, rss1, out1 - out0)


@lru_cache(maxsize=4)
def measure(seconds: float = 60.0, warmup_s: float = 10.0) -> Idle:
    """The wall's idle figures (cached: the idle-CPU and memory lines share one run)."""
    return watch(WALL, FIRST_FRAME, seconds=seconds, warmup_s=warmup_s)


def sizes(quick: bool) -> tuple[float, float]:
    """(window, warm-up) seconds."""
    return (2.0, 0.5) if quick else (60.0, 10.0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wall",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds (a smoke run)")
    parser.add_argument("--seconds", type=float, default=None, help="measured window")
    args = parser.parse_args(argv)
    window, warmup = sizes(args.quick)
    idle = measure(args.seconds or window, warmup)
    print(f"trigger-tui --demo --wall, idle {idle.seconds:.0f} s after {warmup:g} s warm-up "
          f"(2 s polling):")
    print(f"  CPU  {idle.cpu_percent:6.2f} % of one core")
    print(f"  RSS  {idle.rss_start_mb:6.1f} MB → {idle.rss_end_mb:6.1f} MB "
          f"({idle.rss_growth_percent:+.1f} %)")
    print(f"  terminal output {idle.output_bytes / idle.seconds / 1024:.1f} KB/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
