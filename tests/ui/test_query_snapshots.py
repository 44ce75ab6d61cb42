"""SVG snapshots of the TRQL console (emulator seed 7, clock frozen at 2026-01-01T00:00:00Z).

Update after an intended change with `pytest tests/ui/test_query_snapshots.py --snapshot-update`
and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.state.query import STOCK_QUERIES
from trigger_tui.ui.screens.query import QueryScreen

SnapCompare = Callable[..., bool]
COST = STOCK_QUERIES[2]
PER_MINUTE = STOCK_QUERIES[-1]


def console(folder: Path, text: str, period: str | None = None, *,
            keys: tuple[str, ...] = ()) -> Callable[[Any], Awaitable[None]]:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        screen = QueryScreen(folder=folder, timer=lambda: 0.0)
        await pilot.app.push_screen(screen)
        await pilot.pause()
        screen.load_query(text, period=period)
        await pilot.press("f5")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()

    return before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_console_with_results(snap_compare: SnapCompare, tmp_path: Path,
                              size: tuple[int, int]) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=size,
                        run_before=console(tmp_path, COST.text))


def test_console_with_an_error(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(100, 30),
                        run_before=console(tmp_path, "SELECT task_identifier,\n  count() AS n\n"
                                           "FORM runs"))


@pytest.mark.parametrize(("text", "period", "keys"), [
    (COST.text, None, ("f9",)),  # category × value: bars
    (PER_MINUTE.text, "1h", ("f9",)),  # time buckets: a line
], ids=["bar", "line"])
def test_console_with_a_chart(snap_compare: SnapCompare, tmp_path: Path, text: str,
                              period: str | None, keys: tuple[str, ...]) -> None:
    assert snap_compare(make_app(make_harness()), terminal_size=(100, 30),
                        run_before=console(tmp_path, text, period, keys=keys))


def test_dashboard(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(QueryScreen(folder=tmp_path, timer=lambda: 0.0))
        await pilot.pause()
        await pilot.press("f10")
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"overview", "enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=(160, 48), run_before=before)
