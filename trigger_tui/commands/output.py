"""Rendering for headless commands: aligned tables for people, JSON and CSV for machines.

Data goes to stdout and nothing else does; progress, confirmations and errors go to stderr, so
`trigger-tui runs list --json | jq …` always receives clean JSON. JSON output is the API's own
shape (camelCase fields, ISO times), so what a script learns from the reference still holds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from trigger_tui.export import jsonable, render_csv

Format = Literal["table", "json", "csv"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv")
MAX_CELL = 60  # a table cell longer than this is cut with an ellipsis


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its header and how to read the cell from an item."""

    header: str
    get: Callable[[Any], Any]
    width: int = MAX_CELL
    raw: Callable[[Any], Any] | None = None  # the machine value for CSV, when `get` formats

    def csv_value(self, item: Any) -> Any:
        return (self.raw or self.get)(item)


def col(header: str, attr: str, width: int = MAX_CELL) -> Column:
    return Column(header, lambda item: getattr(item, attr, None), width)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def relative(when: datetime | None, now: datetime) -> str:
    """"3m ago", "in 2h", "just now": how an operator reads times in a table."""
    if when is None:
        return "-"
    delta = (when - now).total_seconds()
    span = abs(delta)
    if span < 5:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if span >= size:
            text = f"{int(span // size)}{unit}"
            break
    return f"in {text}" if delta > 0 else f"{text} ago"


def _cell(value: Any, now: datetime) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return relative(value, now)
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    if isinstance(value, dict | BaseModel):
        return json.dumps(jsonable(value), separators=(",", ":"), ensure_ascii=False)
    return " ".join(str(value).split())  # one line per row, whatever the value holds


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines)


class Output:
    """Where a command's results and messages go, in the format the caller asked for."""

    def __init__(self, fmt: Format = "table", *, now: Callable[[], datetime] | None = None
                 ) -> None:
        self.format: Format = fmt
        self._now = now or (lambda: datetime.now(UTC))

    # streams are looked up on each write so pytest's capture (and redirection) always works
    def data(self, text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")

    def message(self, text: str) -> None:
        print(text, file=sys.stderr)

    def json(self, value: Any) -> None:
        self.data(json.dumps(jsonable(value), indent=2, ensure_ascii=False))

    def items(self, items: Sequence[Any], columns: Sequence[Column], *,
              empty: str = "nothing found") -> None:
        """A list: a table, a JSON array of API objects, or CSV with the table's columns."""
        if self.format == "json":
            self.json(list(items))
            return
        headers = [c.header for c in columns]
        if self.format == "csv":
            self.data(render_csv(headers, [[c.csv_value(i) for c in columns] for i in items]))
            return
        if not items:
            self.message(empty)
            return
        now = self._now()
        rows = [[_clip(_cell(c.get(i), now), c.width) for c in columns] for i in items]
        self.data(render_table(headers, rows))

    def item(self, item: Any, fields: Sequence[Column]) -> None:
        """One object: `FIELD  value` lines, its JSON, or a one-row CSV."""
        if self.format == "json":
            self.json(item)
            return
        if self.format == "csv":
            self.data(render_csv([f.header for f in fields], [[f.csv_value(item) for f in fields]]))
            return
        now = self._now()
        width = max(len(f.header) for f in fields)
        lines = []
        for f in fields:
            value = f.get(item)
            if isinstance(value, datetime):
                text = f"{iso(value)} ({relative(value, now)})"
            elif isinstance(value, dict | list) and value and not _flat_list(value):
                text = json.dumps(jsonable(value), indent=2, ensure_ascii=False)
                text = text.replace("\n", "\n" + " " * (width + 2))
            else:
                text = _cell(value, now)
            lines.append(f"{f.header.ljust(width)}  {text}")
        self.data("\n".join(lines))

    def done(self, results: Sequence[dict[str, Any]]) -> None:
        """What a change produced: the ids, one per line, or the result objects as JSON/CSV."""
        if self.format == "table":
            self.data("\n".join(str(r["id"]) for r in results))
        elif self.format == "json":
            self.json(results[0] if len(results) == 1 else list(results))
        else:
            self.rows(results)

    def rows(self, rows: Sequence[dict[str, Any]]) -> None:
        """Free-form rows (TRQL results): columns are the union of keys, in first-seen order."""
        if self.format == "json":
            self.json(list(rows))
            return
        headers: dict[str, None] = {}
        for row in rows:
            headers.update(dict.fromkeys(row))
        columns = [_key_column(h) for h in headers]
        if self.format == "csv":
            self.data(render_csv(list(headers), [[c.get(r) for c in columns] for r in rows]))
            return
        self.items(rows, columns, empty="no rows")


def _key_column(key: str) -> Column:
    return Column(key, lambda row: row.get(key))


def _flat_list(value: dict[str, Any] | list[Any]) -> bool:
    """A list of plain values reads well on one line (`a, b, c`); anything else as JSON."""
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)
