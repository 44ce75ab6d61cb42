"""The column picker (`C` in the runs pane): which columns the runs table shows.

Every column is listed in the order the table would show it, checked when shown: space
toggles, enter applies, esc leaves the table as it was. STATUS and RUN ID cannot be unchecked:
without them a row cannot be told from its neighbours, nor acted on knowingly. A checked column
may still be left out on a narrow terminal (the table drops the least important first), which
the dialog says, so a missing column does not read as a picker that did not work.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from trigger_tui.ui.keymap import list_bindings
from trigger_tui.ui.widgets.runs_table import COLUMNS, REQUIRED_COLUMNS

# What each column holds, in a few words (the titles alone are terse).
ABOUT: dict[str, str] = {
    "status": "how the run is doing",
    "id": "the run's id",
    "task": "the task it runs",
    "version": "deployed version",
    "tags": "the run's tags",
    "created": "when it was created",
    "duration": "how long it ran (or runs)",
    "cost": "compute cost",
    "queue": "queue it waited in",
    "machine": "machine preset",
}
_TITLE_W = max(len(c.title) for c in COLUMNS.values()) + 2


def column_order(current: Sequence[str]) -> list[str]:
    """Every column, in the order the table would show it. Columns are shown in the order
    they are named; a set picked here is in the usual order, so the list is that order and a
    newly checked column lands in its usual place. A custom order (from `--columns`) is kept:
    its columns first, as they are, then the others."""
    usual = list(COLUMNS)
    shown = [c for c in dict.fromkeys(current) if c in COLUMNS]
    if shown == [c for c in usual if c in shown]:
        return usual
    return shown + [c for c in usual if c not in shown]


class ColumnsScreen(ModalScreen[tuple[str, ...] | None]):
    """Answers the columns to show, in display order, or None when canceled."""

    HELP_SCOPE = "Columns"

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("cursor_down", "cursor_up", "first", "last"),
        # Priority: the focused list would otherwise take enter as "toggle", as space does.
        Binding("enter", "apply", "Apply", priority=True, id="columns.apply"),
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
    ]

    DEFAULT_CSS = """
    ColumnsScreen { align: center middle; }
    ColumnsScreen > #dialog {
        width: 60; max-width: 96%; height: auto; max-height: 96%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ColumnsScreen > #dialog { border-title-style: bold; border-title-color: $text; }
    ColumnsScreen SelectionList {
        height: auto; max-height: 12; border: none; padding: 0; background: $surface;
    }
    ColumnsScreen SelectionList:focus { border: none; background-tint: transparent; }
    ColumnsScreen .note { color: $text-muted; margin-top: 1; }
    ColumnsScreen #columns-keys { color: $text-muted; }
    """

    def __init__(self, current: Sequence[str]) -> None:
        super().__init__()
        self.current = tuple(current)

    def compose(self) -> ComposeResult:
        shown = set(self.current)
        options = []
        for key in column_order(self.current):
            required = key in REQUIRED_COLUMNS
            prompt = Text.assemble(COLUMNS[key].title.ljust(_TITLE_W),
                                   ("always shown" if required else ABOUT.get(key, ""), "dim"))
            options.append(Selection(prompt, key, required or key in shown, disabled=required))
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Runs table columns"
            yield SelectionList[str](*options, id="columns-list")
            required_titles = " and ".join(COLUMNS[k].title for k in REQUIRED_COLUMNS)
            yield Static(f"{required_titles} cannot be removed. On a narrow terminal the least "
                         "important columns are left out first.", classes="note")
            yield Static("space toggle · enter apply · esc cancel", id="columns-keys")

    @property
    def choices(self) -> SelectionList[str]:
        return self.query_one("#columns-list", SelectionList)

    def on_mount(self) -> None:
        choices = self.choices
        choices.focus()
        # Start on the first column that can be toggled, not on a locked one.
        first = next((i for i in range(choices.option_count)
                      if not choices.get_option_at_index(i).disabled), None)
        if first is not None:
            choices.highlighted = first

    def chosen(self) -> tuple[str, ...]:
        """The checked columns in list order (the required ones whatever happened)."""
        choices = self.choices
        checked = set(choices.selected) | set(REQUIRED_COLUMNS)
        order = (choices.get_option_at_index(i).value for i in range(choices.option_count))
        return tuple(key for key in order if key in checked)

    def action_apply(self) -> None:
        self.dismiss(self.chosen())

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_cursor_down(self) -> None:
        self.choices.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.choices.action_cursor_up()

    def action_first(self) -> None:
        self.choices.action_first()

    def action_last(self) -> None:
        self.choices.action_last()
