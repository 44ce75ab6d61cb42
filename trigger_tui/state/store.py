"""The one reactive state store.

Plain Python, no Textual, no httpx: pollers write into it, widgets subscribe to it and re-render
only the ids that changed. Runs are compact slotted records with a bounded retention (the newest
N by creation time), so holding 100k of them stays within the memory budget.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, Generic, TypeVar

FINAL_STATUSES = frozenset({"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE",
                            "EXPIRED", "TIMED_OUT", "INTERRUPTED"})
FAILED_STATUSES = frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "INTERRUPTED"})
QUEUED_STATUSES = frozenset({"QUEUED", "DELAYED", "PENDING_VERSION", "WAITING_FOR_DEPLOY"})
RUNNING_STATUSES = frozenset({"DEQUEUED", "EXECUTING", "REATTEMPTING"})


@dataclass(slots=True)
class RunRow:
    """What the runs view needs of a run; one per run, replaced (not mutated) on change."""

    id: str
    status: str
    task: str
    created_at: float
    version: str = ""
    tags: tuple[str, ...] = ()
    started_at: float | None = None
    finished_at: float | None = None
    duration_ms: int = 0
    cost_usd: float = 0.0
    queue: str = ""
    machine: str = ""
    error: str = ""
    depth: int = 0
    root_id: str = ""
    parent_id: str = ""
    batch_id: str = ""
    is_test: bool = False
    pending: str = ""  # an action sent and not yet confirmed by a poll ("cancel", "tags"…)

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES


RUN_FIELDS = tuple(f.name for f in fields(RunRow))

T = TypeVar("T")
Listener = Callable[[frozenset[str]], None]
MAX_NOTICES = 200


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the operator should hear about once (an action rolled back, a late outcome)."""

    seq: int
    at: float
    level: str  # info | warning | error
    message: str


@dataclass(slots=True)
class Expectation:
    """An optimistic change shown before the API confirms it.

    Fresh records from a poll keep the overlay until `confirmed(fresh)` says the change took
    effect; after `until` the overlay is dropped and a notice says the change did not happen, so
    an action never vanishes silently. `before` is what to restore when the record never came
    back (None: the record did not exist, e.g. the placeholder of a replayed run).
    """

    kind: str
    key: str
    changes: dict[str, Any]
    confirmed: Callable[[Any], bool]
    until: float
    label: str
    before: Any = None
    explain: Callable[[Any], str | None] | None = None  # a notice on confirmation, if any
    quiet: bool = False  # no rollback notice (bulk actions report through their progress)


@dataclass
class Collection(Generic[T]):
    """Records of one kind keyed by id, with a revision that moves on every change."""

    kind: str
    items: dict[str, T] = field(default_factory=dict)
    revision: int = 0

    def get(self, key: str) -> T | None:
        return self.items.get(key)

    def __len__(self) -> int:
        return len(self.items)

    def values(self) -> Iterable[T]:
        return self.items.values()


@dataclass(slots=True)
class Health:
    """One poller's record: what the header shows as fresh / stale / failing."""

    name: str
    interval_s: float
    last_success: float | None = None
    last_attempt: float | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    latency_s: float | None = None
    paused: bool = False
    next_at: float | None = None  # when the next poll is due (None while paused or stopped)
    failing_since: float | None = None  # the first failure of the current run of failures

    def state(self, now: float) -> str:
        if self.consecutive_failures and (self.last_success is None or
                                          now - self.last_success > 2 * self.interval_s):
            return "failing"
        if self.last_success is None:
            return "connecting"
        if now - self.last_success > 2 * self.interval_s:
            return "stale"
        return "fresh"


