"""Pollers: the only code that reads the API on a schedule and writes what it reads to the Store.

Every poller re-arms a one-shot wait after each poll, so a slow API can never make polls pile
up; pushes back (429, 5xx, a dropped connection) with an exponential, capped backoff that waits
at least until the rate-limit bucket refills; and keeps a health record in
`store.health[name]` that the header turns into fresh / stale / failing. A poller never raises
out of `poll_once` or `run`: failures become the health record's human message.

The runs poller is incremental; its design is in `RunsPoller`'s docstring.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trigger_tui.api import errors as E
from trigger_tui.api.client import NO_RETRY
from trigger_tui.api.trql import MAX_ROWS, TrqlFilterError, quote
from trigger_tui.state.filters import (
    DEFAULT_VIEW_ROWS,
    FINAL_TRQL,
    NONFINAL_TRQL,
    RunFilter,
    api_status,
    select_sql,
    ts_literal,
)
from trigger_tui.state.filters import (
    TRQL_TO_API as API_STATUS,
)
from trigger_tui.state.store import RunRow, Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MIN_INTERVAL_S = 1.0
MAX_BACKOFF_S = 60.0
MAX_RESET_WAIT_S = 600.0  # a rate-limit reset further away than this is not believed


class Poller:
    """One resource polled on a one-shot timer. Subclasses implement `_poll`.

    Run it with `await poller.run()` (a task or a Textual worker); `stop()` ends the loop at
    its next wait, cancelling the task ends it at once. `poll_once()` polls right now (tests
    drive pollers tick by tick with it); polls are serialised by a lock, so even a manual
    poll never overlaps a scheduled one.

    Intervals and backoffs are `sleep` seconds; timestamps (health, windows) come from
    `clock`. `clock_rate` is how many clock seconds pass per sleep second: 1 for a real
    connection, the speed of a sped-up demo world, so that "stale" means the same there.
    """

    def __init__(self, client: TriggerClient, store: Store, *, name: str,
                 interval_s: float = 2.0, clock: Clock = time.time,
                 sleep: Sleep = asyncio.sleep, timer: Clock = time.perf_counter,
                 max_backoff_s: float = MAX_BACKOFF_S, clock_rate: float = 1.0) -> None:
        self.client = client
        self.store = store
        self.name = name
        self.clock = clock
        self.clock_rate = clock_rate
        self._sleep = sleep
        self._timer = timer
        self.max_backoff_s = max_backoff_s
        self._interval_s = max(MIN_INTERVAL_S, float(interval_s))
        self.health = store.health_of(name, self._interval_s)
        self.health.interval_s = self._interval_s * clock_rate
        self.finished = False  # set by a poller whose job is done (a run that became final)
        self.polls = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._refresh = False
        self._stopped = False
        self._paused = False
        self._delay_s = self._interval_s

    # ------------------------------------------------------------------ controls
    @property
    def interval_s(self) -> float:
        return self._interval_s

    @interval_s.setter
    def interval_s(self, value: float) -> None:
        """Never below MIN_INTERVAL_S: the API budget is shared with the application's SDK."""
        self._interval_s = max(MIN_INTERVAL_S, float(value))
        self.health.interval_s = self._interval_s * self.clock_rate

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Freeze: no scheduled polls until `resume` (a `refresh_now` still polls once)."""
        self._paused = True
        self.health.paused = True
        self.health.next_at = None
        self._notify_health()
        self._wake.set()

    def resume(self) -> None:
        """Unfreeze and poll at once, since what is shown is as old as the pause."""
        self._paused = False
        self.health.paused = False
        self.refresh_now()

    def refresh_now(self) -> None:
        """Poll as soon as possible: now if idle, right after the poll in flight otherwise.
        Repeated calls before that poll starts coalesce into one."""
        self._refresh = True
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    # ------------------------------------------------------------------ loop
    async def run(self) -> None:
        """Poll, wait, repeat, until `stop()`, cancellation, or `finished`."""
        try:
            while not self._stopped and not self.finished:
                if self._paused and not self._refresh:
                    await self._wait(None)
                    continue
                self._refresh = False
                await self.poll_once()
                if self._stopped or self.finished:
                    break
                await self._wait(None if self._paused else self._delay_s)
        finally:
            self.health.next_at = None

    async def _wait(self, delay_s: float | None) -> None:
        """Sleep `delay_s` (forever with None) unless woken by refresh/resume/pause/stop."""
        if self._wake.is_set():
            self._wake.clear()
            if self._refresh or self._stopped or delay_s is None:
                return
        self.health.next_at = None if delay_s is None else \
            self.clock() + delay_s * self.clock_rate
        self._notify_health()
        waiter = asyncio.ensure_future(self._wake.wait())
        tasks: list[asyncio.Future[Any]] = [waiter]
        if delay_s is not None:
            tasks.append(asyncio.ensure_future(self._sleep(delay_s)))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._wake.clear()

    async def poll_once(self) -> bool:
        """One poll now; True on success. API and other errors go to the health record."""
        async with self._lock:
            h = self.health
            h.last_attempt = self.clock()
            started = self._timer()
            try:
                await self._poll()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a poller reports, it never crashes
                h.latency_s = self._timer() - started
                h.consecutive_failures += 1
                if h.failing_since is None:
                    h.failing_since = h.last_attempt
                h.last_error = self._describe(exc)
                self._delay_s = self._backoff(exc)
                self._notify_health()
                return False
            h.latency_s = self._timer() - started
            h.last_success = self.clock()
            h.last_error = None
            h.failing_since = None
            h.consecutive_failures = 0
            self.polls += 1
            self._delay_s = self._after_success()
            self._notify_health()
            return True

    async def _poll(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ pacing
    @property
    def next_delay_s(self) -> float:
        """How long the loop waits after the last poll (interval, or the backoff)."""
        return self._delay_s

    def _after_success(self) -> float:
        """The interval; longer when the last answer said the rate-limit bucket is empty."""
        rl = self.client.rate_limit
        if rl.remaining == 0 and rl.reset_at is not None:
            return max(self._interval_s, self._until(rl.reset_at))
        return self._interval_s

    def _until(self, when: float) -> float:
        """Sleep seconds until the clock reads `when` (bounded: a far reset is not believed)."""
        return min(MAX_RESET_WAIT_S, (when - self.clock()) / self.clock_rate)

    def _backoff(self, exc: Exception) -> float:
        """Interval × 2ⁿ up to `max_backoff_s`, and never before the API says to come back."""
        n = self.health.consecutive_failures
        delay = min(self.max_backoff_s, self._interval_s * 2 ** min(n, 16))
        if isinstance(exc, E.RateLimitError) and exc.reset_at is not None:
            delay = max(delay, self._until(exc.reset_at))
        if isinstance(exc, E.ApiError):
            retry_after = exc.headers.get("retry-after", "")
            if retry_after.isdigit():
                delay = max(delay, min(MAX_RESET_WAIT_S, float(retry_after)))
        return delay

    @staticmethod
    def _describe(exc: Exception) -> str:
        if isinstance(exc, E.TriggerError | TrqlFilterError):
            return str(exc)
        log.exception("poller failed unexpectedly")
        return f"unexpected {type(exc).__name__}: {exc}"

    def _notify_health(self) -> None:
        self.store.notify("health", (self.name,))


# --------------------------------------------------------------------------- runs
# Read for every run: what RunRow shows, plus the instants the increment watches.
RUN_SELECT = ", ".join((
    "run_id", "status", "task_identifier", "triggered_at", "task_version", "tags", "queued_at",
    "dequeued_at", "executed_at", "completed_at", "usage_duration", "total_cost", "queue",
    "machine", "depth", "root_run_id", "parent_run_id", "batch_id", "is_test",
    "error.name AS error_name", "error.message AS error_message",
))
EVENT_COLUMNS = ("triggered_at", "queued_at", "dequeued_at", "executed_at", "completed_at")
# Waiting for a first start: every way out stamps one of EVENT_COLUMNS (dequeued_at, executed_at,
# queued_at after a delay or a missing version, completed_at on cancel or expiry).
FIRST_WAIT_TRQL = frozenset({"Queued", "Delayed", "Pending version"})
MAX_ERROR_CHARS = 300


@dataclass(slots=True)
class _Tracked:
    """An unfinished run in the view that the increment keeps following."""

    by_timestamp: bool  # never dequeued: its next transition stamps a timestamp column
    checked: int = 0  # poll number of its last re-check by id


@dataclass(slots=True)
class RunsPollStats:
    """What the last polls cost, for the benchmark and the debug overlay."""

    reloads: int = 0
    increments: int = 0
    last_rows: int = 0
    last_ids: int = 0
    last_query_chars: int = 0
    total_rows: int = 0
    total_ids: int = 0


_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - naive on purpose: TRQL times are naive UTC


def epoch(value: Any) -> float | None:
    """A TRQL DateTime64 (`2026-01-01 09:30:00.000`, UTC) as epoch seconds.

    Five per run row and a thousand rows per reload: naive values (what TRQL returns) are
    subtracted from a naive epoch, a third of the cost of attaching a timezone first."""
    if not value or not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        return (dt - _EPOCH).total_seconds()
    return dt.timestamp()


def _error_text(name: Any, message: Any) -> str:
    name = name if isinstance(name, str) else ""
    message = message if isinstance(message, str) else ""
    text = f"{name}: {message}" if name and message else name or message
    return text[:MAX_ERROR_CHARS]


@dataclass(frozen=True, slots=True)
class PolledRun:
    """One TRQL row, read: the RunRow plus what only the increment needs."""

    row: RunRow
    trql_status: str
    dequeued: bool
    newest_event: float


def read_run(raw: Any) -> PolledRun:
    """One row of the runs query; a row without a run id is the server breaking its contract,
    reported as such (a SchemaError the health record words), never a KeyError."""
    run_id = raw.get("run_id") if isinstance(raw, dict) else None
    if not isinstance(run_id, str) or not run_id:
        raise E.SchemaError("POST /api/v1/query: the response is not what the API promises: "
                            "a run row has no `run_id` (missing field)")
    get = raw.get
    status = get("status") or ""
    triggered, queued, dequeued = epoch(get("triggered_at")), epoch(get("queued_at")), \
        epoch(get("dequeued_at"))
    executed, completed = epoch(get("executed_at")), epoch(get("completed_at"))
    error_name, error_message = get("error_name"), get("error_message")
    row = RunRow(
        id=run_id,
        status=API_STATUS.get(status) or api_status(str(status)),
        task=str(get("task_identifier") or ""),
        created_at=triggered or 0.0,
        version=str(get("task_version") or ""),
        tags=tuple(get("tags") or ()),
        started_at=executed,
        finished_at=completed,
        duration_ms=int(get("usage_duration") or 0),
        cost_usd=float(get("total_cost") or 0.0),
        queue=str(get("queue") or ""),
        machine=str(get("machine") or ""),
        error=_error_text(error_name, error_message) if error_name or error_message else "",
        depth=int(get("depth") or 0),
        root_id=str(get("root_run_id") or ""),
        parent_id=str(get("parent_run_id") or ""),
        batch_id=str(get("batch_id") or ""),
        is_test=bool(get("is_test")),
    )
    newest = max(triggered or 0.0, queued or 0.0, dequeued or 0.0, executed or 0.0,
                 completed or 0.0)
    return PolledRun(row, str(status), dequeued is not None, newest)


def _ms(epoch_s: float) -> int:
    """Whole milliseconds: the run columns' precision, so window edges compare exactly."""
    return round(epoch_s * 1000)


