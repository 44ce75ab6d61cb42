"""The simulated world behind the emulator."""

from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.world import DEMO_KEYS, DEMO_PAT, PROJECT_REF, World

__all__ = ["DEMO_KEYS", "DEMO_PAT", "PROJECT_REF", "EnvWorld", "World"]
