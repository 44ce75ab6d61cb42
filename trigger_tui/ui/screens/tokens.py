"""The waitpoint tokens pane: what runs are blocked on, and the way to unblock them.

`f` cycles the status filter (all, waiting, completed, timed out), `t` filters by tags, `n`
creates a token, `c` completes the one under the cursor with a JSON payload checked before
anything is sent, `y` copies its callback URL. The API does not say which runs wait on a token,
so there is no "waiting runs" column rather than a guessed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static, TextArea

from trigger_tui.humanize import count
from trigger_tui.state.envvars import SUPPORT
from trigger_tui.state.last_view import TokensView
from trigger_tui.state.tokens import (
    KIND,
    STATUS_CYCLE,
    TokenActions,
    TokensPoller,
    parse_payload,
    parse_tags,
)
from trigger_tui.ui.format import ago, span
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from trigger_tui.state.session import Session

# What triage reads first comes first, so an 80-column terminal shows it whole: the status, how
# long the token has waited, when it times out, and its tags (what the wait is for: "refund:…").
# The id, long and opaque, goes last: `c` and `y` act on the row, and the dialogs name the id.
COLUMNS = (("status", "STATUS"), ("age", "AGE"), ("timeout", "TIMEOUT"), ("tags", "TAGS"),
           ("id", "TOKEN"))
TAGS_CELLS = 32  # longer tag lists end in "…" rather than push the id off the screen
LOOK = {"WAITING": "◌ waiting", "COMPLETED": "✓ completed", "TIMED_OUT": "⏱ timed out"}
UNSUPPORTED = "Waitpoint tokens: not supported by this server."
NO_WAITERS = "which runs wait on a token is not in the API"
AGE_TICK_S = 5.0  # ages and timeouts move on even when no token changes


def timeout_text(token: Any, now: float) -> str:
    """When a waiting token times out (in), or when it did; "—" without a timeout."""
    if token.timeout_at is None:
        return "—"
    at = token.timeout_at.timestamp()
    if token.status == "WAITING":
        return f"in {span(at - now)}" if at > now else "due"
    return ago(at, now) if token.status == "TIMED_OUT" else "—"


def tags_text(tags: Iterable[str]) -> Text:
    text = Text(", ".join(tags))
    text.truncate(TAGS_CELLS, overflow="ellipsis")
    return text


class TokensScreen(TablePane):
    HELP_SCOPE = "Waitpoint tokens"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle_status", "Status filter", id="tokens.status"),
        Binding("t", "tags", "Tags filter", id="tokens.tags"),
        Binding("n", "create", "New token", id="tokens.create"),
        Binding("c", "complete", "Complete", id="tokens.complete"),
        Binding("y", "copy_url", "Copy URL", id="tokens.copy_url"),
    ]

    DEFAULT_CSS = """
    TokensScreen DataTable { height: 1fr; }
    TokensScreen #tokens-message { height: auto; padding: 1 2; color: $warning; }
    TokensScreen #tokens-message.-hidden { display: none; }
    TokensScreen #tokens-status { height: 1; color: $text-muted; background: $boost;
                                  padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield Static(id="tokens-message", classes="-hidden")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static(id="tokens-status")
        yield ConsoleFooter()

    @property
    def session(self) -> Session:
        session = self.trigger_app.session
        assert session is not None
        return session

    @property
    def poller(self) -> TokensPoller:
        poller = self.session.ensure_poller("tokens", TokensPoller)
        assert isinstance(poller, TokensPoller)
        return poller

    def on_mount(self) -> None:
        store = self.session.store
        self._unsubscribe = [store.subscribe(KIND, self._changed),
                             store.subscribe(SUPPORT, self._changed)]
        remembered = self.trigger_app.view.tokens
        if "tokens" not in self.session.pollers and remembered != TokensView():
            # First shown this launch: the last launch's filter, before the first poll.
            self.poller.set_filter(remembered.status, remembered.tags)
        _ = self.poller
        self.sync()
        self.table.focus()
        self.set_interval(AGE_TICK_S, self.tick)

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _changed(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync)

    def sync(self) -> None:
        """Rebuild (at most a few hundred tokens), newest first, keeping the cursor's token."""
        unsupported = bool(self.session.store.collection(SUPPORT).get("tokens"))
        note = self.query_one("#tokens-message", Static)
        note.update(Text(UNSUPPORTED if unsupported else ""))
        note.set_class(not unsupported, "-hidden")
        tokens = sorted(self.session.store.collection(KIND).values(),
                        key=lambda t: (t.created_at, t.id), reverse=True)
        now = self.trigger_app.now()
        table = self.table
        current = self._current_id()
        with self.app.batch_update():
            table.clear()
            for token in tokens:
                cells = {"status": Text(LOOK.get(token.status, token.status)),
                         "age": Text(ago(token.created_at.timestamp(), now)),
                         "timeout": Text(timeout_text(token, now)),
                         "tags": tags_text(token.tags), "id": Text(token.id)}
                table.add_row(*(cells[key] for key, _ in COLUMNS), key=token.id)
            if current is not None and current in table.rows:
                table.move_cursor(row=table.get_row_index(current))
        poller = self.poller
        shown = (poller.status or "all").lower().replace("_", " ")
        tags = f" · tags {', '.join(poller.tags)}" if poller.tags else ""
        waiting = sum(1 for t in tokens if t.status == "WAITING")
        self.query_one("#tokens-status", Static).update(Text(
            f"{count(len(tokens), 'token')} ({shown}{tags}) · "
            f"{waiting} waiting · {NO_WAITERS}"))

    def tick(self) -> None:
        """Refresh the time columns in place (no rebuild: the cursor and scroll stay)."""
        if not self.is_current:
            return
        now = self.trigger_app.now()
        items = self.session.store.collection(KIND).items
        with self.app.batch_update():
            for key in list(self.table.rows):
                token = items.get(key.value or "")
                if token is not None:
                    self.table.update_cell(key, "age", Text(ago(token.created_at.timestamp(),
                                                                now)))
                    self.table.update_cell(key, "timeout", Text(timeout_text(token, now)))

    def _current_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def _current(self) -> Any:
        token_id = self._current_id()
        return None if token_id is None else self.session.store.collection(KIND).get(token_id)

    # ------------------------------------------------------------------ keys
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create", "complete") and self.trigger_app.read_only:
            return None
        return True

    def action_cycle_status(self) -> None:
        poller = self.poller
        i = STATUS_CYCLE.index(poller.status)
        poller.set_filter(STATUS_CYCLE[(i + 1) % len(STATUS_CYCLE)], poller.tags)
        self.sync()
        self.trigger_app.remember(tokens=TokensView(poller.status, poller.tags))

    @work(exclusive=True, group="token-action")
    async def action_tags(self) -> None:
        poller = self.poller
        text = await self.app.push_screen_wait(PromptScreen(
            "tokens tagged (any of, comma-separated):", ", ".join(poller.tags)))
        if text is None:
            return
        poller.set_filter(poller.status, tuple(parse_tags(text)))
        self.sync()
        self.trigger_app.remember(tokens=TokensView(poller.status, poller.tags))

    @work(exclusive=True, group="token-action")
    async def action_create(self) -> None:
        timeout = await self.app.push_screen_wait(PromptScreen(
            "timeout (e.g. 1h, 30m; empty for none):", placeholder="1h"))
        if timeout is None:
            return
        tags = await self.app.push_screen_wait(PromptScreen(
            "tags (comma-separated, optional):"))
        if tags is None:
            return
        result = await TokenActions(self.session.client, self.session.store).create(
            timeout=timeout.strip() or None, tags=parse_tags(tags))
        self._report(result.ok, result.message)

    @work(exclusive=True, group="token-action")
    async def action_complete(self) -> None:
        token = self._current()
        if token is None:
            return
        if token.status != "WAITING":
            self.notify(f"token {token.id} is {token.status.lower()}: nothing to complete",
                        severity="warning", markup=False)
            return
        actions = TokenActions(self.session.client, self.session.store)
        if await self.app.push_screen_wait(CompleteTokenScreen(token.id, actions)):
            self._report(True, f"token {token.id} completed")

    def action_copy_url(self) -> None:
        token = self._current()
        if token is None or not token.url:
            return
        self.app.copy_to_clipboard(token.url)
        self.notify(f"callback URL of {token.id} copied", markup=False)

    def _report(self, ok: bool, message: str) -> None:
        self.notify(message, severity="information" if ok else "error", markup=False)
        if ok:
            self.poller.refresh_now()


