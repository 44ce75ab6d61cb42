"""The TRQL console on the emulator: run, errors, history, saved and stock queries, export,
chart switch, open a run, sort, copy, completion, period and dashboards."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.state import query as q
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.screens.query import DashboardScreen, PickScreen, QueryScreen
from trigger_tui.ui.widgets.chart import Chart
from trigger_tui.ui.widgets.results_table import ResultsTable

BY_TASK = "SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier"


async def open_console(pilot: Any, folder: Path) -> QueryScreen:
    await settle(pilot)
    screen = QueryScreen(folder=folder)
    await pilot.app.push_screen(screen)
    await pilot.pause()
    return screen


async def finish(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def run(pilot: Any, screen: QueryScreen, text: str, key: str = "f5") -> q.QueryOutcome:
    screen.load_query(text)
    await pilot.press(key)
    await finish(pilot)
    assert screen.outcome is not None
    return screen.outcome


def error_text(screen: QueryScreen) -> str:
    return str(screen.query_one("#query-error").render())


async def test_typing_and_running_with_each_run_key(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        screen.editor.load_text("")
        await pilot.press(*"SELECT count() AS n FROM runs")
        assert screen.editor.text == "SELECT count() AS n FROM runs"  # `q` typed, no quit
        for key in ("ctrl+enter", "ctrl+r", "f5"):
            screen.outcome = None
            await pilot.press(key)
            await finish(pilot)
            assert screen.outcome is not None and screen.outcome.ok, key
        assert screen.results.columns == ("n",) and screen.results.rows[0]["n"] > 0


async def test_empty_query_is_not_sent(tmp_path: Path) -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        sent = len([r for r in h.log if r.path == "/api/v1/query"])
        screen.editor.load_text("  \n")
        await pilot.press("f5")
        await finish(pilot)
        assert screen.outcome is None
        assert len([r for r in h.log if r.path == "/api/v1/query"]) == sent


async def test_server_error_shows_next_to_the_query_and_console_stays_usable(
        tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        out = await run(pilot, screen, "SELECT task_identifier\nFORM runs")
        assert not out.ok
        shown = error_text(screen)
        assert out.error is not None and out.error in shown  # the server's words, verbatim
        assert "2 │ FORM runs" in shown and shown.rstrip().endswith("^")
        assert screen.editor.cursor_location == (out.position[0] - 1, out.position[1] - 1) \
            if out.position else True
        out = await run(pilot, screen, BY_TASK)
        assert out.ok and not screen.query_one("#query-error").has_class("shown")


async def test_history_persists_and_reloads_a_query(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        await run(pilot, screen, BY_TASK)
        await run(pilot, screen, "SELECT nope FROM runs")
        assert [e.text for e in q.QueryHistory(tmp_path / "query_history.jsonl").entries] \
            == [BY_TASK, "SELECT nope FROM runs"]
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, PickScreen)
        await pilot.press(*"group", "enter")
        await pilot.pause()
        assert screen.editor.text == BY_TASK
    again = make_app(make_harness())
    async with again.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        assert screen.editor.text == "SELECT nope FROM runs"  # the last query comes back


async def test_stock_query_loads_with_its_period_and_runs(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press(*"per minute", "enter")
        await pilot.pause()
        assert screen.editor.text == q.STOCK_QUERIES[-1].text and screen.period == "1h"
        await pilot.press("f5")
        await finish(pilot)
        assert screen.outcome is not None and screen.outcome.ok and screen.outcome.rows


async def test_save_and_open_a_saved_query(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        screen.load_query(BY_TASK)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"by task", "enter")
        await pilot.pause()
        assert q.SavedQueries(tmp_path / "config.toml").items["by task"].text == BY_TASK
        screen.load_query("SELECT 1")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert screen.editor.text == BY_TASK


async def test_export_csv_round_trips_the_rows_on_screen(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        out = await run(pilot, screen, BY_TASK)
        screen.results.focus()
        screen.results.move_to(0, 1)
        await pilot.press("s")  # sorted by runs, biggest first: exported in that order
        target = tmp_path / "exports" / "by-task.csv"
        await pilot.press("f8")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        prompt.dismiss(str(target))
        await pilot.pause()
        back = list(csv.DictReader(io.StringIO(target.read_text())))
        expected = sorted(out.rows, key=lambda r: r["runs"], reverse=True)
        assert [(r["task_identifier"], int(r["runs"])) for r in back] == \
            [(r["task_identifier"], r["runs"]) for r in expected]


async def test_export_without_a_result_says_so(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        await open_console(pilot, tmp_path)
        await pilot.press("f8")
        await pilot.pause()
        assert not isinstance(app.screen, PromptScreen)


async def test_chart_switch_cycles_table_bar_line(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        await run(pilot, screen, BY_TASK)
        seen = []
        for _ in range(3):
            await pilot.press("f9")
            await pilot.pause()
            seen.append(screen.view)
        assert seen == ["bar", "line", "table"]
        await run(pilot, screen, q.STOCK_QUERIES[-1].text)  # time buckets: a line first
        await pilot.press("f9")
        await pilot.pause()
        assert screen.view == "line" and screen.query_one(Chart).spec is not None


async def test_enter_on_a_run_id_opens_the_run(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(make_harness())
    opened: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        monkeypatch.setattr(app, "open_run", opened.append)
        screen = await open_console(pilot, tmp_path)
        out = await run(pilot, screen, "SELECT status, run_id FROM runs LIMIT 5")
        screen.results.focus()
        await pilot.press("enter")  # on the status cell: the row's run_id is opened
        await pilot.press("down", "l", "enter")
        await pilot.pause()
        assert opened == [out.rows[0]["run_id"], screen.results.rows[1]["run_id"]]


async def test_enter_without_a_run_id_opens_nothing(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(make_harness())
    opened: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        monkeypatch.setattr(app, "open_run", opened.append)
        screen = await open_console(pilot, tmp_path)
        await run(pilot, screen, BY_TASK)
        screen.results.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert opened == []


async def test_sort_by_column_and_copy_a_cell(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(make_harness())
    copied: list[str] = []
    async with app.run_test(size=(120, 36)) as pilot:
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        screen = await open_console(pilot, tmp_path)
        out = await run(pilot, screen, BY_TASK)
        table = screen.query_one(ResultsTable)
        table.focus()
        await pilot.press("l", "s")
        assert [r["runs"] for r in table.rows] == sorted((r["runs"] for r in out.rows),
                                                         reverse=True)
        await pilot.press("s")
        assert [r["runs"] for r in table.rows] == sorted(r["runs"] for r in out.rows)
        await pilot.press("s")
        assert table.rows == out.rows and table.sort_column is None
        await pilot.press("h", "y")
        assert copied == [out.rows[0]["task_identifier"]]


async def test_autocomplete_columns_and_status_values(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        screen.editor.load_text("SELECT queued_dur")
        screen.editor.cursor_location = (0, len("SELECT queued_dur"))
        await pilot.press("ctrl+n")
        await finish(pilot)
        assert screen.editor.text == "SELECT queued_duration"
        screen.editor.load_text("SELECT run_id FROM runs WHERE status = 'Sys")
        screen.editor.cursor_location = (0, len(screen.editor.text))
        await pilot.press("ctrl+n")
        await finish(pilot)
        assert screen.editor.text.endswith("'System failure")
        screen.editor.load_text("SELECT task")
        screen.editor.cursor_location = (0, len("SELECT task"))
        await pilot.press("ctrl+n")
        await finish(pilot)
        assert isinstance(app.screen, PickScreen)  # several: a list to choose from
        await pilot.press(*"version", "enter")
        await pilot.pause()
        assert screen.editor.text == "SELECT task_version"


async def test_period_picker_validates_and_applies(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        for text, expected in (("6h", ("6h", None, None)), ("tomorrow", ("6h", None, None)),
                               ("2025-12-31..", (None, "2025-12-31", None))):
            await pilot.press("ctrl+t")
            await pilot.pause()
            prompt = app.screen
            assert isinstance(prompt, PromptScreen)
            prompt.dismiss(text)
            await pilot.pause()
            assert (screen.period, screen.from_, screen.to) == expected
        assert screen.request().window_label() == "2025-12-31 → now"


async def test_read_only_connection_may_still_query(tmp_path: Path) -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        assert (await run(pilot, screen, BY_TASK)).ok
        assert h.mutations() == []


async def test_dashboards_list_and_render(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(160, 48)) as pilot:
        await open_console(pilot, tmp_path)
        await pilot.press("f10")
        await finish(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press(*"overview", "enter")
        await finish(pilot)
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        tiles = [dash.query_one(f"#tile-{i}") for i in range(len(dash.dashboard.widgets))]
        assert str(tiles[0].render()) not in ("…", "")
        assert any(isinstance(t, ResultsTable) and t.rows for t in tiles) or \
            any(isinstance(t, Chart) and t.spec for t in tiles)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueryScreen)


async def test_scope_cycles_and_is_sent(tmp_path: Path) -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_console(pilot, tmp_path)
        await pilot.press("ctrl+o")
        assert screen.request().scope == "project"
        assert "scope project" in str(screen.query_one("#query-bar").render())
        out = await run(pilot, screen, "SELECT environment, count() AS n FROM runs "
                        "GROUP BY environment")
        assert out.request.scope == "project"
        assert {r["environment"] for r in out.rows} == {"dev", "stg", "prod"}
        await pilot.press("ctrl+o", "ctrl+o")
        assert screen.scope == "environment"


async def test_escape_leaves_the_editor_so_number_keys_switch_panes_again() -> None:
    from trigger_tui.ui.launch import LaunchOptions, build_app
    from trigger_tui.ui.screens.runs import RunsScreen

    app = build_app(LaunchOptions(demo=True), environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("0")
        await pilot.pause()
        assert isinstance(app.screen, QueryScreen)
        before = app.screen.editor.text
        await pilot.press("1")  # typed into the editor
        await pilot.pause()
        assert isinstance(app.screen, QueryScreen) and app.screen.editor.text != before
        await pilot.press("escape", "1")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
    if app.session is not None:
        await app.session.client.aclose()
