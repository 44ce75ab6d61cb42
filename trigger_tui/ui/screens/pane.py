"""What the table panes share: the console app, their one DataTable, and j/k on it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual.screen import Screen
from textual.widgets import DataTable

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp


class TablePane(Screen[None]):
    """A pane built around one DataTable rendered from the Store. Each pane still declares its
    own `j`/`k` bindings (their ids are per pane, for the keymap) bound to `cursor`."""

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    def action_cursor(self, direction: str) -> None:
        if direction == "down":
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()
