"""The TRQL console: write a query, run it, read the rows, chart them, keep what worked.

Keys are function keys and ctrl chords because the editor takes every printable key. A query
runs in a worker, so the console stays usable while the server thinks (and a new run replaces
one still in flight). A server error is shown under the editor in the server's words; when it
names a position the offending line is quoted with a caret and the editor's cursor goes there.

History, saved queries, stock queries and export are `trigger_tui.state.query`'s; this screen
only renders them. Dashboards (`/api/v1/query/dashboards`) open as their own screen, each
widget's query run on an interval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import ContentSwitcher, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from trigger_tui.api.errors import TriggerError
from trigger_tui.api.models.query import Dashboard
from trigger_tui.config import config_path
from trigger_tui.humanize import count
from trigger_tui.state import query as q
from trigger_tui.ui.format import printable
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.chart import Chart, ChartKind, choose
from trigger_tui.ui.widgets.dashboard import DashboardGrid
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader
from trigger_tui.ui.widgets.results_table import ResultsTable

if TYPE_CHECKING:
    from trigger_tui.state.session import Session
    from trigger_tui.ui.app import TriggerApp

View = Literal["table", "bar", "line"]
STARTER = "SELECT task_identifier, count() AS runs\nFROM runs\nGROUP BY task_identifier\n" \
          "ORDER BY runs DESC"


class PickScreen(ModalScreen[str | None]):
    """A list to choose from, filtered as you type (history, stock, saved, completions)."""

    HELP_SCOPE = "Pick list (typing filters it)"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("down", "move(1)", "Down", show=False, id="pick.down"),
        Binding("up", "move(-1)", "Up", show=False, id="pick.up"),
    ]

    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 80%; max-width: 100; height: auto; max-height: 90%;
                            border: round $accent; background: $panel; padding: 0 1; }
    PickScreen #pick-title { color: $accent; text-style: bold; }
    PickScreen Input, PickScreen Input:focus { border: none; height: 1; padding: 0; }
    PickScreen OptionList { height: auto; max-height: 70vh; border: none; }
    """

    def __init__(self, title: str, items: Sequence[tuple[str, str]], *,
                 placeholder: str = "type to filter",
                 haystacks: Sequence[str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.items = list(items)  # (value, label)
        self.placeholder = placeholder
        # what typing filters on (default: the label); history searches the query text only
        self.haystacks = [h.lower() for h in (haystacks or [label for _, label in items])]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="pick-title")
            yield Input(placeholder=self.placeholder)
            yield OptionList()

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, needle: str) -> None:
        words = needle.lower().split()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(Text(printable(label)), id=str(i))
                             for i, (_, label) in enumerate(self.items)
                             if all(w in self.haystacks[i] for w in words)])
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is None:
            self.dismiss(None)
            return
        self._choose(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def _choose(self, option_id: str | None) -> None:
        self.dismiss(self.items[int(option_id)][0] if option_id is not None else None)

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            now = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, now + step))

    def action_cancel(self) -> None:
        self.dismiss(None)


