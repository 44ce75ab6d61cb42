"""Batches as `GET /api/v2/batches/{id}` shows them: item processing, not run outcomes."""

from __future__ import annotations

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime

# PENDING | PROCESSING | COMPLETED | PARTIAL_FAILED | ABORTED; others are carried as-is.
BATCH_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "PARTIAL_FAILED", "ABORTED")


class BatchItemError(ApiModel):
    index: int
    task_identifier: str = ""
    error: str = ""
    error_code: str | None = None


class BatchProcessing(ApiModel):
    completed_at: UtcDateTime | None = None
    errors: list[BatchItemError] = Field(default_factory=list)


class Batch(ApiModel):
    id: str
    status: str
    created_at: UtcDateTime
    updated_at: UtcDateTime | None = None
    run_count: int = 0
    runs: list[str] = Field(default_factory=list)
    idempotency_key: str | None = None
    processing: BatchProcessing = Field(default_factory=BatchProcessing)
