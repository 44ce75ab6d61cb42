"""The live runs table: a Line-API widget that renders only the rows on screen.

Why not DataTable: rebuilding 10k rows there costs 1.4 s and every update is O(rows)
(`reference/textual-perf.md`). Here the rows stay in the Store; the widget keeps a sorted index
of `(sort value, run id)` keys (`RunIndex`) that follows the Store's change notifications, and
`render_line` formats only the visible rows, so a poll costs the same at 1k or 100k runs.

The cursor is anchored to a run id, not a row number: when polls add runs above it or re-sort,
it stays on the same run (and, once the operator has scrolled, on the same screen line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trigger_tui.state.store import RunRow, Store
from trigger_tui.ui import format as fmt
from trigger_tui.ui.format import printable
from trigger_tui.ui.keymap import list_bindings
from trigger_tui.ui.widgets.run_index import SORT_VALUES, RunIndex


@dataclass(frozen=True, slots=True)
class Column:
    """One column: how wide it may be, how soon it is dropped, and how a run reads in it."""

    key: str
    title: str
    width: int  # minimum cells
    max_width: int  # it grows up to this when there is room
    priority: int  # lower = kept longer when the terminal is narrow
    text: Callable[[RunRow, float, bool], str]  # (row, now, absolute times) -> cell text
    right: bool = False
    dim: bool = False


def _created(r: RunRow, now: float, absolute: bool) -> str:
    return fmt.absolute(r.created_at) if absolute else fmt.ago(r.created_at, now)


def _duration(r: RunRow, now: float, absolute: bool) -> str:
    if r.started_at is not None and not r.is_final:
        return fmt.duration(max(0.0, now - r.started_at) * 1000)  # still running: it grows
    return fmt.duration(r.duration_ms) if r.duration_ms else "—"


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("status", "STATUS", 12, 12, 0, lambda r, n, a: ""),  # drawn specially
    Column("id", "RUN ID", 25, 25, 1, lambda r, n, a: r.id),
    Column("task", "TASK", 16, 32, 2, lambda r, n, a: r.task),
    Column("version", "VERSION", 10, 14, 6, lambda r, n, a: r.version or "—", dim=True),
    Column("tags", "TAGS", 10, 40, 5, lambda r, n, a: ", ".join(r.tags), dim=True),
    Column("created", "CREATED", 8, 14, 3, _created, right=True, dim=True),
    Column("duration", "DURATION", 8, 8, 4, _duration, right=True),
    Column("cost", "COST", 9, 9, 8, lambda r, n, a: fmt.money(r.cost_usd), right=True, dim=True),
    Column("queue", "QUEUE", 12, 26, 7, lambda r, n, a: r.queue or "—", dim=True),
    Column("machine", "MACHINE", 9, 10, 9, lambda r, n, a: r.machine or "—", dim=True),
)}
DEFAULT_COLUMNS: tuple[str, ...] = tuple(COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = ("status", "id")  # the picker never drops these
_GROWS = ("task", "tags", "queue", "version", "created")  # who gets spare width, in order
_GAP = 1
_PENDING = {"cancel": "Canceling", "replay": "Starting", "tags": "Tagging"}
_MARK_W = 2  # selection mark + space


def layout(columns: Sequence[str], width: int) -> list[tuple[Column, int]]:
    """The columns that fit in `width` cells (by priority) and their widths, in display order."""
    chosen = [COLUMNS[k] for k in columns if k in COLUMNS]
    room = width - _MARK_W
    kept: list[Column] = []
    used = 0
    for col in sorted(chosen, key=lambda c: c.priority):
        need = col.width + (_GAP if kept else 0)
        if used + need <= room:
            kept.append(col)
            used += need
    widths = {c.key: c.width for c in kept}
    spare = room - used
    for key in _GROWS:
        if spare <= 0:
            break
        if key in widths:
            extra = min(spare, COLUMNS[key].max_width - widths[key])
            widths[key] += extra
            spare -= extra
    return [(c, widths[c.key]) for c in chosen if c in kept]


class RunsTable(ScrollView, can_focus=True):
    """Runs from `store.runs`, sorted, with a run-anchored cursor and a selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("cursor_down", "cursor_up", "first", "last"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="runs.page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="runs.page_up"),
        Binding("ctrl+d", "half_page(1)", "Half page down", show=False, id="runs.half_down"),
        Binding("ctrl+u", "half_page(-1)", "Half page up", show=False, id="runs.half_up"),
        Binding("enter", "open", "Open", id="runs.open"),
        Binding("space", "toggle_select", "Select", id="runs.select"),
        Binding("ctrl+a", "select_all", "Select all", show=False, id="runs.select_all"),
        Binding("s", "sort_next", "Sort", show=False, id="runs.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="runs.sort_reverse"),
        Binding("T", "toggle_time", "Absolute times", show=False, id="runs.time"),
        Binding("y", "copy_id", "Copy id", show=False, id="runs.copy"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "runs-table--header", "runs-table--sorted", "runs-table--cursor",
        "runs-table--selected", "runs-table--flash", "runs-table--dim", "runs-table--empty",
        *(f"runs-table--{tone}" for tone in fmt.TONES),
    }

    DEFAULT_CSS = """
    RunsTable { overflow-x: hidden; }
    """

    FLASH_S: ClassVar[float] = 8.0  # how long a new failure stays marked (real seconds)

    class OpenRun(Message):
        """The operator asked to open a run (enter, or a click on the cursor row)."""

        def __init__(self, run_id: str) -> None:
            super().__init__()
            self.run_id = run_id

    class SelectionChanged(Message):
        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class SortChanged(Message):
        def __init__(self, column: str, descending: bool) -> None:
            super().__init__()
            self.column = column
            self.descending = descending

    class Changed(Message):
        """The rows on show changed (after a Store notification was applied)."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    class _Flush(Message):
        """Store changes are waiting; handled once per burst of notifications."""

    def __init__(self, store: Store, *, clock: Callable[[], float],
                 columns: Sequence[str] | None = None, sort: str = "created",
                 descending: bool = True, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.clock = clock
        self.columns: tuple[str, ...] = tuple(c for c in (columns or DEFAULT_COLUMNS)
                                              if c in COLUMNS) or DEFAULT_COLUMNS
        self.index = RunIndex(store.runs.items, sort=sort, descending=descending)
        self.selected: set[str] = set()
        self.cursor_row = 0
        self.cursor_id: str | None = None
        self.absolute_times = False
        self.following = True  # the cursor rides the first row until the operator moves it
        self.empty_text = "No runs yet."
        self._pending: set[str] = set()
        self._flush_posted = False
        self._failed: set[str] = {rid for rid, r in store.runs.items.items() if _failed(r)}
        self._flash: set[str] = set()
        self._unsubscribe: Callable[[], None] | None = None
        self._columns_cache: tuple[int, list[tuple[Column, int]]] | None = None
        self._inks: dict[str, Style] = {}
        self._aged: dict[int, tuple[str, tuple[str, ...]]] = {}  # line -> (run, time texts)

    # ------------------------------------------------------------------ lifecycle
    def on_mount(self) -> None:
        self._unsubscribe = self.store.subscribe("runs", self._on_store_change)
        self._sync_cursor()
        self._update_virtual_size()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_store_change(self, changed: frozenset[str]) -> None:
        # Called from whoever wrote the Store (a poller task, an action): only note the ids
        # and post one message per burst; the widget does its work in its own handler.
        self._pending.update(changed)
        if not self._flush_posted:
            self._flush_posted = True
            self.post_message(self._Flush())

    def on_runs_table__flush(self, message: _Flush) -> None:
        message.stop()
        self.flush()

    def flush(self) -> None:
        """Apply the pending Store changes: index, marks, selection, cursor, one repaint."""
        self._flush_posted = False
        changed, self._pending = self._pending, set()
        if not changed:
            return
        screen_line = self.cursor_row - int(self.scroll_y)
        rows = self.store.runs.items
        was_empty = len(self.index) == 0
        known = {rid for rid in changed if rid in self.index}
        self.index.apply(changed)
        self._follow_failures(changed, rows, known, quiet=was_empty)
        lost = {rid for rid in changed if rid not in rows}
        if lost & self.selected:
            self.selected -= lost
            self.post_message(self.SelectionChanged(len(self.selected)))
        self._update_virtual_size()
        self._sync_cursor(keep_screen_line=screen_line)
        self.refresh()
        self.post_message(self.Changed(len(self.index)))

    def _follow_failures(self, changed: Iterable[str], rows: dict[str, RunRow],
                         known: set[str], *, quiet: bool) -> None:
        """Mark new failures: a run seen failing under our eyes, or one created in the last
        minute that already failed. Not on a first load (everything would blink)."""
        fresh: list[str] = []
        recent = self.clock() - 60.0
        for rid in changed:
            row = rows.get(rid)
            if row is not None and _failed(row):
                if rid not in self._failed:
                    self._failed.add(rid)
                    if not quiet and (rid in known or row.created_at >= recent):
                        fresh.append(rid)
            else:
                self._failed.discard(rid)
                self._flash.discard(rid)
        if fresh:
            self._flash.update(fresh)
            self.set_timer(self.FLASH_S, lambda: self._unflash(fresh))

    def _unflash(self, ids: list[str]) -> None:
        self._flash.difference_update(ids)
        self.refresh()

    # ------------------------------------------------------------------ cursor
    @property
    def row_count(self) -> int:
        return len(self.index)

    @property
    def page_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _sync_cursor(self, keep_screen_line: int | None = None) -> None:
        """Put the cursor back on its run (or the nearest row if the run went away)."""
        n = len(self.index)
        if n == 0:
            self.cursor_row, self.cursor_id = 0, None
            return
        if self.following:
            # Watching the head of the list: the cursor rides the first row (the newest run
            # in the default sort) until the operator moves it.
            self.cursor_row, self.cursor_id = 0, self.index.id_at(0)
            self.scroll_to(y=0, animate=False)
            return
        pos = self.index.position(self.cursor_id) if self.cursor_id else None
        if pos is None:
            pos = min(self.cursor_row, n - 1)
            self.cursor_id = self.index.id_at(pos)
        self.cursor_row = pos
        if keep_screen_line is not None and self.scroll_y > 0:
            # Scrolled into the list: keep the cursor's run on the same screen line, so what
            # the operator is reading does not jump (newer runs wait above; `g` shows them).
            self.scroll_to(y=max(0, pos - keep_screen_line), animate=False)
        # At the top, new runs show as they come; the view slides only once the cursor's
        # run would leave the bottom of the screen.
        self._scroll_cursor_into_view()

    def move_cursor(self, row: int, *, follow: bool = False) -> None:
        """Put the cursor on `row`; from then on it stays on that run (unless `follow`)."""
        n = len(self.index)
        if follow != self.following:
            self.following = follow
            self.post_message(self.Changed(n))
        if n == 0:
            return
        row = max(0, min(row, n - 1))
        self.cursor_row = row
        self.cursor_id = self.index.id_at(row)
        self._scroll_cursor_into_view()
        self.refresh()

    def select_run(self, run_id: str) -> bool:
        """Move the cursor to `run_id` if it is in the table (or was just added to the Store
        and its notification is still on its way)."""
        if self._pending:
            self.flush()
        pos = self.index.position(run_id)
        if pos is None:
            return False
        self.move_cursor(pos)
        return True

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_y)
        page = self.page_rows
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + page:
            self.scroll_to(y=self.cursor_row - page + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_first(self) -> None:
        """Back to the top, and follow the newest runs again."""
        self.move_cursor(0, follow=True)

    def action_last(self) -> None:
        self.move_cursor(len(self.index) - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self.page_rows)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self.page_rows)

    def action_half_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction * max(1, self.page_rows // 2))

    def action_open(self) -> None:
        if self.cursor_id is not None:
            self.post_message(self.OpenRun(self.cursor_id))

    # ------------------------------------------------------------------ selection
    def action_toggle_select(self) -> None:
        if self.cursor_id is None:
            return
        if self.cursor_id in self.selected:
            self.selected.discard(self.cursor_id)
        else:
            self.selected.add(self.cursor_id)
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.move_cursor(self.cursor_row + 1)  # space walks down, as in a file manager

    def action_select_all(self) -> None:
        """Select every run in the view; again with all selected clears the selection."""
        if len(self.selected) == len(self.index):
            self.selected.clear()
        else:
            self.selected = set(self.index.all_ids())
        self.post_message(self.SelectionChanged(len(self.selected)))
        self.refresh()

    def clear_selection(self) -> bool:
        if not self.selected:
            return False
        self.selected.clear()
        self.post_message(self.SelectionChanged(0))
        self.refresh()
        return True

    def selected_ids(self) -> list[str]:
        """The selection in display order."""
        if not self.selected:
            return []
        order = [(self.index.position(rid), rid) for rid in self.selected]
        return [rid for pos, rid in sorted((p, r) for p, r in order if p is not None)]

    # ------------------------------------------------------------------ sorting, display
    def sort_by(self, column: str, descending: bool | None = None) -> None:
        if column not in SORT_VALUES:
            return
        if descending is None:
            descending = column in ("created", "duration", "cost")  # biggest/newest first
        self.index.set_sort(column, descending)
        self._sync_cursor()
        self.post_message(self.SortChanged(column, descending))
        self.refresh()

    def action_sort_next(self) -> None:
        visible = [c.key for c, _ in self._layout()]
        order = visible if self.index.sort in visible else [self.index.sort, *visible]
        nxt = order[(order.index(self.index.sort) + 1) % len(order)]
        self.sort_by(nxt)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.index.sort, not self.index.descending)

    def action_toggle_time(self) -> None:
        self.absolute_times = not self.absolute_times
        self.refresh()

    def set_columns(self, columns: Sequence[str]) -> None:
        """Show `columns` (unknown names dropped; none known means the defaults). Only the
        layout changes: the cursor, selection and scroll stay on the same runs."""
        shown = tuple(c for c in dict.fromkeys(columns) if c in COLUMNS) or DEFAULT_COLUMNS
        if shown == self.columns:
            return
        self.columns = shown
        self._columns_cache = None
        self._aged = {}
        self.refresh()

    def action_copy_id(self) -> None:
        if self.cursor_id is not None:
            self.app.copy_to_clipboard(self.cursor_id)
            self.notify(f"Copied {self.cursor_id}", timeout=2)

    # ------------------------------------------------------------------ mouse
    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y == 0:
            self._click_header(event.x)
            return
        row = int(self.scroll_y) + y - 1
        if row >= len(self.index):
            return
        if row == self.cursor_row and event.chain >= 2:
            self.action_open()
        else:
            self.move_cursor(row)

    def _click_header(self, x: int) -> None:
        left = _MARK_W
        for col, width in self._layout():
            if left <= x < left + width:
                if col.key == self.index.sort:
                    self.action_sort_reverse()
                else:
                    self.sort_by(col.key)
                return
            left += width + _GAP

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value):
            self.post_message(self.Changed(len(self.index)))

    # ------------------------------------------------------------------ rendering
    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.index) + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._columns_cache = None
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _layout(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        if self._columns_cache is None or self._columns_cache[0] != width:
            self._columns_cache = (width, layout(self.columns, width))
        return self._columns_cache[1]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header_strip(width)
        n = len(self.index)
        row_no = int(self.scroll_y) + y - 1
        if n == 0:
            return self._empty_strip(width, y)
        if row_no >= n:
            return Strip.blank(width, self.rich_style)
        run_id = self.index.id_at(row_no)
        row = self.store.runs.items.get(run_id)
        if row is None:  # a notification is on its way; draw nothing rather than stale data
            return Strip.blank(width, self.rich_style)
        return self._row_strip(row, row_no, width)

    def _style(self, *names: str) -> Style:
        """A row state's full style (background blended as the theme means it)."""
        return self.get_component_rich_style(*names)

    def _ink(self, name: str) -> Style:
        """Only the foreground of a component style: a tone or a dim column must not paint
        over the row's own background (selection, cursor, flash)."""
        ink = self._inks.get(name)
        if ink is None:
            full = self.get_component_rich_style(name)
            ink = self._inks[name] = Style(color=full.color, bold=full.bold,
                                           italic=full.italic)
        return ink

    def notify_style_update(self) -> None:
        super().notify_style_update()
        inks: dict[str, Style] | None = getattr(self, "_inks", None)  # None during __init__
        if inks:
            inks.clear()

    def _header_strip(self, width: int) -> Strip:
        base = self._style("runs-table--header")
        segments = [Segment(" " * _MARK_W, base)]
        for i, (col, w) in enumerate(self._layout()):
            if i:
                segments.append(Segment(" " * _GAP, base))
            title = col.title
            style = base
            if col.key == self.index.sort:
                title = f"{title}{'▼' if self.index.descending else '▲'}"
                style = base + self._ink("runs-table--sorted")
            segments.append(Segment(_fit(title, w, col.right), style))
        return _finish(segments, width, base)

    def _empty_strip(self, width: int, y: int) -> Strip:
        if y != 2:
            return Strip.blank(width, self.rich_style)
        style = self._style("runs-table--empty")
        return _finish([Segment(_fit("  " + self.empty_text, width, False), style)], width,
                       style)

    def _row_strip(self, row: RunRow, row_no: int, width: int) -> Strip:
        now = self.clock()
        cursor = row_no == self.cursor_row and self.has_focus_within_screen()
        selected = row.id in self.selected
        base = self.rich_style
        if row.id in self._flash:
            base += self._style("runs-table--flash")
        if selected:
            base += self._style("runs-table--selected")
        if cursor:
            base += self._style("runs-table--cursor")
        dim = self._ink("runs-table--dim")
        segments = [Segment("* " if selected else "  ", base)]
        for i, (col, w) in enumerate(self._layout()):
            if i:
                segments.append(Segment(" " * _GAP, base))
            if col.key == "status":
                look = fmt.status_look(row.status)
                tone = base if cursor else base + self._ink(f"runs-table--{look.tone}")
                label = look.label
                if row.pending:  # sent, not yet confirmed by a poll
                    label = _PENDING.get(row.pending, label) + "…"
                segments.append(Segment(_fit(f"{look.symbol} {label}", w, False), tone))
                continue
            text = col.text(row, now, self.absolute_times)
            style = base + dim if col.dim and not cursor else base
            segments.append(Segment(_fit(text, w, col.right), style))
        return _finish(segments, width, base)

    def tick(self) -> None:
        """Once a second: repaint only the visible lines whose time-dependent text (age,
        running time) reads differently now. Most ages move once a minute, so an idle console
        repaints a line or two a second instead of the whole table."""
        timed = [c for c, _ in self._layout() if c.key in ("created", "duration")]
        if not timed or not self.is_attached:
            return
        now = self.clock()
        top = int(self.scroll_y)
        width = self.size.width
        aged: dict[int, tuple[str, tuple[str, ...]]] = {}
        for y in range(1, self.size.height):
            row_no = top + y - 1
            if row_no >= len(self.index):
                break
            row = self.store.runs.items.get(self.index.id_at(row_no))
            if row is None:
                continue
            key = (row.id, tuple(c.text(row, now, self.absolute_times) for c in timed))
            aged[y] = key
            if self._aged.get(y) != key:
                self.refresh(Region(0, y, width, 1))
        self._aged = aged

    def has_focus_within_screen(self) -> bool:
        """The cursor shows while the table is the screen's focused widget (or would be)."""
        focused = self.screen.focused if self.is_attached else None
        return focused is None or focused is self

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _failed(row: RunRow) -> bool:
    return fmt.status_look(row.status).tone == "error"


def _fit(text: str, width: int, right: bool) -> str:
    text = printable(text)  # run data (task names, tags, errors) never reaches the terminal raw
    if cell_len(text) > width:
        text = set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    pad = width - cell_len(text)
    return " " * pad + text if right else text + " " * pad


def _finish(segments: list[Segment], width: int, style: Style) -> Strip:
    strip = Strip(segments)
    length = strip.cell_length
    if length < width:
        strip = Strip([*segments, Segment(" " * (width - length), style)])
    return strip.crop(0, width)
