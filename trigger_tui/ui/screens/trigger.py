"""The trigger dialog: pick a task, write a JSON payload, set the options, trigger.

With "batch" ticked, the payload is a JSON array and each element becomes one run of a batch
(same options for every item); the batch view opens instead of a run.

Everything is validated before anything is sent (`state.batches.validate`): invalid JSON is
reported with its line and column and the dialog stays open. An API refusal (422, 409…) is
shown in the dialog too, so the payload is not lost. On success the dialog closes and the new
run opens in run detail. The task field completes from the tasks the console has seen (the runs'
tasks and the queues of type task); a task it has not seen can still be typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from trigger_tui.state.batches import (
    MACHINES,
    FormError,
    TriggerForm,
    batch_trigger,
    describe_options,
    known_tasks,
    trigger,
    validate,
    validate_batch,
)

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp

# (form attribute, label, placeholder)
OPTION_FIELDS = (
    ("delay", "delay", "30s · 5m · 1h · ISO date"),
    ("ttl", "ttl", "10m · 1h · seconds"),
    ("tags", "tags", "a, b (max 10)"),
    ("queue", "queue", "queue name"),
    ("concurrency_key", "concurrency key", ""),
    ("idempotency_key", "idempotency key", ""),
    ("machine", "machine", " · ".join(MACHINES[:3]) + " …"),
)


class TriggerScreen(ModalScreen[str | None]):
    """Dismisses with the new run's id, or the new batch's (None when closed without
    triggering)."""

    HELP_SCOPE = "Trigger"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Trigger", priority=True, id="trigger.submit"),
        Binding("escape", "close", "Close", priority=True, id="trigger.close"),
    ]

    DEFAULT_CSS = """
    TriggerScreen { align: center middle; }
    TriggerScreen > #dialog {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    TriggerScreen #title { text-style: bold; height: 1; }
    TriggerScreen Input { border: none; height: 1; padding: 0 1; background: $boost; }
    TriggerScreen Input:focus { background: $panel; }
    TriggerScreen #task-row { height: 1; margin-top: 1; }
    TriggerScreen #task-row Label { width: 9; }
    TriggerScreen #batch { width: auto; margin-left: 2; }
    TriggerScreen #task { width: 1fr; }
    TriggerScreen #payload { height: 7; min-height: 4; margin-top: 1; }
    TriggerScreen #options { grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 1;
                             grid-gutter: 0 1; height: auto; margin-top: 1; }
    TriggerScreen #trigger-error { color: $error; height: auto; }
    TriggerScreen #buttons { height: 1; align-horizontal: right; }
    TriggerScreen Button { margin-left: 2; }
    """

    def __init__(self, task: str = "", payload: str = "{}") -> None:
        super().__init__()
        self.initial_task = task
        self.initial_payload = payload
        self.sent = False

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    def compose(self) -> ComposeResult:
        app = self.trigger_app
        session = app.session
        tasks = known_tasks(session.store) if session is not None else []
        env = app.label.environment.upper()
        with VerticalScroll(id="dialog"):
            yield Static(Text(f"Trigger a task in {env}"), id="title")
            with Horizontal(id="task-row"):
                yield Label("task")
                yield Input(self.initial_task, id="task", placeholder="task id (tab completes)",
                            suggester=SuggestFromList(tasks, case_sensitive=False)
                            if tasks else None)
                yield Checkbox("batch", id="batch", compact=True)
            yield TextArea(self.initial_payload, id="payload", show_line_numbers=True,
                           tab_behavior="indent")
            with Grid(id="options"):
                for name, label, placeholder in OPTION_FIELDS:
                    yield Label(label)
                    yield Input(id=f"opt-{name}", placeholder=placeholder)
            yield Static(id="trigger-error")
            with Horizontal(id="buttons"):
                yield Button(Text("Close (esc)"), id="close", compact=True)
                yield Button(Text("Trigger (ctrl+s)"), variant="primary", id="send",
                             disabled=app.read_only, compact=True)

    def on_mount(self) -> None:
        if self.trigger_app.read_only:
            self.show_error("read-only connection: triggering is not available")
        self.query_one("#task" if not self.initial_task else "#payload").focus()

    def form(self) -> TriggerForm:
        values = {name: self.query_one(f"#opt-{name}", Input).value
                  for name, _, _ in OPTION_FIELDS}
        return TriggerForm(task=self.query_one("#task", Input).value,
                           payload=self.query_one("#payload", TextArea).text, **values)

    def show_error(self, message: str) -> None:
        self.query_one("#trigger-error", Static).update(Text(message))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit" and self.trigger_app.read_only:
            return None
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            self.action_submit()
        else:
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="trigger-send")
    async def action_submit(self) -> None:
        session = self.trigger_app.session
        if session is None or self.trigger_app.read_only:
            return
        if self.query_one("#batch", Checkbox).value:
            await self._send_batch()
            return
        try:
            request = validate(self.form())
        except FormError as exc:
            self.show_error(str(exc))
            return
        self.show_error(" · ".join(["sending…", *describe_options(request.options)]))
        result = await trigger(session.client, session.store, request)
        if not result.ok or result.new_run_id is None:
            self.show_error(result.message)
            return
        self.sent = True
        self.trigger_app.notify(result.message)
        self.dismiss(result.new_run_id)

    async def _send_batch(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        try:
            items = validate_batch(self.form())
        except FormError as exc:
            self.show_error(str(exc))
            return
        self.show_error(f"sending a batch of {len(items)}…")
        result, batch_id = await batch_trigger(session.client, session.store, items)
        if not result.ok or batch_id is None:
            self.show_error(result.message)
            return
        self.sent = True
        self.trigger_app.notify(result.message)
        self.dismiss(batch_id)


def open_trigger(app: TriggerApp, task: str = "") -> None:
    """Show the dialog; the run it creates opens in run detail (a batch in the batch view)."""
    from trigger_tui.ui.screens.batches import open_batch

    def done(created: str | None) -> None:
        if created and created.startswith("batch_"):
            open_batch(app, created)
        elif created:
            app.open_run(created)

    app.push_screen(TriggerScreen(task), done)
