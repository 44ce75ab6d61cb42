"""What the table panes share: the console app, their one DataTable, and moving through it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable

from trigger_tui.ui.keymap import list_bindings

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp


class TablePane(Screen[None]):
    """A pane built around one DataTable rendered from the Store.

    `j`/`k`/`g`/`G` (and Home/End) are declared here once, with the ids every list shares
    (`list.down` …), so a pane declares only its own actions. Home/End are priority bindings:
    a focused DataTable would otherwise take them to scroll sideways."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("cursor('down')", "cursor('up')", "cursor('top')", "cursor('bottom')",
                       priority_ends=True),
    ]

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one(DataTable)

    def action_cursor(self, direction: str) -> None:
        table = self.table
        if direction == "down":
            table.action_cursor_down()
        elif direction == "up":
            table.action_cursor_up()
        elif direction == "top":
            table.action_scroll_top()
        else:
            table.action_scroll_bottom()
