"""Friendly ids in the real formats (prefix + 21 chars of `[1-9a-km-z]`), from a seeded RNG."""

from __future__ import annotations

import random

ALPHABET = "123456789abcdefghijkmnopqrstuvwxyz"


class IdMaker:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def make(self, prefix: str, length: int = 21) -> str:
        return prefix + "".join(self._rng.choice(ALPHABET) for _ in range(length))

    def hex(self, length: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))
