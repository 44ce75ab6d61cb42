"""Environment figures for the wall monitor and the alert rules, read through TRQL.

One `MetricsPoller` per environment keeps one `Metrics` snapshot in `store["metrics"]["now"]`:

- per-minute buckets of finished runs over the sparkline window (finished, completed, failed,
  cost), read whole once and then only the last two minutes each poll, so a poll moves a few rows
  whatever the window;
- counts by task and status over each window the tiles and rules need (15 minutes, plus every
  rule's `over`), which give failure rates per task, "any CRASHED" and "no completions";
- the newest failures (task, status, message), for the ticker and for task watches;
- one gauge sample per minute of what the queues poller reports (waiting, running, oldest wait),
  since the API only knows those as "now".

Every buffer is bounded by the window, so a wall left on for days holds the same memory on day
three as after its first hour.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trigger_tui.api import errors as E
from trigger_tui.api.client import NO_RETRY, RetryPolicy
from trigger_tui.api.models.query import QueryResult
from trigger_tui.api.trql import quote
from trigger_tui.state.filters import api_status, ts_literal
from trigger_tui.state.pollers import Poller, epoch, together
from trigger_tui.state.queues import limit_of, oldest_wait_s, runs_name
from trigger_tui.state.store import FAILED_STATUSES, Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

TILE_WINDOW_S = 900.0  # "failures in the last 15 minutes"
DEFAULT_WINDOW_S = 3600.0
MAX_FAILURES = 20
FAILED_TRQL = ("Failed", "Crashed", "System failure", "Timed out", "Interrupted")
_FAILED_SQL = ", ".join(quote(s) for s in FAILED_TRQL)
METRICS_KEY = "now"
ONE_RETRY = RetryPolicy(max_attempts=2)


@dataclass(frozen=True, slots=True)
class Minute:
    """Runs that finished within one minute (its start, epoch s)."""

    at: float
    finished: int = 0
    completed: int = 0
    failed: int = 0
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class Gauge:
    """The queues' totals as last seen in one minute."""

    at: float
    queued: int
    running: int
    oldest_wait_s: float | None


@dataclass(frozen=True, slots=True)
class Failure:
    run_id: str
    task: str
    status: str  # API vocabulary (FAILED, CRASHED, …)
    message: str
    at: float  # when it finished


@dataclass(frozen=True, slots=True)
class QueueLine:
    name: str  # as runs name it (task/<id> or the custom name)
    queued: int
    running: int
    limit: int | None
    paused: bool
    oldest_wait_s: float | None


@dataclass(frozen=True, slots=True)
class Counts:
    """Runs finished in one window, by task and status (API vocabulary)."""

    window_s: float
    by_task: dict[str, dict[str, int]] = field(default_factory=dict)

    def _rows(self, task: str | None) -> Iterable[dict[str, int]]:
        if task is None:
            return self.by_task.values()
        return [self.by_task.get(task, {})]

    def finished(self, task: str | None = None) -> int:
        return sum(n for row in self._rows(task) for n in row.values())

    def with_status(self, statuses: Iterable[str], task: str | None = None) -> int:
        wanted = set(statuses)
        return sum(n for row in self._rows(task) for s, n in row.items() if s in wanted)

    def failed(self, task: str | None = None) -> int:
        return self.with_status(FAILED_STATUSES, task)

    def completed(self, task: str | None = None) -> int:
        return self.with_status(("COMPLETED",), task)

    def top_failing(self, n: int = 5) -> list[tuple[str, int, int]]:
        """(task, failed, finished), most failures first."""
        rows = [(t, self.failed(t), self.finished(t)) for t in self.by_task]
        rows = [r for r in rows if r[1]]
        rows.sort(key=lambda r: (-r[1], -r[1] / max(1, r[2]), r[0]))
        return rows[:n]


