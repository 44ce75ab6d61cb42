"""Exit cleanly when the terminal goes away (SSH dropped, tmux pane killed): SIGHUP ends the app
through its normal exit, so pollers stop and clients close instead of the process lingering."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from textual.app import App


def hang_up_quits(app: App[int]) -> Callable[[], None]:
    """Install the handler on the running loop; returns what removes it (a no-op where there is
    no SIGHUP or the app does not run on the main thread)."""
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, app.exit)
    except (NotImplementedError, RuntimeError, ValueError, AttributeError):
        return lambda: None

    def restore() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return restore
