"""Fault injection for reliability tests: latency, 5xx, 429, dropped connections, bad bodies.

Off by default. The spec string is the command line's: `5xx=0.2,429=0.1,latency=2s,drop=0.05,
malformed=0.05,html=0.05`. A dropped connection raises `ConnectionResetError` inside the app:
in-process clients see it as the transport error it is; under uvicorn the socket is closed.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from trigger_tui.emulator.timefmt import parse_duration

KINDS = ("5xx", "429", "drop", "malformed", "html")


class FaultSpecError(ValueError):
    pass


@dataclass
class Faults:
    ratios: dict[str, float] = field(default_factory=dict)
    latency_s: float = 0.0
    seed: int = 0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return self.latency_s > 0 or any(v > 0 for v in self.ratios.values())

    def draw(self) -> str | None:
        """Pick at most one fault for this request."""
        roll = self._rng.random()
        for kind in KINDS:
            ratio = self.ratios.get(kind, 0.0)
            if roll < ratio:
                self.injected[kind] = self.injected.get(kind, 0) + 1
                return kind
            roll -= ratio
        return None

    @classmethod
    def parse(cls, spec: str, *, seed: int = 0) -> Faults:
        faults = cls(seed=seed)
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise FaultSpecError(f"'{part}' is not name=value")
            if name == "latency":
                seconds = parse_duration(value) if not value.endswith("ms") else (
                    float(value[:-2]) / 1000 if value[:-2].replace(".", "", 1).isdigit() else None)
                if seconds is None:
                    try:
                        seconds = float(value)
                    except ValueError:
                        raise FaultSpecError(
                            f"latency '{value}' is not a duration such as 2s or 500ms") from None
                faults.latency_s = seconds
                continue
            if name not in KINDS:
                raise FaultSpecError(
                    f"unknown fault '{name}'; known: latency, {', '.join(KINDS)}")
            try:
                ratio = float(value)
            except ValueError:
                raise FaultSpecError(f"{name}={value}: the ratio must be a number") from None
            if not 0.0 <= ratio <= 1.0:
                raise FaultSpecError(f"{name}={value}: the ratio must be between 0 and 1")
            faults.ratios[name] = ratio
        if sum(faults.ratios.values()) > 1.0:
            raise FaultSpecError("the fault ratios add up to more than 1")
        return faults
