"""Waitpoint tokens: they hold WAITING runs until completed or timed out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run


@dataclass(slots=True)
class Token:
    id: str
    created_at: float
    status: str = "WAITING"
    run_ids: list[str] = field(default_factory=list)


class TokenBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, Token] = {}

    def create_for_run(self, run: Run) -> Token:
        token = Token(self.env.ids.make("waitpoint_"), self.env.now, run_ids=[run.id])
        self.items[token.id] = token
        return token

    def prune(self, cutoff: float) -> None:
        """Forget finished tokens created before `cutoff`."""
