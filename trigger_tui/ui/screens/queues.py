"""The queues pane: who is waiting on what, and the switch to pause a queue.

Queues are few (one per task plus custom ones), so a stock DataTable serves, diff-updated by
queue id from the Store's `queues` notifications. Saturated queues (running at their limit)
and paused ones are marked with a symbol and a color. `enter` shows the queue's runs in the runs
pane; `P` pauses or resumes it, `o` overrides its concurrency limit and `O` resets it, each
after a confirmation naming the queue and the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from trigger_tui.humanize import count, duration
from trigger_tui.state.actions import MAX_QUEUE_LIMIT
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.queues import (
    STUCK_AFTER_S,
    is_stuck,
    limit_of,
    oldest_wait_s,
    runs_name,
    why_waiting,
)
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    pass

# What a stuck queue shows first (queued, oldest wait) comes before the load figures, so an
# 80-column terminal cuts the least telling columns.
COLUMNS = (("state", "STATE"), ("name", "QUEUE"), ("queued", "QUEUED"), ("wait", "OLDEST WAIT"),
           ("running", "RUNNING"), ("limit", "LIMIT"), ("load", "LOAD"), ("type", "TYPE"))
BAR_CELLS = 10


def load_bar(running: int, limit: int | None) -> Text:
    """How full the queue is: a bar of running / limit (no limit: the environment's)."""
    if not limit:
        return Text("·" * BAR_CELLS, style="dim")
    filled = min(BAR_CELLS, round(BAR_CELLS * running / limit))
    return Text("█" * filled + "·" * (BAR_CELLS - filled))


def state_of(queue: Any, stuck: bool = False) -> Text:
    limit = limit_of(queue)
    if queue.paused:
        return Text("⏸ paused", style="bold")
    if stuck:
        return Text("⊠ stuck", style="bold")
    if limit is not None and queue.running >= limit and queue.queued:
        return Text("● full")
    if queue.queued:
        return Text("◌ waiting")
    return Text("✓ ok")


class QueuesScreen(TablePane):
    HELP_SCOPE = "Queues"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show_runs", "Runs in queue", id="queues.runs"),
        Binding("P", "pause_queue", "Pause/resume", id="queues.pause"),
        Binding("o", "override", "Override limit", id="queues.override"),
        Binding("O", "reset_limit", "Reset limit", show=False, id="queues.reset"),
        Binding("y", "why", "Why waiting?", id="queues.why"),
        Binding("w", "watch", "Watch queue", id="queues.watch"),
    ]

    DEFAULT_CSS = """
    QueuesScreen DataTable { height: 1fr; }
    QueuesScreen #queues-status { height: 1; color: $text-muted; background: $boost;
                                  padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        app = self.trigger_app
        yield ConsoleHeader(app.header_info)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key, width=9 if key == "state" else None)
        yield table
        yield Static(id="queues-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        self._unsubscribe = session.store.subscribe("queues", self._on_queues)
        self._unsubscribe_waits = session.store.subscribe(
            "queue_waits",
            lambda _: self._on_queues(frozenset(session.store.collection("queues").items)))
        self.sync(frozenset(session.store.collection("queues").items))
        self.table.focus()
        self.set_interval(1.0, self._age)  # oldest-wait ages move between polls

    def _age(self) -> None:
        session = self.trigger_app.session
        if session is None:
            return
        queues = session.store.collection("queues").items
        waiting = frozenset(qid for qid, q in queues.items() if q.queued)
        if waiting:
            self.sync(waiting)

    def on_unmount(self) -> None:
        self._unsubscribe()
        self._unsubscribe_waits()

    def _on_queues(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync, changed)

    def sync(self, changed: frozenset[str]) -> None:
        """Diff-update by queue id: changed cells, new rows, gone rows; busiest first."""
        session = self.trigger_app.session
        assert session is not None
        queues = session.store.collection("queues").items
        table = self.table
        with self.app.batch_update():
            for qid in changed:
                queue = queues.get(qid)
                present = qid in table.rows
                if queue is None:
                    if present:
                        table.remove_row(qid)
                    continue
                cells = self._cells(queue)
                if not present:
                    table.add_row(*cells, key=qid)
                    continue
                for (key, _), value in zip(COLUMNS, cells, strict=True):
                    table.update_cell(qid, key, value)
            if changed:
                table.sort("queued", "running", "name",
                           key=lambda v: (-_num(v[0]), -_num(v[1]), str(v[2])))
        paused = sum(1 for q in queues.values() if q.paused)
        waiting = sum(q.queued for q in queues.values())
        self.query_one("#queues-status", Static).update(Text(
            f"{count(len(queues), 'queue')} · "
            f"{count(waiting, 'run')} waiting · {paused} paused"))

    def _cells(self, queue: Any) -> tuple[Any, ...]:
        limit = limit_of(queue)
        shown = "env" if limit is None else str(limit)  # no limit of its own: the environment's
        c = queue.concurrency
        if c is not None and c.override is not None:
            shown += f" (base {'—' if c.base is None else c.base})"
        session = self.trigger_app.session
        now = session.clock() if session is not None else 0.0
        stuck = session is not None and is_stuck(session.store, queue, now)
        wait = oldest_wait_s(session.store, queue, now) if session is not None else None
        waited = "—" if wait is None or not queue.queued else duration(wait * 1000)
        return (state_of(queue, stuck), runs_name(queue), str(queue.queued), waited,
                str(queue.running), shown, load_bar(queue.running, limit), queue.type)

    def select_queue(self, name: str) -> bool:
        """Put the cursor on the queue named `name` (either spelling)."""
        session = self.trigger_app.session
        assert session is not None
        for qid, queue in session.store.collection("queues").items.items():
            if name in (queue.name, runs_name(queue)) and qid in self.table.rows:
                self.table.move_cursor(row=self.table.get_row_index(qid))
                return True
        return False

    def _current(self) -> Any:
        session = self.trigger_app.session
        if session is None or not self.table.row_count:
            return None
        key = self.table.coordinate_to_cell_key(self.table.cursor_coordinate).row_key.value
        return session.store.collection("queues").get(key or "")

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_show_runs()

    async def action_show_runs(self) -> None:
        queue = self._current()
        if queue is None:
            return
        await self.trigger_app.show_runs(RunFilter(queue=runs_name(queue)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("pause_queue", "override", "reset_limit") and self.trigger_app.read_only:
            return None
        return True

    def action_watch(self) -> None:
        """w: be told when this queue's oldest run has waited longer than 5 minutes."""
        queue = self._current()
        if queue is None:
            self.notify("No queue under the cursor", severity="warning", timeout=2)
            return
        name = runs_name(queue)
        self.trigger_app.toggle_watch(f"queue:{name}", f"queue {name}", threshold_s=STUCK_AFTER_S)

    async def action_why(self) -> None:
        """"Why isn't it running?", answered from the data the console holds."""
        queue = self._current()
        session = self.trigger_app.session
        if queue is None or session is None:
            return
        tones = {"bad": "✗", "warn": "!", "ok": "✓"}
        lines = [f"{tones[grade]} {text}" for grade, text in
                 why_waiting(session.store, queue, session.clock())]
        await self.app.push_screen(ConfirmScreen(
            f"Why isn't {runs_name(queue)} running?", "\n\n".join(lines), danger=False,
            confirm_label="OK", cancel_label="Close"))

    @work(exclusive=True, group="queue-action")
    async def action_override(self) -> None:
        """Ask for a number, check it, confirm naming the queue and environment, then send."""
        queue = self._current()
        session = self.trigger_app.session
        if queue is None or session is None:
            return
        current = limit_of(queue)
        text = await self.app.push_screen_wait(PromptScreen(
            f"New concurrency limit for {runs_name(queue)}",
            "" if current is None else str(current),
            hint="a whole number from 0 (stops the queue) · enter ok · esc cancel"))
        if text is None:
            return
        try:
            limit = int(text.strip())
        except ValueError:
            self.notify(f"{text.strip()!r} is not a whole number: nothing was sent",
                        severity="error")
            return
        if not 0 <= limit <= MAX_QUEUE_LIMIT:
            self.notify(f"The limit must be between 0 and {MAX_QUEUE_LIMIT:,}: nothing was sent",
                        severity="error")
            return
        env = self.trigger_app.label.environment.upper()
        was = "no limit of its own" if current is None else f"now {current}"
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Override a queue's limit in {env}",
                f"Set the concurrency limit of queue {runs_name(queue)} in {env} to {limit} "
                f"({was})?", danger=limit < (current or limit + 1), confirm_label="Override")):
            return
        result = await session.actions.override_queue(queue.id, limit)
        self.notify(result.message, severity="information" if result.ok else "error")

    @work(exclusive=True, group="queue-action")
    async def action_reset_limit(self) -> None:
        queue = self._current()
        session = self.trigger_app.session
        if queue is None or session is None:
            return
        if queue.concurrency is None or queue.concurrency.override is None:
            self.notify(f"Queue {runs_name(queue)} has no override to reset", timeout=3)
            return
        env = self.trigger_app.label.environment.upper()
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Reset a queue's limit in {env}",
                f"Put queue {runs_name(queue)} in {env} back to its base limit?",
                danger=False, confirm_label="Reset")):
            return
        result = await session.actions.override_queue(queue.id, None)
        self.notify(result.message, severity="information" if result.ok else "error")

    @work(exclusive=True, group="queue-action")
    async def action_pause_queue(self) -> None:
        queue = self._current()
        session = self.trigger_app.session
        if queue is None or session is None:
            return
        verb = "Resume" if queue.paused else "Pause"
        env = self.trigger_app.label.environment.upper()
        body = (f"{verb} queue {runs_name(queue)} in {env}?\n\n"
                + ("Its waiting runs start again, up to its concurrency limit."
                   if queue.paused else
                   f"No new run starts from it ({queue.queued:,} waiting, {queue.running:,} "
                   "running now; running ones finish)."))
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"{verb} a queue in {env}", body, danger=not queue.paused,
                confirm_label=verb)):
            return
        call = session.actions.resume_queue if queue.paused else session.actions.pause_queue
        result = await call(queue.id)
        self.notify(result.message, severity="information" if result.ok else "error")


def _num(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
