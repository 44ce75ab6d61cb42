"""The real app in a pseudo-terminal of a fixed size, for figures only a real process can give.

Idle CPU, start-up time and the wall's RSS have to be read off the process a user runs, not a
headless test app: this spawns it on a pty (COLUMNS/LINES, `TERM=xterm-256color` and the pty's
window size all agree, so Textual lays out as in a terminal of that size), drains its output on
a thread so it never blocks on a full pty buffer, and reads its CPU time and RSS from `/proc`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
SIZE = (120, 40)
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
CONSOLE = (sys.executable, "-m", "trigger_tui", "--demo")
WALL = (sys.executable, "-m", "trigger_tui", "--demo", "--wall")
EMPTY_APP = (sys.executable, "-c",
             "from textual.app import App\n"
             "from textual.widgets import Label\n"
             "class Empty(App[None]):\n"
             "    def compose(self):\n"
             "        yield Label('empty app')\n"
             "Empty().run()\n")
IMPORT_TEXTUAL = (sys.executable, "-c", "import textual.app")


def cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` from /proc/<pid>/stat (the process's own threads included)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size in MB (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def child_env(size: tuple[int, int], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: a fixed terminal, no user config (the demo's own defaults), no
    Textual dev tools."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "TRIGGER_"))}
    env.update({"TERM": "xterm-256color", "COLUMNS": str(size[0]), "LINES": str(size[1]),
                "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": tempfile.gettempdir()
                + "/trigger-tui-bench-config", "NO_COLOR": ""})
    env.pop("NO_COLOR")
    env.update(extra or {})
    return env


class PtyProcess:
    """`with PtyProcess(argv) as p:` … `p.wait_for(b"text")`, `p.cpu_seconds()`, `p.rss_mb()`.

    Leaving the block hangs up (SIGHUP, as a closed terminal would), then terminates and kills
    if the process lingers, and always reaps it."""

    def __init__(self, argv: Sequence[str], *, size: tuple[int, int] = SIZE,
                 env: Mapping[str, str] | None = None, keep: int = 1 << 20) -> None:
        self.argv = tuple(argv)
        self.size = size
        self.env = child_env(size, env)
        self.keep = keep
        self.output = bytearray()  # the first `keep` bytes, for wait_for
        self.received = 0
        self.first_byte_at: float | None = None
        self.started_at = 0.0
        self._cond = threading.Condition()
        self._proc: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def __enter__(self) -> PtyProcess:
        master, slave = os.openpty()
        cols, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._master = master

        def controlling_tty() -> None:  # runs in the child after setsid
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.started_at = time.perf_counter()
        self._proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave,
                                      env=self.env, cwd=ROOT, start_new_session=True,
                                      preexec_fn=controlling_tty, close_fds=True)
        os.close(slave)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        return self

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            now = time.perf_counter()
            with self._cond:
                if chunk:
                    if self.first_byte_at is None:
                        self.first_byte_at = now
                    self.received += len(chunk)
                    room = self.keep - len(self.output)
                    if room > 0:
                        self.output += chunk[:room]
                self._cond.notify_all()
            if not chunk:
                return

    def wait_for(self, text: bytes, timeout_s: float = 30.0) -> float:
        """Seconds from spawn until `text` appeared in the output (TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while text not in self.output:
                if self._proc is not None and self._proc.poll() is not None:
                    raise RuntimeError(f"{self.argv[2:]} exited with {self._proc.returncode}: "
                                       f"{self.tail()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{text!r} not seen in {timeout_s:g} s: {self.tail()}")
                self._cond.wait(min(left, 0.05))
            return time.perf_counter() - self.started_at

    def tail(self) -> str:
        return bytes(self.output[-400:]).decode("utf-8", "replace")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        proc = self._proc
        if proc is not None:
            for sig, wait_s in ((signal.SIGHUP, 5.0), (signal.SIGTERM, 3.0),
                                (signal.SIGKILL, 3.0)):
                if proc.poll() is not None:
                    break
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(wait_s)
            proc.wait()
        if self._reader is not None:
            self._reader.join(2.0)
        with contextlib.suppress(OSError):
            os.close(self._master)
