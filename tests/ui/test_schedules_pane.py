"""The schedules pane on the emulator: keys, the form, confirmations, read-only, no server."""

from __future__ import annotations

from typing import Any

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.emulator.app import NOT_FOUND_PAGE
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.screens.schedules import ScheduleForm, SchedulesScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen


def lacking(app: ASGIApp, prefix: str) -> ASGIApp:
    """The emulator without the routes under `prefix` (an older self-hosted server)."""
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(prefix):
            await HTMLResponse(NOT_FOUND_PAGE, status_code=404)(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped


async def open_schedules(app: TriggerApp, pilot: Any) -> SchedulesScreen:
    await settle(pilot)
    await app.switch_mode("schedules")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, SchedulesScreen)
    return screen


async def until(pilot: Any, done: Any, rounds: int = 200) -> None:
    """Pause until `done()`; unlike `settle`, never waits for workers (a form's opener
    waits on the form)."""
    for _ in range(rounds):
        await pilot.pause()
        if done():
            return
    raise AssertionError("never happened")


IMPERATIVE = "sched_ay49aj9j9dymrfmjkuetu"  # nightly-report, 30 6 * * 1-5 Asia/Tokyo


async def select(pilot: Any, screen: SchedulesScreen, schedule_id: str) -> Any:
    screen.table.move_cursor(row=screen.table.get_row_index(schedule_id))
    await pilot.pause()
    return screen._current()


def cell(screen: SchedulesScreen, schedule_id: str, column: str) -> str:
    return str(screen.table.get_cell(schedule_id, column))


def harness() -> Harness:
    return make_harness()


async def test_lists_every_schedule_with_cron_in_words_and_next_runs() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_schedules(app, pilot)
        schedules = h.session.store.collection("schedules").items
        assert screen.table.row_count == len(schedules) == 5
        assert [cell(screen, "sched_zkexh28t1vsh2m53xabco", key)
                for key in ("task", "cron", "words", "tz")] == [
            "nightly-report", "0 2 * * *", "At 02:00 AM", "America/New_York"]
        await pilot.press("j")
        await pilot.pause()
        preview = str(screen.query_one("#schedules-next").render())
        current = screen._current()
        assert current.id in preview and preview.count("yours:") == 5


async def test_enter_shows_the_tasks_runs_and_names_the_schedule_command() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_schedules(app, pilot)
        schedule = screen._current()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert h.session.runs.filter.tasks == frozenset({schedule.task})
        assert any(f"--schedule {schedule.id}" in n.message for n in app._notifications)


async def test_new_schedule_form_previews_validates_and_creates() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_schedules(app, pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ScheduleForm))
        form = app.screen
        assert isinstance(form, ScheduleForm)
        await pilot.press(*"cleanup-sessions", "tab")
        await pilot.press(*"0 0 9 * * *")  # seconds: refused before sending
        await pilot.pause()
        assert "5 fields" in str(form.query_one("#preview").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Nothing was sent" in str(form.query_one("#form-error").render())
        assert not h.mutations()
        form.query_one("#cron").value = "30 9 * * 1-5"  # type: ignore[attr-defined]
        form.query_one("#timezone").value = "Europe/Paris"  # type: ignore[attr-defined]
        await pilot.pause()
        preview = str(form.query_one("#preview").render())
        assert "At 09:30 AM, Monday through Friday (Europe/Paris)" in preview
        assert preview.count("CET") >= 5
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        posts = h.mutations()
        assert [r.path for r in posts] == ["/api/v1/schedules"]
        created = [s for s in h.session.store.collection("schedules").values()
                   if s.timezone == "Europe/Paris" and s.cron == "30 9 * * 1-5"]
        assert created and created[0].id in screen.table.rows


async def test_unknown_timezone_is_refused_in_the_form() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_schedules(app, pilot)
        await select(pilot, screen, IMPERATIVE)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ScheduleForm))
        form = app.screen
        form.query_one("#timezone").value = "Europe/Atlantis"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(form.query_one("#form-error").render())
        assert "Europe/Atlantis" in error and "Nothing was sent" in error
        assert not h.mutations()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen)


async def test_a_422_stays_in_the_form_in_the_servers_words() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_schedules(app, pilot)
        await select(pilot, screen, IMPERATIVE)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ScheduleForm))
        form = app.screen
        assert isinstance(form, ScheduleForm)
        # A zone the server's list has but that the server then refuses: make the list lie.
        form._zone_set = frozenset({"Mars/Olympus_Mons"})
        form.query_one("#timezone").value = "Mars/Olympus_Mons"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(h.mutations()))
        await pilot.pause()
        error = str(form.query_one("#form-error").render())
        assert "refused:" in error and app.screen is form
        assert h.log[-1].status == 422


async def test_deactivate_then_delete_after_confirming() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_schedules(app, pilot)
        schedule = await select(pilot, screen, IMPERATIVE)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and "PROD" in dialog.title_text
        assert schedule.id in str(dialog.body)
        await pilot.press("y")
        await until(pilot, lambda: bool(h.mutations()))
        await pilot.pause()
        assert h.mutations()[-1].path.endswith(f"{schedule.id}/deactivate")
        assert "off" in cell(screen, schedule.id, "active")
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # said no: nothing sent
        await pilot.pause()
        assert len(h.mutations()) == 1
        await pilot.press("D")
        await pilot.pause()
        await pilot.press("y")
        await until(pilot, lambda: len(h.mutations()) == 2)
        await pilot.pause()
        assert h.mutations()[-1].method == "DELETE"
        assert schedule.id not in screen.table.rows


async def test_read_only_offers_no_mutation_and_sends_nothing() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_schedules(app, pilot)
        for action in ("create", "edit", "toggle_active", "delete"):
            assert screen.check_action(action, ()) is None
        await pilot.press("a", "y", "D", "y", "n")
        await pilot.pause()
        assert isinstance(app.screen, SchedulesScreen) and not h.mutations()


async def test_a_server_without_schedules_says_so_in_the_pane() -> None:
    h = harness()
    h.emulator.app = lacking(h.emulator.app, "/api/v1/schedules")
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_schedules(app, pilot)
        message = str(screen.query_one("#schedules-empty").render())
        assert "not supported by this server" in message
        assert not screen.table.display


async def test_a_schedule_declared_in_code_is_not_edited_here() -> None:
    h = harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_schedules(app, pilot)
        schedule = await select(pilot, screen, "sched_zkexh28t1vsh2m53xabco")
        assert cell(screen, schedule.id, "type") == "code"
        await pilot.press("e")
        await pilot.pause()
        assert app.screen is screen and not h.mutations()
        assert any("declared in code" in n.message for n in app._notifications)


async def test_at_80_columns_the_next_fire_cron_and_zone_show_whole() -> None:
    app = make_app(harness())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_schedules(app, pilot)
        table = screen.table
        keys = [k.value for k in table.columns]
        triage = keys[:keys.index("tz") + 1]
        assert triage == ["active", "task", "next", "cron", "tz"]
        width = sum(table.columns[k].get_render_width(table) for k in table.columns
                    if k.value in triage)
        assert width <= table.scrollable_content_region.width
        assert cell(screen, "sched_zkexh28t1vsh2m53xabco", "next").endswith("h)")
