"""Idle CPU: the console and the wall with 2 s polling, beside an empty Textual app.

Each runs as the real process in a pseudo-terminal (see `benchmarks.terminal`) and is left
alone: after a warm-up, CPU time is read at both ends of the window. The empty app (one Label)
is what Textual itself costs sitting still on the same machine in the same run; the ratio is the
console's cost in units of that. The demo hosts its emulator in-process, so the `--demo`
figure includes the emulator answering its polls; two more lines run the same console and wall
against `trigger-tui demo-server` (same speed and seed) in another process: their own cost, as
with the real API.

    python -m benchmarks.idle_cpu            # 60 s windows after 10 s of warm-up
    python -m benchmarks.idle_cpu --quick    # a few seconds each (a smoke run)
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence

from benchmarks import wall
from benchmarks.figures import Figure, ratio, table, unmeasured
from benchmarks.terminal import CONSOLE, EMPTY_APP, ROOT, child_env, cpu_seconds
from trigger_tui.emulator.world import DEMO_KEYS
from trigger_tui.ui.launch import DEMO_SPEED

GOAL_PERCENT = 2.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def demo_server() -> Iterator[tuple[str, int]]:
    """`trigger-tui demo-server` on a free port: (its URL, its pid) once it answers."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "trigger_tui", "demo-server", "--port",
                             str(port), "--speed", str(DEMO_SPEED)], cwd=ROOT,
                            env=child_env((120, 40)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the demo server did not start")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def figures(quick: bool = False) -> list[Figure]:
    seconds, warmup = wall.sizes(quick)
    empty = wall.watch(EMPTY_APP, b"empty app", seconds=seconds, warmup_s=warmup)
    console = wall.watch(CONSOLE, b"trigger-tui", seconds=seconds, warmup_s=warmup)
    goal = f"< {GOAL_PERCENT:g} %"
    out = [Figure(f"idle CPU, console --demo ({seconds:g} s)", console.cpu_percent, "%",
                  empty.cpu_percent, ratio(console.cpu_percent, empty.cpu_percent), goal,
                  console.cpu_percent < GOAL_PERCENT)]
    key = {"TRIGGER_SECRET_KEY": DEMO_KEYS["prod"]}
    remote: list[tuple[str, float, float]] = []
    with demo_server() as (url, server_pid):
        for what, args, first in (("console", (), b"trigger-tui"),
                                  ("wall", ("--wall",), wall.FIRST_FRAME)):
            server0 = cpu_seconds(server_pid)
            alone = wall.watch((sys.executable, "-m", "trigger_tui", *args, "--api-url", url),
                               first, seconds=seconds, warmup_s=warmup, env=key)
            server_cpu = (cpu_seconds(server_pid) - server0) / (seconds + warmup) * 100
            remote.append((what, alone.cpu_percent, server_cpu))
    for what, cpu, server_cpu in remote:
        out.append(Figure(f"idle CPU, {what} vs demo-server ({seconds:g} s)", cpu, "%",
                          empty.cpu_percent, ratio(cpu, empty.cpu_percent), goal,
                          cpu < GOAL_PERCENT,
                          note=f"the emulator in its own process: about {server_cpu:.1f} % "
                          "more"))
    try:
        w = wall.measure(seconds, warmup)
    except (RuntimeError, TimeoutError) as exc:
        out.append(unmeasured(f"idle CPU, wall --demo ({seconds:g} s)", "%", goal,
                              f"the wall did not run: {exc}"))
    else:
        out.append(Figure(f"idle CPU, wall --demo ({seconds:g} s)", w.cpu_percent, "%",
                          empty.cpu_percent, ratio(w.cpu_percent, empty.cpu_percent), goal,
                          w.cpu_percent < GOAL_PERCENT))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.idle_cpu",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds (a smoke run)")
    args = parser.parse_args(argv)
    print(table(figures(args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
