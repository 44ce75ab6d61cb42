"""The trigger dialog: validation before sending, the options sent, the new run opened."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Checkbox

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.state.batches import (
    FormError,
    TriggerForm,
    known_tasks,
    validate,
    validate_batch,
)
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.batches import BatchScreen
from trigger_tui.ui.screens.trigger import TriggerScreen, open_trigger

SnapCompare = Callable[..., bool]


# --------------------------------------------------------------------------- validation
def test_invalid_json_says_line_and_column() -> None:
    with pytest.raises(FormError) as err:
        validate(TriggerForm(task="t", payload='{\n  "a": 1,\n  "b": }'))
    assert err.value.field == "payload" and "line 3, column 8" in str(err.value)


@pytest.mark.parametrize(("form", "field", "words"), [
    (TriggerForm(task=" "), "task", "choose a task"),
    (TriggerForm(task="t", delay="soon"), "delay", "neither a duration"),
    (TriggerForm(task="t", ttl="1 hour"), "ttl", "not a duration"),
    (TriggerForm(task="t", tags=",".join(f"t{i}" for i in range(11))), "tags", "at most 10"),
    (TriggerForm(task="t", tags="x" * 129), "tags", "128 characters"),
    (TriggerForm(task="t", machine="huge-9x"), "machine", "not a preset"),
    (TriggerForm(task="t", idempotency_key="k" * 2049), "idempotency key", "2048"),
])
def test_each_option_is_validated(form: TriggerForm, field: str, words: str) -> None:
    with pytest.raises(FormError) as err:
        validate(form)
    assert err.value.field == field and words in str(err.value)


def test_a_valid_form_becomes_the_client_arguments() -> None:
    req = validate(TriggerForm(task=" send-email ", payload='{"to": "a@b.c"}', delay="5m",
                               ttl="600", tags="a, b,", queue="email", concurrency_key="c1",
                               idempotency_key="k1", machine="micro"))
    assert req.task == "send-email" and req.payload == {"to": "a@b.c"}
    assert req.options == {"delay": "5m", "ttl": 600, "tags": ["a", "b"], "queue": "email",
                           "concurrency_key": "c1", "idempotency_key": "k1",
                           "machine": "micro"}
    assert validate(TriggerForm(task="t", payload="  ")).payload is None
    assert validate(TriggerForm(task="t", delay="2026-01-02T03:04:05Z")).options["delay"]


async def test_known_tasks_come_from_runs_and_task_queues() -> None:
    h = make_harness()
    await h.session.pollers["runs"].poll_once()
    await h.session.pollers["queues"].poll_once()
    tasks = known_tasks(h.session.store)
    assert tasks == sorted(set(tasks)) and "send-email" in tasks
    assert {r.task for r in h.session.store.runs.values()} <= set(tasks)


# --------------------------------------------------------------------------- the dialog
async def open_dialog(pilot: Any, task: str = "") -> tuple[TriggerScreen, list[str]]:
    await settle(pilot)
    app: TriggerApp = pilot.app
    opened: list[str] = []
    app.open_run = opened.append  # type: ignore[method-assign,assignment]
    open_trigger(app, task)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TriggerScreen)
    return screen, opened


def set_field(screen: TriggerScreen, selector: str, value: str) -> None:
    widget: Any = screen.query_one(selector)
    if hasattr(widget, "load_text"):
        widget.load_text(value)
    else:
        widget.value = value


def error_text(screen: TriggerScreen) -> str:
    return str(screen.query_one("#trigger-error").render())


def triggers(h: Harness) -> list[str]:
    return [r.path for r in h.mutations() if r.path.startswith("/api/v1/tasks/")]


async def test_invalid_json_is_shown_and_nothing_is_sent_then_a_fix_triggers() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot, "send-email")
        set_field(screen, "#payload", '{"to": ')
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "line 1, column 8" in error_text(screen) and not triggers(h)
        assert pilot.app.screen is screen
        set_field(screen, "#payload", '{"to": "ops@example.com"}')
        set_field(screen, "#opt-tags", "from-console, urgent")
        set_field(screen, "#opt-machine", "small-2x")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert triggers(h) == ["/api/v1/tasks/send-email/trigger"]
        assert len(opened) == 1 and pilot.app.screen is not screen
        run = h.world.envs["prod"].runs[opened[0]]
        assert run.task == "send-email" and set(run.tags) == {"from-console", "urgent"}
        assert run.machine == "small-2x"


async def test_the_task_field_completes_from_known_tasks_and_the_button_sends() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot)
        await pilot.press(*"send-e", "tab")  # tab takes the suggestion… or moves on
        await pilot.pause()
        set_field(screen, "#task", "send-email")
        await pilot.click("#send")
        await settle(pilot)
        assert triggers(h) == ["/api/v1/tasks/send-email/trigger"] and opened


async def test_an_invalid_option_is_named_and_nothing_is_sent() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, _ = await open_dialog(pilot, "send-email")
        set_field(screen, "#opt-delay", "tomorrow")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_text(screen).startswith("delay:") and not triggers(h)


async def test_an_api_failure_keeps_the_dialog_open_with_the_message() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot, "send-email")
        h.faults.ratios["5xx"] = 1.0
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "trigger send-email" in error_text(screen) and not opened
        assert pilot.app.screen is screen


async def test_escape_closes_without_sending() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot, "send-email")
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is not screen and not triggers(h) and not opened


async def test_read_only_cannot_trigger() -> None:
    h = make_harness(read_only=True)
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot, "send-email")
        assert "read-only" in error_text(screen)
        assert screen.check_action("submit", ()) is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not h.mutations() and not opened and pilot.app.screen is screen


def _snap(size: tuple[int, int], snap_compare: SnapCompare) -> None:
    h = make_harness()

    async def before(pilot: Any) -> None:
        screen, _ = await open_dialog(pilot, "send-email")
        set_field(screen, "#payload", '{\n  "to": "ops@example.com",\n}')
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(h), terminal_size=size, run_before=before)


def test_trigger_snapshot_80x24(snap_compare: SnapCompare) -> None:
    _snap((80, 24), snap_compare)


def test_trigger_snapshot_160x48(snap_compare: SnapCompare) -> None:
    _snap((160, 48), snap_compare)


# --------------------------------------------------------------------------- batch trigger
def test_a_batch_needs_an_array_and_no_idempotency_key() -> None:
    with pytest.raises(FormError, match="JSON array"):
        validate_batch(TriggerForm(task="t", payload='{"a": 1}'))
    with pytest.raises(FormError, match="at most 500"):
        validate_batch(TriggerForm(task="t", payload=json.dumps(list(range(501)))))
    with pytest.raises(FormError, match="every item would share it"):
        validate_batch(TriggerForm(task="t", payload="[1, 2]", idempotency_key="k"))
    items = validate_batch(TriggerForm(task="t", payload='[{"a": 1}, {"a": 2}]', tags="x"))
    assert [(i.task, i.payload, i.tags) for i in items] == [("t", {"a": 1}, ["x"]),
                                                           ("t", {"a": 2}, ["x"])]


async def test_batch_mode_triggers_one_run_per_item_and_opens_the_batch() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, opened = await open_dialog(pilot, "send-email")
        screen.query_one("#batch", Checkbox).value = True
        set_field(screen, "#payload", '[{"to": "a@x.io"}, {"to": "b@x.io"}]')
        await pilot.press("ctrl+s")
        await settle(pilot)
        batch = pilot.app.screen
        assert isinstance(batch, BatchScreen) and not opened
        batches = h.world.envs["prod"].batches.items
        assert batch.batch_id in batches and batches[batch.batch_id].run_count == 2
        assert [r.path for r in h.mutations()][0] == "/api/v3/batches"


async def test_batch_mode_refuses_an_object_payload_and_sends_nothing() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 40)) as pilot:
        screen, _ = await open_dialog(pilot, "send-email")
        screen.query_one("#batch", Checkbox).value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "JSON array" in error_text(screen) and not h.mutations()
