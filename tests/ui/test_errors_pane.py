"""The errors pane on the emulator: rows, every key, confirmations, read-only, no errors API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.api import errors as E
from trigger_tui.ui.screens.batches import RunListScreen
from trigger_tui.ui.screens.errors import ErrorsScreen
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen

SnapCompare = Callable[..., bool]


def harness(**kw: Any) -> Harness:
    return make_harness(history_s=3600, **kw)


async def open_errors(pilot: Any, h: Harness) -> ErrorsScreen:
    await settle(pilot)
    screen = ErrorsScreen()
    await pilot.app.push_screen(screen)
    await settle(pilot, lambda: "errors" not in h.session.pollers
                 or h.session.pollers["errors"].polls > 0
                 or h.session.pollers["errors"].finished)
    return screen


def status_of(h: Harness, gid: str) -> str:
    return str(h.session.store.collection("errors").items[gid].status)


async def test_rows_are_every_group_unresolved_and_busiest_first() -> None:
    h = harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        groups = h.session.store.collection("errors").items
        assert screen.table.row_count == len(groups) > 1
        counts = [int(screen.table.get_row_at(i)[1]) for i in range(screen.table.row_count)]
        assert counts == sorted(counts, reverse=True)


async def test_capital_r_resolves_after_confirming_and_n_sends_nothing() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        gid = screen._current().id
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "PROD" in app.screen.title_text and gid in str(app.screen.body)
        await pilot.press("n")
        await settle(pilot)
        assert not h.mutations() and status_of(h, gid) == "unresolved"
        await pilot.press("R")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert [r.path for r in h.mutations()] == [f"/api/v1/errors/{gid}/resolve"]
        assert status_of(h, gid) == "resolved"


async def test_capital_i_asks_how_long_then_ignores() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        gid = screen._current().id
        await pilot.press("I")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+u", *"1 day", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "1 day" in str(app.screen.body)
        await pilot.press("y")
        await settle(pilot)
        group = h.world.envs["prod"].errors.get(gid)
        assert group is not None
        assert group.status == "ignored" and group.ignored_until == h.clock.now() + 86400


async def test_an_unknown_ignore_duration_sends_nothing() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_errors(pilot, h)
        await pilot.press("I")
        await pilot.pause()
        await pilot.press("ctrl+u", *"a fortnight", "enter")
        await settle(pilot)
        assert not h.mutations()
        assert any("a fortnight" in n.message for n in app._notifications)


async def test_capital_u_unresolves_a_resolved_group_after_a_danger_confirmation() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        gid = screen._current().id
        await pilot.press("U")  # already unresolved: says so, sends nothing
        await settle(pilot)
        assert not h.mutations()
        await screen.actions.resolve(gid)
        await settle(pilot)
        screen.table.move_cursor(row=screen.table.get_row_index(gid))
        await pilot.press("U")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.screen.danger
        await pilot.press("y")
        await settle(pilot)
        assert h.mutations()[-1].path == f"/api/v1/errors/{gid}/unresolve"
        assert status_of(h, gid) == "unresolved"


async def test_read_only_makes_the_lifecycle_keys_unavailable() -> None:
    h = harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        for key in ("R", "I", "U"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen
        assert screen.check_action("resolve", ()) is None
        assert not h.mutations()


async def test_enter_lists_the_group_runs_and_enter_opens_one() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        gid = screen._current().id
        opened: list[str] = []
        app.open_run = opened.append  # type: ignore[method-assign,assignment]
        await pilot.press("enter")
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, RunListScreen) and runs.runs
        assert "filter[error]" in runs.hint
        by_run = h.world.envs["prod"].errors.by_run
        assert all(by_run[r.id] == gid for r in runs.runs)
        await pilot.press("enter")
        assert opened == [runs.runs[0].id]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("o")
        await settle(pilot)
        assert opened[-1] == runs.runs[0].id


async def test_a_server_without_the_errors_api_shows_a_message() -> None:
    h = harness()

    def lacking(**kw: Any) -> AsyncIterator[Any]:
        raise E.NotSupportedError(404, "not supported by this server")

    h.session.client.errors.list = lacking  # type: ignore[method-assign]
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_errors(pilot, h)
        await settle(pilot)
        banner = screen.query_one("#errors-message")
        assert banner.display and "not supported by this server" in str(banner.render())
        assert screen.table.row_count == 0


def _snap(size: tuple[int, int], snap_compare: SnapCompare) -> None:
    h = harness()

    async def before(pilot: Any) -> None:
        await open_errors(pilot, h)
        await settle(pilot)

    assert snap_compare(make_app(h), terminal_size=size, run_before=before)


def test_errors_snapshot_80x24(snap_compare: SnapCompare) -> None:
    _snap((80, 24), snap_compare)


def test_errors_snapshot_160x48(snap_compare: SnapCompare) -> None:
    _snap((160, 48), snap_compare)
