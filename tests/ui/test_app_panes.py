"""Panes: the queues pane, jumping between panes, and a run's queue opened from elsewhere."""

from __future__ import annotations

from textual.coordinate import Coordinate

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.ui.panes import parse_jump
from trigger_tui.ui.screens.queues import QueuesScreen, runs_name
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen


def test_jump_words() -> None:
    assert parse_jump("queues").pane is not None and parse_jump("2").kind == "pane"
    assert parse_jump(":run run_abc").run_id == "run_abc"
    assert parse_jump("run_abc").kind == "run"
    assert parse_jump("failed").statuses[0] == "FAILED"
    assert parse_jump("q!").kind == "quit" and parse_jump("help").kind == "help"
    assert parse_jump("").kind == "unknown" and parse_jump("zzz").kind == "unknown"


async def test_number_two_shows_every_queue_busiest_first() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueuesScreen) and app.current_mode == "queues"
        queues = h.session.store.collection("queues").items
        assert screen.table.row_count == len(queues) > 0
        keys = [screen.table.coordinate_to_cell_key(Coordinate(i, 0)).row_key
                for i in range(screen.table.row_count)]
        running = [int(screen.table.get_cell(k, "running")) for k in keys]
        queued = [int(screen.table.get_cell(k, "queued")) for k in keys]
        assert sorted(zip(queued, running, strict=True), reverse=True) == list(
            zip(queued, running, strict=True))
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_open_queue_puts_the_cursor_on_it_and_enter_shows_its_runs() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.open_queue("email")
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueuesScreen)
        assert runs_name(screen._current()) == "email"
        await pilot.press("j", "k", "enter")
        await settle(pilot, lambda: not h.session.runs._needs_reload)
        assert isinstance(app.screen, RunsScreen)
        assert h.session.runs.filter.queue == "email"
        assert all(r.queue == "email" for r in h.session.store.runs.values())


async def test_open_queue_says_so_when_it_is_unknown() -> None:
    app = make_app(make_harness())
    async with app.run_test() as pilot:
        await settle(pilot)
        app.open_queue("no-such-queue")
        await pilot.pause()
        await pilot.pause()
        assert any("no-such-queue" in n.message for n in app._notifications)


async def test_capital_p_pauses_a_queue_after_confirming() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueuesScreen)
        queue = screen._current()
        await pilot.press("P")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and "PROD" in dialog.title_text
        assert runs_name(queue) in str(dialog.body)
        await pilot.press("y")
        await settle(pilot, lambda: bool(h.mutations()))
        assert h.mutations()[0].path.endswith("/pause")
        await pilot.pause()
        assert "⏸ paused" in str(screen.table.get_row(queue.id)[0])


async def test_read_only_queue_pause_sends_nothing() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueuesScreen)
        assert screen.check_action("pause_queue", ()) is None
        await pilot.press("P", "y")
        await pilot.pause()
        assert not h.mutations()


async def _queues_pane(pilot: object, app: object) -> QueuesScreen:
    await pilot.press("2")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, QueuesScreen)
    return screen


async def test_o_overrides_a_limit_after_checking_and_confirming_and_capital_o_resets() -> None:
    from trigger_tui.ui.screens.prompt import PromptScreen

    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = await _queues_pane(pilot, app)
        queue = screen._current()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("Input").value = "lots"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert not h.mutations()  # not a number: nothing sent
        assert any("not a whole number" in str(n.message) for n in app._notifications)
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("Input").value = "3"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and "PROD" in dialog.title_text
        assert runs_name(queue) in str(dialog.body) and " 3 " in str(dialog.body)
        await pilot.press("y")
        await settle(pilot, lambda: bool(h.mutations()))
        assert h.mutations()[-1].path.endswith("/concurrency/override")
        await pilot.pause()
        assert str(screen.table.get_cell(queue.id, "limit")).startswith("3 (base")
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot, lambda: len(h.mutations()) == 2)
        assert h.mutations()[-1].path.endswith("/concurrency/reset")


async def test_read_only_override_sends_nothing() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = await _queues_pane(pilot, app)
        assert screen.check_action("override", ()) is None
        assert screen.check_action("reset_limit", ()) is None
        await pilot.press("o", "O")
        await pilot.pause()
        assert not h.mutations()


async def test_a_paused_queue_turns_stuck_and_y_says_why() -> None:
    h = make_harness()
    app = make_app(h)
    env = h.session.world.envs["prod"]
    queue = env.queues["task/resize-image"]
    env.set_paused(queue, True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        h.session.world.clock.advance(400)  # the oldest waiting run passes five minutes
        h.session.world.advance()
        await h.session.pollers["queues"].poll_once()
        screen = await _queues_pane(pilot, app)
        await pilot.pause()
        assert screen.select_queue("task/resize-image")
        row = screen.table.get_row(queue.id)
        assert "paused" in str(row[0])  # paused wins over stuck in the state column
        await pilot.press("y")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        body = str(dialog.body)
        assert "Paused" in body and "stuck" in body
        await pilot.press("escape")
        env.set_paused(queue, False)
        env.override_limit(queue, 0)
        h.session.world.advance()
        await h.session.pollers["queues"].poll_once()
        await pilot.pause()
        assert "stuck" in str(screen.table.get_row(queue.id)[0])
        await pilot.press("y")
        await pilot.pause()
        assert "switched off" in str(app.screen.body)  # type: ignore[attr-defined]
