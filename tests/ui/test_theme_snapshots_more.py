"""The dialogs and sub-screens not in test_theme_snapshots.py, in every shipped theme at 80x24,
and a guard that every Screen class of the console has a theme snapshot in one of the two files.

Each entry names the Screen class it must end on: a set-up that stops one step short (a prompt
still open, a worker not done) fails instead of snapshotting the screen underneath. Emulator
seed 7, clock frozen at 2026-01-01T00:00:00Z. Update with
`pytest tests/ui/test_theme_snapshots_more.py --snapshot-update -n 2` and look at the SVGs,
the `ansi` and `light` ones above all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Input, TextArea

import trigger_tui.ui
from tests.ui import test_theme_snapshots as first
from tests.ui.conftest import Harness, make_app, settle
from tests.ui.detail_fixtures import delayed_run, failed_child_run, loaded, make_demo
from tests.ui.detail_fixtures import settle as settle_detail
from tests.ui.test_batches_pane import loaded as batch_loaded
from tests.ui.test_batches_pane import start as with_a_batch
from tests.ui.test_envvars_pane import answer, move_to
from tests.ui.test_errors_pane import harness as errors_harness
from tests.ui.test_errors_pane import open_errors
from tests.ui.test_runs_pane import select_unfinished
from tests.ui.test_schedules_pane import IMPERATIVE, until
from tests.ui.test_theme_snapshots import (
    SIZE,
    Before,
    Built,
    SnapCompare,
    _action,
    _on_console,
    small_world,
)
from tests.ui.test_tokens_snapshots import cell as token_cell
from tests.ui.test_wall import make_wall, settle_wall
from trigger_tui.ui import themes
from trigger_tui.ui.screens.batches import open_batch
from trigger_tui.ui.screens.query import QueryScreen

Builder = Callable[[Path], Built]
TYPED_SECRET = "hunter2-do-not-show"


# --------------------------------------------------------------------------- deployments
def deployment_detail(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await first.open_deployments(pilot)
        await _action(pilot, "detail")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "DeploymentDetailScreen")
        await pilot.pause()

    return _on_console(before)


# --------------------------------------------------------------------------- tokens
def complete_token(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        screen = await first.open_tokens(pilot)
        screen.table.move_cursor(row=next(i for i in range(screen.table.row_count)
                                          if "waiting" in token_cell(screen, i, 0)))
        await _action(pilot, "complete")
        pilot.app.screen.query_one(TextArea).text = '{\n  "approved": tru\n}'
        await pilot.pause()
        await _action(pilot, "send")  # invalid JSON: the error line is on screen
        await pilot.pause()

    return _on_console(before)


# --------------------------------------------------------------------------- query
def stock_picker(folder: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(QueryScreen(folder=folder, timer=lambda: 0.0))
        await pilot.pause()
        await _action(pilot, "stock")

    return _on_console(before)


# --------------------------------------------------------------------------- env vars
def secret_prompt(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        screen = await first.open_envvars(pilot)
        move_to(screen, "LOG_LEVEL")
        await _action(pilot, "edit")
        field = pilot.app.screen.query_one(Input)
        field.value = TYPED_SECRET
        await pilot.pause()
        assert field.password  # what is typed shows as dots, in the snapshot too

    return _on_console(before)


def import_preview(folder: Path) -> Built:
    env_file = folder / "prod.env"
    env_file.write_text("LOG_LEVEL=debug\nAPP_URL=https://app.acme.dev\nNEW_ONE=1\n"
                        "DATABASE_URL=postgres://x\n")

    async def before(pilot: Any) -> None:
        await first.open_envvars(pilot)
        await _action(pilot, "import_file")
        await answer(pilot, str(env_file))

    return _on_console(before)


def env_diff(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await first.open_envvars(pilot)
        await _action(pilot, "diff")
        await answer(pilot, "stg")  # differs from prod: missing, different and same rows
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return _on_console(before)


# --------------------------------------------------------------------------- run detail
def _on_a_run(pick: Callable[[Any], str], then: Before) -> Builder:
    def build(_: Path) -> Built:
        demo = make_demo()
        run_id = pick(demo)
        app = make_app(demo)

        async def before(pilot: Any) -> None:
            app.animation_level = "none"
            await settle(pilot)
            app.open_run(run_id)
            await loaded(pilot)
            await then(pilot)

        return app, before

    return build


async def _edit_and_replay(pilot: Any) -> None:
    await _action(pilot, "replay_edit")
    await settle_detail(pilot, lambda: type(pilot.app.screen).__name__ == "ReplayEditor")
    await pilot.pause()


async def _reschedule_refused(pilot: Any) -> None:
    await _action(pilot, "reschedule")
    await settle_detail(pilot, lambda: type(pilot.app.screen).__name__ == "ValidatedPrompt")
    pilot.app.screen.query_one("#prompt-input", Input).value = "soon"
    await pilot.press("enter")  # neither a duration nor a date: the error is on screen
    await pilot.pause()


# --------------------------------------------------------------------------- bulk
def bulk_progress(_: Path) -> Built:
    h = small_world()

    async def before(pilot: Any) -> None:
        await settle(pilot)
        await select_unfinished(pilot, pilot.app, 3)
        await _action(pilot, "cancel")
        await _action(pilot, "answer(True)")
        await settle_detail(pilot,
                            lambda: type(pilot.app.screen).__name__ == "BulkProgressScreen")
        h.advance(30)
        pilot.app.screen.poll()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return make_app(h), before


# --------------------------------------------------------------------------- welcome
def profile(folder: Path) -> Built:
    app, _ = first.welcome(folder)

    async def before(pilot: Any) -> None:
        await pilot.pause()
        await _action(pilot, "new_profile")
        await _action(pilot, "save")  # nothing filled in: the form says what is missing

    return app, before


# --------------------------------------------------------------------------- batches, errors
def group_runs(_: Path) -> Built:
    h: Harness = errors_harness()  # an hour of history: enough failures to group

    async def before(pilot: Any) -> None:
        await open_errors(pilot, h)
        await _action(pilot, "group_runs")
        await settle(pilot)

    return make_app(h), before


def batch(_: Path) -> Built:
    h = small_world()

    async def before(pilot: Any) -> None:
        batch_id, _ = await with_a_batch(pilot, h)
        open_batch(pilot.app, batch_id)
        await batch_loaded(pilot)
        await pilot.pause()

    return make_app(h), before


# --------------------------------------------------------------------------- schedules
def schedule_form(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await first.open_schedules(pilot)
        screen = pilot.app.screen
        screen.table.move_cursor(row=screen.table.get_row_index(IMPERATIVE))
        await _action(pilot, "edit")  # a timezone and the next fire times in the preview
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "ScheduleForm")
        await pilot.pause()

    return _on_console(before)


# --------------------------------------------------------------------------- runs pane
def columns(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await _action(pilot, "choose_columns")

    return _on_console(before)


# --------------------------------------------------------------------------- the wall
def wall_help(_: Path) -> Built:
    async def before(pilot: Any) -> None:
        await settle_wall(pilot)
        await _action(pilot, "help", on_screen=False)

    return make_wall(("prod",)), before


MORE: dict[str, tuple[str, Builder]] = {
    "deployment-detail": ("DeploymentDetailScreen", deployment_detail),
    "complete-token": ("CompleteTokenScreen", complete_token),
    "query-stock-picker": ("PickScreen", stock_picker),
    "envvar-secret-prompt": ("SecretPrompt", secret_prompt),
    "envvar-import-preview": ("ImportPreviewScreen", import_preview),
    "envvar-diff": ("EnvDiffScreen", env_diff),
    "replay-editor": ("ReplayEditor",
                      _on_a_run(lambda demo: failed_child_run(demo)[0], _edit_and_replay)),
    "reschedule-prompt": ("ValidatedPrompt", _on_a_run(delayed_run, _reschedule_refused)),
    "bulk-progress": ("BulkProgressScreen", bulk_progress),
    "profile": ("ProfileScreen", profile),
    "error-group-runs": ("RunListScreen", group_runs),
    "batch": ("BatchScreen", batch),
    "schedule-form": ("ScheduleForm", schedule_form),
    "columns": ("ColumnsScreen", columns),
    "wall-help": ("WallHelp", wall_help),
}

# What each entry of test_theme_snapshots.SCREENS ends on (read from its set-ups). The wall's
# panels live on Textual's own Screen, which no class of the console defines.
IN_FIRST_FILE: dict[str, str] = {
    "welcome": "WelcomeScreen",
    "runs": "RunsScreen",
    "runs-filter": "FilterScreen",
    "confirm": "ConfirmScreen",
    "bulk": "BulkChoiceScreen",
    "trigger": "TriggerScreen",
    "detail-overview": "RunDetailScreen",
    "detail-trace": "RunDetailScreen",
    "detail-events": "RunDetailScreen",
    "detail-data": "RunDetailScreen",
    "queues": "QueuesScreen",
    "schedules": "SchedulesScreen",
    "envvars": "EnvVarsScreen",
    "tokens": "TokensScreen",
    "batches": "BatchesScreen",
    "deployments": "DeploymentsScreen",
    "errors": "ErrorsScreen",
    "health": "HealthScreen",
    "query": "QueryScreen",
    "query-dashboard": "DashboardScreen",
    "help": "HelpScreen",
    "alerts": "AlertsScreen",
    "connection": "ConnectionScreen",
    "prompt": "PromptScreen",
    "wall": "Screen",
    "wall-dashboard": "Screen",
}

# Bases that are never shown on their own.
ABSTRACT = {
    "TablePane": "the base of the table panes: each pane is its own subclass",
}


@pytest.mark.parametrize("screen", list(MORE))
@pytest.mark.parametrize("theme", themes.SHIPPED)
def test_more_screens_in_every_theme(snap_compare: SnapCompare, tmp_path: Path, theme: str,
                                     screen: str) -> None:
    expected, build = MORE[screen]
    app, before = build(tmp_path)
    app.wanted_theme = theme  # type: ignore[attr-defined]

    async def then_check(pilot: Any) -> None:
        if before is not None:
            await before(pilot)
        assert type(pilot.app.screen).__name__ == expected

    assert snap_compare(app, terminal_size=SIZE, run_before=then_check)


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def console_screen_classes() -> set[str]:
    for module in pkgutil.walk_packages(trigger_tui.ui.__path__, "trigger_tui.ui."):
        importlib.import_module(module.name)
    return {c.__name__ for c in _subclasses(Screen) if c.__module__.startswith("trigger_tui.ui")}


def test_every_screen_class_has_a_theme_snapshot() -> None:
    assert set(IN_FIRST_FILE) == set(first.SCREENS)
    classes = console_screen_classes()
    assert set(ABSTRACT) <= classes, "an excluded base no longer exists: drop it from ABSTRACT"
    covered = set(IN_FIRST_FILE.values()) | {name for name, _ in MORE.values()}
    missing = classes - covered - set(ABSTRACT)
    assert not missing, f"Screen classes without a theme snapshot: {sorted(missing)}"