def _id_list(ids: Iterable[str]) -> str:
    return ", ".join(quote(i) for i in sorted(ids))


class RunsPoller(Poller):
    """The runs view, kept current through TRQL (`client.query.execute`) at a small cost.

    The runs table has no update-time column, so the increment is built from what does move:

    * **Reload** (first poll, filter change, or a truncated answer): the newest `view_rows`
      runs of the filter and window. When the answer is full, the view's floor becomes the
      oldest run read (that millisecond excluded, so no run at the floor is half-loaded).
    * **Increment** (every other poll), one query over the view's window (`triggered_at ≥
      floor`) and the filter, for the runs where **any of** these holds:
      - an event column (`triggered_at`, `queued_at`, `dequeued_at`, `executed_at`,
        `completed_at`) is at or after the watermark minus `overlap_s`. The watermark is the
        newest instant in any answer so far (never the client's clock, so clock skew cannot
        skip anything); the overlap absorbs the API's replication lag. This catches new runs,
        first starts, finishes, cancels, expiries, and delayed runs becoming queued;
      - `run_id IN (…)` for the followed unfinished runs that can change without stamping a
        column (executing ↔ waiting, retries, resumes: the columns above are set once). Runs
        waiting for their first start are followed through the timestamps instead, so a
        backlog of thousands of queued runs costs nothing per poll; every `sweep_every` polls
        they are re-read by id too, as a safety net for a transition the timestamps miss;
      - OR, outside the filter, `run_id IN (…)` for runs an action just touched
        (`store.mark_stale` and pending optimistic changes), so an optimistic change is
        confirmed or rolled back even when the run left the filter.
      With a status filter of final statuses only, a run can enter the view only by
      finishing, so nothing unfinished is followed and the status condition goes into the
      query; with any other status filter the unfinished runs are followed whatever their
      status and the status is applied here, so a run entering or leaving the filter on any
      transition is seen.

    Rows that match go to the Store through `reconcile` (optimistic changes overlaid, confirmed
    or rolled back); rows that no longer match leave it. The Store holds only runs that match.
    """

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 2.0,
                 filter: RunFilter | None = None, view_rows: int = DEFAULT_VIEW_ROWS,
                 overlap_s: float = 5.0, sweep_every: int = 15, max_ids: int = 1000,
                 name: str = "runs", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)
        self._filter = filter or RunFilter()
        self.view_rows = min(MAX_ROWS, max(1, view_rows))
        self.overlap_s = overlap_s
        self.sweep_every = max(1, sweep_every)
        self.max_ids = max_ids
        self.stats = RunsPollStats()
        self._needs_reload = True
        self._floor: float | None = None  # view's lower bound when a reload was truncated
        self._watermark: float | None = None
        self._tracked: dict[str, _Tracked] = {}
        self._ages: list[tuple[int, str]] = []  # heap of (created ms, id) of the runs held

    # ------------------------------------------------------------------ filter
    @property
    def filter(self) -> RunFilter:
        return self._filter

    @property
    def query_text(self) -> str:
        """The view's query as a person would run it (for the one-line display)."""
        return self._filter.to_trql(self.view_rows)

    def set_filter(self, f: RunFilter) -> None:
        """Show `f` from the next poll on (which happens at once): a fresh view, replacing
        the Store's runs."""
        self._filter = f
        self._needs_reload = True
        self.refresh_now()

    @property
    def tracked(self) -> int:
        """How many unfinished runs the increment follows."""
        return len(self._tracked)

    # ------------------------------------------------------------------ polls
    async def _poll(self) -> None:
        if self._needs_reload:
            try:
                await self._reload()
            except Exception:
                # Never leave the previous filter's runs on show under the new filter.
                self.store.upsert("runs", [], replace_all=True)
                raise
        else:
            await self._increment()

    def view_window(self, now: float) -> tuple[float, float | None]:
        """The view's (start, end) in epoch seconds: the filter's window, raised to the
        floor of a truncated reload."""
        start, end = self._filter.window_bounds(now)
        if self._floor is not None:
            start = max(start, self._floor)
        return start, end

    async def _reload(self) -> None:
        f = self._filter
        now = self.clock()
        conjuncts = f.conjuncts(with_status=f.status_mode != "mixed")
        if f.status_mode == "mixed":
            nonfinal = ", ".join(quote(s) for s in NONFINAL_TRQL)
            conjuncts.append(f"({f.status_conjunct()} OR status IN ({nonfinal}))")
        sql = select_sql(RUN_SELECT, conjuncts, limit=self.view_rows)
        result = await self.client.query.execute(sql, retry=NO_RETRY, **f.window())
        polled = [read_run(r) for r in result.rows or []]
        self._needs_reload = False
        self._floor = None
        self._tracked.clear()
        self._watermark = None
        if len(polled) >= self.view_rows:
            # The oldest millisecond read may hold more runs than fitted: leave it out whole.
            self._floor = (min(_ms(p.row.created_at) for p in polled) + 1) / 1000
        start, end = self.view_window(now)
        matching = self._absorb(polled, start, end)
        self._ages = [(_ms(r.created_at), r.id) for r in matching]
        heapq.heapify(self._ages)
        self.store.reconcile("runs", matching, now=now, replace_all=True)
        self._follow_store_trim()
        self.stats.reloads += 1
        self._note(len(polled), 0, sql)

    async def _increment(self) -> None:
        f = self._filter
        now = self.clock()
        start, end = self.view_window(now)
        self._prune(start)
        since = (self._watermark if self._watermark is not None else start) - self.overlap_s
        ids = self._ids_to_check()
        # Pending optimistic changes stay in `bypass` until settled: a run an action just
        # created may reach the query service a little after the API answered.
        bypass = (self.store.take_stale() | self.store.pending_keys("runs")) - ids
        sql = self._increment_sql(f, start, end, since, ids, bypass)
        window: dict[str, Any] = {"from_": datetime.fromtimestamp(start, UTC)}
        if end is not None:
            window["to"] = datetime.fromtimestamp(end, UTC)
        result = await self.client.query.execute(sql, retry=NO_RETRY, **window)
        rows = result.rows or []
        if len(rows) >= MAX_ROWS:  # truncated: the answer cannot be trusted to be complete
            self._needs_reload = True
            self.refresh_now()
            self._note(len(rows), len(ids), sql)
            return
        polled = [read_run(r) for r in rows]
        returned = {p.row.id for p in polled}
        matching = self._absorb(polled, start, end)
        gone = {p.row.id for p in polled} - {r.id for r in matching}
        for rid in ids - returned:  # asked for by id and not there: gone from the server
            self._tracked.pop(rid, None)
            gone.add(rid)
        self.store.reconcile("runs", matching, now=now)
        self._drop(gone)
        self.store.expire(now)
        self._follow_store_trim()
        self.stats.increments += 1
        self._note(len(rows), len(ids), sql)

    def _increment_sql(self, f: RunFilter, start: float, end: float | None, since: float,
                       ids: set[str], bypass: set[str]) -> str:
        conjuncts = [f"triggered_at >= {ts_literal(start)}"]
        if end is not None:
            conjuncts.append(f"triggered_at <= {ts_literal(end)}")
        conjuncts += f.conjuncts(with_status=f.status_mode == "final")
        mark = ts_literal(since)
        moved = [f"{c} >= {mark}" for c in EVENT_COLUMNS]
        if ids:
            moved.append(f"run_id IN ({_id_list(ids)})")
        conjuncts.append("(" + " OR ".join(moved) + ")")
        where = " AND ".join(conjuncts)
        if bypass:
            where = f"({where}) OR run_id IN ({_id_list(bypass)})"
        return f"SELECT {RUN_SELECT} FROM runs WHERE {where} ORDER BY triggered_at DESC " \
            f"LIMIT {MAX_ROWS}"

    # ------------------------------------------------------------------ bookkeeping
    def _absorb(self, polled: list[PolledRun], start: float,
                end: float | None) -> list[RunRow]:
        """Advance the watermark, follow unfinished runs, return the rows that match."""
        f = self._filter
        follow = f.status_mode != "final"
        matching: list[RunRow] = []
        start_ms, end_ms = _ms(start), None if end is None else _ms(end)
        for p in polled:
            if self._watermark is None or p.newest_event > self._watermark:
                self._watermark = p.newest_event
            row = p.row
            created_ms = _ms(row.created_at)
            in_view = created_ms >= start_ms and (end_ms is None or created_ms <= end_ms)
            if in_view and f.matches(row, p.trql_status):
                matching.append(row)
                if row.id not in self.store.runs.items:  # (a reload rebuilds the heap)
                    heapq.heappush(self._ages, (created_ms, row.id))
            if in_view and follow and p.trql_status not in FINAL_TRQL:
                tracked = self._tracked.get(row.id)
                by_ts = p.trql_status in FIRST_WAIT_TRQL and not p.dequeued
                if tracked is None:
                    self._tracked[row.id] = _Tracked(by_ts, self.polls)
                else:
                    tracked.by_timestamp = by_ts
            else:
                self._tracked.pop(row.id, None)
        return matching

    def _ids_to_check(self) -> set[str]:
        """Followed runs to re-read by id this poll, the least recently checked first."""
        sweep = self.polls % self.sweep_every == 0
        due = [(t.checked, rid) for rid, t in self._tracked.items()
               if sweep or not t.by_timestamp]
        if len(due) > self.max_ids:
            due.sort()
            due = due[: self.max_ids]
        for _, rid in due:
            self._tracked[rid].checked = self.polls
        return {rid for _, rid in due}

    def _drop(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for rid in ids:
            self.store.drop_expectation("runs", rid)
        self.store.remove("runs", ids)

    def _prune(self, start: float) -> None:
        """Runs that slid out of the window leave the view, oldest first."""
        start_ms, ages, runs = _ms(start), self._ages, self.store.runs.items
        old = []
        while ages and ages[0][0] < start_ms:
            created_ms, rid = heapq.heappop(ages)
            row = runs.get(rid)
            if row is not None and _ms(row.created_at) == created_ms:
                old.append(rid)
                self._tracked.pop(rid, None)
        if old:
            self._drop(old)

    def _follow_store_trim(self) -> None:
        """At the Store's retention limit the oldest runs were dropped: raise the floor so
        the increment stops reading below what the Store keeps."""
        runs = self.store.runs.items
        if len(runs) < self.store.max_runs:
            return
        # The trim may have kept part of the oldest millisecond: leave it out whole.
        floor_ms = min(_ms(r.created_at) for r in runs.values()) + 1
        self._floor = floor_ms / 1000
        self._drop([rid for rid, r in runs.items() if _ms(r.created_at) < floor_ms])
        for rid in [rid for rid in self._tracked if rid not in runs]:
            del self._tracked[rid]

    def _note(self, rows: int, ids: int, sql: str) -> None:
        self.stats.last_rows = rows
        self.stats.last_ids = ids
        self.stats.last_query_chars = len(sql)
        self.stats.total_rows += rows
        self.stats.total_ids += ids


# --------------------------------------------------------------------------- queues
class QueuesPoller(Poller):
    """Every queue of the environment into `store.collection("queues")`, keyed by queue id.

    Queues are few (one per task plus custom ones), so each poll reads the whole list and
    replaces the collection; optimistic pauses are overlaid until a poll confirms them.
    """

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 5.0,
                 name: str = "queues", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)

    async def _poll(self) -> None:
        queues = [q async for q in self.client.queues.list()]
        now = self.clock()
        self.store.reconcile("queues", queues, now=now, replace_all=True)
        self.store.expire(now, "queues")
        if any(q.queued for q in queues):
            oldest = await self._oldest_waits()
            if oldest is not None:
                self.store.put("queue_waits", "oldest", oldest)
        else:
            self.store.put("queue_waits", "oldest", {})

    async def _oldest_waits(self) -> dict[str, float] | None:
        """When each queue's oldest waiting run was queued (epoch s), in one TRQL query: the
        queues API gives counts, not ages, and "stuck for 7 minutes" is what an operator asks.
        None when the query fails: the queue list is still good, the ages stay as they were."""
        try:
            result = await self.client.query.execute(OLDEST_WAIT_TRQL, period="7d",
                                                     retry=NO_RETRY)
        except E.TriggerError:
            return None
        out: dict[str, float] = {}
        for row in result.rows or []:
            when = _clickhouse_time(row.get("oldest"))
            if isinstance(row.get("queue"), str) and when is not None:
                out[row["queue"]] = when
        return out


