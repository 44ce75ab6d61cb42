"""The runs view's filter, as the operator sets it, compiled to TRQL through `api/trql.py`.

One value object serves four readers: the runs poller (TRQL conditions, time window, and a
client-side `matches` that must agree with the TRQL so a run re-read by id lands on the right
side of the filter), the UI (`describe`, one line), the query console (`to_trql`, the query a
person would paste) and bulk actions (`to_bulk_filter`, the REST spelling of the same filter).

`api/trql.py` has no free-text condition (its `id_search` only matches run ids), so the
"id, task or tag" text search is written here, with that module's quoting helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from trigger_tui.api import trql as Q
from trigger_tui.api.trql import TrqlFilterError

__all__ = ["DEFAULT_VIEW_ROWS", "FINAL_TRQL", "NONFINAL_TRQL", "RunFilter", "TrqlFilterError",
           "api_status", "period_seconds", "select_sql", "ts_literal"]

DEFAULT_VIEW_ROWS = 1000
API_DEFAULT_PERIOD_S = 7 * 86400.0  # what the API applies when no window is given

# TRQL's friendly status → the API's current name (x-trigger-api-version 2025-07-16), so rows
# read through TRQL carry the same vocabulary as runs read through the REST endpoints.
TRQL_TO_API: dict[str, str] = {
    "Delayed": "DELAYED", "Queued": "QUEUED", "Pending version": "PENDING_VERSION",
    "Dequeued": "DEQUEUED", "Executing": "EXECUTING", "Waiting": "WAITING",
    "Reattempting": "EXECUTING", "Paused": "WAITING", "Canceled": "CANCELED",
    "Interrupted": "FAILED", "Completed": "COMPLETED", "Failed": "FAILED",
    "System failure": "SYSTEM_FAILURE", "Crashed": "CRASHED", "Expired": "EXPIRED",
    "Timed out": "TIMED_OUT",
}
# The REST filter names (either vocabulary) closest to each TRQL value, for bulk filters.
TRQL_TO_REST: dict[str, str] = {**TRQL_TO_API, "Reattempting": "REATTEMPTING",
                                "Paused": "FROZEN", "Interrupted": "INTERRUPTED"}
FINAL_TRQL = frozenset({"Canceled", "Interrupted", "Completed", "Failed", "System failure",
                        "Crashed", "Expired", "Timed out"})
NONFINAL_TRQL: tuple[str, ...] = tuple(s for s in Q.TRQL_STATUSES if s not in FINAL_TRQL)

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0,
           "y": 365 * 86400.0}


def api_status(trql_status: str) -> str:
    """The API name of a TRQL status; an unknown (newer) one is upper-cased, never dropped."""
    return TRQL_TO_API.get(trql_status) or trql_status.upper().replace(" ", "_")


def period_seconds(period: str) -> float:
    """`90m`, `24h`, `7d`… in seconds (TrqlFilterError for anything else)."""
    m = _PERIOD.match(period)
    if not m:
        raise TrqlFilterError(f"period {period!r} is not a duration such as 15m, 1h, 24h or 7d")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def ts_literal(epoch_s: float) -> str:
    """A TRQL DateTime64 literal, UTC, millisecond precision (the columns' own precision).

    Rounded to the nearest millisecond, as the poller compares window edges.
    """
    ms = round(epoch_s * 1000)
    dt = datetime.fromtimestamp(ms // 1000, UTC)
    return Q.quote(f"{dt:%Y-%m-%d %H:%M:%S}.{ms % 1000:03d}")


def select_sql(columns: str, conjuncts: Iterable[str], *, limit: int,
               order: str = "triggered_at DESC") -> str:
    """`SELECT … FROM runs [WHERE a AND b …] ORDER BY … LIMIT n` from trusted parts."""
    if not 1 <= limit <= Q.MAX_ROWS:
        raise TrqlFilterError(f"limit must be a whole number from 1 to {Q.MAX_ROWS}")
    parts = list(conjuncts)
    where = f" WHERE {' AND '.join(parts)}" if parts else ""
    return f"SELECT {columns} FROM runs{where} ORDER BY {order} LIMIT {limit}"


def _strings(value: Any) -> frozenset[str]:
    """A set of non-empty stripped strings; a bare string is one value, not its letters."""
    if value is None:
        return frozenset()
    items = [value] if isinstance(value, str) else list(value)
    return frozenset(s.strip() for s in items if isinstance(s, str) and s.strip())


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise TrqlFilterError(f"{name} must carry a timezone (UTC is fine)")
    return value


@dataclass(frozen=True, slots=True)
class RunFilter:
    """What the runs view shows. Immutable: the UI derives a new one and hands it over.

    `statuses` accepts API names in either vocabulary (`FAILED`, `REATTEMPTING`) or TRQL's
    friendly names (`System failure`). `queue` is spelled as the runs table stores it: a task's
    own queue is `task/<task id>` (see `queue_filter`), a custom queue is its name. `period`
    wins over `from_`/`to`, as on the server; with neither, the API's default of 7 days holds.
    Invalid values raise TrqlFilterError (a ValueError) when the filter is made.
    """

    text: str = ""
    statuses: frozenset[str] = frozenset()
    tasks: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    period: str | None = "24h"
    from_: datetime | None = None
    to: datetime | None = None
    queue: str | None = None
    version: str | None = None
    root_only: bool = False
    _wanted: frozenset[str] = field(init=False, repr=False, compare=False,
                                    default=frozenset())

    def __post_init__(self) -> None:
        for name in ("statuses", "tasks", "tags"):
            object.__setattr__(self, name, _strings(getattr(self, name)))
        object.__setattr__(self, "text", (self.text or "").strip())
        object.__setattr__(self, "queue", (self.queue or "").strip() or None)
        object.__setattr__(self, "version", (self.version or "").strip() or None)
        object.__setattr__(self, "period", (self.period or "").strip() or None)
        if self.period is not None:
            period_seconds(self.period)
        _aware(self.from_, "from")
        _aware(self.to, "to")
        # Unknown statuses fail here, when the filter is made, not later at poll time.
        object.__setattr__(self, "_wanted", frozenset(Q.trql_statuses(sorted(self.statuses))))

    # ------------------------------------------------------------------ derived values
    def replace(self, **changes: Any) -> RunFilter:
        return replace(self, **changes)

    def toggle_status(self, status: str) -> RunFilter:
        """The same filter with `status` added, or removed when it was there."""
        return self.replace(statuses=self.statuses ^ {status})

    @staticmethod
    def queue_filter(name: str, queue_type: str) -> str:
        """The `queue` value for a queue as the queues API names it (`type` task or custom)."""
        return f"task/{name}" if queue_type == "task" and not name.startswith("task/") else name

    @property
    def trql_statuses(self) -> frozenset[str]:
        """The TRQL status values the filter admits (empty: any)."""
        return self._wanted

    @property
    def status_mode(self) -> str:
        """`all` (no status filter), `final` (only final statuses) or `mixed`.

        It decides how the poller follows runs: with only final statuses a run can enter the
        view only by finishing (which stamps `completed_at`), so unfinished runs need not be
        followed; otherwise a run may enter or leave the view on any transition.
        """
        wanted = self.trql_statuses
        if not wanted:
            return "all"
        return "final" if wanted <= FINAL_TRQL else "mixed"

    def window_bounds(self, now: float) -> tuple[float, float | None]:
        """(start, end) of the look-back window in epoch seconds, end None for "now"."""
        if self.period is not None:
            return now - period_seconds(self.period), None
        start = self.from_.timestamp() if self.from_ is not None else None
        end = self.to.timestamp() if self.to is not None else None
        if start is None:
            start = (end if end is not None else now) - API_DEFAULT_PERIOD_S
        return start, end

    def window(self) -> dict[str, Any]:
        """Keyword arguments for `client.query.execute` (period, or from_/to)."""
        if self.period is not None:
            return {"period": self.period}
        out: dict[str, Any] = {}
        if self.from_ is not None:
            out["from_"] = self.from_
        if self.to is not None:
            out["to"] = self.to
        return out

    # ------------------------------------------------------------------ TRQL
    def _api_filter(self, *, with_status: bool) -> Q.RunFilter:
        text = self.text
        return Q.RunFilter(
            statuses=tuple(sorted(self.statuses)) if with_status else (),
            tasks=tuple(sorted(self.tasks)),
            tags=tuple(sorted(self.tags)),
            queues=(self.queue,) if self.queue else (),
            versions=(self.version,) if self.version else (),
            root_only=self.root_only,
            id_search=text if text.startswith("run_") else None,
        )

    def conjuncts(self, *, with_status: bool = True) -> list[str]:
        """The WHERE conditions (AND-ed by the caller), without the time window."""
        parts = Q.where_conjuncts(self._api_filter(with_status=with_status))
        text = self.text
        if text and not text.startswith("run_"):
            p = Q.quote("%" + Q.like_escape(text) + "%")
            parts.append(f"(run_id ILIKE {p} OR task_identifier ILIKE {p} OR "
                         f"arrayCount(t -> t ILIKE {p}, tags) > 0)")
        return parts

    def status_conjunct(self) -> str | None:
        wanted = sorted(self.trql_statuses)
        if not wanted:
            return None
        return Q.where_conjuncts(Q.RunFilter(statuses=tuple(wanted)))[0]

    def to_trql(self, limit: int = DEFAULT_VIEW_ROWS,
                columns: Iterable[str] = Q.DEFAULT_COLUMNS) -> str:
        """The view's query as a person would run it (the window goes in `window()`)."""
        cols = list(columns)
        unknown = [c for c in cols if c not in Q.RUN_COLUMNS]
        if unknown or not cols:
            raise TrqlFilterError(f"not columns of the runs table: "
                                  f"{', '.join(unknown) or '(none)'}")
        return select_sql(", ".join(cols), self.conjuncts(), limit=limit)

    # ------------------------------------------------------------------ client side
    def matches(self, row: Any, trql_status: str | None = None) -> bool:
        """Whether a run row passes the filter (the time window aside), exactly as the TRQL
        conditions decide; `trql_status` is the row's TRQL status when known (it is finer than
        the API name: EXECUTING covers both Executing and Reattempting)."""
        wanted = self.trql_statuses
        if wanted:
            if trql_status is not None:
                if trql_status not in wanted:
                    return False
            elif row.status not in {api_status(s) for s in wanted}:
                return False
        if self.tasks and row.task not in self.tasks:
            return False
        if self.tags and not self.tags.intersection(row.tags):
            return False
        if self.queue and row.queue != self.queue:
            return False
        if self.version and row.version != self.version:
            return False
        if self.root_only and row.depth != 0:
            return False
        return self._text_matches(row)

    def _text_matches(self, row: Any) -> bool:
        text = self.text
        if not text:
            return True
        if text.startswith("run_"):
            return bool(row.id.startswith(text))
        needle = text.lower()
        return (needle in row.id.lower() or needle in row.task.lower()
                or any(needle in t.lower() for t in row.tags))

    # ------------------------------------------------------------------ bulk actions
    def to_bulk_filter(self) -> dict[str, Any]:
        """The bulk-actions API's filter object for the same runs.

        That API filters like the REST runs list: it has no free text and no root-only, so a
        filter using them is refused (select the runs and act on their ids instead).
        """
        if self.text or self.root_only:
            raise TrqlFilterError("the bulk-actions API cannot filter by text or root-only: "
                                  "select the runs and act on them by id instead")
        out: dict[str, Any] = {}
        if self.statuses:
            out["status"] = sorted({TRQL_TO_REST.get(s, s.upper().replace(" ", "_"))
                                    for s in self.trql_statuses})
        if self.tasks:
            out["taskIdentifier"] = sorted(self.tasks)
        if self.tags:
            out["tag"] = sorted(self.tags)
        if self.version:
            out["version"] = [self.version]
        if self.queue:
            task = self.queue.startswith("task/")
            out["queue"] = {"type": "task" if task else "custom",
                            "name": self.queue[5:] if task else self.queue}
        if self.period is not None:
            out["period"] = self.period
        else:
            if self.from_ is not None:
                out["from"] = self.from_
            if self.to is not None:
                out["to"] = self.to
        return out

    # ------------------------------------------------------------------ display
    def describe(self) -> str:
        """One line for the UI: `FAILED, CRASHED · task send-email · "acme" · last 24h`."""
        parts: list[str] = []
        if self.statuses:
            parts.append(", ".join(sorted(self.statuses)))
        for label, values in (("task", self.tasks), ("tag", self.tags)):
            if values:
                parts.append(f"{label} {', '.join(sorted(values))}")
        if self.queue:
            parts.append(f"queue {self.queue}")
        if self.version:
            parts.append(f"version {self.version}")
        if self.root_only:
            parts.append("root runs only")
        if self.text:
            parts.append(f'"{self.text}"')
        if not parts:
            parts.append("all runs")
        parts.append(self._describe_window())
        return " · ".join(parts)

    def _describe_window(self) -> str:
        if self.period is not None:
            return f"last {self.period}"
        if self.from_ is None and self.to is None:
            return "last 7d"

        def fmt(d: datetime) -> str:
            return f"{d.astimezone(UTC):%Y-%m-%d %H:%M} UTC"

        if self.from_ is not None and self.to is not None:
            return f"{fmt(self.from_)} → {fmt(self.to)}"
        if self.from_ is not None:
            return f"since {fmt(self.from_)}"
        assert self.to is not None
        return f"until {fmt(self.to)}"
