"""What the wall shows: one panel per environment (or profile), each over its own Session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.state.session import Session
    from trigger_tui.ui.app import ConnectionLabel


@dataclass(frozen=True, slots=True)
class WallPanel:
    """A session whose metrics poller and alerts are enabled (see `ui.launch.build_wall_app`),
    and how its header names it."""

    session: Session
    label: ConnectionLabel

    @property
    def title(self) -> str:
        """`prod`, `acme · stg`: short enough for a tile row at 80 columns."""
        env = self.label.environment + (f":{self.label.branch}" if self.label.branch else "")
        return f"{self.label.profile} · {env}" if self.label.profile else env


@dataclass(frozen=True, slots=True)
class WallOptions:
    window_s: float = 3600.0  # sparkline history
    rotate_s: float = 0.0  # 0: panels side by side; else one at a time, switching this often
    bell: bool = False  # ring the terminal bell when an alert fires (rules may override)
    dashboards: tuple[str, ...] = ()  # query dashboards (by key) shown as extra pages
    dashboard_period: str = "24h"