OLDEST_WAIT_TRQL = ("SELECT queue, min(queued_at) AS oldest FROM runs "
                    "WHERE status = 'Queued' GROUP BY queue")


def _clickhouse_time(value: Any) -> float | None:
    """`2026-01-01 00:00:07.838` (UTC, as TRQL returns DateTime64) → epoch seconds."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


# --------------------------------------------------------------------------- one run
class DetailPoller(Poller):
    """One run's detail, trace and events into the `run_detail`, `trace` and `events`
    collections, keyed by run id; re-polled while the run is unfinished, then `finished`.

    A trace or events that the API does not have yet (404) are stored as None / [] rather
    than failing the poll: a queued run has no trace.
    """

    def __init__(self, client: TriggerClient, store: Store, run_id: str, *,
                 interval_s: float = 2.0, name: str | None = None, **kw: Any) -> None:
        super().__init__(client, store, name=name or f"run:{run_id}", interval_s=interval_s,
                         **kw)
        self.run_id = run_id

    async def _poll(self) -> None:
        runs = self.client.runs
        run, trace, events = await together(
            runs.retrieve(self.run_id, retry=NO_RETRY),
            _or_none(runs.trace(self.run_id, retry=NO_RETRY)),
            _or_none(runs.events(self.run_id, retry=NO_RETRY)),
        )
        now = self.clock()
        self.store.put("run_detail", self.run_id, run, now=now)
        self.store.put("trace", self.run_id, trace)
        self.store.put("events", self.run_id, events if events is not None else [])
        self.store.expire(now, "run_detail")
        if run.is_final:
            self.finished = True


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Await `calls` at once. When one fails, the others are cancelled before the error
    propagates: with a bare gather they would run on after the failed poll returned, so its
    requests would overlap the next poll and spend budget on answers nobody reads."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _or_none(call: Awaitable[Any]) -> Any:
    try:
        return await call
    except E.NotFoundError as exc:
        if isinstance(exc, E.NotSupportedError):
            raise
        return None
