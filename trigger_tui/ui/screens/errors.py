"""The errors pane: failure groups, and the switches of their lifecycle.

One row per error group of the last day (count within the day, last seen, task, the error),
unresolved first, busiest first. `enter` lists the group's runs (the REST runs list filtered by
the group: the TRQL runs pane has no such filter); `o` opens its newest run (the sample);
`R` resolves, `I` ignores for a chosen time and `U` unresolves, each after a confirmation that
names the group and the environment. A server without the errors API gets a message, not an
error screen.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from trigger_tui.humanize import count
from trigger_tui.state.errors import (
    IGNORE_CHOICES,
    KIND,
    ErrorActions,
    ErrorsPoller,
    group_runs,
    headless_command,
    unsupported,
)
from trigger_tui.ui import format as fmt
from trigger_tui.ui.screens.batches import RunListScreen
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from trigger_tui.state.session import Session

COLUMNS = (("status", "STATUS"), ("count", "COUNT"), ("last", "LAST SEEN"), ("task", "TASK"),
           ("error", "ERROR"))
STATUS_ORDER = {"unresolved": 0, "ignored": 1, "resolved": 2}
STATUS_SYMBOL = {"unresolved": "✗", "ignored": "◌", "resolved": "✓"}
MAX_MESSAGE = 120
FIXED_WIDTH = 62  # the other columns and the gaps: the error text takes what is left


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def sort_key(group: Any) -> tuple[int, int, float, str]:
    return (STATUS_ORDER.get(group.status, 3), -int(group.count),
            -(_ts(group.last_seen) or 0.0), str(group.id))


class ErrorsScreen(TablePane):
    HELP_SCOPE = "Errors"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "group_runs", "Runs", id="errors.runs"),
        Binding("o", "sample_run", "Sample run", id="errors.sample"),
        Binding("R", "resolve", "Resolve", id="errors.resolve"),
        Binding("I", "ignore", "Ignore", id="errors.ignore"),
        Binding("U", "unresolve", "Unresolve", id="errors.unresolve"),
    ]

    DEFAULT_CSS = """
    ErrorsScreen DataTable { height: 1fr; }
    ErrorsScreen #errors-message { height: auto; padding: 1 2; color: $warning; display: none; }
    ErrorsScreen #errors-detail { height: auto; max-height: 5; padding: 0 1;
                                  background: $panel; }
    ErrorsScreen #errors-status { height: 1; color: $text-muted; background: $boost;
                                  padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield Static(id="errors-message")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static(id="errors-detail")
        yield Static(id="errors-status")
        yield ConsoleFooter()

    @property
    def session(self) -> Session:
        session = self.trigger_app.session
        assert session is not None
        return session

    def on_mount(self) -> None:
        session = self.session
        session.ensure_poller(KIND, ErrorsPoller)
        self.actions = ErrorActions(session.client, session.store, clock=session.clock)
        self._unsubscribe = [session.store.subscribe(KIND, self._on_change),
                             session.store.subscribe("unsupported", self._on_change)]
        self.sync()
        self.table.focus()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_change(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync)

    def on_resize(self) -> None:
        self.sync()

    def sync(self) -> None:
        """Groups are few: rebuild the rows in order, keeping the cursor on its group."""
        store = self.session.store
        message = unsupported(store)
        banner = self.query_one("#errors-message", Static)
        banner.display = message is not None
        if message is not None:
            banner.update(Text(f"Errors: {message}"))
        groups = sorted(store.collection(KIND).values(), key=sort_key)
        table = self.table
        current = self._current()
        now = self.trigger_app.now()
        width = max(20, min(MAX_MESSAGE, self.size.width - FIXED_WIDTH))
        with self.app.batch_update():
            table.clear()
            for g in groups:
                table.add_row(*self._cells(g, now, width), key=g.id)
            if current is not None and current.id in table.rows:
                table.move_cursor(row=table.get_row_index(current.id))
        self.show_detail()
        open_ = sum(1 for g in groups if g.status == "unresolved")
        total = sum(int(g.count) for g in groups if g.status == "unresolved")
        self.query_one("#errors-status", Static).update(Text(
            f"{count(len(groups), 'error group')} (last 24h) · "
            f"{open_} unresolved · "
            f"{count(total, 'unresolved occurrence')}"))

    @staticmethod
    def _cells(g: Any, now: float, width: int) -> tuple[Any, ...]:
        symbol = STATUS_SYMBOL.get(g.status, "?")
        text = f"{g.error_type}: {g.error_message}" if g.error_type else g.error_message
        return (Text(f"{symbol} {g.status}"), str(g.count), fmt.ago(_ts(g.last_seen), now),
                Text(fmt.printable(g.task_identifier)),
                Text(fmt.clip(fmt.printable(text.replace("\n", " ")), width)))

    def _current(self) -> Any:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.session.store.collection(KIND).get(key or "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The whole error of the group under the cursor (the table clips it)."""
        g = self._current()
        detail = self.query_one("#errors-detail", Static)
        detail.display = g is not None
        if g is None:
            return
        now = self.trigger_app.now()
        detail.update(Text(
            f"{g.id} · {fmt.printable(g.task_identifier)} · first seen "
            f"{fmt.ago(_ts(g.first_seen), now)} · last seen {fmt.ago(_ts(g.last_seen), now)}\n"
            + fmt.printable(f"{g.error_type}: {g.error_message}", multiline=True)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("resolve", "ignore", "unresolve") and self.trigger_app.read_only:
            return None
        return True

    # ------------------------------------------------------------------ navigation
    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_group_runs()

    def action_group_runs(self) -> None:
        group = self._current()
        if group is None:
            return
        client = self.session.client

        async def load() -> list[Any]:
            return await group_runs(client, group.id)

        title = f"Runs of error {group.id} ({fmt.printable(group.task_identifier)})"
        self.app.push_screen(RunListScreen(title, load, hint=(
            "the runs pane cannot filter by error group; outside the console: "
            + headless_command(group.id))))

    @work(exclusive=True, group="errors-sample")
    async def action_sample_run(self) -> None:
        group = self._current()
        if group is None:
            return
        try:
            runs = await group_runs(self.session.client, group.id, limit=1)
        except Exception as exc:  # a read: say what went wrong, keep the pane
            self.notify(f"runs of {group.id}: {exc}", severity="error")
            return
        if not runs:
            self.notify(f"No run of {group.id} in the last 7 days", severity="warning")
            return
        self.trigger_app.open_run(runs[0].id)

    # ------------------------------------------------------------------ lifecycle
    def _env(self) -> str:
        return self.trigger_app.label.environment.upper()

    def _describe(self, group: Any) -> str:
        return (f"{group.id} · {fmt.printable(group.task_identifier)}\n"
                + fmt.printable(f"{group.error_type}: {fmt.clip(group.error_message, 200)}")
                + f"\n({group.count:,} in the last 24h)")

    @work(exclusive=True, group="errors-action")
    async def action_resolve(self) -> None:
        group = self._current()
        if group is None:
            return
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Resolve an error in {self._env()}",
                f"Mark as resolved in {self._env()}?\n\n{self._describe(group)}\n\n"
                "It comes back as unresolved if it happens again.", confirm_label="Resolve")):
            return
        self._report(await self.actions.resolve(group.id))

    @work(exclusive=True, group="errors-action")
    async def action_ignore(self) -> None:
        group = self._current()
        if group is None:
            return
        labels = [label for label, _ in IGNORE_CHOICES]
        answer = await self.app.push_screen_wait(PromptScreen(
            "ignore for", labels[0], suggestions=labels,
            placeholder=" · ".join(labels), hint="tab completes · enter ok · esc cancel"))
        if answer is None:
            return
        choice = next((c for c in IGNORE_CHOICES if c[0] == answer.strip().lower()), None)
        if choice is None:
            self.notify(f"Ignore for {answer.strip()!r}? Choose one of: {', '.join(labels)}",
                        severity="warning")
            return
        label, duration_ms = choice
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Ignore an error in {self._env()}",
                f"Ignore for {label} in {self._env()}?\n\n{self._describe(group)}",
                confirm_label="Ignore")):
            return
        self._report(await self.actions.ignore(group.id, duration_ms))

    @work(exclusive=True, group="errors-action")
    async def action_unresolve(self) -> None:
        group = self._current()
        if group is None:
            return
        if group.status == "unresolved":
            self.notify(f"{group.id} is already unresolved", severity="warning")
            return
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Unresolve an error in {self._env()}",
                f"Mark as unresolved again in {self._env()}? It was {group.status}.\n\n"
                f"{self._describe(group)}", danger=True, confirm_label="Unresolve")):
            return
        self._report(await self.actions.unresolve(group.id))

    def _report(self, result: Any) -> None:
        self.notify(result.message, severity="information" if result.ok else "error")