class QueryScreen(Screen[None]):
    HELP_SCOPE = "Query"
    # The editor takes every printable key (digits, `:`, `q`): esc hands the keys back to the
    # console, so the number keys, `:` and `q` work again; `tab` or a click returns to it.

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+enter,ctrl+r,f5", "run", "Run", id="query.run"),
        Binding("f2", "history", "History", id="query.history"),
        Binding("f3", "stock", "Stock queries", id="query.stock"),
        Binding("f4", "saved", "Saved", id="query.saved"),
        Binding("ctrl+s", "save", "Save query", show=False, id="query.save"),
        Binding("ctrl+t", "period", "Period", id="query.period"),  # the editor owns f6/f7
        Binding("ctrl+o", "scope", "Scope", show=False, id="query.scope"),
        Binding("f8", "export", "Export", id="query.export"),
        Binding("f9", "switch_view", "Chart/table", id="query.chart"),
        Binding("ctrl+space,ctrl+n", "complete", "Complete", show=False, id="query.complete"),
        Binding("f10", "dashboards", "Dashboards", show=False, id="query.dashboards"),
        Binding("escape", "leave_editor", "Leave editor", show=False, id="query.leave_editor"),
    ]

    DEFAULT_CSS = """
    QueryScreen #query-editor { height: 8; border: tall $panel; }
    QueryScreen #query-editor:focus { border: tall $accent; }
    QueryScreen #query-bar { height: 1; color: $text-muted; background: $boost; padding: 0 1; }
    QueryScreen #query-error { height: auto; max-height: 6; color: $error; padding: 0 1;
                               display: none; }
    QueryScreen #query-error.shown { display: block; }
    QueryScreen ContentSwitcher { height: 1fr; }
    QueryScreen #query-status { height: 1; color: $text-muted; background: $boost;
                                padding: 0 1; }
    """

    def __init__(self, *, folder: Path | None = None, config_file: Path | None = None,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        """`folder` holds the history (tests pass a temporary one, and then the saved queries
        go to a `config.toml` there too, never to the user's config file)."""
        super().__init__()
        self.folder = folder or q.state_dir()
        self.timer = timer  # for "0.42 s": wall time (the session clock may be simulated)
        self.history = q.QueryHistory(self.folder / "query_history.jsonl")
        if config_file is None:
            config_file = (folder / "config.toml") if folder else config_path()
        self.saved = q.SavedQueries(config_file)
        self.vocabulary = q.VocabularyCache()
        self.period: str | None = q.DEFAULT_PERIOD
        self.from_: str | None = None
        self.to: str | None = None
        self.scope: q.Scope = "environment"
        self.outcome: q.QueryOutcome | None = None
        self.view: View = "table"
        self.running = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield self._editor(self.history.entries[-1].text if self.history.entries else STARTER)
        yield Static(id="query-bar")
        yield Static(id="query-error")
        with ContentSwitcher(initial="query-results"):
            yield ResultsTable(id="query-results")
            yield Chart(id="query-chart")
        yield Static(id="query-status")
        yield ConsoleFooter()

    @staticmethod
    def _editor(text: str) -> TextArea:
        editor = TextArea(text, id="query-editor", soft_wrap=False, show_line_numbers=True,
                          tab_behavior="focus")
        if "sql" in editor.available_languages:  # tree-sitter installed: highlight SQL
            editor.language = "sql"
        return editor

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    @property
    def session(self) -> Session:
        session = self.trigger_app.session
        assert session is not None
        return session

    @property
    def editor(self) -> TextArea:
        return self.query_one("#query-editor", TextArea)

    @property
    def results(self) -> ResultsTable:
        return self.query_one(ResultsTable)

    def on_mount(self) -> None:
        self._show_bar()
        self._show_status("")
        self.editor.focus()

    # ------------------------------------------------------------------ running
    def load_query(self, text: str, *, period: str | None = None, from_: str | None = None,
                   to: str | None = None, run: bool = False) -> None:
        """Put `text` in the editor (the runs pane's "open as query" calls this)."""
        self.editor.load_text(text)
        if period or from_ or to:
            self.period, self.from_, self.to = period, from_, to
        self._show_bar()
        if run:
            self.action_run()

    def request(self) -> q.QueryRequest:
        # Leading lines are kept: the server's line numbers must match the editor's.
        return q.QueryRequest(self.editor.text.rstrip(), self.period, self.from_, self.to,
                              self.scope)

    def action_leave_editor(self) -> None:
        self.query_one("#query-results", ResultsTable).focus()

    def action_run(self) -> None:
        req = self.request()
        if not req.text.strip():
            self.notify("Nothing to run: write a query first", severity="warning", timeout=3)
            return
        self.running = True
        self._show_status(f"Running… ({req.window_label()})")
        self.run_worker(self._execute(req), group="query", exclusive=True, exit_on_error=False)

    async def _execute(self, req: q.QueryRequest) -> None:
        outcome = await q.run_query(self.session.client, req, timer=self.timer)
        self.running = False
        self.show_outcome(outcome)
        try:
            self.history.add(outcome, at=self.trigger_app.now())
        except OSError as exc:
            self.notify(f"Could not write the query history: {exc}", severity="warning")

    def show_outcome(self, outcome: q.QueryOutcome) -> None:
        self.outcome = outcome
        self.query_one(ConsoleHeader).refresh()  # the API budget it shows just moved
        error = self.query_one("#query-error", Static)
        if not outcome.ok:
            error.update(self._error_text(outcome))
            error.add_class("shown")
            if outcome.position is not None:
                line, column = outcome.position
                self.editor.cursor_location = (max(0, line - 1), max(0, column - 1))
            self._show_status(f"Error from the server · {outcome.request.window_label()}")
            return
        error.remove_class("shown")
        self.results.set_result(outcome.columns, outcome.rows)
        self._apply_view()
        rows = len(outcome.rows)
        self._show_status(f"{count(rows, 'row')} · "
                          f"{outcome.elapsed_s:.2f} s · {outcome.request.window_label()}")

    def _error_text(self, outcome: q.QueryOutcome) -> Text:
        """The server's message as it said it, and the line it points at with a caret."""
        text = Text("✗ ")
        text.append(printable(outcome.error or "", multiline=True))
        if outcome.position is not None:
            line, column = outcome.position
            lines = outcome.request.text.split("\n")
            if 0 < line <= len(lines):
                prefix = f"{line} │ "
                text.append(f"\n{prefix}{printable(lines[line - 1])}")
                # a rule, not spaces: leading blanks of a line do not survive rendering
                text.append("\n" + "─" * (len(prefix) + column - 1) + "^")
        return text

    # ------------------------------------------------------------------ bars
    def _show_bar(self) -> None:
        window = q.QueryRequest("", self.period, self.from_, self.to).window_label()
        self.query_one("#query-bar", Static).update(Text(
            f"{window} (ctrl+t) · scope {self.scope} (ctrl+o) · run: ctrl+enter, ctrl+r or F5 · "
            "complete: ctrl+n · save: ctrl+s · dashboards: F10"))

    def _show_status(self, text: str) -> None:
        extra = ""
        if self.outcome is not None and self.outcome.ok and self.results.sort_column:
            order = "desc" if self.results.descending else "asc"
            extra = f" · sorted by {self.results.sort_column} {order}"
        self.query_one("#query-status", Static).update(Text(text + extra))

    # ------------------------------------------------------------------ pickers
    def _pick(self, title: str, items: Sequence[tuple[str, str]],
              then: Callable[[str], None], placeholder: str = "type to filter",
              haystacks: Sequence[str] | None = None) -> None:
        if not items:
            self.notify(f"{title}: nothing yet", timeout=3)
            return

        def done(value: str | None) -> None:
            if value is not None:
                then(value)

        self.app.push_screen(PickScreen(title, items, placeholder=placeholder,
                                        haystacks=haystacks), done)

    def action_history(self) -> None:
        entries = self.history.search()
        items = [(str(i), _one_line(e.text) + (f"   ✗ {e.error}" if e.error else
                                                f"   {e.rows:,} rows" if e.rows is not None
                                                else "")) for i, e in enumerate(entries)]
        self._pick("History (newest first)", items,
                   lambda i: self.load_query(entries[int(i)].text, period=entries[int(i)].period),
                   placeholder="search the history", haystacks=[e.text for e in entries])

    def action_stock(self) -> None:
        items = [(str(i), f"{s.name} — {_one_line(s.text)}")
                 for i, s in enumerate(q.STOCK_QUERIES)]
        self._pick("Stock queries", items, lambda i: self._load_named(q.STOCK_QUERIES[int(i)]))

    def action_saved(self) -> None:
        items = [(name, f"{name} — {_one_line(s.text)}") for name, s in self.saved.items.items()]
        self._pick("Saved queries", items, lambda n: self._load_named(self.saved.items[n]))

    def _load_named(self, named: q.NamedQuery) -> None:
        self.load_query(named.text, period=named.period)

    def action_save(self) -> None:
        def done(name: str | None) -> None:
            if not name or not name.strip():
                return
            try:
                self.saved.save(name, self.editor.text.strip(), self.period)
            except (OSError, ValueError) as exc:
                self.notify(f"Not saved: {exc}", severity="error")
                return
            self.notify(f"Saved as {name.strip()} ({self.saved.path})", timeout=4)

        self.app.push_screen(PromptScreen("save as", suggestions=list(self.saved.items),
                                          hint="a name · enter save · esc cancel"), done)

    def action_period(self) -> None:
        current = self.period or f"{self.from_ or ''}..{self.to or ''}"

        def done(text: str | None) -> None:
            if not text:
                return
            try:
                self.period, self.from_, self.to = q.parse_window(text)
            except ValueError as exc:
                self.notify(str(exc), severity="error", timeout=5)
                return
            self._show_bar()

        self.app.push_screen(PromptScreen("period", current, suggestions=q.PERIODS,
                                          hint="15m · 6h · 7d · FROM..TO (ISO)"), done)

    def action_scope(self) -> None:
        """Whose runs: the key's environment, its project, or the organization (the server
        refuses wider scopes for an environment-scoped key, in words shown as any error)."""
        order: tuple[q.Scope, ...] = ("environment", "project", "organization")
        self.scope = order[(order.index(self.scope) + 1) % len(order)]
        self._show_bar()

    def action_export(self) -> None:
        if self.outcome is None or not self.outcome.ok:
            self.notify("Nothing to export: run a query first", severity="warning", timeout=3)
            return
        outcome = self.outcome

        def done(text: str | None) -> None:
            if not text or not text.strip():
                return
            path = Path(text.strip())
            rows = self.results.rows  # in the order on screen
            try:
                fmt = q.export_to_file(path, outcome.columns, rows)
            except OSError as exc:
                self.notify(f"Export failed: {exc}", severity="error")
                return
            self.notify(f"Wrote {len(rows):,} rows to {path} as {fmt.upper()}", timeout=5)

        self.app.push_screen(PromptScreen("export to", "query-results.csv",
                                          hint=".csv or .json · enter write · esc cancel"),
                             done)

    # ------------------------------------------------------------------ chart
    def action_switch_view(self) -> None:
        """table → the chart the result reads best as → the other chart → table."""
        if self.outcome is None or not self.outcome.ok:
            return
        auto = choose(self.outcome.columns, self.outcome.rows)
        if auto is None:
            self.notify("This result has no label × number shape to chart", timeout=3)
            return
        other: ChartKind = "line" if auto.kind == "bar" else "bar"
        order: list[View] = ["table", auto.kind, other]
        self.view = order[(order.index(self.view) + 1) % len(order)]
        self._apply_view()

    def _apply_view(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        outcome = self.outcome
        if self.view == "table" or outcome is None:
            switcher.current = "query-results"
            return
        spec = choose(outcome.columns, outcome.rows, self.view)
        self.query_one(Chart).show(outcome.rows, spec)
        switcher.current = "query-chart"

    # ------------------------------------------------------------------ results
    def on_results_table_open_run(self, message: ResultsTable.OpenRun) -> None:
        message.stop()
        self.trigger_app.open_run(message.run_id)

    # ------------------------------------------------------------------ completion
    @work(group="complete", exclusive=True, exit_on_error=False)
    async def action_complete(self) -> None:
        editor = self.editor
        line, column = editor.cursor_location
        prefix, quoted = q.word_before(editor.text, line, column)
        vocabulary = await self.vocabulary.get(self.session.client)
        words = vocabulary.candidates(prefix, quoted=quoted)
        if not words:
            self.notify(f"No completion for {prefix!r}", timeout=2)
            return
        if len(words) == 1:
            self._insert_completion(prefix, words[0])
            return
        self._pick("Complete", [(w, w) for w in words[:200]],
                   lambda w: self._insert_completion(prefix, w))

    def _insert_completion(self, prefix: str, word: str) -> None:
        editor = self.editor
        line, column = editor.cursor_location
        editor.replace(word, (line, column - len(prefix)), (line, column))
        editor.focus()

    # ------------------------------------------------------------------ dashboards
    @work(group="dashboards", exclusive=True, exit_on_error=False)
    async def action_dashboards(self) -> None:
        try:
            dashboards = await self.session.client.query.dashboards()
        except TriggerError as exc:
            self.notify(f"Dashboards: {exc}", severity="error")
            return
        by_key = {d.key: d for d in dashboards}

        def show(key: str) -> None:
            self.app.push_screen(DashboardScreen(by_key[key], self.period))

        self._pick("Dashboards", [(d.key, f"{d.title or d.key} ({d.key}, {len(d.widgets)} "
                                          "widgets)") for d in dashboards], show)


async def open_in_console(app: TriggerApp, text: str, *, period: str | None = None,
                          from_: datetime | str | None = None,
                          to: datetime | str | None = None,
                          mode: str = "query") -> QueryScreen | None:
    """"Open as query": show the console pane with `text` in the editor (not run yet, so the
    operator can edit it first). Returns the console, or None if the pane is not there."""
    await app.switch_mode(mode)
    screen = app.screen
    if not isinstance(screen, QueryScreen):
        return None
    screen.load_query(text, period=period, from_=_iso(from_), to=_iso(to))
    return screen


def _iso(when: datetime | str | None) -> str | None:
    return when.isoformat() if isinstance(when, datetime) else when


def _one_line(text: str) -> str:
    return printable(" ".join(text.split()))


class DashboardScreen(Screen[None]):
    """A server dashboard: bignumber tiles, charts and tables, each from its widget query."""

    HELP_SCOPE = "Dashboard"
    REFRESH_S: ClassVar[float] = 30.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r,f5", "reload", "Refresh", id="dashboard.refresh"),
        Binding("escape", "close", "Back", id="dashboard.back"),
    ]

    # Charts and tables take half the scrolling area each (8 to 14 rows), so an 80x24 terminal
    # shows two tiles with rows in them, not one chart and the next tile's header; on a short
    # terminal the big numbers lose their blank lines to make the room.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (33, "-tall")]
    DEFAULT_CSS = """
    DashboardScreen #dash-title { height: 1; background: $boost; padding: 0 1;
                                  text-style: bold; }
    DashboardScreen DashboardGrid VerticalScroll > .tile { height: 50%; min-height: 8;
                                                           max-height: 14; }
    DashboardScreen.-short DashboardGrid .dash-numbers { height: 3; }
    DashboardScreen.-short DashboardGrid .bignumber { height: 3; }
    """

    def __init__(self, dashboard: Dashboard, period: str | None) -> None:
        super().__init__()
        self.dashboard = dashboard
        self.period = period

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield Static(Text(f"{self.dashboard.title or self.dashboard.key} · last "
                          f"{self.period or '7d'} · refreshed every {self.REFRESH_S:.0f} s"),
                     id="dash-title")
        yield DashboardGrid(self.dashboard, self.period, timer=self.trigger_app.now)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(self.REFRESH_S, self.action_reload)

    def action_reload(self) -> None:
        self.run_worker(self._reload(), group="dashboard", exclusive=True, exit_on_error=False)

    async def _reload(self) -> None:
        session = self.trigger_app.session
        if session is None:
            return
        await self.query_one(DashboardGrid).reload(session.client)
        self.query_one(ConsoleHeader).refresh()

    def action_close(self) -> None:
        self.dismiss(None)
