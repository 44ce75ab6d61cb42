"""The one reactive state store.

Plain Python, no Textual, no httpx: pollers write into it, widgets subscribe to it and re-render
only the ids that changed. Runs are compact slotted records with a bounded retention (the newest
N by creation time), so holding 100k of them stays within the memory budget.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from typing import Any, Generic, TypeVar

FINAL_STATUSES = frozenset({"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE",
                            "EXPIRED", "TIMED_OUT", "INTERRUPTED"})
FAILED_STATUSES = frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "INTERRUPTED"})
QUEUED_STATUSES = frozenset({"QUEUED", "DELAYED", "PENDING_VERSION", "WAITING_FOR_DEPLOY"})
RUNNING_STATUSES = frozenset({"DEQUEUED", "EXECUTING", "REATTEMPTING"})


@dataclass(slots=True, frozen=True)
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

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES


RUN_FIELDS = tuple(f.name for f in fields(RunRow))

T = TypeVar("T")
Listener = Callable[[frozenset[str]], None]


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
        self.collections[kind].revision += 1
        for callback in list(self._listeners.get(kind, ())):
            callback(changed)

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
