"""SVG snapshots of the env vars pane, its import preview and the env diff.

Emulator seed 7, clock frozen at 2026-01-01T00:00:00Z. Update after an intended change with
`pytest tests/ui/test_envvars_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import make_app, make_harness, settle
from tests.ui.test_envvars_pane import answer, move_to
from trigger_tui.ui.screens.envvars import EnvVarsScreen

SnapCompare = Callable[..., bool]


async def _open(pilot: Any) -> EnvVarsScreen:
    await settle(pilot)
    screen = EnvVarsScreen()
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_envvars_pane_with_one_value_revealed(snap_compare: SnapCompare,
                                              size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        screen = await _open(pilot)
        move_to(screen, "LOG_LEVEL")
        await pilot.press("v")
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_envvars_import_preview(snap_compare: SnapCompare, size: tuple[int, int],
                                tmp_path: Path) -> None:
    env_file = tmp_path / "x.env"
    env_file.write_text("LOG_LEVEL=debug\nAPP_URL=https://app.acme.dev\nNEW_ONE=1\n"
                        "DATABASE_URL=postgres://x\n")

    async def before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("i")
        await answer(pilot, str(env_file))

    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_envvars_diff(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        await _open(pilot)
        await pilot.press("x")
        await answer(pilot, "stg")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=before)


def test_envvars_without_project_ref(snap_compare: SnapCompare) -> None:
    h = make_harness()
    h.session.client.options.project_ref = None
    assert snap_compare(make_app(h), terminal_size=(80, 24), run_before=_open)
