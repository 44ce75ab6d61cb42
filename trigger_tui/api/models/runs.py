"""Runs as the API returns them (list items, retrieve, related runs), their events, trace and
execution result, with status helpers computed locally.

The server's own `is*` flags disagree between endpoints (the REST helpers count CANCELED as
completed but not EXPIRED or TIMED_OUT; the realtime stream does the opposite), so the console
decides from `status` alone. The flags the server sent stay available in `model_extra`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime

# Current vocabulary (x-trigger-api-version 2025-07-16) plus the legacy names an older server
# sends. Any other string is carried as-is and counts as none of the groups below.
CURRENT_STATUSES = (
    "PENDING_VERSION", "QUEUED", "DEQUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED",
    "FAILED", "CRASHED", "SYSTEM_FAILURE", "DELAYED", "EXPIRED", "TIMED_OUT",
)
LEGACY_STATUSES = ("WAITING_FOR_DEPLOY", "REATTEMPTING", "FROZEN", "INTERRUPTED")

QUEUED_STATUSES = frozenset({"QUEUED", "PENDING_VERSION", "WAITING_FOR_DEPLOY", "DELAYED"})
RUNNING_STATUSES = frozenset({"DEQUEUED", "EXECUTING", "WAITING", "REATTEMPTING", "FROZEN"})
SUCCESS_STATUSES = frozenset({"COMPLETED"})
# Final and the run's own fault or the platform's: what an operator looks at and may replay.
# CANCELED (someone chose it) and EXPIRED (never started) are final but not failures.
FAILED_STATUSES = frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "INTERRUPTED"})
FINAL_STATUSES = SUCCESS_STATUSES | FAILED_STATUSES | {"CANCELED", "EXPIRED"}


class SerializedError(ApiModel):
    message: str = ""
    name: str | None = None
    stack_trace: str | None = None
    causes: list[dict[str, Any]] | None = None


class RunEnv(ApiModel):
    id: str
    name: str
    user: str | None = None


class ScheduleGenerator(ApiModel):
    type: str = "CRON"
    expression: str = ""
    description: str = ""


class RunSchedule(ApiModel):
    id: str
    external_id: str | None = None
    deduplication_key: str | None = None
    generator: ScheduleGenerator | None = None


class RunBase(ApiModel):
    """The fields every run shape shares (`CommonRunFields`), and the local status helpers."""

    id: str
    status: str
    task_identifier: str
    created_at: UtcDateTime
    updated_at: UtcDateTime | None = None
    started_at: UtcDateTime | None = None
    finished_at: UtcDateTime | None = None
    delayed_until: UtcDateTime | None = None
    expired_at: UtcDateTime | None = None
    idempotency_key: str | None = None
    version: str | None = None
    ttl: str | None = None
    task_kind: str | None = None
    region: str | None = None
    is_test: bool = False
    tags: list[str] = Field(default_factory=list)
    cost_in_cents: float = 0.0
    base_cost_in_cents: float = 0.0
    duration_ms: float = 0.0
    metadata: dict[str, Any] | None = None
    depth: int | None = None
    trigger_function: str | None = None
    batch_id: str | None = None

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to this run (success, failure, cancel or expiry)."""
        return self.status in FINAL_STATUSES

    @property
    def is_success(self) -> bool:
        return self.status in SUCCESS_STATUSES

    @property
    def is_failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def is_running(self) -> bool:
        """Taken off the queue and not finished: dequeued, executing or waiting."""
        return self.status in RUNNING_STATUSES

    @property
    def is_queued(self) -> bool:
        """Not started yet: queued, delayed or waiting for a version."""
        return self.status in QUEUED_STATUSES

    @property
    def is_known_status(self) -> bool:
        """False for a status from a server newer than this console."""
        return self.status in CURRENT_STATUSES or self.status in LEGACY_STATUSES


class RunListItem(RunBase):
    env: RunEnv | None = None


class RelatedRun(RunBase):
    pass


class RelatedRuns(ApiModel):
    root: RelatedRun | None = None
    parent: RelatedRun | None = None
    children: list[RelatedRun] = Field(default_factory=list)


class Run(RunBase):
    """`GET /api/v3/runs/{id}` (and reschedule): the list fields plus payload, output, error."""

    payload: Any = None
    output: Any = None
    payload_presigned_url: str | None = None
    output_presigned_url: str | None = None
    error: SerializedError | None = None
    schedule: RunSchedule | None = None
    related_runs: RelatedRuns = Field(default_factory=RelatedRuns)
    attempt_count: int = 0


class EventStyle(ApiModel):
    icon: str | None = None
    variant: str | None = None
    accessory: dict[str, Any] | None = None


class RunEvent(ApiModel):
    """One span or log line of a run. `start_time` is nanoseconds since the epoch."""

    span_id: str
    parent_id: str | None = None
    run_id: str | None = None
    message: str = ""
    style: EventStyle | None = None
    start_time: int = 0
    duration: int = 0
    is_error: bool = False
    is_partial: bool = False
    is_cancelled: bool = False
    level: str | None = None
    kind: str | None = None
    attempt_number: int | None = None
    task_slug: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.start_time / 1e9, tz=UTC)


class SpanData(ApiModel):
    message: str = ""
    task_slug: str | None = None
    task_path: str | None = None
    events: list[dict[str, Any]] = Field(default_factory=list)
    start_time: UtcDateTime | None = None
    duration: int = 0  # nanoseconds
    is_error: bool = False
    is_partial: bool = False
    is_cancelled: bool = False
    level: str | None = None
    attempt_number: int | None = None
    properties: dict[str, Any] | None = None
    worker_version: str | None = None
    queue_name: str | None = None
    machine_preset: str | None = None
    output: Any = None


class Span(ApiModel):
    id: str
    parent_id: str | None = None
    run_id: str | None = None
    data: SpanData = Field(default_factory=SpanData)
    children: list[Span] = Field(default_factory=list)


class Trace(ApiModel):
    trace_id: str
    root_span: Span
    is_truncated: bool = False


class RunUsage(ApiModel):
    duration_ms: float = 0.0


class RunResult(ApiModel):
    """`TaskRunExecutionResult`; `output` is already decoded from its serialised string."""

    ok: bool
    id: str
    output: Any = None
    output_type: str | None = None
    error: dict[str, Any] | None = None
    usage: RunUsage | None = None
    task_identifier: str | None = None
