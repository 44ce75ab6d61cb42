"""The wall monitor driven through the Pilot, on a frozen clock.

Sessions are built like `launch.build_wall_app` builds them for `--demo`, but on a FakeClock and
with pollers that poll once at start and then only when asked (`never`), so every figure and
age on screen is the test's doing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Digits

from tests.ui.conftest import FROZEN_AT, SEED, never
from trigger_tui.api.client import NO_RETRY
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import Faults
from trigger_tui.rules import Alerting, Rule, demo_rules
from trigger_tui.state.metrics import Metrics, QueueLine, metrics_of
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel
from trigger_tui.ui.wall.app import WallApp
from trigger_tui.ui.wall.figures import cost_text, percent, queue_list, spark, wait_text
from trigger_tui.ui.wall.panel import WallOptions, WallPanel
from trigger_tui.ui.wall.tiles import PanelWidget, Section, Tile

# A rule the seeded demo world breaks at once: any failure among the last hour's runs.
ANY_FAILURE = Rule(name="any failure", when="failure_rate", above="0%", over="60m")


def make_wall(envs: tuple[str, ...] = ("prod",), *, rotate_s: float = 0.0,
              rules: tuple[Rule, ...] = demo_rules(),
              clock: FakeClock | None = None) -> WallApp:
    clock = clock or FakeClock(FROZEN_AT)
    first: Session | None = None
    panels = []
    for env in envs:
        session = Session.for_demo(clock=clock, seed=SEED, environment=env, beside=first,
                                   read_only=True, runs=False, sleep=never, history_s=3600)
        session.client.options.retry = NO_RETRY  # an injected fault shows at once
        session.enable_alerts(rules, Alerting(bell=True))
        session.enable_metrics(window_s=3600)
        first = first or session
        panels.append(WallPanel(session, ConnectionLabel(project=session.project_ref,
                                                         environment=env, demo=True)))
    app = WallApp(panels, WallOptions(window_s=3600, rotate_s=rotate_s, bell=True))
    app.blink = False
    return app


def sessions(app: WallApp) -> list[Session]:
    return [p.session for p in app.panels]


def faults(app: WallApp) -> Faults:
    f: Faults = app.panels[0].session.emulator.state.faults
    return f


def clock_of(app: WallApp) -> FakeClock:
    c: FakeClock = app.panels[0].session.world.clock
    return c


async def settle(pilot: Any, done: Callable[[], bool], rounds: int = 300) -> None:
    for _ in range(rounds):
        await pilot.pause()
        if done():
            break
    else:
        raise AssertionError("the pollers never answered")
    await pilot.pause()
    await pilot.pause()


async def settle_wall(pilot: Any) -> None:
    """First polls in, then one more metrics poll so the gauges include the queues' answer."""
    app: WallApp = pilot.app
    await settle(pilot, lambda: all(p.polls or p.health.last_error
                                    for s in sessions(app) for p in s.pollers.values()))
    for s in sessions(app):
        s.pollers["metrics"].refresh_now()
    await settle(pilot, lambda: all(s.pollers["metrics"].polls >= 2 for s in sessions(app)))


def tile(app: WallApp, key: str, panel: int = 0) -> Tile:
    return next(t for t in app.views[panel].query(Tile) if t.key == key)


def text_of(widget: Any) -> str:
    return str(widget.render())


# ---------------------------------------------------------------------- pure helpers
def test_spark_folds_pads_and_scales() -> None:
    assert spark([0, 1, 2, 3], 4) == "▁▃▆█"
    assert spark([1, 1], 4) == "  ██"  # padded on the left: newest at the right edge
    assert spark([0, 8, 0, 0], 2) == "█▁"  # folded by max
    assert spark([None, 0.5], 2, top=1.0) == " ▅"
    assert spark([0, 0], 2) == "▁▁"


def test_wait_and_cost_texts() -> None:
    assert wait_text(None) == "0:00"
    assert wait_text(245) == "4:05"
    assert wait_text(3723) == "1:02:03"
    assert cost_text(0.5) == "$0.50"
    assert cost_text(12345.6) == "$12,346"
    assert percent(1.0) == "100%"
    assert percent(0.9995) == "99.9%"  # not a rounded 100% while something failed
    assert percent(0.874) == "87%"


