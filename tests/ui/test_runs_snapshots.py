"""SVG snapshots of the runs pane (emulator seed 7, clock frozen at 2026-01-01T00:00:00Z).

Update after an intended change with `pytest tests/ui --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.state.filters import RunFilter

SnapCompare = Callable[..., bool]


def test_runs_pane_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(80, 24), run_before=settle)


def test_runs_pane_160x48(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(160, 48), run_before=settle)


def test_runs_pane_filtered_with_selection(snap_compare: SnapCompare) -> None:
    h = make_harness(history_s=7200, filter=RunFilter(
        statuses=frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"}), period="2h"))

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("space", "j", "space")
        await pilot.pause()

    assert snap_compare(make_app(h), terminal_size=(120, 30), run_before=before)
