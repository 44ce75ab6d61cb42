"""The query console's dashboard at 80x24: the first two tiles under the big numbers show
whole, with rows in them; a tall terminal keeps the roomier tiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.containers import VerticalScroll

from tests.ui.conftest import make_app, make_harness
from tests.ui.test_query_screen import finish, open_console
from trigger_tui.ui.screens.query import DashboardScreen
from trigger_tui.ui.widgets.results_table import ResultsTable


async def _dashboard(pilot: Any, folder: Path) -> DashboardScreen:
    await open_console(pilot, folder)
    await pilot.press("f10")
    await finish(pilot)
    await pilot.press(*"overview", "enter")
    await finish(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


@pytest.mark.parametrize(("size", "tile_height", "numbers_height"),
                         [((80, 24), 9, 3), ((160, 48), 14, 5)])
async def test_two_tiles_show_whole_with_their_rows(tmp_path: Path, size: tuple[int, int],
                                                   tile_height: int,
                                                   numbers_height: int) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=size) as pilot:
        screen = await _dashboard(pilot, tmp_path)
        numbers = screen.query_one(".dash-numbers")
        assert numbers.outer_size.height == numbers_height
        scroll = screen.query_one(VerticalScroll)
        first, second = list(scroll.children)[:2]
        visible = scroll.content_region
        for tile in (first, second):
            assert tile.outer_size.height == tile_height
            assert visible.contains_region(tile.region), f"{tile.border_title} is cut"
        table = next(t for t in scroll.children if isinstance(t, ResultsTable))
        assert len(table.rows) >= tile_height - 3  # rows to fill it, borders and header aside
