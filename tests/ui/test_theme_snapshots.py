"""Every screen in every shipped theme at 80x24: the smallest terminal the console supports.

The set-ups come from the screens' own snapshot and pane tests (imported, not copied), so a
screen's snapshot here shows the same state as its own. Emulator seed 7, clock frozen at
2026-01-01T00:00:00Z. Update with
`pytest tests/ui/test_theme_snapshots.py --snapshot-update -n 2` and look at the SVGs,
the `ansi` ones above all: they are what an old terminal shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from tests.ui.conftest import Harness, make_app, make_harness, settle
from tests.ui.detail_fixtures import failed_child_run, loaded, make_demo
from tests.ui.detail_fixtures import settle as settle_detail
from tests.ui.test_batches_pane import start as with_a_batch
from tests.ui.test_deployments_snapshots import _open as open_deployments
from tests.ui.test_envvars_snapshots import _open as open_envvars
from tests.ui.test_errors_pane import open_errors
from tests.ui.test_health_pane import open_health
from tests.ui.test_query_snapshots import COST, console
from tests.ui.test_schedules_snapshots import _open as open_schedules
from tests.ui.test_tokens_snapshots import _open as open_tokens
from tests.ui.test_trigger_dialog import open_dialog, set_field
from tests.ui.test_wall import make_wall, settle_wall
from tests.ui.test_wall_dashboard import _to_page
from tests.ui.test_wall_dashboard import make_wall as make_dashboard_wall
from trigger_tui.rules import Alerting, Rule
from trigger_tui.ui import themes
from trigger_tui.ui.launch import LaunchOptions, build_app
from trigger_tui.ui.screens.query import QueryScreen

SnapCompare = Callable[..., bool]
Before = Callable[[Any], Awaitable[object]]
Built = tuple[App[Any], Before | None]
SIZE = (80, 24)
STUCK_QUEUE = "task/resize-image"


def small_world() -> Harness:
    """Five minutes of history instead of fifteen: a full screen of runs at 80x24 for a
    third of the set-up (these tests are about colors, not volume)."""
    return make_harness(history_s=300)


def _on_console(before: Before, harness: Callable[[], Harness] = small_world) -> Built:
    return make_app(harness()), before


async def _action(pilot: Any, action: str, *, on_screen: bool = True) -> None:
    """Run the binding's action rather than press its key: the user may remap keys."""
    target = pilot.app.screen if on_screen else pilot.app
    await target.run_action(action)
    await pilot.pause()
    await pilot.pause()


# --------------------------------------------------------------------------- the console
def welcome(_: Path) -> Built:
    return build_app(LaunchOptions(), environ={},
                     config_file=Path("/home/oncall/.config/trigger-tui/config.toml")), None


def runs(_: Path) -> Built:
    return _on_console(settle)


def runs_filter(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "filter_form")

    return _on_console(before)


def confirm(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "cancel")  # the newest run, still queued: cancellable
        assert type(pilot.app.screen).__name__ == "ConfirmScreen"

    return _on_console(before)


def bulk(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "bulk_by_filter")

    return _on_console(before)


