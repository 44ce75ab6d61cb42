"""Batches (two-phase and legacy) and bulk actions; both progress over simulated time.

A batch turns its items into runs a few at a time, the way the real batch queue drains, so a
client polling it sees the run list grow. Its status follows the engine: PENDING while items
stream in, PROCESSING once sealed, then PENDING again (all runs created), PARTIAL_FAILED (some
items could not be triggered) or ABORTED (none could), and finally COMPLETED when every run
reached a final status.

A bulk action resolves its runs when created, then cancels or replays them in small steps
until done or aborted.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trigger_tui.emulator import statuses as S

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run
    from trigger_tui.emulator.world.options import TriggerOptions

TICK_S = 0.2
RUNS_PER_TICK = 10  # 50 runs per simulated second
BULK_PER_TICK = 4  # 20 runs per simulated second
BATCH_KEY_TTL_S = 86400.0

# The batch-trigger limiter (self-host defaults): a token bucket of runs per environment.
BATCH_RATE_MAX = 1200
BATCH_RATE_REFILL = 100
BATCH_RATE_INTERVAL_S = 10.0

B_PENDING, B_PROCESSING, B_COMPLETED = "PENDING", "PROCESSING", "COMPLETED"
B_PARTIAL_FAILED, B_ABORTED = "PARTIAL_FAILED", "ABORTED"


@dataclass(slots=True)
class BatchItem:
    """One item as received; `error` is a trigger failure found while validating it."""

    index: int
    task: str
    payload: Any = None
    payload_type: str = "application/json"
    opts: TriggerOptions | None = None
    error: str | None = None


@dataclass(slots=True)
class Batch:
    id: str
    seq: int
    created_at: float
    updated_at: float
    run_count: int
    idempotency_key: str | None = None
    status: str = B_PENDING
    sealed: bool = False
    received: set[int] = field(default_factory=set)
    pending: deque[BatchItem] = field(default_factory=deque)
    run_ids: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    successful: int = 0
    failed: int = 0
    processing_completed_at: float | None = None
    completed_at: float | None = None
    pumping: bool = False


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float


class BatchBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, Batch] = {}
        self.keys: dict[str, tuple[str, float]] = {}  # idempotency key → (batch id, expiry)
        self._seq = 0
        self._tokens = float(BATCH_RATE_MAX)
        self._refilled_at = env.now

    # ------------------------------------------------------------------ creation
    def create(self, run_count: int, idempotency_key: str | None = None, *,
               key_ttl_s: float = BATCH_KEY_TTL_S) -> Batch:
        self._seq += 1
        now = self.env.now
        batch = Batch(self.env.ids.make("batch_"), self._seq, now, now, run_count,
                      idempotency_key)
        self.items[batch.id] = batch
        if idempotency_key:
            self.keys[idempotency_key] = (batch.id, now + key_ttl_s)
        return batch

    def find_by_key(self, key: str) -> Batch | None:
        hit = self.keys.get(key)
        if hit is None or hit[1] <= self.env.now:
            return None
        return self.items.get(hit[0])

    def take_rate(self, runs: int) -> RateDecision:
        """Spend `runs` tokens of the batch limiter, refilled in whole intervals."""
        now = self.env.now
        intervals = math.floor((now - self._refilled_at) / BATCH_RATE_INTERVAL_S)
        if intervals > 0:
            self._tokens = min(float(BATCH_RATE_MAX),
                               self._tokens + intervals * BATCH_RATE_REFILL)
            self._refilled_at += intervals * BATCH_RATE_INTERVAL_S
        allowed = self._tokens >= runs
        if allowed:
            self._tokens -= runs
        return RateDecision(allowed, BATCH_RATE_MAX, int(self._tokens),
                            self._refilled_at + BATCH_RATE_INTERVAL_S)

    # ------------------------------------------------------------------ items
    def receive(self, batch: Batch, item: BatchItem) -> bool:
        """Queue an item for run creation; False when its index already arrived."""
        if item.index in batch.received:
            return False
        batch.received.add(item.index)
        batch.pending.append(item)
        batch.updated_at = self.env.now
        if not batch.pumping:
            batch.pumping = True
            self.env.at(self.env.now + TICK_S, self._pump, batch.id)
        return True

    def seal(self, batch: Batch) -> None:
        batch.sealed = True
        batch.status = B_PROCESSING
        batch.updated_at = self.env.now
        self._maybe_finish_processing(batch)

    def process_now(self, batch: Batch) -> list[tuple[BatchItem, Run | None, bool]]:
        """Create every pending run at once (the older routes answer with the run ids)."""
        done = []
        while batch.pending:
            item = batch.pending.popleft()
            done.append((item, *self._process(batch, item)))
        self._maybe_finish_processing(batch)
        return done

    def _pump(self, batch_id: str) -> None:
        batch = self.items.get(batch_id)
        if batch is None:
            return
        for _ in range(min(RUNS_PER_TICK, len(batch.pending))):
            self._process(batch, batch.pending.popleft())
        if batch.pending:
            self.env.at(self.env.now + TICK_S, self._pump, batch.id)
        else:
            batch.pumping = False
            self._maybe_finish_processing(batch)

    def _process(self, batch: Batch, item: BatchItem) -> tuple[Run | None, bool]:
        batch.updated_at = self.env.now
        if item.error is not None or item.opts is None:
            batch.failed += 1
            batch.errors.append({"index": item.index, "taskIdentifier": item.task,
                                 "error": item.error or "Invalid item"})
            return None, False
        run, cached = self.env.trigger(item.task, item.payload, item.payload_type, item.opts,
                                       trigger_function="batchTrigger", batch_id=batch.id)
        batch.successful += 1
        batch.run_ids.append(run.id)
        return run, cached

    def _maybe_finish_processing(self, batch: Batch) -> None:
        if not batch.sealed or batch.pending or batch.processing_completed_at is not None:
            return
        now = self.env.now
        batch.processing_completed_at = now
        batch.updated_at = now
        if batch.failed and not batch.successful:
            batch.status, batch.completed_at = B_ABORTED, now
        elif batch.failed:
            batch.status = B_PARTIAL_FAILED
        else:
            batch.status = B_PENDING
        self._try_complete(batch)

    # ------------------------------------------------------------------ completion
    def run_finished(self, run: Run) -> None:
        """A run of a batch reached a final status."""
        batch = self.items.get(run.batch_id or "")
        if batch is not None:
            self._try_complete(batch)

    def _try_complete(self, batch: Batch) -> None:
        if batch.processing_completed_at is None or batch.status in (B_COMPLETED, B_ABORTED):
            return
        runs = self.env.runs
        if all(runs[r].status in S.FINAL for r in batch.run_ids if r in runs):
            batch.status = B_COMPLETED
            batch.updated_at = self.env.now

    # ------------------------------------------------------------------ retention
    def prune(self, cutoff: float) -> None:
        """Forget batches created before `cutoff` that are done or were never sealed."""
        doomed = [b for b in self.items.values() if b.created_at < cutoff and not b.pumping
                  and (b.status in (B_COMPLETED, B_ABORTED) or not b.sealed
                       or not any(r in self.env.runs for r in b.run_ids))]
        for batch in doomed:
            del self.items[batch.id]
        self.keys = {k: v for k, v in self.keys.items()
                     if v[0] in self.items and v[1] > self.env.now}


# ---------------------------------------------------------------------- bulk actions
BULK_PENDING, BULK_COMPLETED, BULK_ABORTED = "PENDING", "COMPLETED", "ABORTED"


@dataclass(slots=True)
class BulkAction:
    id: str
    seq: int
    created_at: float
    kind: str  # CANCEL | REPLAY
    targets: list[str]
    name: str | None = None
    target_region: str | None = None
    status: str = BULK_PENDING
    cursor: int = 0
    success: int = 0
    failure: int = 0
    completed_at: float | None = None


class BulkBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, BulkAction] = {}
        self._seq = 0

    def create(self, kind: str, run_ids: list[str], *, name: str | None = None,
               target_region: str | None = None) -> BulkAction:
        """Start cancelling or replaying `run_ids` (resolved by the caller, in order)."""
        self._seq += 1
        action = BulkAction(self.env.ids.make("bulk_"), self._seq, self.env.now, kind,
                            list(run_ids), name, target_region)
        self.items[action.id] = action
        self.env.at(self.env.now + TICK_S, self._step, action.id)
        return action

    def abort(self, action: BulkAction) -> None:
        action.status = BULK_ABORTED

    def _step(self, action_id: str) -> None:
        action = self.items.get(action_id)
        if action is None or action.status != BULK_PENDING:
            return
        chunk = action.targets[action.cursor:action.cursor + BULK_PER_TICK]
        action.cursor += len(chunk)
        for run_id in chunk:
            if self._apply(action, run_id):
                action.success += 1
            else:
                action.failure += 1
        if action.cursor >= len(action.targets):
            action.status = BULK_COMPLETED
            action.completed_at = self.env.now
        else:
            self.env.at(self.env.now + TICK_S, self._step, action.id)

    def _apply(self, action: BulkAction, run_id: str) -> bool:
        run = self.env.runs.get(run_id)
        if run is None:
            return False
        run.bulk_ids.append(action.id)
        run.updated_at = self.env.now  # TRQL re-reads a finished run only when this moves
        if action.kind == "CANCEL":
            return self.env.cancel(run)
        overrides = {"region": action.target_region} if action.target_region else None
        new = self.env.replay(run, overrides)
        new.bulk_ids.append(action.id)
        return True

    def prune(self, cutoff: float) -> None:
        """Forget finished bulk actions created before `cutoff`."""
        self.items = {k: a for k, a in self.items.items()
                      if a.created_at >= cutoff or a.status == BULK_PENDING}
