"""SVG snapshots of the wall: one and three environments, a firing alert, a stale tile and a
failing connection, each at 200x50 (across the room) and 80x24 (the smallest terminal).

FakeClock frozen at 2026-01-01T00:00:00Z, emulator seed 7, the flash off: every figure and age
comes from the session clock. Update with `--snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.ui.test_wall import (
    ANY_FAILURE,
    clock_of,
    faults,
    make_wall,
    sessions,
    settle,
    settle_wall,
)
from trigger_tui.ui.wall.app import WallApp

SnapCompare = Callable[..., bool]
SIZES = [pytest.param((200, 50), id="200x50"), pytest.param((80, 24), id="80x24")]


async def _tick(pilot: Any) -> None:
    app: WallApp = pilot.app
    app._tick()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_one_environment(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_wall(("prod",)), terminal_size=size, run_before=settle_wall)


@pytest.mark.parametrize("size", SIZES)
def test_three_environments(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_wall(("prod", "stg", "dev")), terminal_size=size,
                        run_before=settle_wall)


@pytest.mark.parametrize("size", SIZES)
def test_firing_alert(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = make_wall(("prod",), rules=(ANY_FAILURE,))
    app.bell = lambda: None  # type: ignore[method-assign]
    assert snap_compare(app, terminal_size=size, run_before=settle_wall)


@pytest.mark.parametrize("size", SIZES)
def test_stale_tiles(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await settle_wall(pilot)
        clock_of(pilot.app).advance(25)  # no poll since: every tile's data is 25 s old
        await _tick(pilot)

    assert snap_compare(make_wall(("prod",)), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES)
def test_failing_connection(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        app: WallApp = pilot.app
        await settle_wall(pilot)
        faults(app).ratios["5xx"] = 1.0
        clock_of(app).advance(30)
        for s in sessions(app):
            s.refresh_now()
        await settle(pilot, lambda: all(p.health.consecutive_failures
                                        for s in sessions(app) for p in s.pollers.values()))
        await _tick(pilot)

    assert snap_compare(make_wall(("prod",)), terminal_size=size, run_before=before)
