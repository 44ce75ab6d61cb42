"""Schedules (`ScheduleObject`)."""

from __future__ import annotations

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime
from trigger_tui.api.models.runs import ScheduleGenerator


class ScheduleEnvironment(ApiModel):
    id: str
    type: str
    user_name: str | None = None
    slug: str | None = None


class Schedule(ApiModel):
    id: str
    task: str
    type: str = "IMPERATIVE"  # IMPERATIVE | DECLARATIVE
    active: bool = True
    generator: ScheduleGenerator = Field(default_factory=ScheduleGenerator)
    timezone: str = "UTC"
    deduplication_key: str | None = None
    external_id: str | None = None
    window: str | None = None
    next_run: UtcDateTime | None = None
    next_run_effective_at: UtcDateTime | None = None
    environments: list[ScheduleEnvironment] = Field(default_factory=list)

    @property
    def cron(self) -> str:
        return self.generator.expression
