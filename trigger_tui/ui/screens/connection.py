"""`!`: the connection in detail — each poller's health and last error, the API budget.

The header only says fresh / stale / failing; when it says failing, this is where the operator
reads why (the last error, as the API worded it), how long ago things last worked, and when the
next attempt is due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from trigger_tui.keys import mask
from trigger_tui.ui import format as fmt

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp


class ConnectionScreen(ModalScreen[None]):
    HELP_SCOPE = "Connection"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,exclamation_mark,q", "dismiss", "Close", id="connection.close"),
    ]

    DEFAULT_CSS = """
    ConnectionScreen { align: center middle; }
    ConnectionScreen > VerticalScroll {
        width: 100; max-width: 96%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 1 2;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._summary())
            yield Static(self._pollers())

    def on_mount(self) -> None:
        self.set_interval(1.0, self._refresh)

    def _refresh(self) -> None:
        summary, pollers = self.query(Static)
        summary.update(self._summary())
        pollers.update(self._pollers())

    def _summary(self) -> Table:
        app = cast("TriggerApp", self.app)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        label = app.label
        table.add_row("Environment", label.environment + (f" ({label.branch})"
                                                           if label.branch else ""))
        if label.profile or label.demo:
            table.add_row("Profile", label.profile or "demo (built-in emulator)")
        if label.project:
            table.add_row("Project", label.project)
        table.add_row("Read-only", "yes: nothing that changes data is sent" if app.read_only
                      else "no")
        session = app.session
        if session is not None:
            client = session.client
            table.add_row("API", client.options.base_url)
            table.add_row("Key", mask(client.options.key))
            rl = client.rate_limit
            if rl.limit:
                reset = (f", refills in {fmt.span(max(0.0, rl.reset_at - app.now()))}"
                         if rl.reset_at else "")
                table.add_row("Rate limit", f"{rl.remaining}/{rl.limit} left{reset}")
            stats = client.stats
            last = f"HTTP {stats.last_status}" if stats.last_status else "—"
            table.add_row("Requests", f"{stats.requests:,} sent, {stats.retries:,} retried, "
                          f"last {last}")
            if stats.last_error:
                table.add_row("Last API error", Text(stats.last_error))
        return table

    def _pollers(self) -> Table:
        app = cast("TriggerApp", self.app)
        table = Table(title="Pollers", title_justify="left", expand=True, show_edge=False)
        for name in ("Poller", "State", "Last success", "Latency", "Next", "Last error"):
            table.add_column(name, no_wrap=name != "Last error")
        if app.session is None:
            return table
        now = app.now()
        for h in sorted(app.session.store.health.values(), key=lambda h: h.name):
            state = "paused" if h.paused else h.state(now)
            table.add_row(
                h.name, state,
                fmt.ago(h.last_success, now) if h.last_success is not None else "never",
                f"{h.latency_s * 1000:.0f} ms" if h.latency_s is not None else "—",
                f"in {fmt.span(max(0.0, h.next_at - now))}" if h.next_at is not None else "—",
                Text(h.last_error or "—"),
            )
        return table
