"""The trace waterfall: a run's span tree beside bars on one shared time axis.

Each visible row is a span, indented by depth, with a bar whose start and length are the span's
offset and duration relative to the trace root, so children line up under their parents and a
slow step stands out at a glance. Errors are marked twice (the error color and `✗`) so they read
on a monochrome terminal; spans still running (`isPartial`) get a hatched bar and `◌`.

A Line-API widget: only the visible rows are rendered, and the flattened row list is rebuilt
only when the trace or the folding changes, so a 10 000-span trace scrolls as fast as a small
one. The widget holds the Store's `Trace` object and derived rows, never a copy of the data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from trigger_tui.api.models.runs import Span, Trace
from trigger_tui.ui.format import duration
from trigger_tui.ui.keymap import list_bindings
from trigger_tui.ui.widgets.json_view import printable

MIN_LABEL = 20
MAX_LABEL = 64


@dataclass(slots=True)
class SpanRow:
    """One visible line: a span at its depth, and where it sits on the axis (seconds)."""

    span: Span
    depth: int
    offset_s: float
    duration_s: float

    @property
    def has_children(self) -> bool:
        return bool(self.span.children)

    @property
    def is_log(self) -> bool:
        return is_log(self.span)


def is_log(span: Span) -> bool:
    """A log line: a point in time (no duration, no children) at a level above TRACE."""
    data = span.data
    return data.duration == 0 and not span.children and (data.level or "TRACE") != "TRACE"


def span_mark(span: Span) -> str:
    """The symbol that says what a span is when color is not available."""
    data = span.data
    if data.is_error:
        return "✗"
    if data.is_cancelled:
        return "⊘"
    if data.is_partial:
        return "◌"
    if is_log(span):
        return "·"
    return "▪"


def walk(span: Span) -> Iterator[Span]:
    """Every span of the tree, depth first."""
    stack = [span]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _start(span: Span, t0: datetime) -> float:
    start = span.data.start_time
    return 0.0 if start is None else (start - t0).total_seconds()


class Waterfall(ScrollView, can_focus=True):
    """Span rows with a fixed axis line on top; arrows move, left/right fold, enter toggles."""

    HELP_SCOPE = "Trace waterfall"

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("cursor(1)", "cursor(-1)", "jump(0)", "jump(-1)"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="trace.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="trace.page_down"),
        Binding("left", "collapse", "Collapse", show=False, id="trace.collapse"),
        Binding("right", "expand", "Expand", show=False, id="trace.expand"),
        Binding("enter", "fold", "Fold", id="trace.toggle"),
        Binding("e", "expand_all", "Expand all", show=False, id="trace.expand_all"),
        Binding("z", "collapse_all", "Collapse all", show=False, id="trace.collapse_all"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "waterfall--axis", "waterfall--label", "waterfall--muted", "waterfall--bar",
        "waterfall--bar-error", "waterfall--bar-partial", "waterfall--bar-cancelled",
        "waterfall--log", "waterfall--error", "waterfall--cursor",
    }

    DEFAULT_CSS = """
    Waterfall {
        background: $surface;
        overflow-x: hidden;
        & > .waterfall--axis { color: $text-muted; text-style: bold; }
        & > .waterfall--label { color: $foreground; }
        & > .waterfall--muted { color: $text-muted; }
        & > .waterfall--bar { color: $accent; }
        & > .waterfall--bar-error { color: $error; }
        & > .waterfall--bar-partial { color: $warning; }
        & > .waterfall--bar-cancelled { color: $text-muted; }
        & > .waterfall--log { color: $secondary; }
        & > .waterfall--error { color: $error; text-style: bold; }
        & > .waterfall--cursor { background: $block-cursor-blurred-background; }
        &:focus > .waterfall--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
    }
    """

    cursor: reactive[int] = reactive(0, init=False)

    class SpanHighlighted(Message):
        """The cursor moved to another span (None when the trace is empty)."""

        def __init__(self, waterfall: Waterfall, span: Span | None) -> None:
            super().__init__()
            self.waterfall = waterfall
            self.span = span

        @property
        def control(self) -> Waterfall:
            return self.waterfall

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.trace: Trace | None = None
        self.rows: list[SpanRow] = []
        self.collapsed: set[str] = set()
        self._t0: datetime | None = None
        self._total_s = 0.0
        self._highlighted: str | None = None

    # ------------------------------------------------------------------ data
    def show_trace(self, trace: Trace | None) -> None:
        """Show `trace`, keeping the folding and the cursor on the same span across polls."""
        current = self.selected_span.id if self.selected_span is not None else None
        self.trace = trace
        if trace is None:
            self._t0, self._total_s = None, 0.0
        else:
            root = trace.root_span
            self._t0 = root.data.start_time or datetime.fromtimestamp(0, tz=UTC)
            end = max((_start(s, self._t0) + s.data.duration / 1e9 for s in walk(root)),
                      default=0.0)
            self._total_s = max(end, 0.001)
        self._rebuild(keep=current)

    @property
    def selected_span(self) -> Span | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor].span
        return None

    @property
    def total_s(self) -> float:
        return self._total_s

    def _rebuild(self, keep: str | None = None) -> None:
        rows: list[SpanRow] = []
        t0 = self._t0
        if self.trace is not None and t0 is not None:
            stack: list[tuple[Span, int]] = [(self.trace.root_span, 0)]
            while stack:
                span, depth = stack.pop()
                rows.append(SpanRow(span, depth, _start(span, t0), span.data.duration / 1e9))
                if span.id not in self.collapsed:
                    stack.extend((c, depth + 1) for c in reversed(span.children))
        self.rows = rows
        index = next((i for i, r in enumerate(rows) if r.span.id == keep), None)
        cursor = index if index is not None else min(self.cursor, max(0, len(rows) - 1))
        self.virtual_size = Size(1, len(rows) + 1)
        self.set_reactive(Waterfall.cursor, cursor)
        self._follow_cursor()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        """Tell the screen which span to describe (also after a poll: its data may be new)."""
        span = self.selected_span
        self._highlighted = span.id if span is not None else None
        self.post_message(self.SpanHighlighted(self, span))

    # ------------------------------------------------------------------ actions
    def watch_cursor(self, old: int, new: int) -> None:
        self._follow_cursor()
        self.refresh()
        self._announce()

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        self._move(where if where >= 0 else len(self.rows) - 1)

    def _move(self, index: int) -> None:
        if self.rows:
            self.cursor = max(0, min(index, len(self.rows) - 1))

    def action_fold(self) -> None:
        span = self.selected_span
        if span is None or not span.children:
            return
        self._fold(span, span.id not in self.collapsed)

    def action_collapse(self) -> None:
        """Fold the span, or (already folded or a leaf) go to its parent."""
        span = self.selected_span
        if span is None:
            return
        if span.children and span.id not in self.collapsed:
            self._fold(span, True)
            return
        depth = self.rows[self.cursor].depth
        for i in range(self.cursor - 1, -1, -1):
            if self.rows[i].depth < depth:
                self.cursor = i
                return

    def action_expand(self) -> None:
        """Unfold the span, or (already open) go to its first child."""
        span = self.selected_span
        if span is None or not span.children:
            return
        if span.id in self.collapsed:
            self._fold(span, False)
        else:
            self._move(self.cursor + 1)

    def action_expand_all(self) -> None:
        self.collapsed.clear()
        self._rebuild(keep=self._highlighted)

    def action_collapse_all(self) -> None:
        if self.trace is not None:
            root = self.trace.root_span
            self.collapsed = {s.id for s in walk(root) if s.children and s is not root}
        self._rebuild(keep=self._highlighted)

    def _fold(self, span: Span, fold: bool) -> None:
        if fold:
            self.collapsed.add(span.id)
        else:
            self.collapsed.discard(span.id)
        self._rebuild(keep=span.id)

    def _follow_cursor(self) -> None:
        """Keep the cursor row inside the viewport (row 0 of the view is the axis)."""
        height = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    async def _on_click(self, event: events.Click) -> None:
        row = event.y - 1 + int(self.scroll_y)
        if event.y >= 1 and 0 <= row < len(self.rows):
            self.focus()
            if row == self.cursor:
                self.action_fold()
            self.cursor = row

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(1, len(self.rows) + 1)

    # ------------------------------------------------------------------ rendering
    def _layout(self, width: int) -> tuple[int, int]:
        label = max(MIN_LABEL, min(MAX_LABEL, width // 2))
        return label, max(1, width - label - 1)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        # Painted over the widget's own style: unstyled gaps between bars would otherwise show
        # the terminal's background, a dark stripe in a light theme.
        base = self.rich_style
        if y == 0:
            return Strip(self._axis(width), width).apply_style(base)
        index = y - 1 + int(self.scroll_y)
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, base)
        return Strip(self._row(self.rows[index], width, index == self.cursor),
                     width).apply_style(base)

    def _axis(self, width: int) -> list[Segment]:
        label_w, bar_w = self._layout(width)
        style = self.get_component_rich_style("waterfall--axis")
        if self.trace is None:
            return [Segment(set_cell_size("No trace yet", width), style)]
        total_ms = self._total_s * 1000
        ticks = [" "] * bar_w
        middle = duration(total_ms / 2)
        for col, text in ((0, "0"), (bar_w // 2 - len(middle) // 2, middle),
                          (bar_w - len(duration(total_ms)), duration(total_ms))):
            if col >= 0:
                ticks[col:col + len(text)] = text
        head = set_cell_size(" span", label_w) + " "
        return [Segment(head + "".join(ticks)[:bar_w], style)]

    def _row(self, row: SpanRow, width: int, selected: bool) -> list[Segment]:
        label_w, bar_w = self._layout(width)
        span, data = row.span, row.span.data
        muted = self.get_component_rich_style("waterfall--muted")
        mark_style = self._bar_style(span)
        label_style = self.get_component_rich_style(
            "waterfall--error" if data.is_error else "waterfall--label")
        fold = (" " if not row.has_children else "▸" if span.id in self.collapsed else "▾")
        indent = "  " * min(row.depth, 12)
        text = printable(data.message or span.id)
        head = f"{indent}{fold} "
        room = max(0, label_w - cell_len(head) - 2)
        label = [Segment(head, muted), Segment(span_mark(span) + " ", mark_style),
                 Segment(set_cell_size(text, room), label_style), Segment(" ")]
        segments = label + self._bar(row, bar_w, mark_style, muted)
        if selected:
            cursor = self.get_component_rich_style("waterfall--cursor")
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
        return segments

    def _bar_style(self, span: Span) -> Style:
        data = span.data
        component = ("waterfall--bar-error" if data.is_error
                     else "waterfall--bar-cancelled" if data.is_cancelled
                     else "waterfall--bar-partial" if data.is_partial
                     else "waterfall--log" if is_log(span) else "waterfall--bar")
        return self.get_component_rich_style(component)

    def _bar(self, row: SpanRow, bar_w: int, style: Style, muted: Style) -> list[Segment]:
        """The span's bar on the shared axis, with its duration beside it when it fits."""
        scale = bar_w / self._total_s
        start = min(bar_w - 1, max(0, int(row.offset_s * scale)))
        if row.is_log:
            cells = [Segment(" " * start), Segment("◆", style)]
            used = start + 1
        else:
            length = max(1, min(bar_w - start, round(row.duration_s * scale)))
            fill = "░" if row.span.data.is_partial else "█"
            cells = [Segment(" " * start), Segment(fill * length, style)]
            used = start + length
            label = " " + duration(row.duration_s * 1000)
            if used + len(label) <= bar_w:
                cells.append(Segment(label, muted))
                used += len(label)
            elif start >= len(label):
                cells = [Segment(" " * (start - len(label))), Segment(label[1:] + " ", muted),
                         *cells[1:]]
        cells.append(Segment(" " * max(0, bar_w - used)))
        return cells