@dataclass(frozen=True, slots=True)
class Metrics:
    """One environment's figures at `at` (the session clock)."""

    at: float
    window_s: float
    minutes: tuple[Minute, ...]  # one per minute of the window, oldest first, gaps as zeros
    gauges: tuple[Gauge, ...]  # one per minute seen, oldest first
    counts: dict[float, Counts]  # by window length in seconds
    failures: tuple[Failure, ...]  # newest first
    queues: tuple[QueueLine, ...]

    def window(self, seconds: float) -> Counts:
        return self.counts.get(seconds) or Counts(seconds)

    @property
    def recent(self) -> Counts:
        return self.window(TILE_WINDOW_S)

    @property
    def runs_per_min(self) -> int:
        """Runs finished in the last complete minute (the current one is still filling)."""
        return self.minutes[-2].finished if len(self.minutes) >= 2 else 0

    @property
    def success_rate(self) -> float | None:
        """Completed / finished over the last 15 minutes; None when nothing finished."""
        finished = self.recent.finished()
        return self.recent.completed() / finished if finished else None

    @property
    def failures_15m(self) -> int:
        return self.recent.failed()

    @property
    def cost_per_hour(self) -> float:
        """The last hour's compute cost (scaled when the window is shorter)."""
        total = sum(m.cost for m in self.minutes)
        return total * 3600.0 / self.window_s

    @property
    def queued(self) -> int | None:
        return self.gauges[-1].queued if self.gauges else None

    @property
    def running(self) -> int | None:
        return self.gauges[-1].running if self.gauges else None

    @property
    def oldest_wait_s(self) -> float | None:
        return self.gauges[-1].oldest_wait_s if self.gauges else None

    def busiest(self, n: int = 5) -> list[QueueLine]:
        lines = [q for q in self.queues if q.queued or q.running]
        return sorted(lines, key=lambda q: (-q.queued, -q.running, q.name))[:n]

    def stuck(self, after_s: float, n: int = 5) -> list[QueueLine]:
        lines = [q for q in self.queues
                 if q.queued and q.oldest_wait_s is not None and q.oldest_wait_s > after_s]
        return sorted(lines, key=lambda q: -(q.oldest_wait_s or 0.0))[:n]


