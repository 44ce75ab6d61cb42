"""The one confirmation dialog every mutation goes through.

It names what it will touch (the caller writes the body: count, environment, ids), answers
`True` only on an explicit yes, and for a dangerous action starts with the focus on "Cancel" so
a stray `enter` at 3 a.m. does nothing.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    """`await app.push_screen_wait(ConfirmScreen(...))` (or a callback) gives True or False."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        Binding("left,right,tab,shift+tab", "switch", "Switch button", show=False,
                id="confirm.switch"),
    ]

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #dialog {
        width: 64; max-width: 90%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 1 2;
    }
    ConfirmScreen.-danger > #dialog { border: thick $error; }
    ConfirmScreen #title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen.-danger #title { color: $error; }
    ConfirmScreen #body { margin-bottom: 1; }
    ConfirmScreen #buttons { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; min-width: 12; }
    """

    def __init__(self, title: str, body: str | Text | Content, danger: bool = False, *,
                 confirm_label: str = "Confirm", cancel_label: str = "Back") -> None:
        super().__init__(classes="-danger" if danger else None)
        self.title_text = title
        self.body = body
        self.danger = danger
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text), id="title")
            # Plain strings are never parsed as markup: run ids, tags and task names are data.
            body = Text(self.body) if isinstance(self.body, str) else self.body
            yield Static(body, id="body")
            with Horizontal(id="buttons"):
                yield Button(Text(f"{self.cancel_label} (n)"), id="no")
                yield Button(Text(f"{self.confirm_label} (y)"),
                             variant="error" if self.danger else "primary", id="yes")

    def on_mount(self) -> None:
        self.query_one("#no" if self.danger else "#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_switch(self) -> None:
        target = "#yes" if self.focused is not None and self.focused.id == "no" else "#no"
        self.query_one(target, Button).focus()
