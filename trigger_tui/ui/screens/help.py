"""The `?` overlay: every key, generated from the keymap, with the ones that apply here first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from trigger_tui.ui import keymap, panes


class HelpScreen(ModalScreen[None]):
    """Keys grouped by where they work; `here` (scopes of the focused screen) come first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
        *keymap.list_bindings("scroll(1)", "scroll(-1)", "edge('top')", "edge('bottom')"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96; max-width: 96%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .help-title { text-style: bold; color: $accent; margin-top: 1; }
    HelpScreen .help-hint { color: $text-muted; }
    """

    def __init__(self, here: Iterable[str] = (), keys: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.here = list(here)
        self.keys = keys

    def compose(self) -> ComposeResult:
        entries = [e for e in keymap.all_bindings(self.keys)
                   if not e.scope.startswith("Wall")]  # the wall is its own app
        scopes: list[str] = []
        for e in entries:
            if e.scope not in scopes:
                scopes.append(e.scope)
        order = [s for s in self.here if s in scopes] + [s for s in scopes if s not in self.here]
        with VerticalScroll():
            yield Static(Text("esc closes · keys marked * apply where you are · remap any key "
                              "by its id in the config file"), classes="help-hint")
            for scope in order:
                mark = " *" if scope in self.here else ""
                yield Static(Text(f"{scope}{mark}"), classes="help-title")
                yield Static(self._table([e for e in entries if e.scope == scope]))
            yield Static(Text("Jump with :"), classes="help-title")
            yield Static(self._jumps())

    @staticmethod
    def _table(entries: list[keymap.KeyEntry]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(width=18, no_wrap=True)
        table.add_column(ratio=1)
        table.add_column(style="dim", no_wrap=True)
        for e in entries:
            table.add_row(Text(keymap.display_keys(e.keys), style="bold"), Text(e.description),
                          Text(e.id))
        return table

    @staticmethod
    def _jumps() -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(width=18, no_wrap=True)
        table.add_column(ratio=1)
        for pane in panes.PANES:
            names = ", ".join((pane.name, *pane.aliases, pane.key))
            table.add_row(Text(f":{pane.name}", style="bold"), Text(f"{pane.help} ({names})"))
        table.add_row(Text(":run_…", style="bold"), Text("open that run (or :run <id>)"))
        for word in panes.STATUS_SHORTCUTS:
            table.add_row(Text(f":{word}", style="bold"), Text(f"runs pane, {word} runs only"))
        table.add_row(Text(":q", style="bold"), Text("quit"))
        return table

    def action_scroll(self, lines: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_edge(self, where: str) -> None:
        scroll = self.query_one(VerticalScroll)
        if where == "top":
            scroll.scroll_home(animate=False)
        else:
            scroll.scroll_end(animate=False)
