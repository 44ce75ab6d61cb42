"""The TRQL console's state: running a query, its history, saved and stock queries, export.

Nothing here imports Textual: the console screen and the headless `trigger-tui query` share
the execution and export code. A server error is kept in the server's own words (TRQL
messages are precise: `Unknown column "x". Did you mean "y"?`), with the line and column
parsed out when the message gives one, so the editor can point at it.

History lives in the state folder (`$XDG_STATE_HOME/trigger-tui/`) as a bounded JSON-lines file
(appends are cheap; it is compacted when it grows past twice its bound); saved queries live in
the config file's `[queries]` table, with a name each.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from trigger_tui import config
from trigger_tui.api.client import TriggerClient
from trigger_tui.api.errors import ApiError, TriggerError
from trigger_tui.api.models.query import Dashboard, QuerySchema
from trigger_tui.api.trql import RUN_COLUMNS, TRQL_STATUSES
from trigger_tui.export import csv_cell as csv_cell
from trigger_tui.export import jsonable as jsonable
from trigger_tui.export import render_csv as render_csv

Scope = Literal["environment", "project", "organization"]
ExportFormat = Literal["csv", "json"]
PERIODS: tuple[str, ...] = ("15m", "1h", "6h", "1d", "7d", "30d")
DEFAULT_PERIOD = "1d"
HISTORY_LIMIT = 500
_PERIOD = re.compile(r"^\d+[smhdw]$")
_POSITION = re.compile(r"line (\d+):(\d+)")


# --------------------------------------------------------------------------- where files live
def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/trigger-tui`, `~/.local/state/…` when unset (or relative)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".local" / "state"
    return root / "trigger-tui"


# --------------------------------------------------------------------------- running
@dataclass(frozen=True, slots=True)
class QueryRequest:
    """What the console sends: the text and the window the API applies to it."""

    text: str
    period: str | None = DEFAULT_PERIOD
    from_: str | None = None
    to: str | None = None
    scope: Scope = "environment"

    def window_label(self) -> str:
        if self.period:
            return f"last {self.period}"
        return f"{self.from_ or '…'} → {self.to or 'now'}"


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """A result (columns in the server's order, rows as dicts) or the server's error."""

    request: QueryRequest
    columns: tuple[str, ...] = ()
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    position: tuple[int, int] | None = None  # (line, column), both from 1, when given
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_window(text: str) -> tuple[str | None, str | None, str | None]:
    """`7d` → a period; `2026-01-01..2026-01-02` (either side may be empty) → from/to.

    Raises ValueError with a sentence for the operator when the text is neither."""
    text = text.strip()
    if _PERIOD.match(text):
        return text, None, None
    if ".." in text:
        start, _, end = text.partition("..")
        if start.strip() or end.strip():
            return None, _checked_instant(start), _checked_instant(end)
    raise ValueError(f"{text!r} is neither a period (15m, 6h, 7d) nor a range FROM..TO")


def instant(text: str) -> datetime:
    """`2026-01-01`, `2026-01-01T10:00`, `…Z`: naive times are read as UTC."""
    when = datetime.fromisoformat(text.strip())
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _checked_instant(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        instant(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a time such as 2026-01-01 or "
                         "2026-01-01T10:00Z") from None
    return text.strip()


def error_position(message: str) -> tuple[int, int] | None:
    """`Syntax error at line 1:14: …` → (1, 15): the column as an editor counts it."""
    m = _POSITION.search(message)
    return (int(m.group(1)), int(m.group(2)) + 1) if m else None


def columns_of(rows: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """Output columns in first-seen order (JSON objects keep the SELECT order)."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return tuple(seen)


async def run_query(client: TriggerClient, req: QueryRequest,
                    timer: Callable[[], float] = time.perf_counter) -> QueryOutcome:
    """Run `req`; an API error becomes an outcome carrying the server's words."""
    start = timer()
    try:
        result = await client.query.execute(
            req.text, period=req.period, from_=instant(req.from_) if req.from_ else None,
            to=instant(req.to) if req.to else None, scope=req.scope)
    except ApiError as exc:
        message = exc.server_message or str(exc)
        return QueryOutcome(req, error=message, position=error_position(message),
                            elapsed_s=timer() - start)
    except TriggerError as exc:
        return QueryOutcome(req, error=str(exc), elapsed_s=timer() - start)
    rows = result.rows or []
    return QueryOutcome(req, columns_of(rows), rows, elapsed_s=timer() - start)


# --------------------------------------------------------------------------- sorting
def _sort_key(value: Any) -> tuple[int, Any]:
    # Numbers before text, nulls last whatever the direction asks (handled by the caller).
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value if not (isinstance(value, float) and math.isnan(value)) else 0)
    if isinstance(value, str):
        return (1, value)
    return (1, json.dumps(value, sort_keys=True, default=str))


def sort_rows(rows: Sequence[dict[str, Any]], column: str, descending: bool
              ) -> list[dict[str, Any]]:
    """Rows ordered by `column`; empty cells stay at the bottom in both directions."""
    present = [r for r in rows if r.get(column) is not None]
    empty = [r for r in rows if r.get(column) is None]
    present.sort(key=lambda r: _sort_key(r[column]), reverse=descending)
    return present + empty


