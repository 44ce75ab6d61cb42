"""The env vars pane: one environment's variables, masked, and the tools to change them.

Values are masked until `v` reveals the one under the cursor; moving the cursor or leaving the
pane masks it again, so a value is never left on screen by accident. Secret values come from
the API as "<redacted>" and stay so. Nothing here puts a value in a toast: results name
variables only. `n` / `s` create a plain / secret variable, `e` edits, `d` deletes; `i`
imports a `.env` file after a preview (new / changed / unchanged, values never shown) with a
choice to override; `x` compares with another environment side by side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Static

from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.humanize import count
from trigger_tui.state.envvars import (
    ENV_SLUGS,
    KIND,
    MASK,
    REDACTED,
    SUPPORT,
    Change,
    DiffResult,
    DotenvError,
    EnvVarActions,
    EnvVarsPoller,
    import_preview,
    load_diff,
    mask,
    read_dotenv,
    to_send,
)
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from trigger_tui.state.session import Session
    from trigger_tui.ui.app import TriggerApp

COLUMNS = (("name", "NAME"), ("value", "VALUE"), ("kind", "KIND"))
NO_PROJECT = ("No project ref is known, so env vars cannot be read. Set project_ref in the "
              "profile or start with --project-ref proj_…")
UNSUPPORTED = "Env vars: not supported by this server."
NO_ENVIRONMENT = ("This connection's key names no environment (a personal access token): "
                  "connect with an environment's secret key to see its env vars.")
MUTATIONS = frozenset({"new", "new_secret", "edit", "delete", "import_file"})


class SecretPrompt(PromptScreen):
    """A prompt whose input is masked: a value typed in is not shown on screen either."""

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.password = True
        field.focus()


class EnvVarsScreen(TablePane):
    HELP_SCOPE = "Env vars"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "reveal", "Reveal", id="envvars.reveal"),
        Binding("n", "new", "New", id="envvars.new"),
        Binding("s", "new_secret", "New secret", id="envvars.new_secret"),
        Binding("e", "edit", "Edit", id="envvars.edit"),
        Binding("d", "delete", "Delete", id="envvars.delete"),
        Binding("i", "import_file", "Import .env", id="envvars.import"),
        Binding("x", "diff", "Diff envs", id="envvars.diff"),
    ]

    DEFAULT_CSS = """
    EnvVarsScreen DataTable { height: 1fr; }
    EnvVarsScreen #envvars-message { height: auto; padding: 1 2; color: $warning; }
    EnvVarsScreen #envvars-message.-hidden { display: none; }
    EnvVarsScreen #envvars-status { height: 1; color: $text-muted; background: $boost;
                                    padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.revealed: str | None = None

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        yield Static(id="envvars-message", classes="-hidden")
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static(id="envvars-status")
        yield ConsoleFooter()

    @property
    def session(self) -> Session:
        session = self.trigger_app.session
        assert session is not None
        return session

    @property
    def env(self) -> str:
        return self.session.environment or "?"

    @property
    def actions(self) -> EnvVarActions:
        return EnvVarActions(self.session.client, self.session.store)

    def on_mount(self) -> None:
        store = self.session.store
        self._unsubscribe = [store.subscribe(KIND, self._changed),
                             store.subscribe(SUPPORT, self._changed)]
        if self.session.project_ref is not None:
            self.session.ensure_poller("envvars", EnvVarsPoller)
        self.sync()
        self.table.focus()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def on_screen_suspend(self) -> None:
        self.mask_all()

    def _changed(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync)

    # ------------------------------------------------------------------ rendering
    def _message(self) -> str:
        if self.session.project_ref is None:
            return NO_PROJECT
        if self.session.environment is None:
            return NO_ENVIRONMENT
        if self.session.store.collection(SUPPORT).get("envvars"):
            return UNSUPPORTED
        return ""

    def sync(self) -> None:
        """Rebuild the table (variables are few) keeping the cursor on the same name."""
        message = self._message()
        note = self.query_one("#envvars-message", Static)
        note.update(Text(message))
        note.set_class(not message, "-hidden")
        self.refresh_bindings()  # no changes offered while the message stands
        items = self.session.store.collection(KIND).items
        table = self.table
        current = self._current_name()
        with self.app.batch_update():
            table.clear()
            for name in sorted(items):
                table.add_row(*self._cells(items[name]), key=name)
            if current in items:
                table.move_cursor(row=table.get_row_index(current))
        secrets = sum(1 for v in items.values() if v.is_secret)
        self.query_one("#envvars-status", Static).update(Text(
            f"{self.env} · {count(len(items), 'variable')} · "
            f"{secrets} secret · masked (v reveals)"))

    def _cells(self, var: EnvVar) -> tuple[Text, Text, Text]:
        shown = var.value if self.revealed == var.name and var.value != REDACTED else mask(var)
        return (Text(var.name), Text(shown), Text("secret" if var.is_secret else ""))

    def _current_name(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key

    def _current(self) -> EnvVar | None:
        name = self._current_name()
        return None if name is None else self.session.store.collection(KIND).get(name)

    def mask_all(self) -> None:
        name, self.revealed = self.revealed, None
        if name is None:
            return
        var = self.session.store.collection(KIND).get(name)
        if var is not None and name in self.table.rows:
            self.table.update_cell(name, "value", Text(mask(var)))

    # ------------------------------------------------------------------ keys
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.revealed is not None and event.row_key.value != self.revealed:
            self.mask_all()

    def action_reveal(self) -> None:
        """Toggle the value under the cursor; a secret has nothing to reveal."""
        var = self._current()
        if var is None:
            return
        if self.revealed == var.name:
            self.mask_all()
            return
        self.mask_all()
        if var.value == REDACTED:
            self.notify(f"{var.name} is a secret: the API never returns its value")
            return
        self.revealed = var.name
        self.table.update_cell(var.name, "value", Text(var.value), update_width=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATIONS and (self.trigger_app.read_only or self._message()):
            return None
        return True

    def action_new(self) -> None:
        self._create(secret=False)

    def action_new_secret(self) -> None:
        self._create(secret=True)

    @work(exclusive=True, group="envvar-action")
    async def _create(self, *, secret: bool) -> None:
        name = await self.app.push_screen_wait(PromptScreen(
            f"new {'secret ' if secret else ''}variable in {self.env}:", placeholder="NAME"))
        if not name:
            return
        name = name.strip()
        if self.session.store.collection(KIND).get(name) is not None:
            self.notify(f"{name} exists: e edits it", severity="warning")
            return
        await self._set(name, secret=secret)

    @work(exclusive=True, group="envvar-action")
    async def action_edit(self) -> None:
        var = self._current()
        if var is not None:
            await self._set(var.name, secret=False)

    async def _set(self, name: str, *, secret: bool) -> None:
        value = await self.app.push_screen_wait(SecretPrompt(f"value of {name}:"))
        if value is None:
            return
        self.mask_all()
        result = await self.actions.set(name, value, secret=secret)
        self._report(result.ok, result.message)

    @work(exclusive=True, group="envvar-action")
    async def action_delete(self) -> None:
        var = self._current()
        if var is None:
            return
        env = self.env.upper()
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Delete a variable in {env}", f"Delete {var.name} from {env}?\n\n"
                "Runs that start after this no longer see it.", danger=True,
                confirm_label="Delete")):
            return
        result = await self.actions.delete(var.name)
        self._report(result.ok, result.message)

    @work(exclusive=True, group="envvar-action")
    async def action_import_file(self) -> None:
        path = await self.app.push_screen_wait(PromptScreen(
            f"import into {self.env} from:", placeholder=".env"))
        if not path:
            return
        try:
            incoming = read_dotenv(path.strip())
        except OSError as exc:
            self.notify(f"cannot read {path.strip()}: {exc.strerror or type(exc).__name__}",
                        severity="error")
            return
        except (DotenvError, UnicodeDecodeError) as exc:
            # A DotenvError names the line only; a decode error names a byte offset.
            self.notify(f"{path.strip()}: {exc}", severity="error")
            return
        preview = import_preview(self.session.store.collection(KIND).values(), incoming)
        choice = await self.app.push_screen_wait(ImportPreviewScreen(self.env, preview))
        if choice is None:
            return
        override = choice == "override"
        result = await self.actions.import_vars(to_send(preview, incoming, override=override),
                                                override=override)
        self._report(result.ok, result.message)

    @work(exclusive=True, group="envvar-action")
    async def action_diff(self) -> None:
        others = [s for s in ENV_SLUGS if s != self.session.environment]
        other = await self.app.push_screen_wait(PromptScreen(
            f"compare {self.env} with:", others[0] if others else "", suggestions=others))
        if not other or other.strip() == self.session.environment:
            return
        await self.app.push_screen(EnvDiffScreen(self.env, other.strip()))

    def _report(self, ok: bool, message: str) -> None:
        self.notify(message, severity="information" if ok else "error", markup=False)
        poller = self.session.pollers.get("envvars")
        if ok and poller is not None:
            poller.refresh_now()


