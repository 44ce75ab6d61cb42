"""A Trigger.dev query dashboard drawn in the terminal: big numbers on top, charts and tables below.

Shared by the query console's dashboard screen and the wall monitor's dashboard pages: given a
client and a `Dashboard` (from `/api/v1/query/dashboards`), it runs each widget's TRQL query and
fills its tile; a failed query shows its reason in its tile and leaves the others standing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from trigger_tui.api.models.query import Dashboard, DashboardWidget
from trigger_tui.state import query as q
from trigger_tui.ui.format import printable
from trigger_tui.ui.widgets.chart import Chart, choose
from trigger_tui.ui.widgets.results_table import ResultsTable, cell_text

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient


class DashboardGrid(Vertical):
    """Tiles `#tile-<n>` for the dashboard's widgets, filled by `reload()`."""

    DEFAULT_CSS = """
    DashboardGrid { height: 1fr; }
    DashboardGrid .dash-numbers { height: 5; }
    DashboardGrid VerticalScroll { height: 1fr; }
    DashboardGrid .tile { border: round $panel; border-title-color: $accent; height: 14; }
    DashboardGrid .bignumber { content-align: center middle; text-style: bold; height: 5;
                               width: 1fr; }
    """

    def __init__(self, dashboard: Dashboard, period: str | None, *,
                 timer: Callable[[], float], id: str | None = None) -> None:
        super().__init__(id=id)
        self.dashboard = dashboard
        self.period = period
        self.timer = timer

    def compose(self) -> ComposeResult:
        widgets = list(enumerate(self.dashboard.widgets))
        with Horizontal(classes="dash-numbers"):  # the big numbers side by side on top
            for i, w in widgets:
                if w.type == "bignumber":
                    yield self._tile(i, w)
        with VerticalScroll():
            for i, w in widgets:
                if w.type != "bignumber":
                    yield self._tile(i, w)

    def _tile(self, i: int, w: DashboardWidget) -> Any:
        tile: Any
        if w.type == "bignumber":
            tile = Static("…", id=f"tile-{i}", classes="tile bignumber")
        elif w.type == "chart":
            tile = Chart(id=f"tile-{i}")
            tile.add_class("tile")
        else:
            tile = ResultsTable(id=f"tile-{i}", classes="tile")
        tile.border_title = printable(w.title or w.id)
        return tile

    async def reload(self, client: TriggerClient) -> None:
        """Run every widget's query, one after the other (the API runs few at once)."""
        for i, w in enumerate(self.dashboard.widgets):
            outcome = await q.run_query(client, q.QueryRequest(w.query, self.period),
                                        timer=self.timer)
            if not self.is_attached:
                return
            self._fill(i, outcome)

    def _fill(self, i: int, outcome: q.QueryOutcome) -> None:
        tile = self.query_one(f"#tile-{i}")
        if not outcome.ok:
            if isinstance(tile, Static):
                tile.update(Text(f"✗ {outcome.error}"))
            elif isinstance(tile, ResultsTable):
                tile.empty_text = f"✗ {outcome.error}"
                tile.set_result((), [])
            elif isinstance(tile, Chart):
                tile.show([], None)
            return
        if isinstance(tile, Static):
            first = outcome.rows[0] if outcome.rows else {}
            value = next(iter(first.values()), None)
            tile.update(Text(cell_text(value)))
        elif isinstance(tile, Chart):
            tile.show(outcome.rows, choose(outcome.columns, outcome.rows))
        elif isinstance(tile, ResultsTable):
            tile.set_result(outcome.columns, outcome.rows)
