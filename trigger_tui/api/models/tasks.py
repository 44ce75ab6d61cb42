"""Triggering: what the caller describes (a batch item) and what the API answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trigger_tui.api.models.common import ApiModel


class TriggeredRun(ApiModel):
    """`POST /api/v1/tasks/{task}/trigger`: the run, and whether an idempotency key reused it."""

    id: str
    is_cached: bool = False


class BatchHandle(ApiModel):
    """`POST /api/v3/batches`: the batch reserved for `run_count` items."""

    id: str
    run_count: int
    is_cached: bool = False
    idempotency_key: str | None = None


class BatchItemsResult(ApiModel):
    """`POST /api/v3/batches/{id}/items`: how many items the server took."""

    id: str
    items_accepted: int = 0
    items_deduplicated: int = 0
    sealed: bool = False
    enqueued_count: int | None = None
    expected_count: int | None = None


@dataclass(slots=True)
class BatchItem:
    """One run of a batch: the task, its payload and the trigger options it carries."""

    task: str
    payload: Any = None
    delay: str | datetime | None = None
    ttl: str | int | None = None
    tags: str | list[str] | None = None
    queue: str | None = None
    concurrency_key: str | None = None
    idempotency_key: str | None = None
    idempotency_key_ttl: str | None = None
    machine: str | None = None
    max_attempts: int | None = None
    max_duration: int | None = None
    metadata: dict[str, Any] | None = None
    version: str | None = None
    priority: float | None = None
    test: bool | None = None