STATE_WORDS = {"new": "new", "changed": "changed", "unchanged": "unchanged",
               "secret": "secret (not comparable)"}


class ImportPreviewScreen(ModalScreen[str | None]):
    """What an import would change; values are never shown. Returns "override", "new" or
    None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="envvars.import.cancel"),
        Binding("o", "choose('override')", "Override", id="envvars.import.override"),
        Binding("a", "choose('new')", "Add new only", id="envvars.import.new"),
    ]

    DEFAULT_CSS = """
    ImportPreviewScreen { align: center middle; }
    ImportPreviewScreen > Vertical { width: 80%; max-width: 100; height: auto;
        max-height: 90%; background: $panel; border: round $accent; padding: 1 2; }
    ImportPreviewScreen DataTable { height: auto; max-height: 16; }
    ImportPreviewScreen #import-buttons { height: auto; align-horizontal: right;
                                          margin-top: 1; }
    ImportPreviewScreen Button { margin-left: 2; }
    """

    def __init__(self, env: str, preview: list[Change]) -> None:
        super().__init__()
        self.env = env
        self.preview = preview

    def compose(self) -> ComposeResult:
        counts = {s: sum(1 for c in self.preview if c.state == s) for s in STATE_WORDS}
        with Vertical():
            yield Static(Text(
                f"Import into {self.env.upper()}: {counts['new']} new, {counts['changed']} "
                f"changed, {counts['unchanged']} unchanged, {counts['secret']} secret "
                "(values masked)"))
            table: DataTable[Any] = DataTable(cursor_type="row")
            table.add_columns("NAME", "VALUE", "CHANGE")
            for change in self.preview:
                table.add_row(Text(change.name), Text(MASK), Text(STATE_WORDS[change.state]))
            yield table
            yield Static(Text("Override sends new and changed values; add-new-only leaves "
                              "existing variables as they are."))
            with Horizontal(id="import-buttons"):
                yield Button(Text("Cancel (esc)"), id="cancel")
                yield Button(Text("Add new only (a)"), id="new", variant="primary")
                yield Button(Text("Override (o)"), id="override", variant="warning")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


DIFF_WORDS = {"missing-left": "missing in {left}", "missing-right": "missing in {right}",
              "different": "different", "secret": "secret (not comparable)", "same": "same"}


class EnvDiffScreen(Screen[None]):
    """Two environments side by side, values masked; `esc` goes back."""

    HELP_SCOPE = "Env vars diff"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="envvars.diff.back"),
    ]

    DEFAULT_CSS = """
    EnvDiffScreen DataTable { height: 1fr; }
    EnvDiffScreen #diff-status { height: 1; color: $text-muted; background: $boost;
                                 padding: 0 1; }
    """

    def __init__(self, left: str, right: str) -> None:
        super().__init__()
        self.left = left
        self.right = right

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(cast("TriggerApp", self.app).header_info)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("NAME", self.left.upper(), self.right.upper(), "STATE")
        yield table
        yield Static(Text(f"comparing {self.left} with {self.right}…"), id="diff-status")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True)
    async def load(self) -> None:
        session = cast("TriggerApp", self.app).session
        assert session is not None
        self.show(await load_diff(session, self.left, self.right))

    def show(self, result: DiffResult) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in result.rows:
            word = DIFF_WORDS[row.state].format(left=self.left, right=self.right)
            table.add_row(Text(row.name), Text(_masked(row.left)), Text(_masked(row.right)),
                          Text(word), key=row.name)
        status = result.message or self._summary(result)
        self.query_one("#diff-status", Static).update(Text(status))

    def _summary(self, result: DiffResult) -> str:
        parts = []
        for state, word in DIFF_WORDS.items():
            count = sum(1 for r in result.rows if r.state == state)
            parts.append(f"{count} {word.format(left=self.left, right=self.right)}")
        return " · ".join(parts)


def _masked(var: EnvVar | None) -> str:
    return "—" if var is None else mask(var)
