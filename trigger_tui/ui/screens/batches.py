"""A list of runs read once by REST (a batch's runs, an error group's runs), and the batch view.

The runs pane follows a TRQL filter; some sets of runs are only reachable through the REST
runs list (`filter[batch]`, `filter[error]`), so these screens read them once on open (and on
`r`), show the counts per status, and open a run's detail on `enter`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from trigger_tui.api import errors as E
from trigger_tui.humanize import count
from trigger_tui.state.batches import BatchView, load_batch, seen_batches
from trigger_tui.ui import format as fmt
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp

COLUMNS = (("status", "STATUS"), ("id", "RUN"), ("task", "TASK"), ("created", "CREATED"),
           ("duration", "DURATION"))


def status_counts(runs: list[Any]) -> str:
    """`✓ Completed 3 · ✗ Failed 1`, in the order of the status rank."""
    counts = Counter(r.status for r in runs)
    parts = sorted(counts.items(), key=lambda kv: fmt.status_rank(kv[0]))
    return " · ".join(f"{fmt.status_look(s).symbol} {fmt.status_look(s).label} {n}"
                      for s, n in parts) or "no runs"


class RunListScreen(TablePane):
    """Runs from `load()` (newest first); `enter` opens one, `r` reads them again."""

    HELP_SCOPE = "Run list"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_run", "Open run", id="runlist.open"),
        Binding("r", "reload", "Reload", id="runlist.reload"),
    ]

    DEFAULT_CSS = """
    RunListScreen #runlist-title { height: auto; padding: 0 1; text-style: bold; }
    RunListScreen #runlist-summary { height: auto; padding: 0 1; }
    RunListScreen #runlist-hint { height: auto; padding: 0 1; color: $text-muted; }
    RunListScreen DataTable { height: 1fr; }
    """

    def __init__(self, title: str, load: Callable[[], Awaitable[list[Any]]], *,
                 hint: str = "") -> None:
        super().__init__()
        self.list_title = title
        self._load = load
        self.hint = hint
        self.runs: list[Any] = []
        self.message = "loading…"

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield Static(Text(self.list_title), id="runlist-title")
        yield Static(Text(self.message), id="runlist-summary")
        yield Static(Text(self.hint), id="runlist-hint")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#runlist-hint", Static).display = bool(self.hint)
        self.table.focus()
        self.action_reload()

    @work(exclusive=True, group="runlist-load")
    async def action_reload(self) -> None:
        try:
            self.runs = await self._load()
        except E.NotSupportedError as exc:
            self._show([], str(exc))
            return
        except E.TriggerError as exc:
            self._show([], f"could not read it: {exc}")
            return
        self._show(self.runs, self.summary())

    def summary(self) -> str:
        n = len(self.runs)
        return f"{count(n, 'run')} · {status_counts(self.runs)}"

    def _show(self, runs: list[Any], message: str) -> None:
        self.message = message
        self.query_one("#runlist-summary", Static).update(Text(message))
        now = self.trigger_app.now()
        table = self.table
        with self.app.batch_update():
            table.clear()
            for r in runs:
                look = fmt.status_look(r.status)
                table.add_row(Text(f"{look.symbol} {look.label}"), r.id,
                              Text(r.task_identifier), fmt.ago(r.created_at.timestamp(), now),
                              fmt.duration(r.duration_ms or None), key=r.id)

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_run()

    def action_open_run(self) -> None:
        table = self.table
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key:
            self.trigger_app.open_run(key)


class BatchScreen(RunListScreen):
    """One batch: its status and item processing, counts per status of its runs, its runs."""

    HELP_SCOPE = "Batch"

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch {batch_id}", self._read)
        self.batch_id = batch_id
        self.view: BatchView | None = None

    async def _read(self) -> list[Any]:
        session = self.trigger_app.session
        assert session is not None
        self.view = await load_batch(session.client, self.batch_id)
        return self.view.runs

    def summary(self) -> str:
        view = self.view
        if view is None:
            return super().summary()
        return f"{view.describe()}\n{super().summary()}"


def open_batch(app: TriggerApp, batch_id: str) -> None:
    """Show one batch (from a run's `batchId`, or an id typed by the operator)."""
    batch_id = batch_id.strip()
    if batch_id:
        app.push_screen(BatchScreen(batch_id))


class BatchesScreen(TablePane):
    """The batches pane: the batches of the runs in view, and any batch by id (`o`)."""

    HELP_SCOPE = "Batches"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_selected", "Open batch", id="batches.open"),
        Binding("o", "open_by_id", "Open by id", id="batches.open_id"),
    ]

    DEFAULT_CSS = """
    BatchesScreen DataTable { height: 1fr; }
    BatchesScreen #batches-status { height: 1; color: $text-muted; background: $boost;
                                    padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in (("id", "BATCH"), ("runs", "RUNS SEEN"), ("counts", "STATUSES"),
                           ("tasks", "TASKS"), ("created", "NEWEST RUN")):
            table.add_column(title, key=key)
        yield table
        yield Static(id="batches-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        self._pending = False
        self._unsubscribe = session.store.subscribe("runs", self._on_runs)
        self.sync()
        self.table.focus()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _on_runs(self, changed: frozenset[str]) -> None:
        if not self._pending:
            self._pending = True
            self.call_later(self.sync)

    def sync(self) -> None:
        self._pending = False
        session = self.trigger_app.session
        if session is None:
            return
        now = self.trigger_app.now()
        table = self.table
        batches = seen_batches(session.store)
        current = self._current()
        with self.app.batch_update():
            table.clear()
            for b in batches:
                table.add_row(b.id, str(len(b.runs)), status_counts(list(b.runs)),
                              Text(fmt.clip(", ".join(b.tasks), 40)), fmt.ago(b.newest, now),
                              key=b.id)
            if current is not None and current in table.rows:
                table.move_cursor(row=table.get_row_index(current))
        self.query_one("#batches-status", Static).update(Text(
            f"{count(len(batches), 'batch', 'batches')} among the runs in view"
            " · o opens any batch by id"))

    def _current(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key else None

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_selected()

    def action_open_selected(self) -> None:
        batch_id = self._current()
        if batch_id is not None:
            open_batch(self.trigger_app, batch_id)

    def action_open_by_id(self) -> None:
        def done(text: str | None) -> None:
            if text and text.strip():
                open_batch(self.trigger_app, text)

        self.app.push_screen(PromptScreen("batch", placeholder="batch_…",
                                          suggestions=[b for b in self.table.rows
                                                       if isinstance(b, str)]), done)
