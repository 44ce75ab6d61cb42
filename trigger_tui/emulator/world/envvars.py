"""Environment variables of one environment."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld


class EnvVarBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
