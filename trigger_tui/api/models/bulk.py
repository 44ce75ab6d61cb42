"""Bulk actions (cancel or replay many runs)."""

from __future__ import annotations

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime


class BulkCounts(ApiModel):
    total: int = 0
    success: int = 0
    failure: int = 0


class BulkAction(ApiModel):
    id: str
    type: str  # CANCEL | REPLAY
    status: str  # PENDING | COMPLETED | ABORTED
    created_at: UtcDateTime
    counts: BulkCounts = Field(default_factory=BulkCounts)
    name: str | None = None
    completed_at: UtcDateTime | None = None
