"""Alerts and watches in the console: the header badge, A, and w / W on runs, tasks and queues."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.rules import Alerting, Rule
from trigger_tui.ui.screens.alerts import AlertsScreen
from trigger_tui.ui.screens.queues import QueuesScreen
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.widgets.header import ConsoleHeader


def _header(app: Any) -> str:
    return str(app.screen.query_one(ConsoleHeader).render())


async def test_a_firing_rule_is_a_toast_a_bell_and_a_header_badge() -> None:
    h = make_harness()
    rule = Rule(name="queue stuck", when="queue_wait", above="5m")
    h.session.enable_alerts([rule], Alerting(bell=True))
    app = make_app(h)
    env = h.world.envs["prod"]
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        assert "ALERT" not in _header(app)
        queue = env.queues["task/resize-image"]
        env.set_paused(queue, True)
        h.advance(400)
        await h.session.pollers["queues"].poll_once()
        await pilot.pause()
        assert "⚠ 1 ALERT (A)" in _header(app)
        assert bells == [1]
        assert any("oldest run waiting" in str(n.message) for n in app._notifications)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        await pilot.press("escape")
        env.set_paused(queue, False)
        h.advance(600)
        await h.session.pollers["queues"].poll_once()
        await pilot.pause()
        assert "ALERT" not in _header(app)
        assert bells == [1]  # a clear rings nothing
        alerts = h.session.alerts
        assert alerts is not None
        [record] = alerts.records()
        assert record.cleared is not None and record.cleared > record.since


async def test_w_watches_the_run_under_the_cursor_and_tells_when_it_ends() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        unfinished = next(r for r in h.session.store.runs.values() if not r.is_final)
        assert screen.table.select_run(unfinished.id)
        await pilot.press("w")
        await pilot.pause()
        assert "◉ 1 watched" in _header(app)
        poller = h.session.pollers[f"watch:{unfinished.id}"]
        for _ in range(40):  # the run ends within simulated minutes
            h.advance(60)
            await poller.poll_once()
            await pilot.pause()
            if f"watch:{unfinished.id}" not in h.session.pollers:
                break
        assert f"watch:{unfinished.id}" not in h.session.pollers  # its poller is reaped
        assert any(f"run {unfinished.id}" in str(n.message) and "ended" in str(n.message)
                   for n in app._notifications)
        assert "watched" not in _header(app)


async def test_w_twice_stops_watching_and_W_watches_the_task() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        run = next(iter(h.session.store.runs.values()))
        assert screen.table.select_run(run.id)
        await pilot.press("w")
        await pilot.press("w")
        await pilot.pause()
        assert f"watch:{run.id}" not in h.session.pollers
        await pilot.press("W")
        await pilot.pause()
        alerts = h.session.alerts
        assert alerts is not None and alerts.is_watched(f"task:{run.task}")
        assert "metrics" in h.session.pollers  # a task watch reads the failures ticker
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        await pilot.press("x")
        await pilot.pause()
        assert not alerts.is_watched(f"task:{run.task}")


async def test_w_on_a_queue_watches_its_oldest_wait_and_y_says_why() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueuesScreen)
        assert screen.select_queue("task/resize-image")
        await pilot.press("w")
        await pilot.pause()
        alerts = h.session.alerts
        assert alerts is not None and alerts.is_watched("queue:task/resize-image")
        [watch] = alerts.watches()
        assert watch.threshold_s == 300
        await pilot.press("y")
        await pilot.pause()
        assert "Why isn't task/resize-image running?" in str(app.screen.query("Static")
                                                             .first().render())
