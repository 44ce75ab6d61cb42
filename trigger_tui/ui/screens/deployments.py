"""The deployments pane: which version runs new work, and the switch to go back to another.

Newest first, with the current deployment marked. `enter` opens the deployment's detail (its
worker's tasks, git commit, image, error); `P` promotes the selected version after a
confirmation naming it and the environment (an older version is a rollback, and the dialog
says so). The development environment never has deployments (its tasks run from `trigger dev`),
and the pane says that rather than showing an empty table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from trigger_tui.humanize import count
from trigger_tui.state.actions import ActionResult
from trigger_tui.state.schedules import UNSUPPORTED, DeploymentsPoller, ScheduleActions
from trigger_tui.ui.format import ago
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    pass

COLUMNS = (("current", "CURRENT"), ("version", "VERSION"), ("status", "STATUS"),
           ("created", "CREATED"), ("deployed", "DEPLOYED"), ("code", "SHORT CODE"),
           ("commit", "COMMIT"))
DEV_EMPTY = ("The development environment has no deployments: its tasks run from "
             "`trigger dev` on a developer's machine. Switch to staging or production to see "
             "deployments.")
STATUS_SYMBOL = {"DEPLOYED": "✓", "FAILED": "✗", "TIMED_OUT": "✗", "CANCELED": "⊘"}


def version_key(version: str) -> tuple[int, ...]:
    """`20251230.2` → (20251230, 2), so versions compare as numbers, not strings."""
    return tuple(int(p) if p.isdigit() else 0 for p in version.split("."))


class DeploymentsScreen(TablePane):
    HELP_SCOPE = "Deployments"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "detail", "Detail", id="deployments.detail"),
        Binding("P", "promote", "Promote", id="deployments.promote"),
    ]

    DEFAULT_CSS = """
    DeploymentsScreen DataTable { height: 1fr; }
    DeploymentsScreen #deployments-empty { height: auto; padding: 1 2; color: $warning;
                                           display: none; }
    DeploymentsScreen #deployments-status { height: 1; color: $text-muted; background: $boost;
                                            padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static(id="deployments-empty", markup=False)
        yield Static(id="deployments-status", markup=False)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        self.poller = session.ensure_poller("deployments", DeploymentsPoller)
        self.actions = ScheduleActions(session.client, session.store, clock=session.clock)
        store = session.store
        self._unsubscribe = [store.subscribe(kind, self._on_change)
                             for kind in ("deployments", "deployments_meta", UNSUPPORTED)]
        self.sync()
        self.table.focus()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_change(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync)

    def _store(self) -> Any:
        session = self.trigger_app.session
        assert session is not None
        return session.store

    def _env(self) -> str:
        return self.trigger_app.label.environment.upper()

    def current_id(self) -> str | None:
        current: str | None = self._store().collection("deployments_meta").get("current")
        return current

    # ------------------------------------------------------------------ rendering
    def sync(self) -> None:
        """Deployments are few and newest first: rebuild rows, keeping the cursor's row."""
        store = self._store()
        deployments = sorted(store.collection("deployments").values(),
                             key=lambda d: version_key(d.version), reverse=True)
        table = self.table
        selected = self._current()
        with self.app.batch_update():
            table.clear()
            for dep in deployments:
                table.add_row(*self._cells(dep), key=dep.id)
            if selected is not None and selected.id in table.rows:
                table.move_cursor(row=table.get_row_index(selected.id))
        unsupported = store.collection(UNSUPPORTED).get("deployments")
        polled = self.poller.polls > 0
        message = unsupported or (None if deployments or not polled else
                                  DEV_EMPTY if self.trigger_app.label.environment == "dev"
                                  else "No deployments in this environment yet.")
        empty = self.query_one("#deployments-empty", Static)
        empty.update(Text(message or ""))
        empty.display = message is not None
        table.display = not unsupported
        current = store.collection("deployments").get(self.current_id() or "")
        self.query_one("#deployments-status", Static).update(Text(
            f"{count(len(deployments), 'deployment')} · current "
            f"{current.version if current else '—'} · {self._env()}"))

    def _cells(self, dep: Any) -> tuple[Any, ...]:
        now = self.trigger_app.now()
        is_current = dep.id == self.current_id()
        created = ago(dep.created_at.timestamp(), now) if dep.created_at else "—"
        deployed = ago(dep.deployed_at.timestamp(), now) if dep.deployed_at else "—"
        commit = str((dep.git or {}).get("commitSha") or "")[:7] or "—"
        symbol = STATUS_SYMBOL.get(dep.status, "◌")
        return (Text("★ current", style="bold") if is_current else Text(""),
                Text(dep.version), Text(f"{symbol} {dep.status}"), Text(created),
                Text(deployed), Text(dep.short_code or "—"), Text(commit))

    def _current(self) -> Any:
        table = self.table
        if not table.row_count or not table.display:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._store().collection("deployments").get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "promote" and self.trigger_app.read_only:
            return None
        return True

    # ------------------------------------------------------------------ actions
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    @work(exclusive=True, group="deployment-detail")
    async def action_detail(self) -> None:
        dep = self._current()
        if dep is None:
            return
        detail = await self.actions.deployment_detail(dep.id)
        if isinstance(detail, ActionResult):
            self.notify(detail.message, severity="error")
            return
        await self.app.push_screen(DeploymentDetailScreen(dep, detail,
                                                          dep.id == self.current_id()))

    @work(exclusive=True, group="deployment-action")
    async def action_promote(self) -> None:
        dep = self._current()
        if dep is None:
            return
        env = self._env()
        current = self._store().collection("deployments").get(self.current_id() or "")
        if current is not None and current.id == dep.id:
            self.notify(f"{dep.version} is already the current deployment in {env}")
            return
        rollback = current is not None and version_key(dep.version) < version_key(
            current.version)
        verb = "Roll back" if rollback else "Promote"
        now = f" (current: {current.version})" if current is not None else ""
        body = (f"{verb} {env} to version {dep.version}{now}?\n\n"
                "New runs start on this version; runs already executing finish on theirs.")
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"{verb} to {dep.version} in {env}", body, danger=True, confirm_label=verb)):
            return
        result = await self.actions.promote(dep.version, rollback=rollback)
        self.notify(result.message, severity="information" if result.ok else "error")
        if result.ok:
            self.poller.refresh_now()