class Store:
    """Typed collections plus subscriptions by kind. Callbacks get the ids that changed."""

    def __init__(self, *, max_runs: int = 100_000) -> None:
        self.max_runs = max_runs
        self.runs: Collection[RunRow] = Collection("runs")
        self.collections: dict[str, Collection[Any]] = {"runs": self.runs}
        self.health: dict[str, Health] = {}
        self.notices: deque[Notice] = deque(maxlen=MAX_NOTICES)
        self.expectations: dict[tuple[str, str], Expectation] = {}
        self._stale: set[str] = set()
        self._notice_seq = 0
        self._listeners: dict[str, list[Listener]] = {}

    def collection(self, kind: str) -> Collection[Any]:
        c = self.collections.get(kind)
        if c is None:
            c = self.collections[kind] = Collection(kind)
        return c

    def subscribe(self, kind: str, callback: Listener) -> Callable[[], None]:
        """Call `callback(changed_ids)` after each change to `kind`; returns an unsubscribe."""
        self._listeners.setdefault(kind, []).append(callback)

        def unsubscribe() -> None:
            listeners = self._listeners.get(kind, [])
            if callback in listeners:
                listeners.remove(callback)

        return unsubscribe

    def _notify(self, kind: str, changed: frozenset[str]) -> None:
        if not changed:
            return
        c = self.collections.get(kind)
        if c is not None:
            c.revision += 1
        for callback in list(self._listeners.get(kind, ())):
            callback(changed)

    def notify(self, kind: str, ids: Iterable[str]) -> None:
        """Tell `kind` subscribers that `ids` changed, for kinds that are not collections
        (`health` by poller name); a collection's own writers notify by themselves."""
        self._notify(kind, frozenset(ids))

    def put(self, kind: str, key: str, value: Any, *, now: float | None = None) -> bool:
        """Store one record under an explicit key (a run's trace, its events…); True if it
        changed. For values that carry no `id` of their own. With `now`, a pending optimistic
        change on that key is settled as `reconcile` does."""
        exp = self.expectations.get((kind, key))
        if exp is not None and now is not None:
            value = self._settle(exp, value, now)
        c = self.collection(kind)
        if key in c.items and c.items[key] == value:
            return False
        c.items[key] = value
        self._notify(kind, frozenset({key}))
        return True

    # ------------------------------------------------------------------ notices
    def notice(self, message: str, *, level: str = "info", at: float = 0.0) -> Notice:
        """Record a notice; `notices` subscribers get its sequence number as the id."""
        self._notice_seq += 1
        note = Notice(self._notice_seq, at, level, message)
        self.notices.append(note)
        self._notify("notices", frozenset({str(note.seq)}))
        return note

    # ------------------------------------------------------------------ optimistic changes
    def expect(self, kind: str, key: str, changes: dict[str, Any], *,
               confirmed: Callable[[Any], bool], until: float, label: str,
               explain: Callable[[Any], str | None] | None = None,
               quiet: bool = False) -> None:
        """Show `changes` on the record `key` now and keep them over polled records until
        confirmed or `until` passes (see Expectation)."""
        c = self.collection(kind)
        previous = self.expectations.get((kind, key))
        before = previous.before if previous is not None else c.items.get(key)
        self.expectations[(kind, key)] = Expectation(kind, key, dict(changes), confirmed, until,
                                                     label, before, explain, quiet)
        current = c.items.get(key)
        if current is not None:
            overlaid = overlay(current, changes)
            if overlaid != current:
                c.items[key] = overlaid
                self._notify(kind, frozenset({key}))

    def drop_expectation(self, kind: str, key: str, *, restore: bool = False) -> None:
        """Forget an optimistic change; with `restore`, put back the record as it was before
        (the action failed outright, so nothing is left to confirm). A record that left the
        collection meanwhile (pruned, filtered out) is not brought back."""
        exp = self.expectations.pop((kind, key), None)
        c = self.collection(kind)
        if exp is None or not restore or key not in c.items:
            return
        if exp.before is None:
            if c.items.pop(key, None) is not None:
                self._notify(kind, frozenset({key}))
        elif c.items.get(key) != exp.before:
            c.items[key] = exp.before
            self._notify(kind, frozenset({key}))

    def pending_keys(self, kind: str) -> set[str]:
        return {key for (k, key) in self.expectations if k == kind}

    def reconcile(self, kind: str, records: Iterable[Any], *, now: float, key: str = "id",
                  replace_all: bool = False) -> frozenset[str]:
        """`upsert` for polled records: each confirms, keeps or rolls back its expectation."""
        out = []
        for record in records:
            rid = getattr(record, key)
            exp = self.expectations.get((kind, rid))
            if exp is not None:
                record = self._settle(exp, record, now)
            out.append(record)
        return self.upsert(kind, out, key=key, replace_all=replace_all)

    def _settle(self, exp: Expectation, fresh: Any, now: float) -> Any:
        if exp.confirmed(fresh):
            del self.expectations[(exp.kind, exp.key)]
            message = exp.explain(fresh) if exp.explain is not None else None
            if message:
                self.notice(message, level="info", at=now)
            return fresh
        if now >= exp.until:
            del self.expectations[(exp.kind, exp.key)]
            if not exp.quiet:
                self.notice(f"{exp.label}: not confirmed by the API after it was sent; "
                            "showing the state the API reports", level="warning", at=now)
            return fresh
        exp.before = fresh  # a later rollback restores the newest state the API reported
        return overlay(fresh, exp.changes)

    def expire(self, now: float, kind: str | None = None) -> None:
        """Roll back expectations past their deadline whose record no poll brought back."""
        for exp in [e for e in self.expectations.values()
                    if e.until <= now and (kind is None or e.kind == kind)]:
            self.drop_expectation(exp.kind, exp.key, restore=True)
            if not exp.quiet:
                self.notice(f"{exp.label}: no poll confirmed it; the change is not shown",
                            level="warning", at=now)

    # ------------------------------------------------------------------ re-check requests
    def mark_stale(self, run_ids: Iterable[str]) -> None:
        """Ask the runs poller to re-read these runs on its next poll, whatever the filter."""
        self._stale.update(run_ids)

    def take_stale(self) -> set[str]:
        stale, self._stale = self._stale, set()
        return stale

    def upsert(self, kind: str, records: Iterable[Any], *, key: str = "id",
               replace_all: bool = False) -> frozenset[str]:
        """Insert or replace records; with `replace_all`, ids not in `records` are removed."""
        c = self.collection(kind)
        changed: set[str] = set()
        seen: set[str] = set()
        for record in records:
            rid = getattr(record, key)
            seen.add(rid)
            if c.items.get(rid) != record:
                c.items[rid] = record
                changed.add(rid)
        if replace_all:
            for rid in [r for r in c.items if r not in seen]:
                del c.items[rid]
                changed.add(rid)
        if kind == "runs":
            changed |= self._trim_runs()
        frozen = frozenset(changed)
        self._notify(kind, frozen)
        return frozen

    def remove(self, kind: str, ids: Iterable[str]) -> frozenset[str]:
        c = self.collection(kind)
        gone = frozenset(i for i in ids if c.items.pop(i, None) is not None)
        self._notify(kind, gone)
        return gone

    def patch_run(self, run_id: str, **changes: Any) -> RunRow | None:
        """Apply a local (optimistic) change to one run; the next poll confirms or replaces it."""
        row = self.runs.items.get(run_id)
        if row is None:
            return None
        new = replace(row, **changes)
        if new != row:
            self.runs.items[run_id] = new
            self._notify("runs", frozenset({run_id}))
        return new

    def _trim_runs(self) -> set[str]:
        """Keep the newest `max_runs` by creation time."""
        excess = len(self.runs.items) - self.max_runs
        if excess <= 0:
            return set()
        oldest = heapq.nsmallest(excess, self.runs.items.values(), key=lambda r: r.created_at)
        for row in oldest:
            del self.runs.items[row.id]
        return {row.id for row in oldest}

    def health_of(self, name: str, interval_s: float) -> Health:
        h = self.health.get(name)
        if h is None:
            h = self.health[name] = Health(name, interval_s)
        return h


def overlay(record: Any, changes: dict[str, Any]) -> Any:
    """`record` with `changes` applied: dataclasses are replaced, pydantic models copied."""
    if not changes:
        return record
    if is_dataclass(record) and not isinstance(record, type):
        return replace(record, **changes)
    model_copy = getattr(record, "model_copy", None)
    if model_copy is not None:
        return model_copy(update=changes)
    raise TypeError(f"cannot overlay changes on {type(record).__name__}")
