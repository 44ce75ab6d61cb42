"""The shell: global keys, navigation, header, connection details, notices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.command import CommandPalette
from textual.containers import VerticalScroll
from textual.widgets import Input

import trigger_tui.ui.app
from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.state.filters import RunFilter
from trigger_tui.ui.launch import LaunchOptions, build_app
from trigger_tui.ui.screens.bulk import BulkChoiceScreen
from trigger_tui.ui.screens.connection import ConnectionScreen
from trigger_tui.ui.screens.help import HelpScreen
from trigger_tui.ui.screens.prompt import PromptScreen
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.screens.welcome import ProfileScreen, WelcomeScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.header import ConsoleHeader, HeaderInfo
from trigger_tui.ui.widgets.runs_table import RunsTable


def header_text(app: App[Any]) -> str:
    return str(app.screen.query_one(ConsoleHeader).render())


async def test_first_poll_fills_the_runs_pane() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
        assert app.current_mode == "runs"
        table = app.screen.query_one(RunsTable)
        assert table.row_count == len(h.session.store.runs) > 0
        assert table.has_focus


async def test_q_quits_and_stops_the_session() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert all(task.done() for task in h.session._tasks.values())


async def test_help_overlay_lists_the_keymap_and_closes() -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert app.screen.here[:2] == ["Runs", "Runs table"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("question_mark", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_colon_jumps_to_a_status_shortcut() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"failed", "enter")
        await settle(pilot, lambda: h.session.runs.filter.statuses != frozenset())
        assert isinstance(app.screen, RunsScreen)
        assert "FAILED" in h.session.runs.filter.statuses


async def test_colon_opens_a_run_by_id_and_esc_goes_back() -> None:
    from trigger_tui.ui.screens.run_detail import RunDetailScreen

    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        run_id = next(iter(h.session.store.runs.items))
        await pilot.press("colon", *run_id, "enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen) and app.screen.run_id == run_id
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_colon_unknown_word_says_so_and_q_quits() -> None:
    app = make_app(make_harness())
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("colon", *"nonsense", "enter")
        await pilot.pause()
        assert any("Nothing called 'nonsense'" in n.message for n in app._notifications)
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
    assert not app.is_running


async def test_colon_escape_cancels() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("colon", "f", "escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert h.session.runs.filter == RunFilter()


async def test_number_key_shows_the_runs_pane() -> None:
    from trigger_tui.ui.screens.run_detail import RunDetailScreen

    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_run(next(iter(h.session.store.runs.items)))
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        await app.run_action("pane('runs')")
        await pilot.press("1")
        await pilot.pause()
        assert app.current_mode == "runs"


async def test_p_pauses_and_resumes_live_updates() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert h.session.paused and all(p.paused for p in h.session.pollers.values())
        assert "PAUSED" in header_text(app)
        await pilot.press("p")
        await pilot.pause()
        assert not h.session.paused
        assert "PAUSED" not in header_text(app)


async def test_ctrl_r_polls_now() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        before = h.session.runs.polls
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: h.session.runs.polls > before)
        assert h.session.runs.polls == before + 1


async def test_ctrl_p_opens_the_palette_with_pane_and_key_commands() -> None:
    app = make_app(make_harness())
    async with app.run_test() as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to Runs" in titles and "Cancel" in titles and "Help" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_palette_command_runs_the_bound_action() -> None:
    app = make_app(make_harness())
    async with app.run_test() as pilot:
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Help")
        command.callback()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_header_names_project_environment_and_health() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        text = header_text(app)
        assert "proj_demo" in text and " PROD " in text and "● live" in text
        assert "READ-ONLY" not in text and "API " in text


async def test_read_only_header_badge() -> None:
    app = make_app(make_harness(read_only=True))
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        assert app.read_only
        assert "READ-ONLY" in header_text(app)


async def test_failing_connection_shows_in_header_and_details() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        h.faults.ratios["5xx"] = 1.0
        h.advance(30)  # the last success is now older than twice the interval
        before = h.session.runs.health.consecutive_failures
        h.session.refresh_now()
        await settle(pilot, lambda: h.session.runs.health.consecutive_failures > before)
        app._tick()
        await pilot.pause()
        assert "failing" in header_text(app)
        await pilot.press("exclamation_mark")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionScreen)
        error = h.session.runs.health.last_error
        assert error and "500" in error or "503" in str(error)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


class HeaderOnly(App[None]):
    CSS_PATH = str(Path(trigger_tui.ui.app.__file__).parent / "styles" / "app.tcss")

    def __init__(self, info: HeaderInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(lambda: self.info)


async def test_header_drops_parts_to_fit_but_keeps_the_badges() -> None:
    info = HeaderInfo(profile="acme-production", project="proj_abcdefghijkl", environment="prod",
                      read_only=True, paused=True, health="stale", health_age_s=95,
                      rate_remaining=3, rate_limit=750)
    app = HeaderOnly(info)
    async with app.run_test(size=(140, 3)) as pilot:
        await pilot.pause()
        wide = str(app.query_one(ConsoleHeader).render())
        assert wide.startswith(" trigger-tui acme-production · proj_abcdefghijkl  PROD ")
        assert "◐ stale 1m" in wide and "API 3/750" in wide
        assert wide.endswith(" ⏸ PAUSED   READ-ONLY ")
        await pilot.resize_terminal(40, 3)
        await pilot.pause()
        narrow = str(app.query_one(ConsoleHeader).render())
        assert "trigger-tui" not in narrow and "API" not in narrow
        assert " PROD " in narrow and "READ-ONLY" in narrow and "PAUSED" in narrow
        assert "stale" in narrow


async def test_store_notices_become_toasts() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        h.session.store.notice("cancel run_x: not confirmed", level="warning")
        await pilot.pause()
        notes = list(app._notifications)
        assert notes[-1].message == "cancel run_x: not confirmed"
        assert notes[-1].severity == "warning"


class Asker(App[None]):
    """A bare app that asks one question, to drive ConfirmScreen's own keys."""

    def __init__(self, danger: bool) -> None:
        super().__init__()
        self.danger = danger
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(ConfirmScreen("Cancel 2 runs in PROD", "run_a, run_b", self.danger),
                         self.answers.append)


