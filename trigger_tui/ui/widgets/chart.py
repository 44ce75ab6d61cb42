"""Charts for grouped query results, drawn with block characters (no plotting dependency).

A result with a label column and a number column is a bar chart (category × value, biggest
first); one whose label is a time bucket (`timeBucket()`, `toStartOfInterval`, a `…_at`/`minute`
/`day` column, or values that read as timestamps) is a time-series chart drawn in eighth blocks.
`choose` picks automatically; the screen's key switches between the two and the table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from rich.text import Text
from textual.widget import Widget

from trigger_tui.ui.format import printable
from trigger_tui.ui.widgets.results_table import cell_text

ChartKind = Literal["bar", "line"]
_TIME_NAMES = re.compile(r"(time|bucket|minute|hour|day|week|month|_at)$", re.IGNORECASE)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_EIGHTHS = " ▁▂▃▄▅▆▇█"
_PARTIAL = " ▏▎▍▌▋▊▉█"


@dataclass(frozen=True, slots=True)
class ChartSpec:
    kind: ChartKind
    label: str
    value: str


def _is_number(v: Any) -> TypeGuard[float]:
    return isinstance(v, int | float) and not isinstance(v, bool)


def choose(columns: Sequence[str], rows: Sequence[dict[str, Any]],
           kind: ChartKind | None = None) -> ChartSpec | None:
    """The chart a result reads best as, or None when it has no label × number shape."""
    if not rows or len(columns) < 2:
        return None
    sample = rows[:50]
    numeric = [c for c in columns if all(_is_number(r.get(c)) or r.get(c) is None
                                         for r in sample) and any(_is_number(r.get(c))
                                                                  for r in sample)]
    labels = [c for c in columns if c not in numeric]
    if not numeric or not labels:
        return None
    label = labels[0]
    timey = bool(_TIME_NAMES.search(label)) or all(
        isinstance(r.get(label), str) and _TIMESTAMP.match(r[label]) for r in sample)
    return ChartSpec(kind or ("line" if timey else "bar"), label, numeric[0])


def bar_lines(rows: Sequence[dict[str, Any]], spec: ChartSpec, width: int, height: int
              ) -> list[str]:
    """Horizontal bars, biggest first, as many as fit (values of a repeated label summed)."""
    totals: dict[str, float] = {}
    for r in rows:
        v = r.get(spec.value)
        if _is_number(v):
            key = printable(cell_text(r.get(spec.label)))
            totals[key] = totals.get(key, 0.0) + float(v)
    items = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:max(1, height - 1)]
    if not items:
        return ["(no numbers to chart)"]
    label_w = min(28, max(len(k) for k, _ in items))
    value_w = max(len(_num(v)) for _, v in items)
    bar_w = max(4, width - label_w - value_w - 3)
    top = max(abs(v) for _, v in items) or 1.0
    lines = [f"{spec.value} by {spec.label}"]
    for key, v in items:
        cells = max(0.0, v) / top * bar_w
        full, part = int(cells), int((cells - int(cells)) * 8)
        bar = "█" * full + (_PARTIAL[part] if part else "")
        lines.append(f"{key[:label_w].ljust(label_w)} {bar.ljust(bar_w)} {_num(v).rjust(value_w)}")
    return lines


def line_lines(rows: Sequence[dict[str, Any]], spec: ChartSpec, width: int, height: int
               ) -> list[str]:
    """A time series in columns of eighth blocks, oldest on the left, with its range.
    Rows sharing a bucket (one per status, say) are summed into it."""
    sums: dict[str, float] = {}
    for r in rows:
        v = r.get(spec.value)
        if _is_number(v):
            key = cell_text(r.get(spec.label))
            sums[key] = sums.get(key, 0.0) + float(v)
    points = sorted(sums.items())
    if not points:
        return ["(no numbers to chart)"]
    axis_w = max(len(_num(max(v for _, v in points))), len(_num(0))) + 1
    plot_w = max(4, width - axis_w - 1)
    plot_h = max(2, height - 3)
    values = _resample([v for _, v in points], plot_w)
    top = max(values) or 1.0
    grid = [[" "] * len(values) for _ in range(plot_h)]
    for x, v in enumerate(values):
        eighths = round(max(0.0, v) / top * plot_h * 8)
        for y in range(plot_h):
            fill = min(8, max(0, eighths - y * 8))
            grid[plot_h - 1 - y][x] = _EIGHTHS[fill]
    lines = [f"{spec.value} over {spec.label}"]
    for i, row in enumerate(grid):
        tick = _num(top) if i == 0 else (_num(0) if i == plot_h - 1 else "")
        lines.append(f"{tick.rjust(axis_w)}│{''.join(row)}")
    first, last = points[0][0], points[-1][0]
    gap = max(1, plot_w - len(first) - len(last))
    lines.append(" " * (axis_w + 1) + first + " " * gap + last)
    return lines


def _resample(values: list[float], width: int) -> list[float]:
    """`width` columns: each the largest value of its slice (peaks must not vanish); a
    short series is stretched, each point as wide as the plot allows."""
    if len(values) <= width:
        return [v for v in values for _ in range(width // len(values))]
    out = []
    for i in range(width):
        lo, hi = i * len(values) // width, (i + 1) * len(values) // width
        out.append(max(values[lo:max(hi, lo + 1)]))
    return out


def _num(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e12:
        return f"{int(v):,}"
    return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:.3e}"


class Chart(Widget):
    """Draws `spec` for the rows given; the screen decides when it is shown."""

    DEFAULT_CSS = """
    Chart { height: 1fr; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: Sequence[dict[str, Any]] = ()
        self.spec: ChartSpec | None = None

    def show(self, rows: Sequence[dict[str, Any]], spec: ChartSpec | None) -> None:
        self.rows, self.spec = rows, spec
        self.refresh()

    def render(self) -> Text:
        if self.spec is None:
            return Text("This result has no label × number shape to chart.")
        width, height = self.content_size.width, self.content_size.height
        draw = line_lines if self.spec.kind == "line" else bar_lines
        return Text("\n".join(draw(self.rows, self.spec, width, height)), no_wrap=True)
