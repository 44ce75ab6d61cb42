"""The one-line header: where am I connected, is the data live, may I change things.

Read at a glance at 3 a.m.: the environment is a colored badge (prod in the warning color), the
connection is fresh / stale / failing with the age of the data, the API budget left before the
rate limit, and badges when live updates are paused or the connection is read-only. The last
error is one key away (`!`), not crammed in here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from trigger_tui.state.store import Health
from trigger_tui.ui import format as fmt

_HEALTH_ORDER = ("failing", "stale", "connecting", "fresh")
_HEALTH_LOOK = {"fresh": ("●", "live"), "stale": ("◐", "stale"), "failing": ("✗", "failing"),
                "connecting": ("◌", "connecting"), "paused": ("⏸", "paused")}


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """What the header shows; built by the app from the session on every tick."""

    profile: str | None
    project: str | None
    environment: str  # dev | stg | prod | preview
    branch: str | None = None
    read_only: bool = False
    paused: bool = False
    health: str = "connecting"  # fresh | stale | failing | connecting
    health_age_s: float | None = None  # seconds since the last successful poll
    health_source: str = ""  # the poller the state is about (the worst one)
    rate_remaining: int | None = None
    rate_limit: int | None = None
    demo: bool = False
    alerts: int = 0  # alert rules firing now
    watches: int = 0  # runs, tasks and queues being watched


def summarise_health(health: dict[str, Health], now: float) -> tuple[str, float | None, str]:
    """The worst poller state, the age of its last success, and its name."""
    if not health:
        return "connecting", None, ""
    worst = min(health.values(),
                key=lambda h: (_HEALTH_ORDER.index(h.state(now)), h.name))
    age = now - worst.last_success if worst.last_success is not None else None
    return worst.state(now), age, worst.name


class ConsoleHeader(Widget):
    """Renders a `HeaderInfo` from `source()`; the app refreshes it on a slow timer."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "console-header--title", "console-header--dim", "console-header--env",
        "console-header--env-prod", "console-header--fresh", "console-header--stale",
        "console-header--failing", "console-header--connecting", "console-header--paused",
        "console-header--read-only", "console-header--rate-low",
        "console-header--alert",
    }

    DEFAULT_CSS = """
    ConsoleHeader { height: 1; dock: top; }
    """

    def __init__(self, source: Callable[[], HeaderInfo], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source

    def render(self) -> Text:
        info = self.source()
        width = self.size.width
        parts = self._parts(info)
        # Drop the least important parts until the line fits; the badges always stay.
        while len(parts) > 1 and sum(p.cell_len for _, p in parts) + len(parts) - 1 > width:
            parts.remove(max(parts, key=lambda p: p[0]))
        line = Text(no_wrap=True, overflow="ellipsis")
        sep = Text(" ", style=self._style("dim"))
        for i, (_, part) in enumerate(parts):
            if i:
                line.append_text(sep)
            line.append_text(part)
        return line

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"console-header--{name}", partial=True)

    def _parts(self, info: HeaderInfo) -> list[tuple[int, Text]]:
        """(drop order — higher goes first, part) in display order."""
        parts: list[tuple[int, Text]] = [(9, Text(" trigger-tui", style=self._style("title")))]
        where = [p for p in (info.profile or ("demo" if info.demo else None), info.project) if p]
        if where:
            parts.append((7, Text(" · ".join(where), style=self._style("dim"))))
        env = info.environment.upper() + (f":{info.branch}" if info.branch else "")
        parts.append((0, Text(f" {env} ", style=self._style(
            "env-prod" if info.environment == "prod" else "env"))))
        parts.append((1, self._health(info)))
        if info.rate_limit:
            parts.append((6, self._rate(info)))
        if info.paused:
            parts.append((2, Text(" ⏸ PAUSED ", style=self._style("paused"))))
        if info.read_only:
            parts.append((0, Text(" READ-ONLY ", style=self._style("read-only"))))
        if info.alerts:
            plural = "s" if info.alerts > 1 else ""
            parts.append((0, Text(f" ⚠ {info.alerts} ALERT{plural.upper()} (A) ",
                                  style=self._style("alert"))))
        if info.watches:
            parts.append((5, Text(f"◉ {info.watches} watched", style=self._style("dim"))))
        return parts

    def _health(self, info: HeaderInfo) -> Text:
        symbol, label = _HEALTH_LOOK.get(info.health, ("?", info.health))
        text = f"{symbol} {label}"
        if info.health in ("stale", "failing") and info.health_age_s is not None:
            text += f" {fmt.span(info.health_age_s)}"
        if info.health == "failing":
            text += " (!)"
        return Text(text, style=self._style(info.health if info.health in _HEALTH_LOOK
                                            and info.health != "paused" else "dim"))

    def _rate(self, info: HeaderInfo) -> Text:
        remaining, limit = info.rate_remaining, info.rate_limit
        if remaining is None or not limit:
            return Text(f"API ?/{limit}", style=self._style("dim"))
        low = remaining < limit * 0.1
        return Text(f"API {remaining}/{limit}", style=self._style("rate-low" if low else "dim"))
