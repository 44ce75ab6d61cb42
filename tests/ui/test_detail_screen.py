"""The run detail screen, driven with the Pilot over the emulator on a frozen clock.

Every binding of the screen is pressed here; every mutation is checked on the emulator's
request log (what reached the server) and in the world (what it did), and refused actions are
checked to have sent nothing.
"""

from __future__ import annotations

import json
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, OptionList, RichLog, Static, TabbedContent, TextArea

from tests.ui.detail_fixtures import (
    DetailApp,
    NavigatingApp,
    delayed_run,
    detail,
    executing_run,
    failed_child_run,
    loaded,
    make_demo,
    queued_runs,
    settle,
)
from trigger_tui.state.pollers import QueuesPoller
from trigger_tui.ui.screens.run_detail import ReplayEditor, RunDetailScreen, ValidatedPrompt
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.json_view import JsonView
from trigger_tui.ui.widgets.waterfall import Waterfall

SIZE = (100, 40)


def plain(widget: Widget) -> str:
    assert isinstance(widget, Static)
    content: Any = widget.content
    return str(getattr(content, "plain", content))


def posts(app: DetailApp, suffix: str) -> list[str]:
    return [r.path for r in app.demo.mutations() if r.path.endswith(suffix)]


def notices(app: DetailApp) -> list[str]:
    return [n.message for n in app._notifications]


async def confirm_dialog(pilot: Pilot[Any]) -> ConfirmScreen:
    await settle(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmScreen)
    return screen


# ---------------------------------------------------------------------------- reading a run
async def test_a_failed_run_shows_its_error_first() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        error = screen.query_one("#error-panel", Static)
        status = screen.query_one("#status", Static)
        assert error.display and not error.has_class("-none")
        assert plain(error).startswith("✗ StripeCardError: Your card was declined.\n"
                                       "    at chargeCard (file:///src/trigger/payments.ts")
        assert plain(status).startswith("✗ Failed  Failed after 2 attempts")
        assert error.region.y < status.region.y < screen.query_one("#facts").region.y
        cells = [plain(w) for w in screen.query("#facts > Static").results(Static)]
        rows = dict(zip(cells[::2], cells[1::2], strict=True))
        assert rows["Task"] == "charge-card" and rows["Queue"] == "payments"
        assert rows["Machine"] == "micro" and rows["Environment"] == "prod"
        assert rows["Attempts"].startswith("2 (✗ ") and rows["Tags"] == "customer:acme"
        assert "(1m ago)" in rows["Created"]


async def test_a_successful_run_has_no_error_panel() -> None:
    demo = make_demo()
    _, parent = failed_child_run(demo)
    app = DetailApp(demo, parent)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert screen.query_one("#error-panel").has_class("-none")
        assert plain(screen.query_one("#status", Static)).startswith("✓ Completed")


async def test_a_queued_run_says_which_queue_holds_it_and_how_full_it_is() -> None:
    demo = make_demo()
    ids = queued_runs(demo, 7)
    await QueuesPoller(demo.session.client, demo.session.store,
                       clock=demo.clock.now).poll_once()
    app = DetailApp(demo, ids[-1])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert plain(screen.query_one("#status", Static)) == \
            "◌ Queued  Queued: waiting for concurrency on queue task/resize-image (5/5 running)"


async def test_a_delayed_run_says_until_when() -> None:
    demo = make_demo()
    run_id = delayed_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert plain(screen.query_one("#status", Static)) == (
            "◷ Delayed  Delayed until 2026-01-01 00:10:00 UTC (in 10m); reschedule to change")


async def test_an_unknown_run_says_it_could_not_be_loaded() -> None:
    demo = make_demo()
    app = DetailApp(demo, "run_doesnotexist00000000")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: "Could not load" in plain(
            detail(app).query_one("#status", Static)))
        assert plain(detail(app).query_one("#status", Static)) == \
            "✗ Could not load this run: run_doesnotexist00000000 not found in this environment " \
            "(Not found)"
        await pilot.press("c")
        await pilot.pause()
        assert notices(app) == ["The run has not loaded yet"]
        assert demo.mutations() == []


