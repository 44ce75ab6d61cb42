"""Schedules: cron generators that trigger runs in their timezone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld


class ScheduleBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env

    def start(self) -> None:
        """Arm the first fire event of every active schedule."""

    def describe_for_run(self, schedule_id: str) -> dict[str, Any] | None:
        """The `schedule` object of a run retrieve: id, externalId?, deduplicationKey?,
        generator."""
        return None
