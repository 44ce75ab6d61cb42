"""Environment variables (secret values come back redacted)."""

from __future__ import annotations

from trigger_tui.api.models.common import ApiModel


class EnvVar(ApiModel):
    name: str
    value: str = ""
    is_secret: bool = False
