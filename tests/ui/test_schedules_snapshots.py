"""SVG snapshots of the schedules pane and its form (emulator seed 7, clock frozen at
2026-01-01T00:00:00Z). Fire times "yours" are in the machine's zone: the suite runs in UTC.

Update after an intended change with `pytest tests/ui --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.conftest import make_app, make_harness, settle
from tests.ui.test_schedules_pane import IMPERATIVE, until
from trigger_tui.ui.screens.schedules import ScheduleForm

SnapCompare = Callable[..., bool]


async def _open(pilot: Any) -> None:
    await settle(pilot)
    await pilot.app.switch_mode("schedules")
    await settle(pilot)


def test_schedules_pane_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(80, 24), run_before=_open)


def test_schedules_pane_160x48(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(160, 48), run_before=_open)


def test_schedule_form_with_preview(snap_compare: SnapCompare) -> None:
    async def before(pilot: Any) -> None:
        await _open(pilot)
        screen = pilot.app.screen
        screen.table.move_cursor(row=screen.table.get_row_index(IMPERATIVE))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, ScheduleForm))
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=(120, 36), run_before=before)