# --------------------------------------------------------------------------- export
# The export shapes live here, below both the console and the headless commands, so
# `trigger-tui query --format csv|json` and the console's export write the same bytes.
def export_text(columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
                fmt: ExportFormat) -> str:
    """CSV as the API writes it (null → empty, objects as JSON) or a JSON array of rows.

    The headless `trigger-tui query --format csv/json` writes the same shapes."""
    if fmt == "json":
        return json.dumps(jsonable(list(rows)), indent=2, ensure_ascii=False) + "\n"
    return render_csv(list(columns), [[r.get(c) for c in columns] for r in rows])


def export_format(path: Path) -> ExportFormat:
    return "json" if path.suffix.lower() in (".json", ".jsonl") else "csv"


def export_to_file(path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, Any]],
                   fmt: ExportFormat | None = None) -> ExportFormat:
    """Write the result to `path` (format from the suffix unless given); returns the format."""
    fmt = fmt or export_format(path)
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export_text(columns, rows, fmt), encoding="utf-8")
    return fmt


# --------------------------------------------------------------------------- history
@dataclass(frozen=True, slots=True)
class HistoryEntry:
    text: str
    period: str | None
    at: float  # epoch seconds (the session clock)
    rows: int | None = None
    error: str | None = None


class QueryHistory:
    """Queries run, newest last, in a JSON-lines file bounded to `limit` entries."""

    def __init__(self, path: Path, limit: int = HISTORY_LIMIT) -> None:
        self.path = path
        self.limit = limit
        self.entries: list[HistoryEntry] = self._load()

    def _load(self) -> list[HistoryEntry]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (FileNotFoundError, UnicodeDecodeError):
            return []
        entries: list[HistoryEntry] = []
        for line in lines:
            try:
                data = json.loads(line)
                entries.append(HistoryEntry(str(data["text"]), data.get("period"),
                                            float(data.get("at", 0)), data.get("rows"),
                                            data.get("error")))
            except (ValueError, KeyError, TypeError):
                continue  # a torn line (crash mid-write) costs one entry, not the history
        return entries[-self.limit:]

    def add(self, outcome: QueryOutcome, at: float) -> HistoryEntry:
        req = outcome.request
        entry = HistoryEntry(req.text, req.period, at,
                             None if outcome.error else len(outcome.rows), outcome.error)
        if self.entries and self.entries[-1].text == entry.text:
            self.entries[-1] = entry  # running the same text again is one entry
        else:
            self.entries.append(entry)
        if len(self.entries) > self.limit:
            self.entries = self.entries[-self.limit:]
        self._write()
        return entry

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        text = "".join(json.dumps({k: v for k, v in _entry_dict(e).items() if v is not None},
                                  ensure_ascii=False) + "\n" for e in self.entries)
        _atomic_write(self.path, text)

    def search(self, needle: str = "") -> list[HistoryEntry]:
        """Newest first; every word of `needle` must appear (case-insensitive)."""
        words = needle.lower().split()
        found = [e for e in reversed(self.entries) if all(w in e.text.lower() for w in words)]
        seen: set[str] = set()
        unique = []
        for e in found:
            if e.text not in seen:
                seen.add(e.text)
                unique.append(e)
        return unique


def _entry_dict(e: HistoryEntry) -> dict[str, Any]:
    return {"text": e.text, "period": e.period, "at": e.at, "rows": e.rows, "error": e.error}


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- saved and stock
@dataclass(frozen=True, slots=True)
class NamedQuery:
    name: str
    text: str
    period: str | None = None


STOCK_QUERIES: tuple[NamedQuery, ...] = (
    NamedQuery("Failures by task",
               "SELECT task_identifier, count() AS runs,\n"
               "  countIf(status IN ('Failed', 'Crashed', 'System failure', 'Timed out'))"
               " AS failures\nFROM runs\nGROUP BY task_identifier\nORDER BY failures DESC"),
    NamedQuery("p95 duration by task",
               "SELECT task_identifier, count() AS runs,\n"
               "  quantile(0.95)(usage_duration) AS p95_duration_ms\n"
               "FROM runs\nGROUP BY task_identifier\nORDER BY p95_duration_ms DESC"),
    NamedQuery("Cost by task and machine",
               "SELECT task_identifier, machine, count() AS runs,\n"
               "  sum(total_cost) AS total_cost\nFROM runs\n"
               "GROUP BY task_identifier, machine\nORDER BY total_cost DESC"),
    NamedQuery("Queue wait",
               "SELECT queue, count() AS runs,\n  avg(queued_duration) AS avg_wait_ms,\n"
               "  quantile(0.95)(queued_duration) AS p95_wait_ms\n"
               "FROM runs\nWHERE queued_duration IS NOT NULL\nGROUP BY queue\n"
               "ORDER BY p95_wait_ms DESC"),
    NamedQuery("Runs per minute",
               "SELECT timeBucket() AS minute, count() AS runs\nFROM runs\n"
               "GROUP BY minute\nORDER BY minute", "1h"),
)


