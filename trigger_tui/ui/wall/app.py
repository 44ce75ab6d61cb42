"""The wall monitor app: panels side by side or rotating, redrawn only where something changed.

Nothing here polls on its own: each panel's Session runs its pollers, the Store tells the app
what changed, and the app redraws that panel once per burst of notifications (a poll writes
metrics, health and alerts in one go). One 1-second timer refreshes ages and retry countdowns,
and the widgets ignore it unless their text moves. The layout follows the terminal: several
panels side by side when they fit, otherwise one at a time on a timer; one line per tile when
the big digits do not fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.css.query import NoMatches
from textual.events import Resize
from textual.timer import Timer

from trigger_tui.ui import themes
from trigger_tui.ui.hangup import hang_up_quits
from trigger_tui.ui.themes import Catalog
from trigger_tui.ui.wall.dashboard import DashboardPage
from trigger_tui.ui.wall.figures import panel_view
from trigger_tui.ui.wall.panel import WallOptions, WallPanel
from trigger_tui.ui.wall.tiles import PanelWidget, WallHelp

STYLES = Path(__file__).resolve().parent.parent / "styles" / "wall.tcss"
KINDS = ("metrics", "health", "alerts", "queues")
AUTO_ROTATE_S = 15.0  # when several panels do not fit side by side and no period was set
MIN_COLUMN_W = 56  # narrower than this, panels rotate instead of sharing the width
BIG_MIN_W = 60  # the big digits need this much width per panel …
BIG_MIN_H = 34  # … and this many rows
WIDE_MIN_W = 120  # four tiles a row from here


class WallPanels(Container):
    """Holds the panels; tells the app when the terminal changed size, to lay them out again."""

    def on_resize(self, event: Resize) -> None:
        app = self.app
        if isinstance(app, WallApp):
            app.relayout()


class WallApp(App[int]):
    """`WallApp(panels, options)`; built by `trigger_tui.ui.launch.build_wall_app`."""

    TITLE = "trigger-tui wall"
    CSS_PATH = STYLES
    HELP_SCOPE = "Wall"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="wall.quit"),
        Binding("space,n", "next_panel", "Next panel", id="wall.next"),
        Binding("r", "refresh_now", "Refresh now", id="wall.refresh"),
        Binding("question_mark", "help", "Help", id="wall.help"),
    ]
    HELP_KEYS = (("q", "quit"), ("space, n", "next environment (when rotating)"),
                 ("r", "refresh now"), ("?", "this help"))

    def __init__(self, panels: Sequence[WallPanel], options: WallOptions, *,
                 theme: str | None = None, theme_catalog: Catalog | None = None) -> None:
        super().__init__()
        self.wanted_theme = theme
        self.theme_catalog = theme_catalog
        if not panels:
            raise ValueError("the wall needs at least one panel")
        self.panels = tuple(panels)
        self.options = options
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"
        self.blink = True  # flash lit tiles on the 1-second tick (tests turn it off)
        self.current = 0
        self.rotating = self.page_count > 1 and (options.rotate_s > 0 or
                                                 bool(options.dashboards))
        self.compact = False
        self.views: list[PanelWidget] = []
        self.dashboards: list[DashboardPage] = []
        self._dirty: set[int] = set()
        self._flush_pending = False
        self._rung: list[set[int]] = [set() for _ in self.panels]
        self._phase = False
        self._unsubscribe: list[Callable[[], None]] = []
        self._rotation: Timer | None = None
        self._started = False
        self._exiting = False

    # ------------------------------------------------------------------ lifetime
    def compose(self) -> ComposeResult:
        self.views = [PanelWidget(p.title, prod=p.label.environment == "prod")
                      for p in self.panels]
        self.dashboards = [DashboardPage(key, self.options.dashboard_period,
                                         self.panels[0].session)
                           for key in self.options.dashboards]
        with WallPanels(id="wall-panels"):
            yield from self.views
            yield from self.dashboards

    @property
    def page_count(self) -> int:
        """Environment panels, then dashboard pages (which always rotate: they need the
        whole screen)."""
        return len(self.panels) + len(self.options.dashboards)

    def on_mount(self) -> None:
        themes.apply(self, self.wanted_theme, self.theme_catalog)
        self._unsubscribe.append(hang_up_quits(self))
        for i, panel in enumerate(self.panels):
            for kind in KINDS:
                self._unsubscribe.append(
                    panel.session.store.subscribe(kind, partial(self._changed, i)))
        for panel in self.panels:
            panel.session.start()
        self._started = True
        self.set_interval(1.0, self._tick)
        if self.page_count > 1:
            period = self.options.rotate_s if self.options.rotate_s > 0 else AUTO_ROTATE_S
            self._rotation = self.set_interval(period, self._rotate)
        self.relayout()
        self._dirty.update(range(len(self.panels)))
        self._redraw_dirty()

    async def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._started:
            self._started = False
            for panel in self.panels:
                await panel.session.stop()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Nothing is drawn once exiting has begun: the widgets are being taken down."""
        self._exiting = True
        super().exit(*args, **kwargs)

    # ------------------------------------------------------------------ layout
    def relayout(self) -> None:
        """Side by side or rotating, big or compact, by the terminal's size."""
        width, height = self.size
        n = self.page_count
        side = (n > 1 and self.options.rotate_s <= 0 and not self.options.dashboards
                and width // n >= MIN_COLUMN_W)
        self.rotating = n > 1 and not side
        panel_w = width // n if side else width
        self.compact = panel_w < BIG_MIN_W or height < BIG_MIN_H
        wide = not self.compact and panel_w >= WIDE_MIN_W
        for i, view in enumerate(self.views):
            view.set_class(self.compact, "-compact")
            view.set_class(wide, "-wide")
            view.display = not self.rotating or i == self.current
            view.set_position(f"{i + 1}/{n}" if self.rotating else "")
            if self.shows(i):
                self._render(i)
        for j, page in enumerate(self.dashboards, start=len(self.views)):
            page.display = j == self.current
        self._refresh_dashboard()

    def shows(self, i: int) -> bool:
        return not self.rotating or i == self.current

    # ------------------------------------------------------------------ updates
    def _changed(self, i: int, _ids: frozenset[str]) -> None:
        """A store notification: redraw that panel once, after this burst of writes."""
        self._dirty.add(i)
        if not self._flush_pending:
            self._flush_pending = True
            self.call_later(self._redraw_dirty)

    def _redraw_dirty(self) -> None:
        self._flush_pending = False
        dirty, self._dirty = self._dirty, set()
        for i in sorted(dirty):
            self._ring(i)
            if self.shows(i):
                self._render(i)

    def _render(self, i: int) -> None:
        if i < len(self.views) and self.views[i].ready and not self._exiting:
            try:
                self.views[i].apply(panel_view(self.panels[i].session))
            except NoMatches:
                pass  # torn down while the app exits: a last notification has nowhere to go

    def _ring(self, i: int) -> None:
        """The bell, once per alert that started firing (and asks for it)."""
        alerts = self.panels[i].session.alerts
        if alerts is None:
            return
        firing = alerts.firing()
        rung = self._rung[i]
        for alert in firing:
            if alert.seq not in rung and alert.bell:
                self.bell()
        self._rung[i] = {a.seq for a in firing}

    def _tick(self) -> None:
        """Ages, countdowns and the flash: widgets change only if their text does."""
        self._phase = not self._phase if self.blink else False
        for i, view in enumerate(self.views):
            if self.shows(i) and not self._exiting:
                self._render(i)
                try:
                    view.blink(self._phase)
                except NoMatches:
                    pass
        if not self._exiting:
            self._refresh_dashboard()

    def _rotate(self) -> None:
        if self.rotating:
            self.show_panel(self.current + 1)

    def show_panel(self, i: int) -> None:
        self.current = i % self.page_count
        for j, view in enumerate(self.views):
            view.display = j == self.current
            view.set_position(f"{j + 1}/{self.page_count}")
        for j, page in enumerate(self.dashboards, start=len(self.views)):
            page.display = j == self.current
        if self.current < len(self.views):
            self._render(self.current)
        self._refresh_dashboard()

    def _refresh_dashboard(self) -> None:
        j = self.current - len(self.views)
        if self.rotating and 0 <= j < len(self.dashboards):
            self.dashboards[j].refresh_if_due()

    # ------------------------------------------------------------------ actions
    def action_next_panel(self) -> None:
        if not self.rotating:
            return
        self.show_panel(self.current + 1)
        if self._rotation is not None:
            self._rotation.reset()

    def action_refresh_now(self) -> None:
        for panel in self.panels:
            panel.session.refresh_now()

    def action_help(self) -> None:
        if not isinstance(self.screen, WallHelp):
            self.push_screen(WallHelp(self.HELP_KEYS))

    async def action_quit(self) -> None:
        self.exit(0)
