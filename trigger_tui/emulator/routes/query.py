"""Routes for query."""

from __future__ import annotations

from trigger_tui.emulator.http import Api

api = Api()
