"""The console application: panes over one Session, global keys, header, notices.

The app owns no data. The Session (client, Store, pollers, actions) is started when the app
mounts and stopped when it exits; screens render the Store and call the Session's actions.
Without a session (no key configured) the app opens on the welcome screen, which can start the
demo or save a profile and connect, without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from trigger_tui.state.filters import RunFilter
from trigger_tui.state.last_view import Names, TokensView, View, ViewKey, ViewMemory, memory_key
from trigger_tui.ui import panes, themes
from trigger_tui.ui.format import printable
from trigger_tui.ui.hangup import hang_up_quits
from trigger_tui.ui.keymap import apply_user_keymap, display_keys
from trigger_tui.ui.widgets.header import HeaderInfo, summarise_health

if TYPE_CHECKING:
    from trigger_tui.state.session import Session
    from trigger_tui.ui.themes import Catalog

STYLES: list[str | PurePath] = ["styles/app.tcss", "styles/runs.tcss"]
_NOT_IN_PALETTE = frozenset({"app.palette", "app.back"})
_MOVES = ("cursor_", "page_", "half_page", "first", "last", "scroll")  # keys, not commands


@dataclass(frozen=True, slots=True)
class WelcomeInfo:
    """Why there is no connection, for the welcome screen: where keys were looked for."""

    config_path: str = ""
    looked_in: tuple[str, ...] = ("TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN")
    notes: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConnectionLabel:
    """Where the session is connected, as the header names it."""

    profile: str | None = None
    project: str | None = None
    environment: str = "prod"
    branch: str | None = None
    demo: bool = False


@dataclass(frozen=True, slots=True)
class Connector:
    """How the welcome screen turns a choice into a session (built by `launch`)."""

    demo: Callable[[], tuple[Session, ConnectionLabel]]
    profile: Callable[[str], tuple[Session, ConnectionLabel]]


class TriggerApp(App[int]):
    """`TriggerApp(session, read_only=…)`; built by `trigger_tui.ui.launch.build_app`."""

    TITLE = "trigger-tui"
    CSS_PATH = STYLES
    HELP_SCOPE = "Global"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("colon", "jump", "Jump", id="app.jump"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, priority=True,
                id="app.palette"),
        Binding("escape", "back", "Back", show=False, id="app.back"),
        Binding("p", "toggle_pause", "Pause", id="app.pause"),
        Binding("ctrl+r", "refresh_now", "Refresh", show=False, id="app.refresh"),
        Binding("N", "trigger", "Trigger a task", show=False, id="app.trigger"),
        Binding("exclamation_mark", "connection", "Connection", show=False,
                id="app.connection"),
        Binding("A", "alerts", "Alerts & watches", show=False, id="app.alerts"),
        *(Binding(p.key, f"pane('{p.name}')", p.title, show=False, id=f"app.pane.{p.name}")
          for p in panes.PANES),
    ]

    def __init__(self, session: Session | None, *, read_only: bool = False,
                 label: ConnectionLabel | None = None, theme: str | None = None,
                 columns: Sequence[str] | None = None, keymap: Mapping[str, str] | None = None,
                 welcome: WelcomeInfo | None = None, connector: Connector | None = None,
                 theme_catalog: Catalog | None = None,
                 memory: ViewMemory | None = None) -> None:
        super().__init__()
        self.session = session
        self.read_only = read_only or (session is not None and session.read_only)
        self.label = label or ConnectionLabel()
        self.columns = tuple(columns) if columns else None
        self.user_keymap = dict(keymap or {})
        self.welcome = welcome or WelcomeInfo()
        self.connector = connector
        self.wanted_theme = theme
        self.theme_catalog = theme_catalog
        self.memory = memory  # the view to come back to next launch (None: not remembered)
        self.view = View()
        self._view_key: ViewKey | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._last_notice = 0
        self._last_alert = 0
        self._started = False

    # ------------------------------------------------------------------ lifecycle
    async def on_mount(self) -> None:
        # Before any screen: a bad theme file or an unknown name falls back to the default
        # with a notice, never a crash.
        themes.apply(self, self.wanted_theme, self.theme_catalog)
        if self.user_keymap:  # problems with it are reported once, in a lasting warning
            self.user_keymap = apply_user_keymap(self, self.user_keymap)
        for pane in panes.PANES:
            self.add_mode(pane.name, pane.factory)
        self._unsubscribe.append(hang_up_quits(self))
        self.mode_change_signal.subscribe(self, lambda _: self.remember(), immediate=True)
        if self.session is None:
            from trigger_tui.ui.screens.welcome import WelcomeScreen

            await self.push_screen(WelcomeScreen(self.welcome))
            return
        await self._start_session()

    async def _start_session(self) -> None:
        assert self.session is not None
        store = self.session.store
        self._last_notice = store.notices[-1].seq if store.notices else 0
        self._unsubscribe.append(store.subscribe("notices", self._on_notices))
        self._unsubscribe.append(store.subscribe("health", self._on_health))
        self._unsubscribe.append(store.subscribe("alerts", self._on_alerts))
        self._last_alert = max((int(k) for k in store.collection("alerts").items), default=0)
        self._started = True
        await self.switch_mode(self._restore_view())
        # The first frame (header, empty table) before the first poll: on a slow API or a
        # cold demo world the operator sees the console at once, "connecting".
        self.call_after_refresh(self._start_polling)
        self.set_interval(1.0, self._tick)

    def _start_polling(self) -> None:
        if self.session is not None and self._started:
            self.session.start()

    async def attach_session(self, session: Session, label: ConnectionLabel) -> None:
        """Connect from the welcome screen (demo or a new profile) without a restart."""
        self.session = session
        self.label = label
        self.read_only = session.read_only
        while len(self.screen_stack) > 1:
            self.pop_screen()
        await self._start_session()

    async def on_unmount(self) -> None:
        await self.shutdown()

    async def shutdown(self) -> None:
        """Stop pollers and close the client; safe to call more than once."""
        self.remember()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self.session is not None and self._started:
            self._started = False
            await self.session.stop()

    # ------------------------------------------------------------------ time and header
    def now(self) -> float:
        """The session clock: every relative time on screen is computed from it."""
        if self.session is not None:
            return self.session.clock()
        return 0.0

    def header_info(self) -> HeaderInfo:
        label = self.label
        if self.session is None:
            return HeaderInfo(label.profile, label.project, label.environment, label.branch,
                              read_only=self.read_only, demo=label.demo)
        store = self.session.store
        health = {name: store.health[name] for name in self.session.pollers
                  if name in store.health}
        state, age, source = summarise_health(health, self.now())
        rate = self.session.client.rate_limit
        return HeaderInfo(
            profile=label.profile, project=label.project, environment=label.environment,
            branch=label.branch, read_only=self.read_only, paused=self.session.paused,
            health=state, health_age_s=age, health_source=source,
            rate_remaining=rate.remaining, rate_limit=rate.limit, demo=label.demo,
            alerts=len(alerts.firing()) if (alerts := self.session.alerts) else 0,
            watches=len(store.collection("watches")))

    def _tick(self) -> None:
        """Once a second: ages ("12s ago", "stale 30s") move on even when no data changes.
        Only what is on screen repaints, and a table only the lines whose times moved."""
        from trigger_tui.ui.widgets.header import ConsoleHeader
        from trigger_tui.ui.widgets.runs_table import RunsTable

        if not self.screen_stack:  # shutting down: the screens are gone before the timer
            return
        for widget in self.screen.query(ConsoleHeader):
            widget.refresh()
        for table in self.screen.query(RunsTable):
            table.tick()

    def _on_health(self, changed: frozenset[str]) -> None:
        self.call_later(self._refresh_header)

    def _refresh_header(self) -> None:
        """A poll's health changed: only the header says so (tables redraw from the Store)."""
        from trigger_tui.ui.widgets.header import ConsoleHeader

        for widget in self.screen.query(ConsoleHeader):
            widget.refresh()

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast is plain text: messages carry run data and server words, and a task
        name like `[bold]x` must show as typed, never be read as markup, and an escape
        sequence in it must never reach the terminal."""
        super().notify(printable(message, multiline=True), title=printable(title),
                       severity=severity, timeout=timeout, markup=False)

    def _on_alerts(self, changed: frozenset[str]) -> None:
        """A new firing (or a watch's news) is told whatever pane is on screen, once."""
        if self.session is None:
            return
        alerts = self.session.store.collection("alerts")
        for key in sorted(changed, key=int):
            alert = alerts.get(key)
            if alert is None or alert.seq <= self._last_alert:
                continue
            self._last_alert = alert.seq
            title = "Watch" if alert.kind == "watch" else f"Alert: {alert.rule}"
            self.notify(alert.message, title=title, timeout=10,
                        severity="information" if alert.kind == "watch" else "error")
            if alert.bell:
                self.bell()
        self.call_later(self._tick)

    def _on_notices(self, changed: frozenset[str]) -> None:
        if self.session is None:
            return
        for note in list(self.session.store.notices):
            if note.seq > self._last_notice:
                self._last_notice = note.seq
                severity: SeverityLevel = ("error" if note.level == "error" else
                                           "warning" if note.level == "warning" else
                                           "information")
                self.notify(note.message, severity=severity,
                            timeout=8 if note.level != "info" else 4)

    # ------------------------------------------------------------------ memory between launches
    def _restore_view(self) -> str:
        """Apply what was remembered for this profile and environment (runs filter, sort,
        columns, tokens filter) before the first poll, so the first query already uses it;
        the pane to open. What the launch gave explicitly (columns, a filter) wins."""
        from trigger_tui.state.pollers import RunsPoller
        from trigger_tui.ui.widgets.run_index import SORT_VALUES
        from trigger_tui.ui.widgets.runs_table import COLUMNS, DEFAULT_COLUMNS

        first = panes.PANES[0].name
        if self.memory is None or self.session is None:
            return first
        label = self.label
        self._view_key = memory_key(label.profile, label.environment, demo=label.demo)
        names = Names(panes={p.name for p in panes.PANES}, columns=set(COLUMNS),
                      sorts=set(SORT_VALUES))
        view, warning = self.memory.load(self._view_key, names)
        if warning:
            self.notify(warning, severity="warning", timeout=8)
        runs = self.session.pollers.get("runs")
        if isinstance(runs, RunsPoller):
            if runs.filter != RunFilter():  # given at launch
                view = replace(view, runs=replace(view.runs, filter=runs.filter))
            elif view.runs.filter != RunFilter():
                runs.set_filter(view.runs.filter)
        if self.columns:
            shown = tuple(c for c in self.columns if c in COLUMNS)
            view = replace(view, runs=replace(
                view.runs, columns=None if shown in ((), DEFAULT_COLUMNS) else shown))
        self.view = view
        return view.pane or first

    def remember(self, *, sort: tuple[str, bool] | None = None,
                 tokens: TokensView | None = None) -> None:
        """Note what the operator now sees (pane, filters, sort) for the next launch; the
        file is written only when that changed, and a failed write is said once."""
        if self.memory is None or self.session is None or self._view_key is None:
            return
        view = self.view
        if self.current_mode in {p.name for p in panes.PANES}:  # None: the first, the default
            first = self.current_mode == panes.PANES[0].name
            view = replace(view, pane=None if first else self.current_mode)
        runs = self.session.pollers.get("runs")
        if runs is not None:
            view = replace(view, runs=replace(view.runs, filter=self.session.runs.filter))
        if sort is not None:
            view = replace(view, runs=replace(view.runs, sort=sort[0], descending=sort[1]))
        if tokens is not None:
            view = replace(view, tokens=tokens)
        self.view = view
        error = self.memory.save(self._view_key, view)
        if error:
            self.notify(error, severity="warning", timeout=8)

    # ------------------------------------------------------------------ navigation
    async def action_pane(self, name: str) -> None:
        if self.session is None:
            return
        await self.switch_mode(name)

    async def action_jump(self) -> None:
        from trigger_tui.ui.screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text:
                self.call_later(self.jump, text)

        await self.push_screen(PromptScreen(":", suggestions=panes.suggestions(),
                                            placeholder="runs · failed · run_… · q",
                                            hint="tab completes · enter go · esc cancel"),
                               done)

    async def jump(self, text: str) -> None:
        """Do what a `:` command says (see `panes.parse_jump`)."""
        target = panes.parse_jump(text)
        if target.kind == "quit":
            self.exit(0)
        elif target.kind == "help":
            await self.action_help()
        elif target.kind == "run":
            self.open_run(target.run_id)
        elif target.kind == "pane" and target.pane is not None and self.session is not None:
            await self.switch_mode(target.pane.name)
        elif target.kind == "statuses" and target.pane is not None and self.session is not None:
            await self.switch_mode(target.pane.name)
            from trigger_tui.ui.screens.runs import RunsScreen

            if isinstance(self.screen, RunsScreen):
                self.screen.set_statuses(target.statuses)
        else:
            self.notify(f"Nothing called {text.strip()!r}: try runs, failed, a run id, or ? "
                        "for help", severity="warning", timeout=4)

    def open_run(self, run_id: str) -> None:
        """Push the run detail screen (the detail engineer's) on the current pane."""
        if self.session is None:
            return
        try:
            from trigger_tui.ui.screens.run_detail import RunDetailScreen
        except ImportError:
            self.notify("The run detail screen is not available in this build.",
                        severity="error")
            return
        self.push_screen(RunDetailScreen(run_id))

    def open_queue(self, name: str) -> None:
        """Show the queues pane with the cursor on `name` (`task/<id>` or a custom name)."""
        if self.session is None:
            return
        self.call_later(self._open_queue, name)

    async def _open_queue(self, name: str) -> None:
        from trigger_tui.ui.screens.queues import QueuesScreen

        await self.switch_mode("queues")
        screen = self.screen
        if isinstance(screen, QueuesScreen) and not screen.select_queue(name):
            self.notify(f"Queue {name} is not in the list (yet)", severity="warning",
                        timeout=4)

    async def show_runs(self, f: RunFilter) -> None:
        """The runs pane with filter `f` (from another pane: a queue's runs)."""
        from trigger_tui.ui.screens.runs import RunsScreen

        await self.switch_mode("runs")
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, RunsScreen):
            self.screen.set_filter(f)

    async def action_back(self) -> None:
        """esc: close the top screen of the pane (never the pane itself)."""
        if len(self.screen_stack) > 1:
            self.pop_screen()

    async def action_help(self) -> None:
        from trigger_tui.ui.keymap import LIST_SCOPE, has_list_keys, scope_of
        from trigger_tui.ui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        here = [scope_of(type(self.screen)), "Global"]
        focused = self.screen.focused
        if focused is not None:
            here[1:1] = [scope_of(type(node)) for node in focused.ancestors_with_self
                         if isinstance(node, Screen) is False]
        chain = [self.screen, *(focused.ancestors_with_self if focused is not None else ())]
        if any(has_list_keys(type(node)) for node in chain):
            here.insert(here.index("Global"), LIST_SCOPE)
        await self.push_screen(HelpScreen(dict.fromkeys(here), self.user_keymap))

    # ------------------------------------------------------------------ live updates
    def action_toggle_pause(self) -> None:
        """Freeze (or resume) live updates: the table stops moving under the cursor."""
        if self.session is None:
            return
        if self.session.paused:
            self.session.resume()
        else:
            self.session.pause()
        self.notify("Live updates paused (p resumes)" if self.session.paused
                    else "Live updates on", timeout=2)
        self._tick()

    def action_refresh_now(self) -> None:
        if self.session is not None:
            self.session.refresh_now()

    def action_trigger(self) -> None:
        from trigger_tui.ui.screens.trigger import open_trigger

        open_trigger(self)

    async def action_alerts(self) -> None:
        from trigger_tui.ui.screens.alerts import AlertsScreen

        if not isinstance(self.screen, AlertsScreen):
            await self.push_screen(AlertsScreen())

    def toggle_watch(self, key: str, label: str, *, threshold_s: float | None = None) -> None:
        """Watch `key` (`run:…`, `task:…`, `queue:…`), or stop watching it: one key toggles."""
        if self.session is None:
            return
        if self.session.alerts is not None and self.session.alerts.is_watched(key):
            self.session.unwatch(key)
            self.notify(f"No longer watching {label}", timeout=3)
        else:
            self.session.watch(key, label=label, threshold_s=threshold_s)
            self.notify(f"Watching {label}: you will be told here, whatever pane is open "
                        "(A lists watches)", timeout=4)
        self._tick()

    async def action_connection(self) -> None:
        from trigger_tui.ui.screens.connection import ConnectionScreen

        await self.push_screen(ConnectionScreen())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_pause", "refresh_now", "connection", "pane", "jump", "trigger",
                      "alerts"):
            return self.session is not None
        if action == "quit" and isinstance(self.screen, ModalScreen):
            return False  # a stray `q` in a dialog or form must not end the session
        return True

    # ------------------------------------------------------------------ command palette
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every pane and every key of the current screen, so nothing is only a key away."""
        if self.session is not None:
            for pane in panes.PANES:
                yield SystemCommand(f"Go to {pane.title}", pane.help,
                                    lambda name=pane.name: self.run_action(f"pane('{name}')"))
        seen: set[str] = set()
        for binding_key, active in screen.active_bindings.items():
            b = active.binding
            if (not b.description or not b.id or b.id in seen or b.id in _NOT_IN_PALETTE
                    or b.action.startswith(_MOVES) or active.enabled is False):
                continue
            seen.add(b.id)
            node = active.node
            yield SystemCommand(b.description,
                                f"{display_keys(binding_key)}  ·  {b.id}",
                                lambda n=node, a=b.action: self.call_later(n.run_action, a))
        yield SystemCommand("Theme", "Change the colors", self.action_change_theme)

    # ------------------------------------------------------------------ background work
    def follow_bulk(self, bulk_id: str, action: str) -> None:
        """Follow a bulk action whose dialog was closed, and say how it ended."""
        self.run_worker(self._follow_bulk(bulk_id, action), group="bulk", exit_on_error=False)

    async def _follow_bulk(self, bulk_id: str, action: str) -> None:
        if self.session is None:
            return
        progress = await self.session.actions.follow_bulk(bulk_id)
        self.notify(f"Bulk {action} {bulk_id}: {progress.status.lower()}, "
                    f"{progress.succeeded:,} succeeded, {progress.failed:,} failed",
                    severity="warning" if progress.failed else "information", timeout=8)
