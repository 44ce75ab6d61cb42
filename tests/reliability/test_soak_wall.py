"""24 simulated hours of the wall monitor on the demo world: memory, tasks and timers stay flat.

The app runs headless on a FakeClock; every simulated 10 minutes the world advances, every
poller polls once and the wall redraws and ticks, as a wall left on for a day would. Memory is
the retained size of everything reachable from the app and its session — the wall's own data,
widgets and buffers — stopping at the emulated world and the event loop: the world is the
wall's data source, in this process only because the demo embeds it. It is measured after a
two-hour warm-up and again at the end.
"""

from __future__ import annotations

import asyncio

from tests.memory import open_files, retained_bytes, timers
from tests.ui.conftest import FROZEN_AT, SEED, never
from tests.ui.test_wall import settle_wall
from trigger_tui.api.client import NO_RETRY
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.rules import Alerting, demo_rules
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel
from trigger_tui.ui.wall.app import WallApp
from trigger_tui.ui.wall.panel import WallOptions, WallPanel

STEP_S = 600.0
WARM_UP_STEPS = 12  # two hours: every buffer has filled its window
SOAK_STEPS = 144  # 24 hours

async def test_a_day_of_wall_mode_keeps_memory_tasks_and_timers_flat() -> None:
    clock = FakeClock(FROZEN_AT)
    # Twelve hours of history: the world is at its retention limit from the start.
    session = Session.for_demo(clock=clock, seed=SEED, read_only=True, runs=False,
                               sleep=never, history_s=12 * 3600)
    session.client.options.retry = NO_RETRY
    session.enable_metrics(window_s=3600)
    session.enable_alerts(demo_rules(), Alerting())
    label = ConnectionLabel(project=session.project_ref, environment="prod", demo=True)
    app = WallApp([WallPanel(session, label)], WallOptions(window_s=3600))
    app.blink = False

    async with app.run_test(size=(120, 40)) as pilot:
        await settle_wall(pilot)
        stop = [session.world, session.emulator, asyncio.get_running_loop()]

        async def step() -> None:
            clock.advance(STEP_S)
            session.world.advance()
            for poller in list(session.pollers.values()):
                await poller.poll_once()
            app._tick()
            await pilot.pause()

        for _ in range(WARM_UP_STEPS):
            await step()
        before = retained_bytes([app, session], stop)
        tasks_before = len(asyncio.all_tasks())
        files_before = open_files()
        timers_before = timers(app)
        for _ in range(SOAK_STEPS):
            await step()
        after = retained_bytes([app, session], stop)
        tasks_after = len(asyncio.all_tasks())
        files_after = open_files()
        timers_after = timers(app)
        assert session.pollers["metrics"].health.consecutive_failures == 0
    growth = (after - before) / before
    print(f"wall soak: {before:,} → {after:,} bytes retained ({growth:+.2%}); tasks "
          f"{tasks_before} → {tasks_after}; timers {timers_before} → {timers_after}")
    assert growth < 0.05, f"memory grew {growth:.1%} ({before:,} → {after:,} bytes)"
    assert tasks_after <= tasks_before, (tasks_before, tasks_after)
    assert timers_after <= timers_before, (timers_before, timers_after)
    assert files_after <= files_before, (files_before, files_after)
    alerts = session.alerts
    assert alerts is not None and len(alerts.records()) <= 100
