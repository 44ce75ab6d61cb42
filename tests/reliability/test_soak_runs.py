"""24 simulated hours of the console's runs pane: memory, tasks, timers and files stay flat.

The console as an operator leaves it open through a shift: the runs pane on screen, live updates
on. Every simulated 10 minutes the world advances and every poller polls once (the runs view
incrementally, the queues, the alert rules' figures), the screen redraws and ticks. Retained
memory is measured as in the wall's soak test (`tests.memory`).
"""

from __future__ import annotations

import asyncio

from tests.memory import open_files, retained_bytes, timers
from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.rules import Alerting, demo_rules
from trigger_tui.ui.screens.runs import RunsScreen

STEP_S = 600.0
WARM_UP_STEPS = 12
SOAK_STEPS = 144


async def test_a_day_of_the_runs_pane_keeps_memory_tasks_timers_and_files_flat() -> None:
    h = make_harness(history_s=12 * 3600)
    h.session.enable_alerts(demo_rules(), Alerting())
    app = make_app(h)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
        stop = [h.world, h.emulator, asyncio.get_running_loop()]

        async def step() -> None:
            h.advance(STEP_S)
            for poller in list(h.session.pollers.values()):
                await poller.poll_once()
            app._tick()
            await pilot.pause()

        for _ in range(WARM_UP_STEPS):
            await step()
        before = retained_bytes([app, h.session], stop)
        tasks_before, timers_before = len(asyncio.all_tasks()), timers(app)
        files_before = open_files()
        for _ in range(SOAK_STEPS):
            await step()
        after = retained_bytes([app, h.session], stop)
        tasks_after, timers_after = len(asyncio.all_tasks()), timers(app)
        files_after = open_files()
        assert all(p.health.consecutive_failures == 0 for p in h.session.pollers.values())
        assert len(h.session.store.runs) <= h.session.runs.view_rows
    growth = (after - before) / before
    print(f"runs soak: {before:,} → {after:,} bytes retained ({growth:+.2%}); tasks "
          f"{tasks_before} → {tasks_after}; timers {timers_before} → {timers_after}; "
          f"files {files_before} → {files_after}")
    assert growth < 0.05, f"memory grew {growth:.1%} ({before:,} → {after:,} bytes)"
    assert tasks_after <= tasks_before and timers_after <= timers_before
    assert files_after <= files_before
