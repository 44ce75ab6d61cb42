"""The results table at 100k rows, the chart's choices and drawing, and "open as query"."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.ui.screens.query import QueryScreen, open_in_console
from trigger_tui.ui.widgets.chart import ChartSpec, bar_lines, choose, line_lines
from trigger_tui.ui.widgets.results_table import ResultsTable, cell_text


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ResultsTable()


def rows(n: int) -> list[dict[str, Any]]:
    return [{"run_id": f"run_{i:06d}", "n": i % 7, "cost": None if i % 5 == 0 else i / 3}
            for i in range(n)]


async def test_100k_rows_show_and_scroll_without_formatting_them_all() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(ResultsTable)
        table.focus()
        data = rows(100_000)
        start = time.perf_counter()
        table.set_result(("run_id", "n", "cost"), data)
        await pilot.pause()
        assert time.perf_counter() - start < 1.0
        await pilot.press("G")
        assert table.cursor_row == 99_999 and int(table.scroll_y) > 99_000
        assert "run_099999" in "".join(s.text for s in table.render_line(
            table.cursor_row - int(table.scroll_y) + 1))
        await pilot.press("g", "l", "l")
        assert table.cursor_col == 2
        await pilot.press("s")  # numbers sort biggest first, empties last
        assert table.rows[0]["cost"] == 99_999 / 3 and table.rows[-1]["cost"] is None


async def test_wide_results_scroll_sideways_to_the_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ResultsTable)
        table.focus()
        columns = tuple(f"column_{i}" for i in range(10))
        table.set_result(columns, [dict.fromkeys(columns, "x" * 20)])
        await pilot.pause()
        for _ in range(9):
            await pilot.press("l")
        assert table.scroll_x > 0
        header = "".join(s.text for s in table.render_line(0))
        assert "column_9" in header


def test_cell_text_is_one_line() -> None:
    assert cell_text(None) == "—"
    assert cell_text("a\nb\tc") == "a b c"
    assert cell_text({"a": [1]}) == '{"a":[1]}'
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(True) == "true"


def test_chart_choice_bar_for_categories_line_for_time() -> None:
    by_task = [{"task": "a", "runs": 3}, {"task": "b", "runs": 1}]
    assert choose(("task", "runs"), by_task) == ChartSpec("bar", "task", "runs")
    buckets = [{"t": "2026-01-01 00:00:00.000", "runs": 1}]
    assert choose(("t", "runs"), buckets) == ChartSpec("line", "t", "runs")
    assert choose(("timebucket", "n"), [{"timebucket": 5, "n": 1}]) is None  # no label
    assert choose(("task",), [{"task": "a"}]) is None
    assert choose(("task", "runs"), by_task, "line") == ChartSpec("line", "task", "runs")


def test_bar_lines_sum_repeats_and_scale_to_the_biggest() -> None:
    data = [{"task": "a", "runs": 2}, {"task": "b", "runs": 8}, {"task": "a", "runs": 2}]
    lines = bar_lines(data, ChartSpec("bar", "task", "runs"), width=30, height=10)
    assert lines[1].startswith("b ") and lines[1].rstrip().endswith("8")
    assert lines[1].count("█") == 25 and lines[2].count("█") == 12 and "▌" in lines[2]


def test_line_lines_draw_peaks_and_the_range() -> None:
    data = [{"t": f"00:0{i}", "n": v} for i, v in enumerate([0, 4, 8, 4])]
    lines = line_lines(data, ChartSpec("line", "t", "n"), width=24, height=8)
    assert lines[1].startswith(" 8│") and "█" in lines[1]
    assert lines[-1].strip().startswith("00:00") and lines[-1].rstrip().endswith("00:03")


async def test_open_as_query_loads_the_runs_filter_text(tmp_path: Path) -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.add_mode("query_here", lambda: QueryScreen(folder=tmp_path))
        text = h.session.runs.query_text
        start = datetime(2025, 12, 31, 23, tzinfo=UTC)
        screen = await open_in_console(app, text, from_=start, mode="query_here")
        await pilot.pause()
        assert screen is not None and screen.editor.text == text
        assert (screen.period, screen.from_) == (None, "2025-12-31T23:00:00+00:00")
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        assert screen.outcome is not None and screen.outcome.ok, screen.outcome