def test_queue_list_puts_stuck_queues_first() -> None:
    lines = (QueueLine("[bold]busy", 9, 3, 5, False, 60.0),
             QueueLine("slow", 2, 0, 1, False, 400.0),
             QueueLine("idle", 0, 0, None, False, None))
    m = Metrics(at=FROZEN_AT, window_s=3600, minutes=(), gauges=(), counts={}, failures=(),
                queues=lines)
    text = queue_list(m).plain.splitlines()
    assert text[1] == "⚠ stuck 6:40, 2 queued  slow"
    assert text[2] == "● 9 queued, 3/5 running  [bold]busy"
    assert len(text) == 3  # idle queues are not listed


# ---------------------------------------------------------------------- the app
async def test_tiles_show_the_store_figures() -> None:
    app = make_wall()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        m = metrics_of(app.panels[0].session.store)
        assert m is not None and m.success_rate is not None
        assert tile(app, "runs").query_one(Digits).value == str(m.runs_per_min)
        assert tile(app, "success").query_one(Digits).value == percent(m.success_rate)
        assert tile(app, "failures").query_one(Digits).value == str(m.failures_15m)
        assert tile(app, "cost").query_one(Digits).value == cost_text(m.cost_per_hour)
        assert tile(app, "queued").query_one(Digits).value == str(m.queued)
        assert tile(app, "running").query_one(Digits).value == str(m.running)
        assert tile(app, "wait").query_one(Digits).value == wait_text(m.oldest_wait_s)
        assert not any(t.has_class("-stale") for t in app.views[0].query(Tile))
        assert "live" in text_of(app.views[0].query_one(".wall-fresh"))