class SavedQueries:
    """Named queries in the config file's `[queries]` table, beside the profiles.

    Every write re-reads the file first, so a profile added meanwhile is kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: dict[str, NamedQuery] = self._load()

    def _load(self) -> dict[str, NamedQuery]:
        try:
            queries = config.load(self.path).settings.queries
        except config.ConfigError:
            return {}  # the console says what is wrong with the file elsewhere
        return {name: NamedQuery(name, saved.text, saved.period)
                for name, saved in queries.items()}

    def save(self, name: str, text: str, period: str | None = None) -> NamedQuery:
        name = name.strip()
        if not name:
            raise ValueError("a saved query needs a name")
        query = NamedQuery(name, text, period)
        self.items[name] = query
        self._write()
        return query

    def delete(self, name: str) -> bool:
        if self.items.pop(name, None) is None:
            return False
        self._write()
        return True

    def _write(self) -> None:
        try:
            loaded = config.load(self.path)
        except config.ConfigError as exc:
            raise ValueError(str(exc)) from None
        settings = loaded.settings.model_copy(update={"queries": {
            q.name: config.SavedQuery(text=q.text, period=q.period)
            for q in self.items.values()}})
        config.save(settings, self.path)


# --------------------------------------------------------------------------- autocomplete
# Documented functions the console offers (trql.md §5); the server's list may be longer.
FUNCTIONS: tuple[str, ...] = (
    "count", "countIf", "countDistinct", "sum", "sumIf", "avg", "avgIf", "min", "max", "uniq",
    "uniqExact", "median", "quantile", "quantiles", "groupArray", "any", "argMax", "argMin",
    "timeBucket", "prettyFormat", "toStartOfInterval", "toStartOfMinute", "toStartOfHour",
    "toStartOfDay", "dateDiff", "round", "concat", "has", "arrayJoin", "if", "coalesce",
    "lower", "upper", "length", "now",
)
KEYWORDS: tuple[str, ...] = (
    "SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "HAVING", "AND", "OR", "NOT",
    "IN", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL", "AS", "DESC", "ASC", "DISTINCT",
)
DOCUMENTED_TABLES: dict[str, tuple[str, ...]] = {
    "runs": tuple(sorted(RUN_COLUMNS)),
    "metrics": ("metric_name", "metric_type", "metric_value", "bucket_start", "task_identifier",
                "run_id", "attempt_number", "machine_id", "attributes"),
    "llm_metrics": ("start_time", "run_id", "task_identifier", "model", "total_cost",
                    "input_tokens", "output_tokens", "total_tokens"),
}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """What the editor completes: tables, their columns, functions and status values."""

    tables: dict[str, tuple[str, ...]]
    statuses: tuple[str, ...] = TRQL_STATUSES
    from_server: bool = False

    @classmethod
    def documented(cls) -> Vocabulary:
        return cls(dict(DOCUMENTED_TABLES))

    @classmethod
    def from_schema(cls, schema: QuerySchema) -> Vocabulary:
        if not schema.tables:
            return cls.documented()
        tables = {t.name: tuple(c.name for c in t.columns) for t in schema.tables}
        statuses: tuple[str, ...] = TRQL_STATUSES
        for t in schema.tables:
            for c in t.columns:
                if c.name == "status" and c.allowed_values:
                    statuses = tuple(c.allowed_values)
        return cls(tables, statuses, from_server=True)

    def candidates(self, prefix: str, *, quoted: bool = False) -> list[str]:
        """Words starting with `prefix` (case-insensitive); inside a quote, status values."""
        p = prefix.lower()
        if quoted:
            return [s for s in self.statuses if s.lower().startswith(p)]
        words: dict[str, None] = dict.fromkeys(self.tables)
        for cols in self.tables.values():
            words.update(dict.fromkeys(cols))
        words.update(dict.fromkeys(FUNCTIONS))
        words.update(dict.fromkeys(KEYWORDS))
        return sorted((w for w in words if w.lower().startswith(p) and w.lower() != p),
                      key=lambda w: (len(w), w.lower()))


class VocabularyCache:
    """`GET /query/schema` once per session; a server without it gets the documented one."""

    def __init__(self) -> None:
        self.value: Vocabulary | None = None

    async def get(self, client: TriggerClient) -> Vocabulary:
        if self.value is None:
            try:
                self.value = Vocabulary.from_schema(await client.query.schema())
            except TriggerError:
                self.value = Vocabulary.documented()
        return self.value


def word_before(text: str, line: int, column: int) -> tuple[str, bool]:
    """The identifier being typed at (line, column) (0-based) and whether it is in a quote."""
    rows = text.split("\n")
    head = rows[line][:column] if line < len(rows) else ""
    if head.count("'") % 2 == 1:  # inside a string literal: a status value is being typed
        return head[head.rfind("'") + 1:], True
    m = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", head)
    return (m.group(0) if m else ""), False


async def load_dashboards(client: TriggerClient) -> list[Dashboard]:
    return await client.query.dashboards()
