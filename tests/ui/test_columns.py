"""The column picker (`C` in the runs pane): what it changes now and what comes back next launch.

Emulator seed 7, clock frozen; the memory file lives in the per-test XDG_STATE_HOME
(tests/conftest.py), read back by a second app over a new emulator world.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from textual.widgets import SelectionList

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.state.last_view import FILE_NAME, ViewMemory, state_dir
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.columns import ColumnsScreen, column_order
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.widgets.runs_table import COLUMNS, DEFAULT_COLUMNS, RunsTable

SnapCompare = Callable[..., bool]
SIZE = (110, 30)  # wide enough for TAGS to be on screen with the default set


def new_app(*, memory: bool = False, columns: tuple[str, ...] | None = None) -> TriggerApp:
    return make_app(make_harness(), columns=columns,
                    memory=ViewMemory() if memory else None)


def table_of(app: TriggerApp) -> RunsTable:
    assert isinstance(app.screen, RunsScreen)
    return app.screen.query_one(RunsTable)


def picker(app: TriggerApp) -> tuple[ColumnsScreen, SelectionList[str]]:
    screen = app.screen
    assert isinstance(screen, ColumnsScreen)
    return screen, screen.query_one(SelectionList)


def header(table: RunsTable) -> str:
    return table.render_line(0).text


def highlighted(choices: SelectionList[str]) -> str:
    assert choices.highlighted is not None
    return str(choices.get_option_at_index(choices.highlighted).value)


async def move_to(pilot: Any, choices: SelectionList[str], key: str) -> None:
    """Walk down with `j` (as an operator would) until `key` is highlighted."""
    for _ in range(len(COLUMNS)):
        if highlighted(choices) == key:
            return
        await pilot.press("j")
    assert highlighted(choices) == key


async def test_C_lists_every_column_in_display_order_checked_as_shown() -> None:
    app = new_app(columns=("status", "id", "task", "duration"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        _, choices = picker(app)
        values = [choices.get_option_at_index(i).value for i in range(choices.option_count)]
        assert values == list(COLUMNS)  # every column, the usual order
        assert set(choices.selected) == {"status", "id", "task", "duration"}
        assert highlighted(choices) == "task"  # the first one that can be toggled


async def test_unchecking_a_column_and_enter_change_the_table_and_keep_the_cursor() -> None:
    app = new_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("j", "j", "j")
        run_id, row = table.cursor_id, table.cursor_row
        assert run_id is not None and row == 3
        assert "TAGS" in header(table)
        await pilot.press("C")
        _, choices = picker(app)
        await move_to(pilot, choices, "tags")
        await pilot.press("space")
        assert "tags" not in choices.selected
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert table.columns == tuple(c for c in DEFAULT_COLUMNS if c != "tags")
        assert "TAGS" not in header(table)
        assert (table.cursor_id, table.cursor_row) == (run_id, 3)  # same run under the cursor
        # Checking it again puts it back in its usual place, not at the end.
        await pilot.press("C")
        _, choices = picker(app)
        await move_to(pilot, choices, "tags")
        await pilot.press("space", "enter")
        await pilot.pause()
        assert table.columns == DEFAULT_COLUMNS
        assert table.cursor_id == run_id


async def test_escape_changes_nothing_and_remembers_nothing() -> None:
    app = new_app(memory=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        before = table.columns
        await pilot.press("C")
        _, choices = picker(app)
        await move_to(pilot, choices, "cost")
        await pilot.press("space")
        assert "cost" not in choices.selected
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert table.columns == before
        assert app.view.runs.columns is None
    assert not (state_dir() / FILE_NAME).exists()  # nothing changed, nothing written


async def test_status_and_run_id_cannot_be_removed() -> None:
    # Even a launch that left them out gets them back from the picker.
    app = new_app(columns=("task", "duration"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("C")
        screen, choices = picker(app)
        locked = {str(choices.get_option_at_index(i).value) for i in range(choices.option_count)
                  if choices.get_option_at_index(i).disabled}
        assert locked == {"status", "id"}
        assert {"status", "id"} <= set(choices.selected)
        await pilot.press("g", "space", "k", "k", "space")  # the cursor never reaches them
        assert {"status", "id"} <= set(choices.selected)
        choices.deselect_all()  # even if something cleared every check (a click-all, a bug)
        assert screen.chosen() == ("status", "id")
        note = " ".join(str(s.render()) for s in screen.query(".note"))
        assert "STATUS and RUN ID cannot be removed" in note
        await pilot.press("enter")
        await pilot.pause()
        assert table.columns == ("status", "id")


async def test_the_choice_comes_back_at_the_next_launch() -> None:
    app = new_app(memory=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("C")
        _, choices = picker(app)
        for key in ("version", "cost", "machine"):
            await move_to(pilot, choices, key)
            await pilot.press("space")
        await pilot.press("enter")
        await pilot.pause()
    chosen = ("status", "id", "task", "tags", "created", "duration", "queue")
    saved = json.loads((state_dir() / FILE_NAME).read_text())
    assert saved["views"][0]["runs"]["columns"] == list(chosen)

    app = new_app(memory=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(app)
        assert table.columns == chosen
        assert "VERSION" not in header(table) and "QUEUE" in header(table)
        # Back to every column: remembered as "the default", not as a fixed list.
        await pilot.press("C")
        _, choices = picker(app)
        assert set(choices.selected) == set(chosen)
        choices.select_all()
        await pilot.press("enter")
        await pilot.pause()
        assert table.columns == DEFAULT_COLUMNS
    saved = json.loads((state_dir() / FILE_NAME).read_text())
    assert saved["views"][0]["runs"]["columns"] is None


def test_a_custom_order_is_kept_and_the_others_follow() -> None:
    assert column_order(("task", "status", "id")) == [
        "task", "status", "id", *(c for c in COLUMNS if c not in {"task", "status", "id"})]
    assert column_order(("status", "id", "duration")) == list(COLUMNS)


def test_the_dialog_fits_80x24(snap_compare: SnapCompare) -> None:
    async def before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("C")
        await pilot.pause()

    app = new_app(columns=("status", "id", "task", "created", "duration"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