async def test_compact_layout_rotates_several_panels_at_80x24() -> None:
    app = make_wall(("prod", "stg", "dev"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_wall(pilot)
        assert app.rotating and app.compact
        assert [v.display for v in app.views] == [True, False, False]
        assert text_of(app.views[0].query_one(".wall-pos")) == "1/3"
        line = tile(app, "runs").query_one("TileLine")
        assert line.region.width > 20 and "Runs/min" in text_of(line)
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert not app.rotating and not app.compact
        assert all(v.display for v in app.views)


async def test_a_stale_tile_greys_out_with_its_age() -> None:
    app = make_wall()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        health = app.panels[0].session.store.health
        step = 2 * health["metrics"].interval_s + 1
        clock_of(app).advance(step)
        app._tick()
        await pilot.pause()
        runs = tile(app, "runs")
        assert runs.has_class("-stale")
        assert runs.border_subtitle == f"{int(step)}s old"
        queues_stale = step > 2 * health["queues"].interval_s
        assert tile(app, "queued").has_class("-stale") == queues_stale
        clock_of(app).advance(60)
        app._tick()
        await pilot.pause()
        assert tile(app, "runs").border_subtitle == "1m old"
        assert tile(app, "queued").has_class("-stale")
        assert "stale" in text_of(app.views[0].query_one(".wall-fresh"))


async def test_failing_connection_banner_and_recovery() -> None:
    app = make_wall()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        session = app.panels[0].session
        banner = app.views[0].query_one(".wall-banner")
        assert not banner.has_class("-shown")
        faults(app).ratios["5xx"] = 1.0
        clock_of(app).advance(30)
        session.refresh_now()
        await settle(pilot, lambda: all(p.health.consecutive_failures
                                        for p in session.pollers.values()))
        app._tick()
        await pilot.pause()
        assert banner.has_class("-shown") and banner.display
        text = text_of(banner)
        reason = session.store.health["metrics"].last_error or ""
        assert reason and reason in text
        next_at = session.store.health["metrics"].next_at
        assert next_at is not None and next_at > clock_of(app).now()
        assert f"retry in {int(next_at - clock_of(app).now())}s" in text
        assert tile(app, "runs").has_class("-stale")
        title = app.views[0].query_one(".wall-title")
        assert not title.has_class("-alert")
        clock_of(app).advance(150)  # past the demo rule's 2 minutes: "API unreachable" fires
        session.refresh_now()
        await settle(pilot, lambda: all(p.health.consecutive_failures >= 2
                                        for p in session.pollers.values()))
        assert title.has_class("-alert")
        faults(app).ratios["5xx"] = 0.0
        session.refresh_now()
        await settle(pilot, lambda: not any(p.health.consecutive_failures
                                            for p in session.pollers.values()))
        assert not banner.has_class("-shown")
        assert not tile(app, "runs").has_class("-stale")
        assert not title.has_class("-alert")


async def test_a_firing_alert_flashes_its_tile_and_rings_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_wall(rules=(ANY_FAILURE,))
    rings: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rings.append(1))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        alerts = app.panels[0].session.alerts
        assert alerts is not None and [a.rule for a in alerts.firing()] == ["any failure"]
        failures = tile(app, "failures")
        assert failures.has_class("-alert")
        assert not tile(app, "runs").has_class("-alert")
        assert "FIRING" in text_of(app.views[0].query_one(".wall-alerts"))
        app.blink = True
        app._tick()
        assert failures.has_class("-flash")
        app._tick()
        assert not failures.has_class("-flash")
        app.panels[0].session.refresh_now()  # the same alert, evaluated again: no new bell
        await settle(pilot, lambda: app.panels[0].session.pollers["metrics"].polls >= 3)
        assert rings == [1]


async def test_rotation_switches_panels_on_its_timer_and_on_n() -> None:
    app = make_wall(("prod", "stg"), rotate_s=10.0)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        assert app.rotating and app.current == 0
        assert app._rotation is not None and app._rotation._interval == 10.0
        app._rotate()  # what the rotation timer calls every 10 s
        await pilot.pause()
        assert app.current == 1
        assert [v.display for v in app.views] == [False, True]
        assert text_of(app.views[1].query_one(".wall-pos")) == "2/2"
        await pilot.press("n")
        assert app.current == 0
        await pilot.press("space")
        assert app.current == 1


async def test_help_refresh_and_quit_stop_every_session() -> None:
    app = make_wall(("prod", "stg"))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        before = [s.pollers["metrics"].polls for s in sessions(app)]
        await pilot.press("r")
        await settle(pilot, lambda: all(s.pollers["metrics"].polls > b
                                        for s, b in zip(sessions(app), before, strict=True)))
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "WallHelp"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, type(app.views[0]))
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    for s in sessions(app):
        assert not s._tasks
    left = [t for t in asyncio.all_tasks() if t.get_name().startswith("poller:")]
    assert left == []


async def test_server_text_is_never_markup() -> None:
    app = make_wall()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        from trigger_tui.ui.wall.figures import ticker

        m = metrics_of(app.panels[0].session.store)
        assert m is not None and m.failures
        evil = m.failures[0].__class__(run_id="run_x", task="[bold]x", status="FAILED",
                                       message="[red]boom\x1b[2J", at=m.at)
        fake = m.__class__(at=m.at, window_s=m.window_s, minutes=m.minutes, gauges=m.gauges,
                           counts=m.counts, failures=(evil,), queues=m.queues)
        plain = ticker(fake, m.at).plain
        assert "[bold]x" in plain and "[red]boom\\x1b[2J" in plain
        assert isinstance(app.views[0], PanelWidget)


async def test_one_redraw_per_poll_and_none_when_nothing_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_wall()
    async with app.run_test(size=(200, 50)) as pilot:
        await settle_wall(pilot)
        redraws: list[int] = []
        original = app._redraw_dirty

        def counted() -> None:
            redraws.append(1)
            original()

        monkeypatch.setattr(app, "_redraw_dirty", counted)
        session = app.panels[0].session
        before = session.pollers["metrics"].polls
        session.pollers["metrics"].refresh_now()
        await settle(pilot, lambda: session.pollers["metrics"].polls > before)
        assert redraws == [1]  # metrics, health and alerts notified in one burst

        updates: list[str] = []
        monkeypatch.setattr(Digits, "update", lambda self, value: updates.append(value))
        monkeypatch.setattr(Section, "update", lambda self, *a, **k: updates.append("section"))
        app._tick()
        app._tick()
        assert updates == []  # same clock, same figures: no widget touched