async def test_run_data_never_becomes_markup_or_escape_codes() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    run = demo.env.runs[child]
    assert run.error is not None
    run.error = {**run.error, "message": "[bold red]boom[/] \x1b]52;c;ZXZpbA==\x07"}
    run.tags = ["[link=http://x]y[/link]"]
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        error = plain(screen.query_one("#error-panel", Static))
        assert "[bold red]boom[/] \\x1b]52;c;ZXZpbA==\\x07" in error
        cells = [plain(w) for w in screen.query("#facts > Static").results(Static)]
        assert "[link=http://x]y[/link]" in cells


async def test_tabs_by_key_and_the_waterfall_describes_the_selected_span() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        tabs = screen.query_one(TabbedContent)
        await pilot.press("t")
        assert tabs.active == "tab-trace"
        waterfall = screen.query_one(Waterfall)
        assert waterfall.has_focus
        assert [r.span.data.message for r in waterfall.rows[:2]] == ["charge-card",
                                                                     "Attempt 1"]
        await pilot.press("down")
        await settle(pilot, lambda: "Attempt 1" in plain(screen.query_one("#span-detail")))
        span_text = plain(screen.query_one("#span-detail", Static))
        assert "exception StripeCardError: Your card was declined." in span_text
        assert "Creating payment intent" in span_text  # the attempt's log line
        await pilot.press("l")
        assert tabs.active == "tab-events"
        await pilot.press("d")
        assert tabs.active == "tab-data"
        assert screen.query_one(JsonView).section_value("payload") == \
            demo.env.runs[child].payload
        await pilot.press("o")
        assert tabs.active == "tab-overview"


async def test_events_tab_lists_logs_and_span_events() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("l")
        await pilot.pause()
        lines = [strip.text for strip in screen.query_one("#events", RichLog).lines]
        assert any("INFO  Creating payment intent" in line for line in lines)
        assert any("exception: StripeCardError: Your card was declined." in line
                   for line in lines)


async def test_refresh_polls_the_run_again() -> None:
    demo = make_demo()
    run_id = executing_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        before = sum(1 for r in demo.log if r.path == f"/api/v3/runs/{run_id}")
        demo.advance(60)  # it finishes meanwhile
        await pilot.press("r")
        await settle(pilot, lambda: detail(app).run is not None
                     and detail(app).run.status == "COMPLETED")  # type: ignore[union-attr]
        assert sum(1 for r in demo.log if r.path == f"/api/v3/runs/{run_id}") == before + 1


# ---------------------------------------------------------------------------- links
async def test_enter_on_a_link_opens_that_run_through_the_app() -> None:
    demo = make_demo()
    child, parent = failed_child_run(demo)
    app = NavigatingApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        links = screen.query_one("#links", OptionList)
        assert links.option_count == 1 and str(links.get_option_at_index(0).id) == \
            f"parent:{parent}"
        links.focus()
        await pilot.press("enter")
        await settle(pilot, lambda: app.opened == [parent])
        assert isinstance(app.screen, RunDetailScreen) and app.screen.run_id == parent


async def test_without_open_run_the_screen_pushes_a_new_detail_itself() -> None:
    demo = make_demo()
    child, parent = failed_child_run(demo)
    app = DetailApp(demo, parent)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        links = screen.query_one("#links", OptionList)
        roles = [str(links.get_option_at_index(i).id).partition(":")[0]
                 for i in range(links.option_count)]
        assert roles == ["child", "child"]
        links.focus()
        links.highlighted = [str(links.get_option_at_index(i).id)
                             for i in range(links.option_count)].index(f"child:{child}")
        await pilot.press("enter")
        await settle(pilot, lambda: detail(app).run_id == child)
        child_screen = await loaded(pilot)
        assert child_screen is not screen
        await pilot.press("P")  # and back up to the parent by key
        await settle(pilot, lambda: detail(app).run_id == parent and detail(app) is not screen)


async def test_parent_and_root_keys_on_a_root_run_say_there_is_none() -> None:
    demo = make_demo()
    _, parent = failed_child_run(demo)
    app = NavigatingApp(demo, parent)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("P", "T")
        await pilot.pause()
        assert app.opened == []
        assert notices(app) == ["This run has no parent run", "This run has no root run"]


# ---------------------------------------------------------------------------- copy and queue
async def test_copy_id_and_dashboard_url() -> None:
    demo = make_demo()
    run_id = executing_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("y")
        assert app.clipboard == run_id
        await pilot.press("Y")
        assert app.clipboard == f"http://127.0.0.1:8030/projects/v3/proj_demo/runs/{run_id}"
        assert demo.mutations() == []


