"""A Trigger.dev query dashboard as a wall page: it joins the rotation and fills its tiles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.conftest import FROZEN_AT, SEED, never
from tests.ui.test_wall import settle, settle_wall
from trigger_tui.api.client import NO_RETRY
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.rules import Alerting, demo_rules
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel
from trigger_tui.ui.wall.app import WallApp
from trigger_tui.ui.wall.dashboard import REFRESH_S, DashboardPage
from trigger_tui.ui.wall.panel import WallOptions, WallPanel
from trigger_tui.ui.widgets.dashboard import DashboardGrid

SnapCompare = Callable[..., bool]


def make_wall(dashboards: tuple[str, ...]) -> WallApp:
    clock = FakeClock(FROZEN_AT)
    session = Session.for_demo(clock=clock, seed=SEED, read_only=True, runs=False, sleep=never,
                               history_s=3600)
    session.client.options.retry = NO_RETRY
    session.enable_metrics(window_s=3600)
    session.enable_alerts(demo_rules(), Alerting())
    panel = WallPanel(session, ConnectionLabel(project=session.project_ref, environment="prod",
                                               demo=True))
    app = WallApp([panel], WallOptions(window_s=3600, dashboards=dashboards))
    app.blink = False
    return app


async def _to_page(pilot: Any, app: WallApp, page: DashboardPage) -> None:
    await pilot.press("n")
    await settle(pilot, lambda: page.loaded_at is not None)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_dashboard_is_a_page_of_the_rotation_and_fills_its_tiles() -> None:
    app = make_wall(("overview",))
    async with app.run_test(size=(160, 45)) as pilot:
        await settle_wall(pilot)
        assert app.rotating and app.page_count == 2
        [page] = app.dashboards
        assert not page.display and page.loaded_at is None  # nothing read while hidden
        await _to_page(pilot, app, page)
        assert page.display and not app.views[0].display
        grid = page.query_one(DashboardGrid)
        first = grid.query_one("#tile-0")
        assert str(first.render()) not in ("…", "")
        loaded = page.loaded_at
        app._tick()  # on screen, but not due yet: no new requests
        assert page.loaded_at == loaded
        app.panels[0].session.world.clock.advance(REFRESH_S + 1)
        app._tick()
        await app.workers.wait_for_complete()
        assert page.loaded_at is not None and loaded is not None and page.loaded_at > loaded
        await pilot.press("n")
        await pilot.pause()
        assert app.views[0].display and not page.display


async def test_an_unknown_dashboard_says_which_exist() -> None:
    app = make_wall(("nope",))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle_wall(pilot)
        [page] = app.dashboards
        await _to_page(pilot, app, page)
        note = str(page.query_one(".dash-page-note").render())
        assert "no dashboard 'nope'" in note and "overview" in note


def test_dashboard_page_snapshot(snap_compare: SnapCompare) -> None:
    app = make_wall(("overview",))

    async def before(pilot: Any) -> None:
        await settle_wall(pilot)
        await _to_page(pilot, app, app.dashboards[0])

    assert snap_compare(app, terminal_size=(160, 45), run_before=before)
