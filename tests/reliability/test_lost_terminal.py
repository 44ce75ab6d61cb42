"""The console in a real pseudo-terminal: it exits within seconds when its terminal goes away.

Over SSH a dropped connection hangs up the terminal: the kernel sends SIGHUP, and reads from the
terminal fail. Either must end the process (pollers stopped, no console left polling the API for
days). These tests start `trigger-tui --demo` in a pty, wait for its first frame, then take the
terminal away; each wait is bounded.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator

import pytest

FIRST_FRAME_S = 30.0  # a cold start on a loaded 2-core machine
EXIT_S = 10.0  # "within seconds"


@pytest.fixture
def console() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    env.pop("TEXTUAL_DRIVER", None)
    proc = subprocess.Popen([sys.executable, "-m", "trigger_tui", "--demo"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        yield proc, master
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        try:
            os.close(master)
        except OSError:
            pass


def _wait_for_frame(master: int, proc: subprocess.Popen[bytes]) -> None:
    seen = b""
    deadline = time.monotonic() + FIRST_FRAME_S
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            if b"RUN ID" in seen or b"Runs" in seen:
                return
    raise AssertionError(f"no first frame (exit code {proc.poll()}): {seen[-300:]!r}")


def _drain_until_exit(master: int | None, proc: subprocess.Popen[bytes]) -> float:
    started = time.monotonic()
    while proc.poll() is None and time.monotonic() - started < EXIT_S:
        if master is not None:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    os.read(master, 65536)
                except OSError:
                    master = None
        else:
            time.sleep(0.1)
    return time.monotonic() - started


def test_sighup_ends_the_console_cleanly(console: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, master = console
    _wait_for_frame(master, proc)
    os.kill(proc.pid, signal.SIGHUP)
    took = _drain_until_exit(master, proc)
    assert proc.poll() == 0, f"still running after {took:.1f}s (or failed: {proc.poll()})"


def test_a_vanished_terminal_ends_the_console(
        console: tuple[subprocess.Popen[bytes], int]) -> None:
    proc, master = console
    _wait_for_frame(master, proc)
    os.close(master)  # the far end is gone: reads fail, writes fail, no SIGHUP (no ctty)
    took = _drain_until_exit(None, proc)
    assert proc.poll() is not None, f"still running {took:.1f}s after the terminal vanished"


def test_no_terminal_at_all_is_refused_with_a_reason() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    result = subprocess.run([sys.executable, "-m", "trigger_tui", "--demo"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "headless" in result.stderr
    assert "Traceback" not in result.stderr