async def test_queue_key_opens_the_runs_queue() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = NavigatingApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("Q")
        assert app.queues == ["payments"]


async def test_queue_key_without_a_queues_pane_says_so() -> None:
    demo = make_demo()
    app = DetailApp(demo, executing_run(demo))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("Q")
        await pilot.pause()
        assert notices(app) == ["Queue task/resize-image: there is no queues pane yet"]


# ---------------------------------------------------------------------------- mutations
async def test_cancel_confirms_naming_run_task_and_environment_then_cancels() -> None:
    demo = make_demo()
    run_id = executing_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        dialog = await confirm_dialog(pilot)
        body = plain(dialog.query_one("#body", Static))
        assert run_id in body and "resize-image" in body and "PROD" in body
        assert dialog.danger
        assert demo.mutations() == []  # nothing before the answer
        await pilot.press("y")
        await settle(pilot, lambda: bool(posts(app, "/cancel")))
        assert posts(app, "/cancel") == [f"/api/v2/runs/{run_id}/cancel"]
        assert demo.env.runs[run_id].status == "CANCELED"
        await settle(pilot, lambda: plain(detail(app).query_one("#status", Static))
                     .startswith("⊘ Canceled"))


async def test_declining_a_confirmation_sends_nothing() -> None:
    demo = make_demo()
    run_id = executing_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await confirm_dialog(pilot)
        await pilot.press("n")
        await settle(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        await settle(pilot)
        assert demo.mutations() == []
        assert demo.env.runs[run_id].status == "EXECUTING"


async def test_cancel_is_unavailable_on_a_finished_run_and_says_why() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert screen.check_action("cancel", ()) is False  # not for this run: not shown
        assert screen.check_action("replay", ()) is True
        await pilot.press("c", "s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert notices(app) == ["The run already ended (failed)",
                                "Only a delayed run can be rescheduled"]
        assert demo.mutations() == []


async def test_a_remapped_key_is_the_one_that_explains() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.set_keymap({"run.cancel": "x"})
        await pilot.press("c", "x")
        await pilot.pause()
        assert notices(app) == ["The run already ended (failed)"]


async def test_replay_confirms_then_opens_the_new_run() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = NavigatingApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("R")
        dialog = await confirm_dialog(pilot)
        assert "same payload" in plain(dialog.query_one("#body", Static))
        await pilot.press("y")
        await settle(pilot, lambda: bool(app.opened))
        assert posts(app, "/replay") == [f"/api/v1/runs/{child}/replay"]
        new_id = app.opened[0]
        assert demo.env.runs[new_id].task == "charge-card"
        assert demo.env.runs[new_id].payload == demo.env.runs[child].payload


async def test_replay_with_an_edited_payload_validates_the_json_first() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = NavigatingApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await settle(pilot, lambda: isinstance(app.screen, ReplayEditor))
        editor = app.screen
        area = editor.query_one(TextArea)
        assert json.loads(area.text) == demo.env.runs[child].payload
        area.text = '{\n  "amount": 100,\n  "currency": usd\n}'
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = plain(editor.query_one("#editor-error", Static))
        assert error == "Invalid JSON at line 3, column 15: Expecting value"
        assert app.screen is editor and demo.mutations() == []
        area.text = '{"amount": 100, "currency": "usd"}'
        await pilot.press("ctrl+s")
        dialog = await confirm_dialog(pilot)
        assert "edited payload" in plain(dialog.query_one("#body", Static))
        await pilot.press("y")
        await settle(pilot, lambda: bool(app.opened))
        assert demo.env.runs[app.opened[0]].payload == {"amount": 100, "currency": "usd"}


async def test_leaving_the_replay_editor_sends_nothing() -> None:
    demo = make_demo()
    child, _ = failed_child_run(demo)
    app = DetailApp(demo, child)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("E")
        await settle(pilot, lambda: isinstance(app.screen, ReplayEditor))
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        assert demo.mutations() == []


async def test_reschedule_validates_the_delay_then_moves_the_run() -> None:
    demo = make_demo()
    run_id = delayed_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("s")
        await settle(pilot, lambda: isinstance(app.screen, ValidatedPrompt))
        prompt = app.screen
        await pilot.press(*"soon", "enter")
        await pilot.pause()
        assert "neither a duration" in plain(prompt.query_one("#prompt-error", Static))
        assert demo.mutations() == []
        await pilot.press(*["backspace"] * 4, *"1h", "enter")
        dialog = await confirm_dialog(pilot)
        assert "starts after 1h" in plain(dialog.query_one("#body", Static))
        await pilot.press("y")
        await settle(pilot, lambda: bool(posts(app, "/reschedule")))
        assert demo.env.runs[run_id].delayed_until == demo.clock.now() + 3600
        await settle(pilot, lambda: "01:00:00 UTC (in 1h)" in
                     plain(detail(app).query_one("#status", Static)))


async def test_add_tags_validates_then_tags_the_run() -> None:
    demo = make_demo()
    run_id = delayed_run(demo)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("a")
        await settle(pilot, lambda: isinstance(app.screen, ValidatedPrompt))
        prompt = app.screen
        field = prompt.query_one("#prompt-input", Input)
        field.value = ",".join(f"t{i}" for i in range(10))
        await pilot.press("enter")
        assert plain(prompt.query_one("#prompt-error", Static)) == \
            "A run can have at most 10 tags: it has 1, this adds 10"
        field.value = "vip, urgent"
        await pilot.press("enter")
        dialog = await confirm_dialog(pilot)
        assert "vip, urgent" in plain(dialog.query_one("#body", Static))
        await pilot.press("y")
        await settle(pilot, lambda: bool(posts(app, "/tags")))
        assert sorted(demo.env.runs[run_id].tags) == ["customer:acme", "urgent", "vip"]


async def test_read_only_shows_actions_unavailable_and_sends_nothing() -> None:
    demo = make_demo(read_only=True)
    run_id = delayed_run(demo)  # every action would apply to a delayed run
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        for action in ("cancel", "replay", "replay_edit", "reschedule", "tag"):
            assert screen.check_action(action, ()) is None, action
        assert screen.check_action("copy_id", ()) is True
        await pilot.press("c", "R", "E", "s", "a")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)
        assert notices(app) == ["Read-only connection: nothing is sent"] * 5
        await pilot.press("y")  # reading actions still work
        assert app.clipboard == run_id
    assert demo.mutations() == []
    assert {r.method for r in demo.log} == {"GET"}


