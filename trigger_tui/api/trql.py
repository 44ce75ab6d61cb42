"""Build TRQL from run filters, so no caller ever pastes user text into a query.

Every value a user typed becomes a single-quoted string literal, escaped the way TRQL's
(HogQL/ClickHouse) lexer reads it: backslashes and quotes are doubled. Column names, the
table, the ordering and the LIMIT come only from this module's own constants and validated
integers, never from user text. The look-back window (`period` or `from`/`to`) is not written
into the query: the API takes it as request fields and injects it on `triggered_at` itself.

The runs table has no schedule column, so a schedule filter cannot be expressed in TRQL: it is
refused with a message pointing at the REST list (`filter[schedule]`), never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# --------------------------------------------------------------------------- statuses
# TRQL's `status` column speaks the dashboard's friendly names (trql.md §3).
TRQL_STATUSES: tuple[str, ...] = (
    "Delayed", "Queued", "Pending version", "Dequeued", "Executing", "Waiting", "Reattempting",
    "Paused", "Canceled", "Interrupted", "Completed", "Failed", "System failure", "Crashed",
    "Expired", "Timed out",
)

# API statuses (current and legacy vocabulary, trigger-api.md §7.1) → the TRQL values whose
# underlying DB statuses the API folds into that name, so a filter means the same in both places.
API_TO_TRQL: dict[str, tuple[str, ...]] = {
    "DELAYED": ("Delayed",),
    "PENDING_VERSION": ("Pending version",),
    "WAITING_FOR_DEPLOY": ("Pending version",),
    "QUEUED": ("Queued",),
    "DEQUEUED": ("Dequeued",),
    "EXECUTING": ("Executing", "Reattempting"),
    "REATTEMPTING": ("Reattempting",),
    "WAITING": ("Waiting", "Paused"),
    "FROZEN": ("Waiting", "Paused"),
    "COMPLETED": ("Completed",),
    "CANCELED": ("Canceled",),
    "FAILED": ("Failed", "Interrupted"),
    "INTERRUPTED": ("Interrupted",),
    "CRASHED": ("Crashed",),
    "SYSTEM_FAILURE": ("System failure",),
    "EXPIRED": ("Expired",),
    "TIMED_OUT": ("Timed out",),
}

_FRIENDLY = {s.lower(): s for s in TRQL_STATUSES}

# Columns a caller may select (trql.md §2.1); anything else is a programming error.
RUN_COLUMNS: frozenset[str] = frozenset({
    "run_id", "environment", "project", "environment_type", "attempt_count", "status",
    "is_finished", "task_identifier", "queue", "batch_id", "root_run_id", "parent_run_id", "depth",
    "is_root_run", "is_child_run", "idempotency_key", "idempotency_key_scope", "region",
    "triggered_at", "queued_at", "dequeued_at", "executed_at", "completed_at", "delay_until",
    "has_delay", "expired_at", "ttl", "execution_duration", "total_duration", "queued_duration",
    "usage_duration", "compute_cost", "invocation_cost", "total_cost", "output", "error", "tags",
    "task_version", "sdk_version", "cli_version", "machine", "is_test", "is_warm_start",
    "concurrency_key", "max_duration", "bulk_action_group_ids",
})
DEFAULT_COLUMNS: tuple[str, ...] = (
    "run_id", "status", "task_identifier", "task_version", "queue", "tags", "triggered_at",
    "completed_at", "total_duration",
)
MAX_ROWS = 10_000  # the service's row cap (trql.md §9)

_PERIOD = re.compile(r"^\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w|y)$")


class TrqlFilterError(ValueError):
    """A filter that cannot become TRQL (unknown status, bad period, unsupported field)."""


def trql_statuses(names: Iterable[str]) -> list[str]:
    """Friendly TRQL status values for API statuses or friendly names, in first-seen order.

    Accepts `FAILED`, `failed`, `System failure`, `system_failure`, `Timed out`…
    """
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        upper = name.upper().replace(" ", "_")
        values = API_TO_TRQL.get(upper)
        if values is None:
            friendly = _FRIENDLY.get(name.lower().replace("_", " "))
            if friendly is None:
                raise TrqlFilterError(
                    f"unknown run status {raw!r}: use one of "
                    f"{', '.join(sorted(API_TO_TRQL))} or a TRQL name such as 'System failure'")
            values = (friendly,)
        out.extend(v for v in values if v not in out)
    return out


# --------------------------------------------------------------------------- literals
def quote(value: str) -> str:
    """A TRQL string literal holding exactly `value`.

    Backslashes first (so the quote escaping is not itself re-escaped), then quotes doubled.
    Every other character, newlines and NUL included, is literal inside single quotes.
    """
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def like_escape(value: str) -> str:
    """`value` as a LIKE pattern that matches itself: `%`, `_` and `\\` made literal."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_list(column: str, values: Sequence[str]) -> str:
    if len(values) == 1:
        return f"{column} = {quote(values[0])}"
    return f"{column} IN ({', '.join(quote(v) for v in values)})"


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty values, stripped, deduplicated, in order."""
    seen: dict[str, None] = {}
    for v in values:
        if v.strip():
            seen.setdefault(v.strip(), None)
    return tuple(seen)


# --------------------------------------------------------------------------- filters
@dataclass(frozen=True, slots=True)
class RunFilter:
    """What an operator can filter runs by, in plain values (never SQL)."""

    statuses: tuple[str, ...] = ()  # API statuses or friendly names
    tasks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # a run matches when it has ANY of them (as the REST list does)
    queues: tuple[str, ...] = ()  # queue column values: `task/<taskId>` or a custom queue name
    versions: tuple[str, ...] = ()
    root_only: bool = False
    batch: str | None = None
    id_search: str | None = None  # `run_…` → prefix match on run_id, anything else → contains
    schedule: str | None = None  # not expressible in TRQL (no column); refused when set
    period: str | None = None  # e.g. "7d"; wins over from/to, as on the server
    from_: datetime | str | None = None
    to: datetime | str | None = None


@dataclass(frozen=True, slots=True)
class TrqlQuery:
    """A built query plus the time window the API applies to it."""

    sql: str
    period: str | None = None
    from_: str | None = None
    to: str | None = None
    conjuncts: tuple[str, ...] = field(default=(), compare=False)

    def window(self) -> dict[str, Any]:
        """Keyword arguments for `client.query.execute` (only the ones that are set)."""
        w: dict[str, Any] = {}
        if self.period:
            w["period"] = self.period
        if self.from_:
            w["from_"] = self.from_
        if self.to:
            w["to"] = self.to
        return w


def where_conjuncts(f: RunFilter) -> list[str]:
    """The WHERE clause as a list of independent conditions (joined with AND by the caller)."""
    if f.schedule:
        raise TrqlFilterError(
            "TRQL's runs table has no schedule column: filter by schedule with "
            "`runs list --schedule` (the REST list's filter[schedule]) instead")
    parts: list[str] = []
    if f.statuses:
        statuses = trql_statuses(f.statuses)
        if statuses:
            parts.append(_in_list("status", statuses))
    for column, values in (("task_identifier", f.tasks), ("queue", f.queues),
                           ("task_version", f.versions)):
        vals = _unique(values)
        if vals:
            parts.append(_in_list(column, vals))
    tags = _unique(f.tags)
    if tags:
        checks = [f"has(tags, {quote(t)})" for t in tags]
        parts.append(checks[0] if len(checks) == 1 else "(" + " OR ".join(checks) + ")")
    if f.root_only:
        parts.append("is_root_run = 1")
    if f.batch and f.batch.strip():
        parts.append(f"batch_id = {quote(f.batch.strip())}")
    if f.id_search and f.id_search.strip():
        text = f.id_search.strip()
        pattern = like_escape(text) + "%" if text.startswith("run_") \
            else "%" + like_escape(text) + "%"
        parts.append(f"run_id LIKE {quote(pattern)}")
    return parts


def _instant(value: datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    if value.tzinfo is None:
        raise TrqlFilterError("from/to must carry a timezone (UTC is fine)")
    return value.isoformat().replace("+00:00", "Z")


def build_runs_query(
    f: RunFilter,
    *,
    columns: Sequence[str] = DEFAULT_COLUMNS,
    limit: int = 100,
    newest_first: bool = True,
) -> TrqlQuery:
    """`SELECT <columns> FROM runs [WHERE …] ORDER BY triggered_at … LIMIT n`."""
    unknown = [c for c in columns if c not in RUN_COLUMNS]
    if unknown or not columns:
        raise TrqlFilterError(f"not columns of the runs table: {', '.join(unknown) or '(none)'}")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_ROWS:
        raise TrqlFilterError(f"limit must be a whole number from 1 to {MAX_ROWS}")
    if f.period is not None and not _PERIOD.match(f.period.strip()):
        raise TrqlFilterError(f"period {f.period!r} is not a duration such as 90m, 6h or 7d")
    conjuncts = where_conjuncts(f)
    sql = f"SELECT {', '.join(columns)} FROM runs"
    if conjuncts:
        sql += " WHERE " + " AND ".join(conjuncts)
    sql += f" ORDER BY triggered_at {'DESC' if newest_first else 'ASC'} LIMIT {limit}"
    period = f.period.strip() if f.period else None
    return TrqlQuery(sql, period=period, from_=None if period else _instant(f.from_),
                     to=None if period else _instant(f.to), conjuncts=tuple(conjuncts))