async def test_confirm_keys() -> None:
    for keys, danger, answer in ((["escape"], True, False), (["n"], False, False),
                                 (["y"], True, True), (["tab", "enter"], True, True),
                                 (["enter"], False, True), (["left", "enter"], False, False)):
        app = Asker(danger)
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert app.answers == [answer], (keys, danger)


async def test_help_scrolls_with_j_and_k() -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", "j", "j", "j")
        await pilot.pause()
        scroller = app.screen.query_one(VerticalScroll)
        assert scroller.scroll_y == 3
        await pilot.press("k")
        await pilot.pause()
        assert scroller.scroll_y == 2


async def test_prompt_tab_completes_the_suggestion() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("colon", "c", "o", "tab")
        await pilot.pause()
        assert app.screen.query_one(Input).value == "completed"
        await pilot.press("enter")
        await settle(pilot, lambda: h.session.runs.filter.statuses == {"COMPLETED"})


async def test_bulk_choice_escape_does_nothing() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("B")
        await pilot.pause()
        assert isinstance(app.screen, BulkChoiceScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen) and not h.mutations()


async def test_profile_form_escape_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = build_app(LaunchOptions(), environ={}, config_file=path)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen) and not path.exists()


async def test_q_in_a_dialog_does_not_quit() -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("F")
        await pilot.pause()
        app.screen.query_one("#f-statuses").focus()
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, RunsScreen)


async def test_toasts_never_read_run_data_as_markup() -> None:
    from trigger_tui.ui.launch import LaunchOptions, build_app

    app = build_app(LaunchOptions(demo=True), environ={})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.notify("task [bold]x[/bold] failed [link=http://evil]here[/link]")
        await pilot.pause()
        shown = [str(n.message) for n in app._notifications]
        assert "task [bold]x[/bold] failed [link=http://evil]here[/link]" in shown
        assert all(n.markup is False for n in app._notifications)
    if app.session is not None:
        await app.session.client.aclose()


async def test_n_opens_the_trigger_dialog_and_new_panes_are_reachable() -> None:
    from trigger_tui.ui.launch import LaunchOptions, build_app
    from trigger_tui.ui.screens.errors import ErrorsScreen
    from trigger_tui.ui.screens.health import HealthScreen
    from trigger_tui.ui.screens.trigger import TriggerScreen

    app = build_app(LaunchOptions(demo=True), environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        assert isinstance(app.screen, TriggerScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("6")
        await pilot.pause()
        assert isinstance(app.screen, ErrorsScreen)
        await pilot.press("9")
        await pilot.pause()
        assert isinstance(app.screen, HealthScreen)
    if app.session is not None:
        await app.session.client.aclose()


async def test_ctrl_e_opens_the_runs_view_as_a_query() -> None:
    from trigger_tui.ui.launch import LaunchOptions, build_app
    from trigger_tui.ui.screens.query import QueryScreen

    app = build_app(LaunchOptions(demo=True), environ={})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("f")  # failed only: the query carries the status filter
        await pilot.pause()
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, QueryScreen)
        from textual.widgets import TextArea

        editor = app.screen.query_one(TextArea)
        assert "FROM runs" in editor.text and "'Failed'" in editor.text
    if app.session is not None:
        await app.session.client.aclose()