# ---------------------------------------------------------------------------- big payloads
async def test_a_5mb_payload_opens_without_freezing_the_screen() -> None:
    demo = make_demo()
    items = [{"sku": f"sku-{i:07d}", "qty": i % 7, "note": "x" * 40} for i in range(60_000)]
    payload = {"order": "ord_1", "items": items}
    assert len(json.dumps(payload)) > 5_000_000
    run_id = delayed_run(demo, payload=payload)
    app = DetailApp(demo, run_id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("d")
        view = screen.query_one(JsonView)
        section = view.root.children[0]
        assert [c.data.key for c in section.children if c.data] == ["order", "items"]
        view.move_cursor(section.children[1])
        await pilot.press("right")  # open the 60 000 items: one chunk appears
        await pilot.pause()
        assert len(section.children[1].children) == 201
        await pilot.press("down", "down")
        await pilot.pause()
        assert view.cursor_node is not None and view.cursor_node.data is not None
        assert view.cursor_node.data.key == 1  # the screen answered each key
        await pilot.press("E")  # too big to edit here: it says so instead of stalling
        await pilot.pause()
        assert any("too large to edit" in n for n in notices(app))


async def test_b_opens_the_runs_batch_and_says_so_when_there_is_none() -> None:
    from trigger_tui.emulator.world.options import TriggerOptions
    from trigger_tui.ui.screens.batches import BatchScreen

    demo = make_demo()
    app = DetailApp(demo, delayed_run(demo))
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert any("not part of a batch" in str(n.message) for n in app._notifications)
    from trigger_tui.ui.launch import LaunchOptions, build_app

    console = build_app(LaunchOptions(demo=True), environ={})
    assert console.session is not None
    batched, _ = console.session.world.envs["prod"].trigger(
        "send-email", {}, "application/json", TriggerOptions(),
        batch_id="batch_demo123456789012345")
    async with console.run_test(size=SIZE) as pilot:
        await pilot.pause()
        console.open_run(batched.id)
        await loaded(pilot)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(console.screen, BatchScreen)
    await console.session.client.aclose()
