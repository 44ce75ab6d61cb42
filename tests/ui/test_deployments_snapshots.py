"""SVG snapshots of the deployments pane and a deployment's detail (emulator seed 7, clock
frozen at 2026-01-01T00:00:00Z).

Update after an intended change with `pytest tests/ui --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.conftest import make_app, make_harness, settle
from tests.ui.test_schedules_pane import until
from trigger_tui.ui.screens.deployments import DeploymentDetailScreen

SnapCompare = Callable[..., bool]


async def _open(pilot: Any) -> None:
    await settle(pilot)
    await pilot.app.switch_mode("deployments")
    await settle(pilot)


def test_deployments_pane_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(80, 24), run_before=_open)


def test_deployments_pane_160x48(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(160, 48), run_before=_open)


def test_deployment_detail(snap_compare: SnapCompare) -> None:
    async def before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, DeploymentDetailScreen))
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=(120, 40), run_before=before)
