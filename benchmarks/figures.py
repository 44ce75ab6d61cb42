"""One benchmark figure, and the table and JSON every benchmark shares.

Shared machines are noisy, so a figure is never printed alone: each sits beside a reference
measured in the same run (Textual's stock DataTable, bare `json.loads`, an empty Textual app …)
and the ratio between them, which moves far less than either number from one machine to the
next. `ratio` is always `value / reference`, so "5× faster" reads as a ratio of 0.2.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

JSON_KEYS = ("name", "value", "unit", "reference", "ratio", "goal", "met")


@dataclass(frozen=True, slots=True)
class Figure:
    """`value` and `reference` share `unit`; `goal` is the target in words (None: the issue
    sets none, then `met` is None too). `value` None means the figure could not be measured
    and `note` says why."""

    name: str
    value: float | None
    unit: str
    reference: float | None = None
    ratio: float | None = None
    goal: str | None = None
    met: bool | None = None
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": _finite(self.value), "unit": self.unit,
                "reference": _finite(self.reference), "ratio": _finite(self.ratio),
                "goal": self.goal, "met": self.met}


def _finite(x: float | None) -> float | None:
    """JSON has no infinity or NaN: such a figure is written as null."""
    if x is None or not math.isfinite(x):
        return None
    return round(x, 6)


def ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None:
        return None
    if reference == 0:
        return math.inf if value > 0 else None
    return value / reference


def unmeasured(name: str, unit: str, goal: str | None, why: str) -> Figure:
    """A line that stays in the table (so a missing figure is seen) with the reason."""
    return Figure(name, None, unit, goal=goal, note=why)


def _num(x: float | None, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if unit == "%" or abs(x) < 10:
        return f"{x:.2f}" if abs(x) < 100 else f"{x:,.0f}"
    return f"{x:,.1f}" if abs(x) < 1000 else f"{x:,.0f}"


def _ratio_text(r: float | None) -> str:
    if r is None or not math.isfinite(r):
        return "n/a"
    return f"{r:.3f}×" if r < 0.1 else f"{r:.2f}×"


def table(figures: Sequence[Figure]) -> str:
    """A plain-text table: name, value, unit, reference, ratio, goal, met (✓ / ✗ / –)."""
    head = ("figure", "value", "unit", "reference", "ratio", "goal", "met")
    rows = [(f.name, _num(f.value, f.unit), f.unit, _num(f.reference, f.unit),
             _ratio_text(f.ratio), f.goal or "–",
             "–" if f.met is None else ("✓" if f.met else "✗")) for f in figures]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    right = {1, 3, 4}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    out = [line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    if notes:
        out += ["", "notes:", *notes]
    return "\n".join(out)


def write_json(figures: Iterable[Figure], path: Path) -> None:
    path.write_text(json.dumps([f.as_json() for f in figures], indent=2, ensure_ascii=False)
                    + "\n", encoding="utf-8")
