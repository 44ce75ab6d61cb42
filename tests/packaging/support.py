"""What the packaging tests share: install steps that tell an unreachable registry from a broken
package, and the installed console driven in a real pseudo-terminal.

An install that fails because the registry cannot be reached says nothing about the package, so
the test skips and says so; any other failure is the package's (a missing file, a bad pin, a
build error) and fails the test with pip's own last lines.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The runs pane's column header: the console's first screen, as a user sees it.
FIRST_SCREEN = b"RUN ID"
SIZE = (80, 24)  # every screen must be usable at 80x24
# Bounds against a hang, not measurements: a cold start of a fresh venv on a loaded 2-core
# machine, and the time to leave after `q`.
FIRST_SCREEN_S = 90.0
EXIT_S = 30.0
INSTALL_S = 900.0

# How pip (and `build`, which runs pip) reports a registry it cannot reach.
NETWORK_SIGNS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "nodename nor servname",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Read timed out",
    "ProxyError",
    "connection broken by",
    "Max retries exceeded",
)

# Variables that would let a child import the work tree or inherit a test's settings.
_LEAKS = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__")


def clean_env() -> dict[str, str]:
    """The environment of install steps: the user's (pip's config and cache included), minus
    anything that points Python at the work tree or configures the console."""
    return {k: v for k, v in os.environ.items()
            if k not in _LEAKS and not k.startswith(("TEXTUAL", "TRIGGER_"))}


def network_sign(output: str) -> str | None:
    """The first line of `output` that says the registry could not be reached."""
    for line in output.splitlines():
        if any(sign in line for sign in NETWORK_SIGNS):
            return line.strip()[:200]
    return None


def tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def install_step(argv: Sequence[str], *, cwd: Path, what: str) -> subprocess.CompletedProcess[str]:
    """Run a step that may download from the registry: skip when the registry is unreachable,
    fail on anything else."""
    try:
        result = subprocess.run(list(argv), cwd=cwd, env=clean_env(), capture_output=True,
                                text=True, timeout=INSTALL_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout  # bytes even with text=True, when the process was killed
        out = raw.decode(errors="replace") if isinstance(raw, bytes) else raw or ""
        sign = network_sign(out)
        if sign:
            pytest.skip(f"{what}: the package registry cannot be reached ({sign})")
        pytest.fail(f"{what} did not finish in {INSTALL_S:g} s:\n{tail(out)}")
    if result.returncode != 0:
        out = result.stdout + "\n" + result.stderr
        sign = network_sign(out) or registry_unreachable()
        if sign:
            pytest.skip(f"{what}: the package registry cannot be reached ({sign})")
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{tail(out)}")
    return result


def registry_unreachable() -> str | None:
    """Why pip cannot reach its registry, or None when it can.

    Asked only after a failed step whose output names no network error: with no retries, pip
    reports an unreachable index as nothing more than "from versions: none", the same words as
    a requirement no index has."""
    probe = [sys.executable, "-m", "pip", "index", "versions", "pip"]
    try:
        done = subprocess.run(probe, env=clean_env(), capture_output=True, text=True,
                              timeout=INSTALL_S, check=False)
    except subprocess.TimeoutExpired:
        return "`pip index versions pip` did not answer"
    if done.returncode == 0:
        return None
    return f"`pip index versions pip`: {tail(done.stdout + done.stderr, 1)}"


_ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=$ ]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|.)")


def readable(screen: bytes, chars: int = 1500) -> str:
    """The end of what the console wrote, without terminal escape sequences."""
    text = _ESCAPES.sub(b" ", screen).decode("utf-8", "replace")
    return re.sub(r"\s+", " ", text)[-chars:]


@dataclass
class ConsoleRun:
    exit_code: int
    output: bytes  # everything written to the terminal, escape sequences included


def _controlling_tty() -> None:  # in the child, after setsid: the pty becomes its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _read_until(master: int, proc: subprocess.Popen[bytes], seen: bytearray, until_s: float,
                want: bytes | None) -> bool:
    """Read the terminal into `seen` until `want` appears (True), or, with `want` None, until
    the terminal closes; False when the process ended first or the deadline passed."""
    deadline = time.monotonic() + until_s
    while time.monotonic() < deadline:
        if want is not None and want in seen:
            return True
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            if want is not None and proc.poll() is not None:
                return False
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer of the terminal is gone
            chunk = b""
        if not chunk:
            return want is None
        seen += chunk
    return want is not None and want in seen


def quit_after_first_screen(argv: Sequence[str], *, cwd: Path, home: Path,
                            size: tuple[int, int] = SIZE) -> ConsoleRun:
    """Start the console in a pseudo-terminal of `size`, wait for the runs pane, press `q`,
    and return how it ended. The console gets config, state and cache folders of its own under
    `home`, so neither the user's files nor another test's change what it shows."""
    cols, rows = size
    env = clean_env()
    env.update({"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows),
                "XDG_CONFIG_HOME": str(home / "config"), "XDG_STATE_HOME": str(home / "state"),
                "XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache")})
    env.pop("NO_COLOR", None)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(list(argv), stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                            env=env, start_new_session=True, preexec_fn=_controlling_tty,
                            close_fds=True)
    os.close(slave)
    seen = bytearray()
    try:
        if not _read_until(master, proc, seen, FIRST_SCREEN_S, FIRST_SCREEN):
            pytest.fail(f"{' '.join(argv)}: no runs pane (exit code {proc.poll()}): "
                        f"{readable(bytes(seen))}")
        os.write(master, b"q")
        _read_until(master, proc, seen, EXIT_S, None)
        try:
            code = proc.wait(EXIT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(argv)}: still running {EXIT_S:g} s after `q`: "
                        f"{readable(bytes(seen))}")
        return ConsoleRun(code, bytes(seen))
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        with contextlib.suppress(OSError):
            os.close(master)


def assert_clean_exit(run: ConsoleRun, what: str) -> None:
    text = readable(run.output, chars=4000)
    assert b"Traceback" not in run.output, f"{what}: a traceback on the terminal: {text}"
    assert run.exit_code == 0, f"{what}: exit code {run.exit_code}: {text}"
