"""The runs pane on the emulator: filters, live polls, confirmations, bulk actions, read-only."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.state.filters import RunFilter
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.bulk import BulkChoiceScreen, BulkProgressScreen
from trigger_tui.ui.screens.filters import FilterScreen
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.screens.runs import FAILED, RunsScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.runs_table import RunsTable


def table_of(app: TriggerApp) -> RunsTable:
    return app.screen.query_one(RunsTable)


async def refiltered(pilot: Any, h: Harness) -> None:
    """Wait until the poll that reloads the view after a filter change has landed."""
    poller = h.session.runs
    await settle(pilot, lambda: not poller._needs_reload and not poller._lock.locked())


def log_paths(h: Harness, method: str = "POST") -> list[str]:
    return [r.path for r in h.log if r.method == method]


def unfinished(app: TriggerApp) -> str:
    table = table_of(app)
    store = app.session.store  # type: ignore[union-attr]
    for i, rid in enumerate(table.index.all_ids()):
        if not store.runs.items[rid].is_final:
            table.move_cursor(i)
            return rid
    raise AssertionError("no unfinished run in view")


async def select_unfinished(pilot: Any, app: TriggerApp, count: int) -> list[str]:
    """Select `count` unfinished runs with the space key."""
    table = table_of(app)
    store = app.session.store  # type: ignore[union-attr]
    live = [i for i, rid in enumerate(table.index.all_ids())
            if not store.runs.items[rid].is_final][:count]
    assert len(live) == count
    for i in live:
        table.move_cursor(i)
        await pilot.press("space")
    return table.selected_ids()


# ------------------------------------------------------------------ filters
async def test_slash_filters_by_text_and_the_query_line_shows_it() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"send-email", "enter")
        await refiltered(pilot, h)
        assert h.session.runs.filter.text == "send-email"
        store = h.session.store.runs
        assert len(store) and all(r.task == "send-email" for r in store.values())
        assert table_of(app).row_count == len(store)
        query = str(app.screen.query_one("#query-line").render())
        assert "task_identifier ILIKE '%send-email%'" in query and "period 24h" in query
        status = str(app.screen.query_one("#runs-status").render())
        assert status.startswith(f"{len(store):,} runs") and '"send-email"' in status


async def test_f_toggles_failed_only() -> None:
    h = make_harness(history_s=3600)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await refiltered(pilot, h)
        assert h.session.runs.filter.statuses == FAILED
        assert all(r.is_failed for r in h.session.store.runs.values())
        await pilot.press("f")
        await refiltered(pilot, h)
        assert h.session.runs.filter.statuses == frozenset()


async def test_t_cycles_the_period_and_o_toggles_root_only() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        periods = []
        for _ in range(4):
            await pilot.press("t")
            periods.append(h.session.runs.filter.period)
        assert periods == ["7d", "15m", "1h", "24h"]
        await pilot.press("o")
        assert h.session.runs.filter.root_only
        await refiltered(pilot, h)
        assert all(r.depth == 0 for r in h.session.store.runs.values())


async def test_filter_form_applies_every_field() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FilterScreen)
        form.query_one("#f-tasks").value = "send-email, charge-card"  # type: ignore[attr-defined]
        form.query_one("#f-tags").value = "customer:1"  # type: ignore[attr-defined]
        form.query_one("#f-statuses").select("COMPLETED")  # type: ignore[attr-defined]
        form.query_one("#f-period").value = "1h"  # type: ignore[attr-defined]
        form.query_one("#f-root").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await refiltered(pilot, h)
        f = h.session.runs.filter
        assert f.tasks == {"send-email", "charge-card"} and f.tags == {"customer:1"}
        assert f.statuses == {"COMPLETED"} and f.period == "1h" and f.root_only


async def test_filter_form_reports_a_bad_value_and_applies_nothing() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period").value = "custom"  # type: ignore[attr-defined]
        form.query_one("#f-from").value = "yesterday-ish"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "not a date" in str(app.screen.query_one("#filter-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert h.session.runs.filter == RunFilter()


async def test_filter_form_custom_window_and_reset() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-period").value = "custom"  # type: ignore[attr-defined]
        form.query_one("#f-from").value = "2025-12-31 23:30"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await refiltered(pilot, h)
        f = h.session.runs.filter
        assert f.period is None and f.from_ is not None and f.from_.hour == 23
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert h.session.runs.filter == RunFilter()


async def test_escape_clears_selection_then_filter() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("o")
        await refiltered(pilot, h)
        await pilot.press("space")
        assert table_of(app).selected
        await pilot.press("escape")
        assert not table_of(app).selected and h.session.runs.filter.root_only
        await pilot.press("escape")
        assert h.session.runs.filter == RunFilter()


async def test_capital_y_copies_the_views_trql(monkeypatch: pytest.MonkeyPatch) -> None:
    h = make_harness()
    app = make_app(h)
    copied: list[str] = []
    async with app.run_test() as pilot:
        await settle(pilot)
        monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
        await pilot.press("Y")
        assert copied == [h.session.runs.query_text]


# ------------------------------------------------------------------ live polls
async def test_cursor_stays_on_the_same_run_across_20_polls() -> None:
    """Polls add runs above the cursor and finish runs around it; the cursor does not move
    off its run, and once scrolled, its run stays on the same screen line."""
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press(*["j"] * 30)
        anchored = table.cursor_id
        line = table.cursor_row - int(table.scroll_y)
        assert anchored is not None and int(table.scroll_y) > 0
        first_ids = set(h.session.store.runs.items)
        finished = 0
        for _ in range(20):
            before = {rid: r.status for rid, r in h.session.store.runs.items.items()}
            h.advance(7)
            await h.session.runs.poll_once()
            await pilot.pause()
            finished += sum(1 for rid, r in h.session.store.runs.items.items()
                            if rid in before and r.is_final and before[rid] != r.status)
            assert table.cursor_id == anchored
            assert table.cursor_row - int(table.scroll_y) == line
            assert table.index.id_at(table.cursor_row) == anchored
        added = set(h.session.store.runs.items) - first_ids
        assert len(added) > 20 and finished > 5


async def test_enter_opens_the_run_under_the_cursor() -> None:
    from trigger_tui.ui.screens.run_detail import RunDetailScreen

    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.run_id == table_of_runs(app)


def table_of_runs(app: TriggerApp) -> str | None:
    runs = app.screen_stack[0] if isinstance(app.screen_stack[0], RunsScreen) else None
    assert runs is not None
    return runs.query_one(RunsTable).cursor_id


# ------------------------------------------------------------------ single-run actions
async def test_cancel_asks_first_and_n_sends_nothing() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        run_id = unfinished(app)
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and dialog.danger
        body = str(dialog.body)
        assert run_id in body and "PROD" in body and "Cancel 1 run in PROD" in dialog.title_text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert not h.mutations()


async def test_cancel_confirmed_sends_it_and_marks_the_row() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        run_id = unfinished(app)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot, lambda: any(p.endswith(f"/{run_id}/cancel") for p in log_paths(h)))
        assert h.session.store.runs.items[run_id].status == "CANCELED"
        assert any("cancel requested" in n.message for n in app._notifications)


async def test_enter_on_a_danger_dialog_is_a_no() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        unfinished(app)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # focus starts on "Cancel": a stray enter does nothing
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen) and not h.mutations()


async def test_replay_confirmed_moves_the_cursor_to_the_new_run() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        await pilot.press("j", "j", "R")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and not dialog.danger
        await pilot.press("y")
        await settle(pilot, lambda: any(p.endswith("/replay") for p in log_paths(h)))
        note = [n.message for n in app._notifications if "replayed" in n.message]
        assert note
        new_id = note[-1].rsplit(" ", 1)[-1]
        assert table.cursor_id == new_id


async def test_action_failure_is_shown_not_raised() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        unfinished(app)
        h.faults.ratios["5xx"] = 1.0
        await pilot.press("c", "y")
        await settle(pilot, lambda: any(n.severity == "error" for n in app._notifications))
        assert app.is_running


async def test_cancel_of_a_finished_run_is_refused_without_asking() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        store = h.session.store.runs.items
        table.move_cursor(next(i for i, rid in enumerate(table.index.all_ids())
                               if store[rid].is_final))
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert any("already finished" in n.message for n in app._notifications)


# ------------------------------------------------------------------ bulk actions
async def test_bulk_cancel_of_a_selection_with_live_progress() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = table_of(app)
        ids = await select_unfinished(pilot, app, 3)
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.title_text == "Cancel 3 runs in PROD" and ids[0] in str(dialog.body)
        await pilot.press("y")
        await settle(pilot, lambda: isinstance(app.screen, BulkProgressScreen))
        progress_screen = app.screen
        assert isinstance(progress_screen, BulkProgressScreen)
        assert "/api/v1/bulk-actions" in log_paths(h) and not table.selected
        h.advance(30)
        progress_screen.poll()
        await settle(pilot, lambda: progress_screen.progress.done)
        assert "completed" in str(progress_screen.query_one("#bulk-counts").render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_bulk_abort_confirms_then_aborts() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await select_unfinished(pilot, app, 3)
        await pilot.press("c", "y")
        await settle(pilot, lambda: isinstance(app.screen, BulkProgressScreen))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot, lambda: any(p.endswith("/abort") for p in log_paths(h)))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_bulk_by_filter_names_the_filter_and_sends_it() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await refiltered(pilot, h)
        await pilot.press("B")
        await pilot.pause()
        assert isinstance(app.screen, BulkChoiceScreen)
        await pilot.press("R")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "FAILED" in str(dialog.body) and "PROD" in dialog.title_text
        await pilot.press("y")
        await settle(pilot, lambda: isinstance(app.screen, BulkProgressScreen))
        assert "/api/v1/bulk-actions" in log_paths(h)


async def test_bulk_by_filter_refuses_a_text_filter_before_asking() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.screen.set_filter(RunFilter(text="email"))  # type: ignore[attr-defined]
        await refiltered(pilot, h)
        await pilot.press("B", "c")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert any("cannot filter by text" in n.message for n in app._notifications)
        assert not h.mutations()


async def test_closing_the_progress_dialog_keeps_following_the_action() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await select_unfinished(pilot, app, 2)
        await pilot.press("c", "y")
        await settle(pilot, lambda: isinstance(app.screen, BulkProgressScreen))
        h.advance(60)  # the action finishes while nobody watches
        await pilot.press("escape")
        await settle(pilot, lambda: any(n.message.startswith("Bulk cancel")
                                        for n in app._notifications))


async def test_a_selection_too_big_for_one_bulk_action_is_refused_up_front() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert table_of(app).row_count > 500
        await pilot.press("ctrl+a", "R")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert any("at most 500" in n.message for n in app._notifications)
        assert not h.mutations()


# ------------------------------------------------------------------ read-only
async def test_read_only_sends_no_mutating_request() -> None:
    """Every mutating key on the runs pane, and the actions behind them, send nothing."""
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        unfinished(app)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        assert screen.check_action("cancel", ()) is None  # shown greyed in the footer
        await pilot.press("c")
        await pilot.pause()
        assert app._notifications and list(app._notifications)[-1].message == (
            "Read-only connection: cancel is not available")
        await pilot.press("c", "y", "R", "y", "B", "c", "y")
        await pilot.press("space", "space", "c", "y", "ctrl+a", "R", "y")
        await pilot.pause()
        for action in ("cancel", "replay"):  # the path behind the keys, forced
            screen._act(action)
            await app.workers.wait_for_complete()
        actions = h.session.actions
        run_id = next(iter(h.session.store.runs.items))
        results = [await actions.cancel(run_id), await actions.replay(run_id),
                   await actions.add_tags(run_id, ["x"]), await actions.reschedule(run_id, "1h")]
        progress = await actions.bulk("cancel", run_ids=[run_id])
        await pilot.pause()
        assert not any(r.ok for r in results) and not progress.ok
        assert not h.mutations()
        assert {r.path for r in h.log if r.method == "POST"} <= {"/api/v1/query"}
        assert any("Read-only" in n.message for n in app._notifications)