def _minute(epoch_s: float) -> float:
    return float(int(epoch_s // 60) * 60)


class MetricsPoller(Poller):
    """See the module docstring. `windows` adds the rules' windows to the 15-minute one."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 2.0,
                 window_s: float = DEFAULT_WINDOW_S, windows: Iterable[float] = (),
                 name: str = "metrics", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)
        self.window_s = max(300.0, float(window_s))
        self.windows = tuple(sorted({TILE_WINDOW_S, *(float(w) for w in windows)}))
        size = int(self.window_s // 60)
        self._minutes: dict[float, Minute] = {}
        self._gauges: deque[Gauge] = deque(maxlen=size)
        self._loaded_at: float | None = None  # the clock at the last poll that read buckets

    async def _poll(self) -> None:
        now = self.clock()
        buckets, counts, failures = await together(
            self._buckets(self._since(now)),
            together(*(self._counts(now, w) for w in self.windows)), self._failures(now))
        self._loaded_at = now
        for m in buckets:
            self._minutes[m.at] = m
        first = _minute(now) - self.window_s + 60.0
        for at in [a for a in self._minutes if a < first]:
            del self._minutes[at]
        minutes = tuple(self._minutes.get(first + 60.0 * i) or Minute(first + 60.0 * i)
                        for i in range(int(self.window_s // 60)))
        queues = self._queue_lines(now)
        self._sample(now, queues)
        self.store.put("metrics", METRICS_KEY, Metrics(
            at=now, window_s=self.window_s, minutes=minutes, gauges=tuple(self._gauges),
            counts={c.window_s: c for c in counts}, failures=failures, queues=queues))

    async def _query(self, sql: str) -> QueryResult:
        """One TRQL read, tried a second time after a transient failure (a 429 after the
        bucket's reset). A poll is several queries and fails whole if one does: with one try
        each, a fifth of requests failing would fail two polls in three and show the wall as
        failing while most answers arrive. A garbled body is tried again too."""
        try:
            return await self.client.query.execute(sql, period="7d", retry=ONE_RETRY)
        except E.SchemaError:
            return await self.client.query.execute(sql, period="7d", retry=NO_RETRY)

    def _since(self, now: float) -> float:
        """Where this poll's buckets start: the whole window at first, then the minute before
        the current one, or further back to the last poll's minute after a gap (a pause, a
        failing API), so the minutes in between are read rather than left as zeros."""
        if self._loaded_at is None:
            return now - self.window_s
        return max(now - self.window_s, min(_minute(now) - 60.0, _minute(self._loaded_at)))

    async def _buckets(self, since: float) -> list[Minute]:
        sql = ("SELECT toStartOfMinute(completed_at) AS minute, count() AS finished, "
               "countIf(status = 'Completed') AS completed, "
               f"countIf(status IN ({_FAILED_SQL})) AS failed, sum(total_cost) AS cost "
               f"FROM runs WHERE completed_at >= {ts_literal(_minute(since))} "
               "GROUP BY minute ORDER BY minute")
        result = await self._query(sql)
        out = []
        for row in result.rows or []:
            at = epoch(row.get("minute"))
            if at is not None:
                out.append(Minute(at, int(row.get("finished") or 0),
                                  int(row.get("completed") or 0), int(row.get("failed") or 0),
                                  float(row.get("cost") or 0.0)))
        return out

    async def _counts(self, now: float, window_s: float) -> Counts:
        sql = ("SELECT task_identifier AS task, status, count() AS n FROM runs "
               f"WHERE completed_at >= {ts_literal(now - window_s)} GROUP BY task, status")
        result = await self._query(sql)
        by_task: dict[str, dict[str, int]] = {}
        for row in result.rows or []:
            status = api_status(str(row.get("status") or ""))
            per = by_task.setdefault(str(row.get("task") or ""), {})
            per[status] = per.get(status, 0) + int(row.get("n") or 0)
        return Counts(window_s, by_task)

    async def _failures(self, now: float) -> tuple[Failure, ...]:
        sql = ("SELECT run_id, task_identifier, status, error.name AS error_name, "
               "error.message AS error_message, completed_at FROM runs "
               f"WHERE status IN ({_FAILED_SQL}) "
               f"AND completed_at >= {ts_literal(now - self.window_s)} "
               f"ORDER BY completed_at DESC LIMIT {MAX_FAILURES}")
        result = await self._query(sql)
        out = []
        for row in result.rows or []:
            name, message = row.get("error_name"), row.get("error_message")
            text = ": ".join(str(p) for p in (name, message) if isinstance(p, str) and p)
            out.append(Failure(str(row.get("run_id") or ""),
                               str(row.get("task_identifier") or ""),
                               api_status(str(row.get("status") or "")), text[:300],
                               epoch(row.get("completed_at")) or 0.0))
        return tuple(out)

    def _queue_lines(self, now: float) -> tuple[QueueLine, ...]:
        """The queues poller's latest answer (same session), with each queue's oldest wait."""
        return tuple(QueueLine(runs_name(q), int(q.queued), int(q.running), limit_of(q),
                               bool(q.paused), oldest_wait_s(self.store, q, now))
                     for q in self.store.collection("queues").values())

    def _sample(self, now: float, queues: tuple[QueueLine, ...]) -> None:
        if not queues and "queues" not in self.store.health:
            return  # no queues poller in this session: no gauge rather than a false zero
        waits = [q.oldest_wait_s for q in queues if q.oldest_wait_s is not None]
        gauge = Gauge(_minute(now), sum(q.queued for q in queues),
                      sum(q.running for q in queues), max(waits) if waits else None)
        if self._gauges and self._gauges[-1].at == gauge.at:
            self._gauges[-1] = gauge
        else:
            self._gauges.append(gauge)
        first = _minute(now) - self.window_s + 60.0
        while self._gauges and self._gauges[0].at < first:  # after a gap: not this window's
            self._gauges.popleft()


def metrics_of(store: Store) -> Metrics | None:
    value = store.collection("metrics").get(METRICS_KEY)
    return value if isinstance(value, Metrics) else None


def clock_text(epoch_s: float) -> str:
    """`14:05` UTC, for the ticker's timestamps."""
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%H:%M")
