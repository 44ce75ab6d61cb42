"""The world's records: plain slotted dataclasses that the HTTP layer renders, never stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Attempt:
    number: int
    started_at: float
    ended_at: float | None = None
    error: dict[str, Any] | None = None  # TaskRunError union, with its `type`


@dataclass(slots=True)
class Run:
    id: str
    seq: int  # creation order, the tie-breaker in cursors
    task: str
    status: str
    created_at: float
    updated_at: float
    queue: str  # internal name: `task/<id>` or the custom queue's name
    machine: str
    payload: Any = None
    payload_type: str = "application/json"
    output: Any = None
    output_type: str = "application/json"
    error: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    idempotency_key: str | None = None
    idempotency_key_user: str | None = None
    idempotency_expires_at: float | None = None
    version: str | None = None
    ttl: str | None = None
    ttl_s: float | None = None
    concurrency_key: str | None = None
    max_attempts: int = 3
    max_duration: int | None = None
    priority: float = 0.0
    is_test: bool = False
    region: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    delayed_until: float | None = None
    expired_at: float | None = None
    queued_at: float | None = None
    attempts: list[Attempt] = field(default_factory=list)
    usage_ms: int = 0
    cost_cents: float = 0.0
    base_cost_cents: float = 0.0
    parent_id: str | None = None
    root_id: str | None = None
    depth: int = 0
    trigger_function: str = "trigger"
    batch_id: str | None = None
    schedule_id: str | None = None
    bulk_ids: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    waiting_on: str | None = None  # a token id, or "children"
    # Execution plan of the current attempt, decided when it starts.
    gen: int = 0  # bumped whenever pending events for this run become stale
    holding: bool = False  # holds a concurrency slot in its queue
    segment_started: float = 0.0
    plan_total: float = 0.0
    plan_done: float = 0.0
    plan_outcome: str = "success"
    plan_failure: int = -1
    plan_wait_at: float = -1.0  # executed seconds after which the attempt waits; -1: never
    phase: int = 0
    trace_seed: int = 0


@dataclass(slots=True)
class Queue:
    id: str
    name: str  # internal: `task/<id>` for task queues
    type: str  # task | custom
    base_limit: int | None
    override: int | None = None
    overridden_at: float | None = None
    paused: bool = False
    running: int = 0
    waiting: list[tuple[float, int, str, int]] = field(default_factory=list)  # heap
    members: set[str] = field(default_factory=set)  # ids of the runs waiting in the heap

    @property
    def public_name(self) -> str:
        return self.name[5:] if self.type == "task" else self.name

    def limit(self, env_max: int) -> int:
        if self.override is not None:
            return self.override
        return self.base_limit if self.base_limit is not None else env_max