class DeploymentDetailScreen(ModalScreen[None]):
    """One deployment as `retrieve` gives it; esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="deployment_detail.close"),
    ]

    DEFAULT_CSS = """
    DeploymentDetailScreen { align: center middle; }
    DeploymentDetailScreen > VerticalScroll { width: 90; max-width: 95%; height: auto;
        max-height: 90%; border: thick $primary; background: $surface; padding: 0 1; }
    """

    def __init__(self, item: Any, detail: Any, is_current: bool) -> None:
        super().__init__()
        self.item = item
        self.detail = detail
        self.current = is_current

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.render_text(), markup=False)

    def render_text(self) -> Text:
        d, item = self.detail, self.item
        out = Text(f"Deployment {d.version}" + (" ★ current" if self.current else ""),
                   style="bold")
        git = item.git or {}
        rows = [("id", d.id), ("status", d.status), ("short code", d.short_code),
                ("commit", d.commit_sha or git.get("commitSha")),
                ("message", git.get("commitMessage")), ("ref", git.get("commitRef")),
                ("author", git.get("commitAuthorName")), ("image", d.image_reference),
                ("platform", d.image_platform), ("content hash", d.content_hash),
                ("canceled", d.canceled_reason)]
        for name, value in rows:
            if value:
                out.append(f"\n{name:>13}  {value}")
        error = d.error_data or item.error
        if error is not None:
            out.append("\n\nError\n", style="bold")
            out.append(f"{error.name}: {error.message}".strip(": "))
            if error.stderr:
                out.append(f"\n{error.stderr}")
        tasks = d.worker.tasks if d.worker is not None else []
        out.append(f"\n\nTasks ({len(tasks)})", style="bold")
        for task in tasks:
            where = f"  {task.file_path}" if task.file_path else ""
            out.append(f"\n  {task.slug}{where}")
        if d.worker is None:
            out.append("\n  no worker: this deployment was never built")
        return out

    def action_close(self) -> None:
        self.dismiss(None)
