"""A query result as a Line-API table: only the visible rows are ever formatted.

A TRQL answer can be 10k rows (the service's cap) and an export or a test 100k; DataTable
measures and styles every row when they are added, this table measures a sample for column
widths and formats each line when it is painted, so showing a result costs the same at 100 or
100k rows. The cursor is a cell (row and column): `s` sorts by the cursor's column, `y` copies
the cell, `enter` opens the run named in the cell (or the row's `run_id`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trigger_tui.state.query import sort_rows
from trigger_tui.ui.keymap import list_bindings
from trigger_tui.ui.widgets.runs_table import _finish, _fit

_GAP = 2
_SAMPLE = 200  # rows measured for column widths
_MAX_W = 40
_MIN_W = 4


def cell_text(value: Any) -> str:
    """One line per cell: nulls as a dash, objects as compact JSON, floats trimmed."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.3e}"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return " ".join(str(value).split())


def _numeric(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool)
                                 for v in present)


class ResultsTable(ScrollView, can_focus=True):
    """Rows as dicts, columns in the server's order; a cell cursor; sort by a column."""

    HELP_SCOPE = "Query results"

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("move(1, 0)", "move(-1, 0)", "first", "last"),
        Binding("h,left", "move(0, -1)", "Left", show=False, id="results.left"),
        Binding("l,right", "move(0, 1)", "Right", show=False, id="results.right"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="results.page_down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="results.page_up"),
        Binding("enter", "open", "Open run", id="results.open"),
        Binding("s", "sort", "Sort by column", id="results.sort"),
        Binding("y", "copy", "Copy cell", id="results.copy"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "results-table--header", "results-table--sorted", "results-table--cursor",
        "results-table--cell", "results-table--empty", "results-table--null",
    }

    DEFAULT_CSS = """
    ResultsTable { height: 1fr; }
    ResultsTable > .results-table--header { text-style: bold; background: $panel; }
    ResultsTable > .results-table--sorted { color: $accent; }
    ResultsTable > .results-table--cursor { background: $boost; }
    ResultsTable > .results-table--cell { background: $accent 40%; }
    ResultsTable > .results-table--null { color: $text-muted; }
    ResultsTable > .results-table--empty { color: $text-muted; }
    """

    class OpenRun(Message):
        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: tuple[str, ...] = ()
        self.rows: list[dict[str, Any]] = []
        self._original: list[dict[str, Any]] = []
        self.widths: list[int] = []
        self.right: list[bool] = []
        self.offsets: list[int] = []
        self.cursor_row = 0
        self.cursor_col = 0
        self.sort_column: str | None = None
        self.descending = False
        self.empty_text = "Run a query (ctrl+enter, ctrl+r or F5) to see its rows here."

    # ------------------------------------------------------------------ data
    def set_result(self, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        self.columns = tuple(columns)
        self._original = rows
        self.rows = rows
        self.sort_column = None
        self.cursor_row = self.cursor_col = 0
        sample = rows[:_SAMPLE]
        self.widths = [max(_MIN_W, min(_MAX_W, max([len(c) + 1] + [len(cell_text(r.get(c)))
                                                                    for r in sample])))
                       for c in self.columns]
        self.right = [_numeric([r.get(c) for r in sample]) for c in self.columns]
        self.offsets = []
        x = 0
        for w in self.widths:
            self.offsets.append(x)
            x += w + _GAP
        self.virtual_size = Size(max(0, x - _GAP), len(rows) + 1)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    @property
    def cursor_value(self) -> Any:
        if not self.rows or not self.columns:
            return None
        return self.rows[self.cursor_row].get(self.columns[self.cursor_col])

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # ------------------------------------------------------------------ cursor
    def move_to(self, row: int, col: int) -> None:
        if not self.rows:
            return
        self.cursor_row = max(0, min(row, len(self.rows) - 1))
        self.cursor_col = max(0, min(col, len(self.columns) - 1))
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + self.page_rows:
            self.scroll_to(y=self.cursor_row - self.page_rows + 1, animate=False)
        left, width = self.offsets[self.cursor_col], self.widths[self.cursor_col]
        view = self.scrollable_content_region.width
        if left < self.scroll_x:
            self.scroll_to(x=left, animate=False)
        elif left + width > self.scroll_x + view:
            self.scroll_to(x=left + width - view, animate=False)
        self.refresh()

    def action_move(self, rows: int, cols: int) -> None:
        self.move_to(self.cursor_row + rows, self.cursor_col + cols)

    def action_first(self) -> None:
        self.move_to(0, self.cursor_col)

    def action_last(self) -> None:
        self.move_to(len(self.rows) - 1, self.cursor_col)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_row + direction * self.page_rows, self.cursor_col)

    # ------------------------------------------------------------------ actions
    def run_id_at_cursor(self) -> str | None:
        value = self.cursor_value
        if isinstance(value, str) and value.startswith("run_"):
            return value
        row_id = self.rows[self.cursor_row].get("run_id") if self.rows else None
        return row_id if isinstance(row_id, str) and row_id.startswith("run_") else None

    def action_open(self) -> None:
        run_id = self.run_id_at_cursor()
        if run_id is None:
            self.notify("No run id in this cell or row", severity="warning", timeout=3)
            return
        self.post_message(self.OpenRun(run_id))

    def action_copy(self) -> None:
        if not self.rows:
            return
        value = self.cursor_value
        text = "" if value is None else (value if isinstance(value, str) else cell_text(value))
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {self.columns[self.cursor_col]}", timeout=2)

    def action_sort(self) -> None:
        """By the cursor's column; again reverses; a third time restores the server order."""
        if not self.columns:
            return
        column = self.columns[self.cursor_col]
        if self.sort_column != column:
            self.sort_by(column, descending=self.right[self.cursor_col])
        elif self.descending == self.right[self.cursor_col]:
            self.sort_by(column, descending=not self.descending)
        else:
            self.sort_column = None
            self.rows = self._original
            self.refresh()

    def sort_by(self, column: str, *, descending: bool) -> None:
        self.sort_column, self.descending = column, descending
        self.rows = sort_rows(self._original, column, descending)
        self.move_to(0, self.cursor_col)

    # ------------------------------------------------------------------ mouse
    def on_click(self, event: events.Click) -> None:
        x = event.x + int(self.scroll_x)
        col = next((i for i, (o, w) in enumerate(zip(self.offsets, self.widths, strict=True))
                    if o <= x < o + w + _GAP), None)
        if col is None:
            return
        if event.y == 0:
            self.cursor_col = col
            self.action_sort()
            return
        row = int(self.scroll_y) + event.y - 1
        if row < len(self.rows):
            if (row, col) == (self.cursor_row, self.cursor_col) and event.chain >= 2:
                self.action_open()
            self.move_to(row, col)

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if not self.columns:
            return self._message_line(y, width)
        if y == 0:
            line = self._header_line()
        else:
            row_no = int(self.scroll_y) + y - 1
            if row_no >= len(self.rows):
                return Strip.blank(width, self.rich_style)
            line = self._row_line(row_no)
        x = int(self.scroll_x)
        return line.crop(x, x + width).extend_cell_length(width, self.rich_style)

    def _message_line(self, y: int, width: int) -> Strip:
        if y != 1:
            return Strip.blank(width, self.rich_style)
        style = self.get_component_rich_style("results-table--empty")
        text = self.empty_text if not self._original else ""
        return _finish([Segment(_fit("  " + text, width, False), style)], width, style)

    def _header_line(self) -> Strip:
        base = self.get_component_rich_style("results-table--header")
        sorted_ink = self.get_component_rich_style("results-table--sorted")
        segments: list[Segment] = []
        for i, (col, w) in enumerate(zip(self.columns, self.widths, strict=True)):
            title = col
            style = base
            if col == self.sort_column:
                title = f"{col}{'▼' if self.descending else '▲'}"
                style = base + Style(color=sorted_ink.color)
            segments.append(Segment(_fit(title, w, self.right[i]), style))
            segments.append(Segment(" " * _GAP, base))
        return _finish(segments, self.virtual_size.width, base)

    def _row_line(self, row_no: int) -> Strip:
        row = self.rows[row_no]
        on_row = row_no == self.cursor_row
        base = self.rich_style
        if on_row:
            base = base + self.get_component_rich_style("results-table--cursor")
        null = Style(color=self.get_component_rich_style("results-table--null").color)
        cell_style = self.get_component_rich_style("results-table--cell")
        segments: list[Segment] = []
        for i, (col, w) in enumerate(zip(self.columns, self.widths, strict=True)):
            value = row.get(col)
            style = base + null if value is None else base
            if on_row and i == self.cursor_col and self.has_focus:
                style = base + cell_style
            segments.append(Segment(_fit(cell_text(value), w, self.right[i]), style))
            segments.append(Segment(" " * _GAP, base))
        return _finish(segments, self.virtual_size.width, base)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
