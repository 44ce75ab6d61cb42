"""Error groups: failed runs grouped by fingerprint, with a lifecycle status."""

from __future__ import annotations

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime

ERROR_STATUSES = ("unresolved", "resolved", "ignored")


class ErrorGroup(ApiModel):
    """A list item (`count` within the asked window) or the full object (`count` in total,
    affected versions and the lifecycle details)."""

    id: str
    status: str
    task_identifier: str = ""
    fingerprint: str = ""
    error_type: str = ""
    error_message: str = ""
    count: int = 0
    first_seen: UtcDateTime | None = None
    last_seen: UtcDateTime | None = None
    affected_versions: list[str] = Field(default_factory=list)
    resolved_at: UtcDateTime | None = None
    resolved_in_version: str | None = None
    resolved_by: str | None = None
    ignored_at: UtcDateTime | None = None
    ignored_until: UtcDateTime | None = None
    ignored_reason: str | None = None
    ignored_by_user_id: str | None = None
    ignored_until_occurrence_rate: float | None = None
    ignored_until_total_occurrences: int | None = None
