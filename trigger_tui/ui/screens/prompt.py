"""A one-line prompt at the bottom of the screen (`:` jump, `/` filter), k9s style.

Enter answers the text, esc answers None; the screen under it stays visible, so the operator
types with the runs in view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static


class PromptScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("tab", "complete", "Complete", priority=True, id="prompt.complete"),
    ]

    DEFAULT_CSS = """
    PromptScreen { align: left bottom; background: $background 0%; }
    PromptScreen > Horizontal {
        height: 2; width: 100%; dock: bottom;
        background: $panel; border-top: hkey $accent;
    }
    PromptScreen #prompt-label { width: auto; padding: 0 0 0 1; color: $accent;
                                  text-style: bold; height: 1; }
    PromptScreen Input, PromptScreen Input:focus {
        border: none; height: 1; padding: 0 1; width: 1fr; background: $panel;
    }
    PromptScreen #prompt-hint { width: auto; color: $text-muted; padding: 0 1; height: 1; }
    """

    def __init__(self, label: str, value: str = "", *, suggestions: Sequence[str] = (),
                 placeholder: str = "", hint: str = "enter ok · esc cancel") -> None:
        super().__init__()
        self.label = label
        self.value = value
        self.suggestions = list(suggestions)
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(Text(self.label), id="prompt-label")
            suggester = (SuggestFromList(self.suggestions, case_sensitive=False)
                         if self.suggestions else None)
            yield Input(self.value, placeholder=self.placeholder, suggester=suggester,
                        select_on_focus=False)
            yield Static(Text(self.hint), id="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_complete(self) -> None:
        """Take the suggestion shown after the cursor (tab, as in a shell)."""
        field = self.query_one(Input)
        field.cursor_position = len(field.value)
        field.action_cursor_right()  # at the end, this accepts the suggestion

    def action_cancel(self) -> None:
        self.dismiss(None)
