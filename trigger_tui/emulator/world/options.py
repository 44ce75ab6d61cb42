"""Validated trigger options, as the HTTP layer hands them to the world."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class TriggerOptions:
    idempotency_key: str | None = None
    idempotency_key_user: str | None = None
    idempotency_ttl_s: float | None = None
    delay_until: float | None = None
    ttl: str | None = None
    ttl_s: float | None = None
    queue: str | None = None
    concurrency_key: str | None = None
    tags: list[str] = field(default_factory=list)
    machine: str | None = None
    max_attempts: int | None = None
    max_duration: int | None = None
    metadata: dict[str, Any] | None = None
    lock_to_version: str | None = None
    priority: float = 0.0
    region: str | None = None
    test: bool = False
