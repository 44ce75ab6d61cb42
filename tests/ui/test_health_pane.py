"""The health pane on the emulator: the three answers, kept current from the Store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.ui.screens.health import HealthScreen

SnapCompare = Callable[..., bool]


async def open_health(pilot: Any) -> HealthScreen:
    await settle(pilot)
    screen = HealthScreen()
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


def answer(screen: HealthScreen, i: int) -> tuple[str, set[str]]:
    widget = screen.query_one(f"#a{i}")
    return str(widget.render()), set(widget.classes)


async def test_three_answers_from_the_store_with_no_request_of_its_own() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        await settle(pilot)  # the first polls (they start after the first frame)
        before = len(h.log)
        screen = await open_health(pilot)
        assert len(h.log) == before
        flow, _ = answer(screen, 0)
        queues = h.session.store.collection("queues").values()
        assert f"{sum(q.queued for q in queues):,} waiting" in flow and "all queues" in flow
        data, classes = answer(screen, 2)
        assert data.startswith("✓ fresh") and "-ok" in classes


async def test_a_platform_failure_turns_the_failure_answer_red_at_once() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        screen = await open_health(pilot)
        store = h.session.store
        row = next(r for r in store.runs.values() if r.status == "COMPLETED")
        store.upsert("runs", [replace(row, id="run_crashed", status="CRASHED",
                                      finished_at=h.clock.now())])
        await pilot.pause()
        text, classes = answer(screen, 1)
        assert "-bad" in classes and "platform" in text


async def test_a_failing_connection_says_the_data_is_not_fresh() -> None:
    h: Harness = make_harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        screen = await open_health(pilot)
        h.faults.ratios["5xx"] = 1.0
        h.advance(30)
        h.session.refresh_now()
        await settle(pilot, lambda: all(p.health.consecutive_failures
                                        for p in h.session.pollers.values()))
        screen.refresh_summary()
        text, classes = answer(screen, 2)
        assert text.startswith("✗ failing") and "-bad" in classes


def _snap(size: tuple[int, int], snap_compare: SnapCompare) -> None:
    async def before(pilot: Any) -> None:
        await open_health(pilot)

    assert snap_compare(make_app(make_harness()), terminal_size=size, run_before=before)


def test_health_snapshot_80x24(snap_compare: SnapCompare) -> None:
    _snap((80, 24), snap_compare)


def test_health_snapshot_160x48(snap_compare: SnapCompare) -> None:
    _snap((160, 48), snap_compare)
