"""SVG snapshots of the shell: help, welcome, confirm dialog, read-only and failing headers.

Emulator seed 7, clock frozen at 2026-01-01T00:00:00Z: nothing on screen depends on wall time.
Update after an intended change with `pytest tests/ui --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.ui.launch import LaunchOptions, build_app

SnapCompare = Callable[..., bool]


def test_help_overlay(snap_compare: SnapCompare) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(make_harness()), terminal_size=(100, 36), run_before=before)


def test_welcome_screen(snap_compare: SnapCompare) -> None:
    app = build_app(LaunchOptions(), environ={},
                    config_file=Path("/home/oncall/.config/trigger-tui/config.toml"))
    assert snap_compare(app, terminal_size=(80, 24))


def test_confirm_cancel_dialog(snap_compare: SnapCompare) -> None:
    h = make_harness()

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j", "j", "j", "c")
        await pilot.pause()

    assert snap_compare(make_app(h), terminal_size=(100, 30), run_before=before)


def test_read_only_header(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(make_harness(read_only=True)), terminal_size=(100, 16),
                        run_before=settle)


def test_failing_connection_header(snap_compare: SnapCompare) -> None:
    h = make_harness()

    async def before(pilot: Any) -> None:
        await settle(pilot)
        h.faults.ratios["5xx"] = 1.0
        h.advance(30)
        h.session.refresh_now()
        await settle(pilot, lambda: all(p.health.consecutive_failures
                                        for p in h.session.pollers.values()))
        pilot.app._tick()
        await pilot.pause()

    assert snap_compare(make_app(h), terminal_size=(100, 16), run_before=before)


def test_stale_connection_header(snap_compare: SnapCompare) -> None:
    h = make_harness()

    async def before(pilot: Any) -> None:
        await settle(pilot)
        h.clock.advance(25)  # no poll since: the data on screen is 25 s old
        pilot.app._tick()
        await pilot.pause()

    assert snap_compare(make_app(h), terminal_size=(100, 16), run_before=before)
