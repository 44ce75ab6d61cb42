"""SVG snapshots of the run detail screen in the real console app: a failed run (error first)
and its trace waterfall, at 80x24 and 160x48.

The world is seeded, the clock frozen and the workload off, and the pollers poll once, so every
id, time and bar is the same on every machine. Update with `pytest --snapshot-update`.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import make_app
from tests.ui.conftest import settle as first_polls
from tests.ui.detail_fixtures import failed_child_run, loaded, make_demo, settle
from trigger_tui.ui.widgets.waterfall import Waterfall

SIZES = [(80, 24), (160, 48)]


def failed_run_app(*keys: str) -> tuple[Any, Any]:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = make_app(demo)

    async def run_before(pilot: Pilot[Any]) -> None:
        app.animation_level = "none"
        await first_polls(pilot)
        app.open_run(child)
        await loaded(pilot)
        for key in keys:
            await pilot.press(key)
        await settle(pilot)

    return app, run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_failed_run_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    app, run_before = failed_run_app()
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_trace_waterfall(snap_compare: Any, size: tuple[int, int]) -> None:
    # The first attempt selected: its failure (exception event) and its log beside the tree.
    app, run_before = failed_run_app("t", "down")

    async def with_check(pilot: Pilot[Any]) -> None:
        await run_before(pilot)
        waterfall = app.screen.query_one(Waterfall)
        assert waterfall.selected_span is not None
        assert waterfall.selected_span.data.message == "Attempt 1"

    assert snap_compare(app, terminal_size=size, run_before=with_check)
