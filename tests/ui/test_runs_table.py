"""The virtual runs table: its incremental index, its layout, its cursor, selection and marks."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

import trigger_tui.ui.app
from trigger_tui.state.store import RunRow, Store
from trigger_tui.ui import format as fmt
from trigger_tui.ui.widgets.run_index import SORT_VALUES, RunIndex
from trigger_tui.ui.widgets.runs_table import COLUMNS, RunsTable, layout

NOW = 1_767_225_600.0
STATUSES = ("QUEUED", "EXECUTING", "WAITING", "COMPLETED", "FAILED", "CRASHED", "CANCELED")


def row(i: int, status: str = "COMPLETED", **kw: object) -> RunRow:
    values: dict[str, object] = {"task": f"task-{i % 5}", "created_at": NOW - i,
                                 "duration_ms": (i * 37) % 5000, "queue": f"task/task-{i % 5}"}
    values.update(kw)
    return RunRow(id=f"run_{i:06d}", status=status, **values)  # type: ignore[arg-type]


def expected_order(rows: dict[str, RunRow], sort: str, descending: bool) -> list[str]:
    keyed = sorted((SORT_VALUES[sort](r), r.id) for r in rows.values())
    ids = [rid for _, rid in keyed]
    return ids[::-1] if descending else ids


# ------------------------------------------------------------------ the index
@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.sampled_from(STATUSES), st.booleans()),
                max_size=120),
       st.sampled_from(sorted(SORT_VALUES)), st.booleans())
def test_incremental_index_matches_a_full_sort(changes: list[tuple[int, str, bool]],
                                               sort: str, descending: bool) -> None:
    rows = {r.id: r for r in (row(i) for i in range(0, 40))}
    index = RunIndex(rows, sort=sort, descending=descending)
    for batch_start in range(0, len(changes), 7):
        changed: set[str] = set()
        for i, status, delete in changes[batch_start:batch_start + 7]:
            rid = f"run_{i:06d}"
            if delete:
                rows.pop(rid, None)
            else:
                rows[rid] = row(i, status, duration_ms=i * 11, tags=(status.lower(),))
            changed.add(rid)
        index.apply(changed)
        assert index.all_ids() == expected_order(rows, sort, descending)
    for rid in rows:
        pos = index.position(rid)
        assert pos is not None and index.id_at(pos) == rid


def test_bulk_path_and_small_path_agree() -> None:
    rng = random.Random(3)
    rows = {r.id: r for r in (row(i) for i in range(2000))}
    index = RunIndex(rows, sort="duration")
    big = {f"run_{rng.randrange(3000):06d}" for _ in range(500)}  # > the bulk threshold
    for rid in big:
        rows[rid] = row(int(rid[4:]), "FAILED", duration_ms=rng.randrange(10_000))
    assert index.apply(big)
    assert index.all_ids() == expected_order(rows, "duration", True)


def test_status_change_does_not_move_a_run_sorted_by_creation() -> None:
    rows = {r.id: r for r in (row(i) for i in range(10))}
    index = RunIndex(rows)
    rows["run_000003"] = replace(rows["run_000003"], status="FAILED")
    assert index.apply({"run_000003"}) is False  # same key: nothing to re-sort
    assert index.position("run_000003") == 3


def test_sort_flip_does_not_rebuild_and_unknown_column_is_refused() -> None:
    rows = {r.id: r for r in (row(i) for i in range(5))}
    index = RunIndex(rows, sort="task", descending=False)
    keys = index._keys
    index.set_sort("task", True)
    assert index._keys is keys
    assert index.all_ids() == expected_order(rows, "task", True)
    try:
        index.set_sort("payload", True)
    except ValueError:
        pass
    else:
        raise AssertionError("sorting by an unknown column must fail")


# ------------------------------------------------------------------ layout and formats
def test_layout_keeps_important_columns_when_narrow() -> None:
    narrow = [c.key for c, _ in layout(tuple(COLUMNS), 80)]
    assert narrow == ["status", "id", "task", "created", "duration"]
    wide = layout(tuple(COLUMNS), 160)
    assert [c.key for c, _ in wide] == list(COLUMNS)
    assert sum(w for _, w in wide) + len(wide) - 1 + 2 <= 160
    assert dict((c.key, w) for c, w in wide)["id"] == 25  # run ids are never cut when shown


def test_layout_follows_the_configured_columns() -> None:
    keys = [c.key for c, _ in layout(("task", "status", "id", "machine"), 120)]
    assert keys == ["task", "status", "id", "machine"]


def test_status_reads_without_color() -> None:
    symbols = {fmt.status_look(s).symbol for s in
               ("COMPLETED", "FAILED", "EXECUTING", "QUEUED", "WAITING", "CANCELED", "CRASHED")}
    assert len(symbols) == 7
    assert fmt.status_look("Timed out") == fmt.status_look("TIMED_OUT")
    assert fmt.status_look("SOMETHING_NEW").symbol == "?"


def test_formats() -> None:
    assert fmt.ago(NOW - 45, NOW) == "45s ago" and fmt.ago(NOW + 300, NOW) == "in 5m"
    assert fmt.ago(NOW - 7200, NOW) == "2h ago" and fmt.ago(None, NOW) == "—"
    assert fmt.duration(850) == "850ms" and fmt.duration(12_340) == "12.3s"
    assert fmt.duration(245_000) == "4m05s" and fmt.duration(7_980_000) == "2h13m"
    assert fmt.money(0) == "—" and fmt.money(0.00003) == "$0.00003"
    assert fmt.money(0.0001) == "$0.00010"  # as many decimals as its neighbours
    assert fmt.money(0.25) == "$0.2500" and fmt.money(12.5) == "$12.50"


# ------------------------------------------------------------------ the widget
class TableApp(App[None]):
    CSS_PATH = str(Path(trigger_tui.ui.app.__file__).parent / "styles" / "runs.tcss")

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.now = NOW
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        yield RunsTable(self.store, clock=lambda: self.now)

    def on_runs_table_open_run(self, event: RunsTable.OpenRun) -> None:
        self.opened.append(event.run_id)


def filled(n: int = 100) -> Store:
    store = Store()
    store.upsert("runs", [row(i) for i in range(n)])
    return store


def lines(table: RunsTable, count: int) -> list[str]:
    return [table.render_line(y).text for y in range(count)]


async def test_renders_only_the_visible_rows() -> None:
    store = filled(50_000)
    app = TableApp(store)
    calls: list[int] = []
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(RunsTable)
        original = table._row_strip

        def spy(r: RunRow, n: int, w: int) -> object:
            calls.append(n)
            return original(r, n, w)

        table._row_strip = spy  # type: ignore[method-assign,assignment]
        table.refresh()
        await pilot.pause()
        assert 0 < len(calls) <= 20
        assert table.virtual_size.height == 50_001


async def test_header_row_and_cells() -> None:
    store = Store()
    store.upsert("runs", [row(1, "FAILED", version="20260101.2", tags=("org:acme",),
                              cost_usd=0.0012, machine="small-1x")])
    app = TableApp(store)
    async with app.run_test(size=(160, 6)) as pilot:
        await pilot.pause()
        header, first = lines(app.query_one(RunsTable), 2)
        assert header.split() == ["STATUS", "RUN", "ID", "TASK", "VERSION", "TAGS", "CREATED▼",
                                  "DURATION", "COST", "QUEUE", "MACHINE"]
        assert first.split() == ["✗", "Failed", "run_000001", "task-1", "20260101.2",
                                 "org:acme", "1s", "ago", "37ms", "$0.00120", "task/task-1",
                                 "small-1x"]


async def test_vim_keys_move_the_cursor_and_enter_opens() -> None:
    app = TableApp(filled(100))
    async with app.run_test(size=(100, 22)) as pilot:
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("j", "j", "down")
        assert table.cursor_row == 3 and table.cursor_id == "run_000003"
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == 99 and int(table.scroll_y) > 0
        await pilot.press("g")
        assert table.cursor_row == 0 and int(table.scroll_y) == 0
        await pilot.press("pagedown")
        assert table.cursor_row == table.page_rows
        await pilot.press("pageup", "ctrl+d")
        assert table.cursor_row == table.page_rows // 2
        await pilot.press("ctrl+u", "end", "home", "enter")
        await pilot.pause()
        assert app.opened == ["run_000000"]


async def test_space_selects_and_walks_ctrl_a_selects_all() -> None:
    app = TableApp(filled(30))
    async with app.run_test(size=(100, 20)) as pilot:
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("space", "j", "space")
        assert table.selected_ids() == ["run_000000", "run_000002"]
        assert table.cursor_row == 3
        assert lines(table, 2)[1].startswith("* ")
        await pilot.press("ctrl+a")
        assert len(table.selected) == 30
        await pilot.press("ctrl+a")
        assert not table.selected
        await pilot.press("space")
        assert table.clear_selection() and not table.selected


async def test_selection_forgets_runs_that_leave_the_view() -> None:
    store = filled(10)
    app = TableApp(store)
    async with app.run_test() as pilot:
        table = app.query_one(RunsTable)
        table.selected = {"run_000001", "run_000002"}
        store.remove("runs", ["run_000001"])
        await pilot.pause()
        assert table.selected == {"run_000002"}


async def test_sort_keys_and_header_click() -> None:
    app = TableApp(filled(20))
    async with app.run_test(size=(160, 24)) as pilot:
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press("s")
        assert table.index.sort == "duration"  # the next visible column after created
        ordered = [r for r in table.index.all_ids()]
        durations = [app.store.runs.items[r].duration_ms for r in ordered]
        assert durations == sorted(durations, reverse=True)
        await pilot.press("S")
        assert not table.index.descending
        await pilot.click(RunsTable, offset=(16, 0))  # the RUN ID header
        assert table.index.sort == "id" and table.index.descending is False
        await pilot.click(RunsTable, offset=(16, 0))
        assert table.index.descending is True


async def test_click_moves_the_cursor_and_double_click_opens() -> None:
    app = TableApp(filled(20))
    async with app.run_test(size=(120, 24)) as pilot:
        table = app.query_one(RunsTable)
        await pilot.click(RunsTable, offset=(5, 4))
        assert table.cursor_row == 3
        await pilot.click(RunsTable, offset=(5, 4), times=2)
        await pilot.pause()
        assert app.opened == ["run_000003"]


async def test_absolute_times_toggle_and_copy_id(monkeypatch: pytest.MonkeyPatch) -> None:
    app = TableApp(filled(3))
    copied: list[str] = []
    async with app.run_test(size=(120, 10)) as pilot:
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        table = app.query_one(RunsTable)
        table.focus()
        assert "0s ago" in lines(table, 2)[1]
        await pilot.press("T")
        assert "ago" not in lines(table, 2)[1]
        await pilot.press("y")
        assert copied == ["run_000000"]


async def test_cursor_stays_on_its_run_when_runs_arrive_above() -> None:
    store = filled(100)
    app = TableApp(store)
    async with app.run_test(size=(100, 22)) as pilot:
        table = app.query_one(RunsTable)
        table.focus()
        await pilot.press(*["j"] * 40)  # scrolled: the cursor sits on a screen line
        line = table.cursor_row - int(table.scroll_y)
        store.upsert("runs", [row(-i, created_at=NOW + i) for i in range(1, 6)])
        await pilot.pause()
        assert table.cursor_id == "run_000040" and table.cursor_row == 45
        assert table.cursor_row - int(table.scroll_y) == line


async def test_cursor_moves_to_a_neighbour_when_its_run_goes() -> None:
    store = filled(10)
    app = TableApp(store)
    async with app.run_test() as pilot:
        table = app.query_one(RunsTable)
        table.move_cursor(4)
        store.remove("runs", ["run_000004"])
        await pilot.pause()
        assert table.cursor_id == "run_000005" and table.cursor_row == 4
        store.upsert("runs", [], replace_all=True)
        await pilot.pause()
        assert table.cursor_id is None and table.row_count == 0
        table.empty_text = "No runs match: all runs · last 24h"
        assert "No runs match" in lines(table, 3)[2]


async def test_new_failure_is_marked_briefly_but_not_on_first_load(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RunsTable, "FLASH_S", 0.3)
    store = Store()
    store.upsert("runs", [row(1, "FAILED", created_at=NOW)])
    app = TableApp(store)
    async with app.run_test() as pilot:
        table = app.query_one(RunsTable)
        store.upsert("runs", [row(2, "EXECUTING"), row(3, "FAILED", created_at=NOW - 3600)])
        await pilot.pause()
        assert not table._flash  # an old failure that just came into view is not news
        store.upsert("runs", [row(2, "CRASHED")])
        await pilot.pause()
        assert table._flash == {"run_000002"}
        await pilot.pause(0.5)
        assert not table._flash


async def test_pending_action_shows_on_the_row() -> None:
    store = filled(2)
    app = TableApp(store)
    async with app.run_test(size=(120, 6)) as pilot:
        store.patch_run("run_000000", status="CANCELED", pending="cancel")
        await pilot.pause()
        assert "⊘ Canceling…" in lines(app.query_one(RunsTable), 2)[1]


def test_cells_never_carry_control_codes_to_the_terminal() -> None:
    from trigger_tui.ui.widgets.runs_table import _fit

    cell = _fit("evil\x1b[2J\x07task", 30, False)
    assert "\x1b" not in cell and "\x07" not in cell
    assert cell.startswith("evil\\x1b[2J\\x07task")


async def test_the_seconds_tick_repaints_only_lines_whose_times_moved() -> None:
    store = Store()
    # Runs created minutes ago: their age text ("3m") moves once a minute; one still running
    # (its duration grows every second).
    store.upsert("runs", [row(i, created_at=NOW - 180 - i) for i in range(1, 20)])
    store.upsert("runs", [row(0, "EXECUTING", created_at=NOW - 100, started_at=NOW - 30)])
    app = TableApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(RunsTable)
        await pilot.pause()
        repainted: list[int] = []
        original = table.refresh

        def spy(*regions: object, **kw: object) -> object:
            repainted.extend(getattr(r, "y", -1) for r in regions)
            return original(*regions, **kw)  # type: ignore[arg-type]

        table.refresh = spy  # type: ignore[method-assign,assignment]
        table.tick()
        first = list(repainted)
        assert first  # the first tick learns every visible line
        repainted.clear()
        app.now += 1  # one second: only the running run's duration moved
        table.tick()
        running_line = 1 + table.index.position("run_000000")  # type: ignore[operator]
        assert repainted == [running_line]
        repainted.clear()
        app.now += 60  # a minute: the ages move too
        table.tick()
        assert len(repainted) > 1
