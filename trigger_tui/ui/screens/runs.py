"""The runs pane: the live table, the active query on one line, filters, selection, bulk actions.

Filters are RunFilter values handed to the runs poller (the Store then holds only matching runs);
the query line shows the TRQL the poller runs, so what the operator sees is what was asked.
Every mutation confirms first and names the count and the environment; read-only connections
show the mutating keys as unavailable and send nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from trigger_tui.humanize import count
from trigger_tui.state.actions import MAX_BULK_IDS, BulkKind
from trigger_tui.state.filters import RunFilter, TrqlFilterError
from trigger_tui.ui import format as fmt
from trigger_tui.ui.panes import STATUS_SHORTCUTS
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader
from trigger_tui.ui.widgets.runs_table import DEFAULT_COLUMNS, RunsTable

if TYPE_CHECKING:
    from trigger_tui.state.pollers import RunsPoller
    from trigger_tui.state.session import Session
    from trigger_tui.ui.app import TriggerApp

PERIODS = ("15m", "1h", "24h", "7d")
FAILED = frozenset(STATUS_SHORTCUTS["failed"])
MUTATING = frozenset({"cancel", "replay", "bulk_by_filter"})


class RunsScreen(Screen[None]):
    """Pane 1. Keys: see BINDINGS (and RunsTable's)."""

    HELP_SCOPE = "Runs"
    _status_line = ""  # what the status line shows, so an unchanged poll repaints nothing

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter_text", "Filter", id="runs.filter"),
        Binding("f", "failed_only", "Failed", id="runs.failed"),
        Binding("F", "filter_form", "Filters…", show=False, id="runs.filters"),
        Binding("t", "next_period", "Period", show=False, id="runs.period"),
        Binding("o", "root_only", "Root only", show=False, id="runs.root_only"),
        Binding("C", "choose_columns", "Columns", show=False, id="runs.columns"),
        Binding("c", "cancel", "Cancel", id="runs.cancel"),
        Binding("R", "replay", "Replay", id="runs.replay"),
        Binding("w", "watch_run", "Watch run", show=False, id="runs.watch"),
        Binding("W", "watch_task", "Watch task", show=False, id="runs.watch_task"),
        Binding("B", "bulk_by_filter", "Bulk on all matching", show=False, id="runs.bulk"),
        Binding("Y", "copy_query", "Copy TRQL", show=False, id="runs.copy_query"),
        Binding("ctrl+e", "open_query", "Open as query", show=False, id="runs.open_query"),
        Binding("escape", "clear", "Clear", show=False, id="runs.clear"),
    ]

    def compose(self) -> ComposeResult:
        app = self.trigger_app
        assert app.session is not None
        yield ConsoleHeader(app.header_info)
        yield Static(id="query-line")
        remembered = app.view.runs  # from the last launch (explicit columns win)
        table = RunsTable(app.session.store, clock=app.now,
                          columns=app.columns or remembered.columns, sort=remembered.sort,
                          descending=remembered.descending, id="runs")
        table.empty_text = "Loading runs…"
        yield table
        yield Static(id="runs-status")
        yield ConsoleFooter()

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def session(self) -> Session:
        """The app's session (a runs pane exists only once the app is connected)."""
        session = self.trigger_app.session
        assert session is not None
        return session

    @property
    def poller(self) -> RunsPoller:
        return self.session.runs

    def on_mount(self) -> None:
        self.table.focus()
        store = self.session.store
        self._unsubscribe = store.subscribe("health", self._on_health)
        self.show_query()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _on_health(self, changed: frozenset[str]) -> None:
        if self.poller.name in changed:
            self.call_later(self.show_status)

    # ------------------------------------------------------------------ status lines
    def on_runs_table_changed(self, event: RunsTable.Changed) -> None:
        self.show_status()

    def show_query(self) -> None:
        """The view's TRQL on one line, its column list elided so the WHERE clause shows; the
        time window is beside it because the API applies it, not the query."""
        f = self.poller.filter
        head, _, rest = self.poller.query_text.partition(" FROM ")
        query = f"SELECT … FROM {rest}" if rest else head
        window = f"period {f.period}" if f.period else f.describe().rsplit(" · ", 1)[-1]
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("TRQL ", style="bold")
        line.append(query)
        line.append(f"  · {window}")
        self.query_one("#query-line", Static).update(line)
        self.show_status()

    def show_status(self) -> None:
        table = self.table
        health = self.poller.health
        n = table.row_count
        if health.last_success is None:
            empty = ("Could not load runs: " + health.last_error
                     if health.last_error else "Loading runs…")
        else:
            empty = f"No runs match: {self.poller.filter.describe()}"
        parts = [count(n, 'run'), self.poller.filter.describe()]
        if table.selected:
            parts.insert(1, f"{len(table.selected):,} selected")
        status = self.query_one("#runs-status", Static)
        status.set_class(bool(health.consecutive_failures), "-failing")
        if health.consecutive_failures and health.last_error:
            # Say it where the eyes are; `!` has the details.
            parts.insert(0, f"✗ last poll failed: {health.last_error} (! details)")
        top = int(table.scroll_y)
        parts.append(f"by {table.index.sort} {'▼' if table.index.descending else '▲'}")
        if table.following and n:
            parts.append("following newest" if table.index.sort == "created"
                         and table.index.descending else "following the top")
        elif top > 0:
            parts.append(f"↑{top:,} above (g)")
        line = " · ".join(parts)
        if line != self._status_line:  # every poll notifies; most change nothing here
            self._status_line = line
            status.update(Text(line, no_wrap=True, overflow="ellipsis"))
        if empty != table.empty_text:
            table.empty_text = empty
            table.refresh()

    def on_runs_table_selection_changed(self, event: RunsTable.SelectionChanged) -> None:
        self.show_status()
        self.refresh_bindings()

    def on_runs_table_sort_changed(self, event: RunsTable.SortChanged) -> None:
        self.show_status()
        self.trigger_app.remember(sort=(event.column, event.descending))

    def on_runs_table_open_run(self, event: RunsTable.OpenRun) -> None:
        self.trigger_app.open_run(event.run_id)

    # ------------------------------------------------------------------ filters
    def set_filter(self, f: RunFilter) -> None:
        """Hand the poller a new filter: the view reloads with only matching runs."""
        self.poller.set_filter(f)
        self.table.clear_selection()
        self.show_query()
        self.trigger_app.remember()

    def _derive(self, **changes: object) -> None:
        try:
            self.set_filter(self.poller.filter.replace(**changes))
        except (TrqlFilterError, ValueError) as exc:
            self.notify(str(exc), severity="error")

    def set_statuses(self, statuses: Iterable[str]) -> None:
        self._derive(statuses=frozenset(statuses))

    async def action_filter_text(self) -> None:
        from trigger_tui.ui.screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text is not None:
                self._derive(text=text)

        await self.app.push_screen(PromptScreen(
            "/", self.poller.filter.text, placeholder="run id, task or tag",
            hint="enter filter · empty clears · esc cancel"), done)

    async def action_filter_form(self) -> None:
        from trigger_tui.ui.screens.filters import FilterScreen

        def done(f: RunFilter | None) -> None:
            if f is not None:
                self.set_filter(f)

        await self.app.push_screen(FilterScreen(self.poller.filter), done)

    # ------------------------------------------------------------------ columns
    async def action_choose_columns(self) -> None:
        from trigger_tui.ui.screens.columns import ColumnsScreen

        def done(columns: tuple[str, ...] | None) -> None:
            if columns is not None:
                self.set_columns(columns)

        await self.app.push_screen(ColumnsScreen(self.table.columns), done)

    def set_columns(self, columns: Sequence[str]) -> None:
        """Show these columns now and at the next launch (the remembered view keeps them;
        the default set is remembered as "the default", so a later release's new column
        shows up by itself)."""
        table = self.table
        table.set_columns(columns)
        app = self.trigger_app
        # Should the pane be composed again, it shows this choice, not the launch's --columns.
        app.columns = table.columns
        chosen = None if table.columns == DEFAULT_COLUMNS else table.columns
        app.view = replace(app.view, runs=replace(app.view.runs, columns=chosen))
        app.remember()

    def action_failed_only(self) -> None:
        current = self.poller.filter.statuses
        self.set_statuses(frozenset() if current == FAILED else FAILED)

    def action_next_period(self) -> None:
        period = self.poller.filter.period
        nxt = PERIODS[(PERIODS.index(period) + 1) % len(PERIODS)] if period in PERIODS \
            else PERIODS[0]
        self._derive(period=nxt, from_=None, to=None)

    def action_root_only(self) -> None:
        self._derive(root_only=not self.poller.filter.root_only)

    def action_copy_query(self) -> None:
        """The view's full TRQL to the clipboard (OSC 52: works over SSH), for the query
        console or the dashboard."""
        self.app.copy_to_clipboard(self.poller.query_text)
        self.notify("Copied the view's TRQL", timeout=2)

    async def action_open_query(self) -> None:
        """The view as TRQL in the query console, loaded but not run, to edit first."""
        from trigger_tui.ui.screens.query import open_in_console

        f = self.poller.filter
        await open_in_console(self.trigger_app, self.poller.query_text, period=f.period,
                              from_=f.from_, to=f.to)

    def action_clear(self) -> None:
        """esc: drop the selection first, then the filter (back to all runs, last 24h)."""
        if self.table.clear_selection():
            return
        if self.poller.filter != RunFilter():
            self.set_filter(RunFilter())
            self.notify("Filter cleared", timeout=2)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATING and self.trigger_app.read_only:
            return None  # shown, greyed: the connection is read-only
        return True

    def on_key(self, event: events.Key) -> None:
        """A greyed mutating key still answers, so a read-only operator knows why."""
        active = self.active_bindings.get(event.key)
        if (active is not None and not active.enabled and active.binding.action in MUTATING
                and self.trigger_app.read_only):
            event.stop()
            self.notify(f"Read-only connection: {active.binding.description.lower()} is not "
                        "available", severity="warning", timeout=3)

    @property
    def env_name(self) -> str:
        return self.trigger_app.label.environment.upper()

    def _targets(self) -> list[str]:
        table = self.table
        if table.selected:
            return table.selected_ids()
        return [table.cursor_id] if table.cursor_id else []

    def action_cancel(self) -> None:
        self._act("cancel")

    def action_watch_run(self) -> None:
        """w: be told when the run under the cursor ends, whatever pane is open."""
        run_id = self.table.cursor_id
        row = self.poller.store.runs.get(run_id) if run_id else None
        if run_id is None or row is None:
            self.notify("No run under the cursor", severity="warning", timeout=2)
            return
        self.trigger_app.toggle_watch(f"run:{run_id}", f"{run_id} ({row.task})")

    def action_watch_task(self) -> None:
        """W: be told each time the task of the run under the cursor fails."""
        run_id = self.table.cursor_id
        row = self.poller.store.runs.get(run_id) if run_id else None
        if row is None:
            self.notify("No run under the cursor", severity="warning", timeout=2)
            return
        self.trigger_app.toggle_watch(f"task:{row.task}", f"task {row.task}")

    def action_replay(self) -> None:
        self._act("replay")

    @work(exclusive=True, group="runs-action")
    async def action_bulk_by_filter(self) -> None:
        """B: cancel or replay every run the filter matches (the server applies the filter)."""
        from trigger_tui.ui.screens.bulk import BulkChoiceScreen

        action = await self.app.push_screen_wait(BulkChoiceScreen(self.poller.filter.describe()))
        if action == "cancel":
            await self._act_on_filter("cancel")
        elif action == "replay":
            await self._act_on_filter("replay")

    @work(exclusive=True, group="runs-action")
    async def _act(self, action: BulkKind) -> None:
        ids = self._targets()
        if not ids:
            self.notify("No run under the cursor", severity="warning", timeout=2)
            return
        if self.trigger_app.read_only:
            self.notify(f"Read-only connection: {action} is not available", severity="warning")
            return
        store = self.session.store
        if action == "cancel":
            live = [i for i in ids if (r := store.runs.get(i)) is None or not r.is_final]
            if not live:
                what = ids[0] if len(ids) == 1 else f"all {len(ids):,} selected runs"
                self.notify(f"Nothing to cancel: {what} already finished", timeout=4)
                return
            ids = live
        if len(ids) == 1:
            await self._act_on_one(action, ids[0])
        elif len(ids) > MAX_BULK_IDS:
            self.notify(f"{len(ids):,} runs selected: a bulk action takes at most "
                        f"{MAX_BULK_IDS} by id. Narrow the selection, or use B to act on "
                        "every run matching the filter.", severity="warning", timeout=8)
        else:
            await self._act_in_bulk(action, ids)

    async def _act_on_one(self, action: BulkKind, run_id: str) -> None:
        row = self.session.store.runs.get(run_id)
        what = f"{run_id} ({row.task}, {fmt.status_look(row.status).label.lower()})" if row \
            else run_id
        verb = "Cancel" if action == "cancel" else "Replay"
        body = (f"{verb} run {what} in {self.env_name}?\n\n"
                + ("The run stops; its in-progress children are canceled too."
                   if action == "cancel" else
                   "A new run of the same task starts with the same payload."))
        ok = await self.app.push_screen_wait(ConfirmScreen(
            f"{verb} 1 run in {self.env_name}", body, danger=action == "cancel",
            confirm_label=f"{verb} run"))
        if not ok:
            return
        await self._send_one(action, run_id)

    async def _send_one(self, action: BulkKind, run_id: str) -> None:
        """Send, say how it ended, and offer a retry when it verifiably did nothing."""
        actions = self.session.actions
        result = await (actions.cancel(run_id) if action == "cancel"
                        else actions.replay(run_id))
        self.notify(result.message, severity="information" if result.ok else "error",
                    timeout=4 if result.ok else 8)
        if result.ok and result.new_run_id:
            self.table.select_run(result.new_run_id)
        if result.ok or not result.retry:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._resend(action, run_id)

        verb = "Cancel" if action == "cancel" else "Replay"
        self.app.push_screen(ConfirmScreen(
            f"{verb} failed", f"{result.message}\n\nNothing was applied. Try again?",
            danger=action == "cancel", confirm_label="Retry"), answered)

    @work(exclusive=True, group="runs-action")
    async def _resend(self, action: BulkKind, run_id: str) -> None:
        await self._send_one(action, run_id)

    async def _act_in_bulk(self, action: BulkKind, ids: list[str]) -> None:
        verb = "Cancel" if action == "cancel" else "Replay"
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3:,} more" if len(ids) > 3 else "")
        skipped = len(self.table.selected) - len(ids)
        note = (f"\n{skipped:,} selected runs already finished and are left alone."
                if skipped > 0 else "")
        body = (f"{verb} {len(ids):,} selected runs in {self.env_name} through the bulk-actions "
                f"API?\n\n{shown}{note}\n\nProgress is shown live; you can abort while it "
                "runs.")
        ok = await self.app.push_screen_wait(ConfirmScreen(
            f"{verb} {len(ids):,} runs in {self.env_name}", body, danger=True,
            confirm_label=f"{verb} {len(ids):,}"))
        if ok:
            await self._start_bulk(action, run_ids=ids, count=len(ids))

    async def _act_on_filter(self, action: BulkKind) -> None:
        if self.trigger_app.read_only:
            self.notify(f"Read-only connection: bulk {action} is not available",
                        severity="warning")
            return
        f = self.poller.filter
        try:
            f.to_bulk_filter()
        except TrqlFilterError as exc:
            self.notify(str(exc), severity="warning", timeout=8)
            return
        count = self.table.row_count
        verb = "Cancel" if action == "cancel" else "Replay"
        body = (f"{verb} every run matching\n  {f.describe()}\nin {self.env_name} through the "
                f"bulk-actions API.\n\n{count:,} matching runs are loaded here; the server "
                "applies the filter itself and may find more.")
        ok = await self.app.push_screen_wait(ConfirmScreen(
            f"{verb} all matching runs in {self.env_name}", body, danger=True,
            confirm_label=f"{verb} all"))
        if ok:
            await self._start_bulk(action, filter=f, count=count)

    async def _start_bulk(self, action: BulkKind, *, count: int, run_ids: list[str] | None = None,
                          filter: RunFilter | None = None) -> None:
        from trigger_tui.ui.screens.bulk import BulkProgressScreen

        actions = self.session.actions
        progress = await actions.bulk(action, run_ids=run_ids, filter=filter)
        if not progress.ok:
            self.notify(progress.message, severity="error", timeout=8)
            return
        self.table.clear_selection()
        await self.app.push_screen(BulkProgressScreen(progress, action=action, expected=count,
                                                      environment=self.env_name))
