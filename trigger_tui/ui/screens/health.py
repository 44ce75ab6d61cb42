"""The health pane: is work flowing, are failures your code or the platform, is the data fresh.

Everything is computed by `state.health` from what the Store already holds (no request of its
own), re-read once a second and whenever runs, queues or a poller's health change. Each answer
is one line whose color (from the theme) says ok / look / act.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from trigger_tui.state.health import lines, summarise
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp

SYMBOL = {"ok": "✓", "warn": "!", "bad": "✗"}
WATCHED = ("runs", "queues", "health")


class HealthScreen(Screen[None]):
    HELP_SCOPE = "Health"

    BINDINGS: ClassVar[list[BindingType]] = []

    DEFAULT_CSS = """
    HealthScreen VerticalScroll { padding: 1 2; }
    HealthScreen .question { text-style: bold; margin-top: 1; }
    HealthScreen .answer { padding-left: 2; }
    HealthScreen .answer.-ok { color: $success; }
    HealthScreen .answer.-warn { color: $warning; }
    HealthScreen .answer.-bad { color: $error; }
    HealthScreen #health-note { color: $text-muted; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        with VerticalScroll():
            for i in range(3):
                yield Static(id=f"q{i}", classes="question")
                yield Static(id=f"a{i}", classes="answer")
            yield Static(Text("From the runs and queues the console polls; the window is the "
                              "last 15 minutes. Like `trigger.dev report health`, without a "
                              "request of its own."), id="health-note")
        yield ConsoleFooter()

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    def on_mount(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        self._pending = False
        self._unsubscribe = [session.store.subscribe(kind, self._on_change) for kind in WATCHED]
        self.set_interval(1.0, self.refresh_summary)
        self.refresh_summary()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_change(self, changed: frozenset[str]) -> None:
        if not self._pending:  # a burst of run changes repaints once
            self._pending = True
            self.call_later(self.refresh_summary)

    def refresh_summary(self) -> None:
        self._pending = False
        session = self.trigger_app.session
        if session is None:
            return
        for i, (question, level, text) in enumerate(lines(summarise(session.store,
                                                                     session.clock()))):
            self.query_one(f"#q{i}", Static).update(Text(question))
            answer = self.query_one(f"#a{i}", Static)
            answer.update(Text(f"{SYMBOL[level]} {text}"))
            answer.set_classes(f"answer -{level}")
