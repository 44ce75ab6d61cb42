"""Exit cleanly when the terminal goes away (SSH dropped, tmux pane killed).

Two signs, both handled: SIGHUP, which the kernel sends when the session's terminal hangs up,
ends the app through its normal exit (pollers stop, clients close); and, for a process that
missed or ignores SIGHUP, stdin that stops being a terminal, checked every two seconds. A
console left behind by a dropped SSH session would otherwise keep polling the API for days.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable

from textual.app import App

CHECK_S = 2.0
SERVED = "TEXTUAL_DRIVER"  # set by textual-serve: stdin is its pipe, not a terminal


def stdin_is_terminal() -> bool:
    try:
        return os.isatty(sys.__stdin__.fileno()) if sys.__stdin__ is not None else False
    except (ValueError, OSError):  # closed, or the terminal hung up
        return False


def needs_terminal() -> str | None:
    """Why the console cannot start here (None: it can): stdin is not a terminal, so no key
    would ever reach it; the headless commands are for scripts."""
    if SERVED in os.environ or stdin_is_terminal():
        return None
    return ("the console needs a terminal, and stdin is not one; for scripts use the "
            "headless commands (trigger-tui runs list --json, trigger-tui query …)")


def hang_up_quits(app: App[int]) -> Callable[[], None]:
    """Install both watches; returns what removes the signal handler (the stdin check is a
    timer of the app and ends with it)."""
    if not app.is_headless and SERVED not in os.environ and stdin_is_terminal():
        def check() -> None:
            if not stdin_is_terminal():
                app.exit(0)

        app.set_interval(CHECK_S, check)
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, app.exit)
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        return lambda: None

    def restore() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return restore
