"""A Trigger.dev query dashboard as a wall page: the same tiles as the query console draws,
refreshed while the page is on screen.

The dashboard's definition is read once from `/api/v1/query/dashboards` by its key; an unknown
key or an API failure is written on the page (with the keys that exist), never raised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from trigger_tui.api.errors import TriggerError
from trigger_tui.ui.widgets.dashboard import DashboardGrid

if TYPE_CHECKING:
    from trigger_tui.state.session import Session

REFRESH_S = 60.0  # session-clock seconds between two reloads of a page on screen


class DashboardPage(Vertical):
    """One dashboard (by key) over `session`'s client."""

    DEFAULT_CSS = """
    DashboardPage { width: 1fr; height: 1fr; padding: 0 1; }
    DashboardPage .dash-page-title { height: 1; background: $panel; padding: 0 1;
                                     text-style: bold; }
    DashboardPage .dash-page-note { height: auto; padding: 1; color: $text-muted; }
    """

    def __init__(self, key: str, period: str, session: Session) -> None:
        super().__init__(classes="wall-dashboard")
        self.key = key
        self.period = period
        self.session = session
        self.loaded_at: float | None = None
        self._loading = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f"dashboard {self.key} · last {self.period}"),
                     classes="dash-page-title")
        yield Static(Text("loading…"), classes="dash-page-note")

    def refresh_if_due(self) -> None:
        """Called when the page is on screen (each tick): reload when the data is old."""
        now = self.session.clock()
        if self._loading or (self.loaded_at is not None and now - self.loaded_at < REFRESH_S):
            return
        self._loading = True
        self.run_worker(self._load(), group=f"dashboard-{self.key}", exclusive=True,
                        exit_on_error=False)

    async def _load(self) -> None:
        try:
            grids = list(self.query(DashboardGrid))
            if not grids:
                grid = await self._mount_grid()
                if grid is None:
                    return
            else:
                grid = grids[0]
            await grid.reload(self.session.client)
            self.loaded_at = self.session.clock()
            self.query_one(".dash-page-title", Static).update(Text(
                f"dashboard {grid.dashboard.title or self.key} · last {self.period}"))
        finally:
            self._loading = False

    async def _mount_grid(self) -> DashboardGrid | None:
        note = self.query_one(".dash-page-note", Static)
        try:
            dashboards = await self.session.client.query.dashboards()
        except TriggerError as exc:
            note.update(Text(f"✗ dashboards could not be read: {exc}"))
            self.loaded_at = self.session.clock()  # retry after REFRESH_S, not every second
            return None
        found = next((d for d in dashboards if d.key == self.key), None)
        if found is None:
            keys = ", ".join(d.key for d in dashboards) or "none"
            note.update(Text(f"✗ no dashboard {self.key!r} on this server (it has: {keys})"))
            self.loaded_at = self.session.clock()
            return None
        note.display = False
        grid = DashboardGrid(found, self.period, timer=self.session.clock)
        await self.mount(grid)
        return grid
