"""The key footer of every console screen, readable down to 80 columns.

Textual's footer lays its keys out in one row and lets the terminal's edge cut the last one
mid-word ("q Qui"). On a terminal narrower than `NARROW` columns this one switches to the
compact style (no padding around keys) and drops the command palette key (ctrl+p still works
and help lists it). At any width it shows only the keys that fit whole, in the order their
screen declares them, and it always keeps the help key: the keys it had to leave out are all
in help.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets

NARROW = 100  # columns: below this the footer is compact and drops the palette key
HELP_ACTION = "help"

T = TypeVar("T")


def key_width(key_display: str, description: str, *, compact: bool) -> int:
    """Columns one footer key takes, its margin included (mirrors Textual's footer styles:
    wide keys are padded ` q Quit `, compact ones are `q Quit` plus a one-column gap)."""
    key, text = cell_len(key_display), cell_len(description)
    if compact:
        return key + (1 + text if text else 0) + 1
    return key + 2 + text + 1 if text else key


def fit(items: Sequence[T], width: int, width_of: Callable[[T], int],
        keep: Callable[[T], bool], *, trailing: int = 0) -> list[T]:
    """The items that fit in `width` columns, in order: the first ones win, and an item that
    does not fit ends the row (a shorter later key never jumps ahead of a longer earlier one),
    except items `keep` names, which always stay. `trailing` is the last item's margin, which
    may fall past the edge."""
    widths = [width_of(item) for item in items]
    if sum(widths) - trailing <= width:
        return list(items)
    budget = width + trailing - sum(w for item, w in zip(items, widths, strict=True)
                                    if keep(item))
    out: list[T] = []
    full = False
    for item, w in zip(items, widths, strict=True):
        if keep(item):
            out.append(item)
        elif not full and w <= budget:
            out.append(item)
            budget -= w
        else:
            full = True
    return out


class ConsoleFooter(Footer):
    """Footer that never cuts a key in half; compact on narrow terminals."""

    # Compact keys have no padding of their own: one column keeps them in line with the
    # status line above.
    DEFAULT_CSS = """
    ConsoleFooter.-compact {
        padding-left: 1;
    }
    """

    def on_mount(self) -> None:
        self._adapt(self.app.size.width)

    def on_resize(self, _: events.Resize) -> None:
        self._adapt(self.app.size.width)
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)

    def _adapt(self, width: int) -> None:
        narrow = width < NARROW
        self.compact = narrow
        self.show_command_palette = not narrow

    def compose(self) -> ComposeResult:
        items = list(super().compose())
        keys = [item for item in items if isinstance(item, FooterKey)]
        if len(keys) != len(items):  # binding groups: not used here; leave them to Textual
            yield from items
            return
        yield from self._fitting(keys)

    def _fitting(self, keys: Sequence[FooterKey]) -> list[FooterKey]:
        width = self.size.width or self.app.size.width
        row: list[FooterKey] = []
        for key in keys:
            if key.has_class("-command-palette"):
                # Docked right outside the row: a compact key plus its border and padding.
                width -= key_width(key.key_display, key.description, compact=True) + 1
            else:
                row.append(key)
        gap = 1 if self.compact else 0
        shown = fit(row, width,
                    lambda k: key_width(k.key_display, k.description, compact=self.compact),
                    lambda k: k.action == HELP_ACTION, trailing=gap)
        palette = [key for key in keys if key.has_class("-command-palette")]
        return [*shown, *palette]
