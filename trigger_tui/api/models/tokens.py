"""Waitpoint tokens."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime

TOKEN_STATUSES = ("WAITING", "COMPLETED", "TIMED_OUT")


class CreatedToken(ApiModel):
    id: str
    url: str = ""
    is_cached: bool = False


class Token(ApiModel):
    """A token; on retrieve `output` is decoded from the serialised string the API sends."""

    id: str
    status: str
    created_at: UtcDateTime
    url: str = ""
    tags: list[str] = Field(default_factory=list)
    completed_at: UtcDateTime | None = None
    completed_after: UtcDateTime | None = None
    timeout_at: UtcDateTime | None = None
    idempotency_key: str | None = None
    idempotency_key_expires_at: UtcDateTime | None = None
    output: Any = None
    output_type: str | None = None
    output_is_error: bool = False