class CompleteTokenScreen(ModalScreen[bool]):
    """A JSON editor for the completion payload. Invalid JSON shows where it breaks and sends
    nothing; an API failure stays in the dialog so the payload is not lost."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="tokens.complete.cancel"),
        Binding("ctrl+s", "send", "Complete", id="tokens.complete.send"),
    ]

    DEFAULT_CSS = """
    CompleteTokenScreen { align: center middle; }
    CompleteTokenScreen > Vertical { width: 80%; max-width: 100; height: auto;
        max-height: 90%; background: $panel; border: round $accent; padding: 1 2; }
    CompleteTokenScreen TextArea { height: 10; max-height: 35vh; }
    CompleteTokenScreen #complete-error { color: $error; height: auto; }
    CompleteTokenScreen #complete-buttons { height: auto; align-horizontal: right; }
    CompleteTokenScreen Button { margin-left: 2; }
    """

    def __init__(self, token_id: str, actions: TokenActions) -> None:
        super().__init__()
        self.token_id = token_id
        self.actions = actions

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(f"Complete {self.token_id} with this JSON payload "
                              "(empty: no data)"))
            yield TextArea("{}", language=None, id="payload")
            yield Static(id="complete-error")
            with Horizontal(id="complete-buttons"):
                yield Button(Text("Cancel (esc)"), id="cancel")
                yield Button(Text("Complete (ctrl+s)"), id="send", variant="primary")

    def on_mount(self) -> None:
        editor = self.query_one(TextArea)
        editor.select_all()  # typing replaces the "{}" template
        editor.focus()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        payload = parse_payload(event.text_area.text)
        self.query_one("#complete-error", Static).update(Text(payload.error))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            await self.action_send()
        else:
            self.dismiss(False)

    async def action_send(self) -> None:
        result = await self.actions.complete(self.token_id, self.query_one(TextArea).text)
        if result.ok:
            self.dismiss(True)
            return
        self.query_one("#complete-error", Static).update(Text(result.message))

    def action_cancel(self) -> None:
        self.dismiss(False)