def trigger(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        screen, _ = await open_dialog(pilot, "send-email")
        set_field(screen, "#payload", '{\n  "to": "ops@example.com",\n}')  # invalid: shown
        await _action(pilot, "submit")
        await settle(pilot)

    return _on_console(before)


def _detail(tab: str | None) -> Callable[[Path], Built]:
    def build(_: Path) -> Built:
        demo = make_demo()
        child, _parent = failed_child_run(demo)
        app = make_app(demo)

        async def before(pilot: Any) -> None:
            app.animation_level = "none"
            await settle(pilot)
            app.open_run(child)
            await loaded(pilot)
            if tab:
                await _action(pilot, f"tab('{tab}')")
            await settle_detail(pilot)

        return app, before

    return build


def queues(_: Path) -> Built:
    def harness() -> Harness:
        h = small_world()
        env = h.world.envs["prod"]
        env.set_paused(env.queues[STUCK_QUEUE], True)  # the paused state on screen
        return h

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.switch_mode("queues")
        await settle(pilot)

    return _on_console(before, harness)


def batches(_: Path) -> Built:
    h = small_world()

    async def before(pilot: Any) -> None:
        await with_a_batch(pilot, h)
        await pilot.app.switch_mode("batches")
        await settle(pilot)

    return make_app(h), before


def errors(_: Path) -> Built:
    h = make_harness(history_s=3600)

    async def before(pilot: Any) -> None:
        await open_errors(pilot, h)

    return make_app(h), before


def health(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await open_health(pilot)

    return _on_console(before)


def query(folder: Path) -> Built:
    return _on_console(console(folder, COST.text))


def query_dashboard(folder: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(QueryScreen(folder=folder, timer=lambda: 0.0))
        await pilot.pause()
        await _action(pilot, "dashboards")
        await pilot.app.workers.wait_for_complete()
        await pilot.press(*"overview", "enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return _on_console(before)


def help_overlay(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "help", on_screen=False)

    return _on_console(before)


def alerts(_: Path) -> Built:
    h = small_world()
    h.session.enable_alerts([Rule(name="queue stuck", when="queue_wait", above="5m")],
                            Alerting())
    app = make_app(h)
    app.bell = lambda: None  # type: ignore[method-assign]

    async def before(pilot: Any) -> None:
        await settle(pilot)
        env = h.world.envs["prod"]
        env.set_paused(env.queues[STUCK_QUEUE], True)
        h.advance(400)
        await h.session.pollers["queues"].poll_once()
        await pilot.pause()
        pilot.app.clear_notifications()  # the alert's toast expires on wall-clock time
        for _ in range(20):
            await pilot.pause()
            if not pilot.app.screen.query("Toast"):
                break
        await _action(pilot, "alerts", on_screen=False)

    return app, before


def connection(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "connection", on_screen=False)

    return _on_console(before)


def prompt(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.run_action("jump")
        await pilot.press("c", "o")
        await pilot.pause()

    return _on_console(before)


# --------------------------------------------------------------------------- the wall
def wall(_: Path) -> Built:
    return make_wall(("prod",)), settle_wall


def wall_dashboard(_: Path) -> Built:
    app = make_dashboard_wall(("overview",))

    async def before(pilot: Any) -> None:
        await settle_wall(pilot)
        await _to_page(pilot, app, app.dashboards[0])

    return app, before


SCREENS: dict[str, Callable[[Path], Built]] = {
    "welcome": welcome,
    "runs": runs,
    "runs-filter": runs_filter,
    "confirm": confirm,
    "bulk": bulk,
    "trigger": trigger,
    "detail-overview": _detail(None),
    "detail-trace": _detail("trace"),
    "detail-events": _detail("events"),
    "detail-data": _detail("data"),
    "queues": queues,
    "schedules": lambda _: _on_console(open_schedules),
    "envvars": lambda _: _on_console(open_envvars),
    "tokens": lambda _: _on_console(open_tokens),
    "batches": batches,
    "deployments": lambda _: _on_console(open_deployments),
    "errors": errors,
    "health": health,
    "query": query,
    "query-dashboard": query_dashboard,
    "help": help_overlay,
    "alerts": alerts,
    "connection": connection,
    "prompt": prompt,
    "wall": wall,
    "wall-dashboard": wall_dashboard,
}


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("theme", themes.SHIPPED)
def test_every_screen_in_every_theme(snap_compare: SnapCompare, tmp_path: Path, theme: str,
                                     screen: str) -> None:
    app, before = SCREENS[screen](tmp_path)
    app.wanted_theme = theme  # type: ignore[attr-defined]
    assert snap_compare(app, terminal_size=SIZE, run_before=before)
