"""Queues (`QueueItem`, V1 with a `concurrency` object or V2 without)."""

from __future__ import annotations

from trigger_tui.api.models.common import ApiModel, UtcDateTime


class QueueConcurrency(ApiModel):
    current: int | None = None
    base: int | None = None
    override: int | None = None
    overridden_at: UtcDateTime | None = None
    overridden_by: str | None = None


class Queue(ApiModel):
    id: str
    name: str
    type: str  # task | custom
    running: int = 0
    queued: int = 0
    paused: bool = False
    concurrency_limit: int | None = None
    concurrency: QueueConcurrency | None = None
    version: str | None = None

    @property
    def is_overridden(self) -> bool:
        return self.concurrency is not None and self.concurrency.override is not None
