"""Error groups: failed runs fingerprinted by task, error type and normalised message."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run


class ErrorBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env

    def record(self, run: Run) -> None:
        """Called once when a run ends in a failed status."""

    def group_of(self, run: Run) -> str | None:
        """The error group id of a failed run (for `filter[error]`)."""
        return None
