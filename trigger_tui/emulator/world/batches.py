"""Batches (two-phase and legacy) and bulk actions; both progress over simulated time."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run


class BatchBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env

    def run_finished(self, run: Run) -> None:
        """A run of a batch reached a final status."""

    def prune(self, cutoff: float) -> None:
        """Forget batches created before `cutoff` whose runs are all gone."""


class BulkBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env

    def prune(self, cutoff: float) -> None:
        """Forget finished bulk actions created before `cutoff`."""
