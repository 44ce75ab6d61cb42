"""SVG snapshots of the waitpoint tokens pane and its completion dialog.

Emulator seed 7, clock frozen at 2026-01-01T00:00:00Z. Update after an intended change with
`pytest tests/ui/test_tokens_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.coordinate import Coordinate
from textual.widgets import TextArea

from tests.ui.conftest import make_app, make_harness, settle
from tests.ui.test_envvars_pane import lacking_harness
from trigger_tui.ui.screens.tokens import TokensScreen

SnapCompare = Callable[..., bool]


def cell(screen: TokensScreen, row: int, column: int) -> str:
    return str(screen.table.get_cell_at(Coordinate(row, column)))


async def _open(pilot: Any) -> TokensScreen:
    await settle(pilot)
    screen = TokensScreen()
    await pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_tokens_pane(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=_open)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_complete_dialog_with_invalid_json(snap_compare: SnapCompare,
                                           size: tuple[int, int]) -> None:
    async def before(pilot: Any) -> None:
        screen = await _open(pilot)
        waiting = next(i for i in range(screen.table.row_count)
                       if "waiting" in cell(screen, i, 0))
        screen.table.move_cursor(row=waiting)
        await pilot.press("c")
        await pilot.pause()
        pilot.app.screen.query_one(TextArea).text = '{"approved": tru}'
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=before)


def test_tokens_unsupported(snap_compare: SnapCompare) -> None:
    app = make_app(lacking_harness("/api/v1/waitpoints"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_open)
