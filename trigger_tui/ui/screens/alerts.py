"""`A`: alert rules firing now, what fired recently (since / cleared), and what is watched.

The header's badge says how many rules fire; this says which, since when, and the figure that
made them fire. Watches are listed with the cursor on them so one key (`x`) stops one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from trigger_tui.ui import format as fmt
from trigger_tui.ui import themes
from trigger_tui.ui.keymap import list_bindings

if TYPE_CHECKING:
    from trigger_tui.state.alerts import Alert
    from trigger_tui.ui.app import TriggerApp

MAX_SHOWN = 30


class AlertsScreen(ModalScreen[None]):
    HELP_SCOPE = "Alerts"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,A,q", "dismiss", "Close", id="alerts.close"),
        Binding("x", "unwatch", "Stop watching", id="alerts.unwatch"),
        *list_bindings("cursor('down')", "cursor('up')", "cursor('top')", "cursor('bottom')",
                       priority_ends=True),
    ]

    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical {
        width: 110; max-width: 98%; height: 90%;
        border: round $error; background: $surface; padding: 0 1;
    }
    AlertsScreen VerticalScroll { height: 1fr; }
    AlertsScreen #watches { height: auto; max-height: 8; }
    AlertsScreen .section { text-style: bold; color: $accent; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(id="alerts")
            yield Static("Watching  (x stops the one under the cursor)", classes="section")
            table: DataTable[Text | str] = DataTable(id="watches", cursor_type="row")
            table.add_columns("watching", "since", "tells you when")
            yield table

    def on_mount(self) -> None:
        app = cast("TriggerApp", self.app)
        if app.session is not None:
            store = app.session.store
            self._unsub = [store.subscribe("alerts", lambda _: self._render_all()),
                           store.subscribe("watches", lambda _: self._render_all())]
        self._render_all()
        self.set_interval(1.0, self._render_alerts)

    def on_unmount(self) -> None:
        for unsubscribe in getattr(self, "_unsub", []):
            unsubscribe()

    def _render_all(self) -> None:
        self._render_alerts()
        self._render_watches()

    def _render_alerts(self) -> None:
        app = cast("TriggerApp", self.app)
        alerts = app.session.alerts if app.session is not None else None
        now = app.now()
        if alerts is None:
            body: Text | Table = Text("No alert rules: add [[alerts]] tables to the config file "
                                      "(docs/wall.md), or watch a run, task or queue with w.")
        else:
            records = alerts.records()[:MAX_SHOWN]
            body = _table(records, now, [r.describe() for r in alerts.rules],
                          themes.tone(app, "error", bold=True), themes.tone(app, "success"))
        self.query_one("#alerts", Static).update(body)

    def _render_watches(self) -> None:
        app = cast("TriggerApp", self.app)
        table = cast("DataTable[Text | str]", self.query_one("#watches", DataTable))
        table.clear()
        if app.session is None or app.session.alerts is None:
            return
        now = app.now()
        for watch in app.session.alerts.watches():
            when = {"run": "it ends", "task": "it fails",
                    "queue": f"its oldest wait passes {fmt.span(watch.threshold_s)}"}
            table.add_row(Text(fmt.printable(watch.label)), f"{fmt.span(now - watch.since)} ago",
                          when.get(watch.kind, ""), key=watch.key)

    def action_cursor(self, direction: str) -> None:
        table = self.query_one("#watches", DataTable)
        if direction == "down":
            table.action_cursor_down()
        elif direction == "up":
            table.action_cursor_up()
        elif direction == "top":
            table.action_scroll_top()
        else:
            table.action_scroll_bottom()

    def action_unwatch(self) -> None:
        app = cast("TriggerApp", self.app)
        table = cast("DataTable[Text | str]", self.query_one("#watches", DataTable))
        if app.session is None or table.row_count == 0:
            self.app.bell()
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            app.session.unwatch(key)
            app.notify(f"No longer watching {key.partition(':')[2]}", timeout=3)


def _table(records: list[Alert], now: float, rules: list[str], firing_style: str,
           cleared_style: str) -> Table:
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
    table.add_column("", width=2, no_wrap=True)
    table.add_column("alert", no_wrap=True, max_width=24)
    table.add_column("since", no_wrap=True)
    table.add_column("cleared", no_wrap=True)
    table.add_column("what", ratio=1)
    firing = [r for r in records if r.firing]
    rest = [r for r in records if not r.firing]
    for record in firing + rest:
        mark = Text("⚠", firing_style) if record.firing else Text("✓", cleared_style)
        cleared = "firing" if record.firing else f"{fmt.span(now - (record.cleared or now))} ago"
        table.add_row(mark, Text(fmt.printable(record.rule)),
                      f"{fmt.span(now - record.since)} ago",
                      Text(cleared, style=firing_style if record.firing else ""),
                      Text(fmt.printable(record.message, multiline=True)))
    if not records:
        table.add_row("", Text("nothing has fired"), "", "", Text(
            "rules: " + ("; ".join(rules) if rules else "none for this environment")))
    return table
