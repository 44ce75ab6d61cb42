"""The schedules pane: what fires when, in words, in the schedule's zone and in yours.

A stock DataTable diff-updated by schedule id from the Store's `schedules` notifications, and
under it the selected schedule's next five fire times (computed locally with croniter, so the
preview needs no request). `n` / `e` open the form (live preview, cron and timezone checked
before anything is sent, the server's 422 shown in its words); `a` activates or deactivates and
`D` deletes, each after a confirmation naming the schedule and the environment. `enter` shows
the runs of the schedule's task: the runs pane has no schedule filter (see `action_show_runs`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Input, Label, Static

from trigger_tui.humanize import count
from trigger_tui.state.actions import ActionResult
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.schedules import (
    UNSUPPORTED,
    ScheduleActions,
    SchedulesPoller,
    cron_error,
    describe_cron,
    next_fires,
)
from trigger_tui.ui.format import ago
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.widgets.confirm import ConfirmScreen
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.header import ConsoleHeader

if TYPE_CHECKING:
    pass

# What triage asks first comes first, so an 80-column terminal shows it whole: is it on, which
# task, when it fires next, and its cron with the zone the cron is read in. The cron in words
# restates the cron (the panel below spells it out for the selected schedule); the id goes last.
COLUMNS = (("active", "ON"), ("task", "TASK"), ("next", "NEXT"), ("cron", "CRON"),
           ("tz", "TIMEZONE"), ("words", "WHEN"), ("external", "EXTERNAL ID"),
           ("type", "DEFINED IN"), ("id", "ID"))
PREVIEW = 5


def local_time(moment: datetime) -> str:
    """`moment` in the user's zone, with the zone's abbreviation."""
    mine = moment.astimezone()
    return f"{mine:%a %Y-%m-%d %H:%M} {mine.tzname()}"


def fires_text(cron: str, tz: str, now: float, count: int = PREVIEW) -> Text:
    """The next fire times, each in the schedule's zone and in the user's."""
    fires = next_fires(cron, tz, now, count)
    out = Text()
    for i, when in enumerate(fires):
        if i:
            out.append("\n")
        out.append(f"{when:%a %Y-%m-%d %H:%M} {when.tzname()}")
        out.append(f"   ·  yours: {local_time(when)}", style="dim")
    return out


class SchedulesScreen(TablePane):
    HELP_SCOPE = "Schedules"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show_runs", "Runs", id="schedules.runs"),
        Binding("n", "create", "New", id="schedules.create"),
        Binding("e", "edit", "Edit", id="schedules.edit"),
        Binding("a", "toggle_active", "Activate/deactivate", id="schedules.toggle"),
        Binding("D", "delete", "Delete", id="schedules.delete"),
    ]

    DEFAULT_CSS = """
    SchedulesScreen DataTable { height: 1fr; }
    SchedulesScreen #schedules-empty { height: auto; padding: 1 2; color: $warning;
                                       display: none; }
    SchedulesScreen #schedules-next { height: auto; max-height: 8; padding: 0 1;
                                      border-top: solid $primary; }
    SchedulesScreen #schedules-status { height: 1; color: $text-muted; background: $boost;
                                        padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield ConsoleHeader(self.trigger_app.header_info)
        table: DataTable[Any] = DataTable(cursor_type="row", zebra_stripes=True)
        for key, title in COLUMNS:
            table.add_column(title, key=key)
        yield table
        yield Static(id="schedules-empty", markup=False)
        yield Static(id="schedules-next", markup=False)
        yield Static(id="schedules-status", markup=False)
        yield ConsoleFooter()

    def on_mount(self) -> None:
        session = self.trigger_app.session
        assert session is not None
        session.ensure_poller("schedules", SchedulesPoller)
        self.actions = ScheduleActions(session.client, session.store, clock=session.clock)
        self._unsubscribe = [session.store.subscribe("schedules", self._on_change),
                             session.store.subscribe(UNSUPPORTED, self._on_unsupported)]
        self.sync(frozenset(session.store.collection("schedules").items))
        self.table.focus()

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def _on_change(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync, changed)

    def _on_unsupported(self, changed: frozenset[str]) -> None:
        self.call_later(self.sync, frozenset())

    # ------------------------------------------------------------------ rendering
    def sync(self, changed: frozenset[str]) -> None:
        """Diff-update by schedule id; soonest next run first."""
        store = self._store()
        schedules = store.collection("schedules").items
        table = self.table
        with self.app.batch_update():
            for sid in changed:
                schedule = schedules.get(sid)
                present = sid in table.rows
                if schedule is None:
                    if present:
                        table.remove_row(sid)
                    continue
                cells = self._cells(schedule)
                if not present:
                    table.add_row(*cells, key=sid)
                    continue
                for (key, _), value in zip(COLUMNS, cells, strict=True):
                    table.update_cell(sid, key, value)
            if changed:
                table.sort("id", "task", key=lambda v: _soonest(schedules.get(str(v[0]))))
        unsupported = store.collection(UNSUPPORTED).get("schedules")
        empty = self.query_one("#schedules-empty", Static)
        if unsupported or not schedules:
            empty.update(Text(unsupported or "No schedules in this environment. "
                              "Press n to create one."))
        empty.display = bool(unsupported or not schedules)
        table.display = not unsupported
        active = sum(1 for s in schedules.values() if s.active)
        self.query_one("#schedules-status", Static).update(Text(
            f"{count(len(schedules), 'schedule')} · "
            f"{active} active · {self._env()}"))
        self._show_next()

    def _cells(self, schedule: Any) -> tuple[Any, ...]:
        active = Text("✓ on") if schedule.active else Text("⏸ off", style="bold")
        nxt = schedule.next_run
        # Your time of day and how far off it is ("in 2d" carries the day); the panel below
        # gives the full dates in both zones.
        when = "—" if nxt is None or not schedule.active else \
            f"{nxt.astimezone():%H:%M} ({ago(nxt.timestamp(), self.trigger_app.now())})"
        cells = {"active": active, "task": Text(schedule.task), "next": Text(when),
                 "cron": Text(schedule.cron), "tz": Text(schedule.timezone),
                 "words": Text(describe_cron(schedule.cron)),
                 "external": Text(schedule.external_id or "—"),
                 "type": Text("code" if schedule.type == "DECLARATIVE" else "api"),
                 "id": Text(schedule.id)}
        return tuple(cells[key] for key, _ in COLUMNS)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_next()

    def _show_next(self) -> None:
        panel = self.query_one("#schedules-next", Static)
        schedule = self._current()
        panel.display = schedule is not None
        if schedule is None:
            return
        head = Text(f"{schedule.id} · {schedule.task} · {describe_cron(schedule.cron)} "
                    f"({schedule.timezone})", style="bold")
        if not schedule.active:
            head.append(" · inactive: these times will not fire", style="bold")
        panel.update(Text("\n").join(
            [head, fires_text(schedule.cron, schedule.timezone, self.trigger_app.now())]))

    # ------------------------------------------------------------------ helpers
    def _store(self) -> Any:
        session = self.trigger_app.session
        assert session is not None
        return session.store

    def _env(self) -> str:
        return self.trigger_app.label.environment.upper()

    def _current(self) -> Any:
        table = self.table
        if not table.row_count or not table.display:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._store().collection("schedules").get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("create", "edit", "toggle_active", "delete") and \
                self.trigger_app.read_only:
            return None
        return True

    # ------------------------------------------------------------------ actions
    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        await self.action_show_runs()

    async def action_show_runs(self) -> None:
        """The runs API filters by schedule but the runs pane's RunFilter cannot express one
        yet, so this shows the task's runs and names the exact headless command."""
        schedule = self._current()
        if schedule is None:
            return
        self.notify(f"Showing all runs of {schedule.task}. Only this schedule's runs: "
                    f"trigger-tui runs list --schedule {schedule.id}", timeout=10)
        await self.trigger_app.show_runs(RunFilter(tasks=frozenset({schedule.task})))

    def _result(self, result: ActionResult) -> None:
        self.notify(result.message, severity="information" if result.ok else "error")

    @work(exclusive=True, group="schedule-form")
    async def action_create(self) -> None:
        await self._open_form(None)

    @work(exclusive=True, group="schedule-form")
    async def action_edit(self) -> None:
        schedule = self._current()
        if schedule is None:
            return
        if schedule.type == "DECLARATIVE":
            self.notify(f"{schedule.id} is declared in code: change it there and deploy",
                        severity="warning")
            return
        await self._open_form(schedule)

    async def _open_form(self, schedule: Any) -> None:
        try:
            zones = await self.actions.timezones()
        except Exception as exc:
            self.notify(f"could not read the server's timezones: {exc}", severity="error")
            return
        tasks = sorted({s.task for s in self._store().collection("schedules").values()})
        form = ScheduleForm(schedule, zones=zones, tasks=tasks, env=self._env(),
                            now=self.trigger_app.now, save=self._save)
        saved = await self.app.push_screen_wait(form)
        if saved is not None:
            self.notify(saved)

    async def _save(self, values: FormValues) -> ActionResult:
        return await self.actions.save(values.schedule_id, task=values.task, cron=values.cron,
                                       timezone=values.timezone,
                                       external_id=values.external_id,
                                       dedup_key=values.dedup_key)

    @work(exclusive=True, group="schedule-action")
    async def action_toggle_active(self) -> None:
        schedule = self._current()
        if schedule is None:
            return
        verb = "Deactivate" if schedule.active else "Activate"
        env = self._env()
        body = (f"{verb} schedule {schedule.id} ({schedule.task}, {schedule.cron} "
                f"{schedule.timezone}) in {env}?\n\n"
                + ("It stops firing until activated again." if schedule.active else
                   "It starts firing again at its next time."))
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"{verb} a schedule in {env}", body, danger=schedule.active,
                confirm_label=verb)):
            return
        self._result(await self.actions.set_active(schedule.id, not schedule.active))

    @work(exclusive=True, group="schedule-action")
    async def action_delete(self) -> None:
        schedule = self._current()
        if schedule is None:
            return
        env = self._env()
        body = (f"Delete schedule {schedule.id} ({schedule.task}, {schedule.cron} "
                f"{schedule.timezone}) from {env}?\n\nThis cannot be undone.")
        if not await self.app.push_screen_wait(ConfirmScreen(
                f"Delete a schedule in {env}", body, danger=True, confirm_label="Delete")):
            return
        self._result(await self.actions.delete(schedule.id))


def _soonest(schedule: Any) -> tuple[bool, float, str]:
    """Active schedules by their next run, then the inactive ones."""
    if schedule is None:
        return (True, 0.0, "")
    nxt = schedule.next_run
    live = schedule.active and nxt is not None
    return (not live, nxt.timestamp() if live else 0.0, schedule.id)


# --------------------------------------------------------------------------- the form
@dataclass(frozen=True, slots=True)
class FormValues:
    schedule_id: str | None
    task: str
    cron: str
    timezone: str
    external_id: str | None
    dedup_key: str | None


class ScheduleForm(ModalScreen[str | None]):
    """Create or edit one schedule. Saving goes through `save` while the form stays open, so
    a refusal (the server's 422) is shown here, next to the field to fix; the form closes
    with the success message."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="schedule_form.cancel"),
        Binding("ctrl+s", "save", "Save", priority=True, id="schedule_form.save"),
    ]

    DEFAULT_CSS = """
    ScheduleForm { align: center middle; }
    ScheduleForm > #form { width: 90; max-width: 95%; height: auto; max-height: 95%;
                           border: thick $primary; background: $surface; padding: 0 1; }
    ScheduleForm #form-title { text-style: bold; }
    ScheduleForm .row { height: auto; }
    ScheduleForm Label { width: 14; padding: 1 1 0 0; }
    ScheduleForm Input { width: 1fr; }
    ScheduleForm #preview { height: auto; padding: 0 1; color: $text-muted; }
    ScheduleForm #form-error { height: auto; color: $error; padding: 0 1; }
    ScheduleForm #form-buttons { height: auto; align-horizontal: right; dock: bottom; }
    ScheduleForm Button { margin-left: 2; min-width: 10; }
    """

    def __init__(self, schedule: Any, *, zones: list[str], tasks: list[str], env: str,
                 now: Callable[[], float],
                 save: Callable[[FormValues], Awaitable[ActionResult]]) -> None:
        super().__init__()
        self.schedule = schedule
        self.zones = zones
        self._zone_set = frozenset(zones)
        self.tasks = tasks
        self.env = env
        self.now = now
        self._save = save

    def compose(self) -> ComposeResult:
        s = self.schedule
        title = f"Edit schedule {s.id} in {self.env}" if s else f"New schedule in {self.env}"
        # Scrolls on a small terminal (the focused field comes into view); the buttons are
        # docked, so they stay on screen.
        with VerticalScroll(id="form"):
            yield Static(Text(title), id="form-title")
            yield from self._row("Task", "task", s.task if s else "",
                                 SuggestFromList(self.tasks), "task id, e.g. nightly-report")
            yield from self._row("Cron", "cron", s.cron if s else "", None,
                                 "minute hour day month weekday, e.g. 0 9 * * 1-5")
            yield from self._row("Timezone", "timezone", s.timezone if s else "UTC",
                                 SuggestFromList(self.zones, case_sensitive=False),
                                 "IANA name, e.g. Europe/Paris")
            yield from self._row("External id", "external", (s.external_id or "") if s else "",
                                 None, "optional: your own id (a customer, a tenant)")
            if s is None:
                yield from self._row("Dedup key", "dedup", "", None,
                                     "optional: makes creating twice update the same one")
            yield Static(id="preview", markup=False)
            yield Static(id="form-error", markup=False)
            with Horizontal(id="form-buttons"):
                yield Button("Cancel (esc)", id="cancel")
                yield Button("Save (ctrl+s)", variant="primary", id="save")

    @staticmethod
    def _row(label: str, ident: str, value: str, suggester: SuggestFromList | None,
             placeholder: str) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label)
            yield Input(value, id=ident, suggester=suggester, placeholder=placeholder)

    def on_mount(self) -> None:
        self.query_one("#task" if self.schedule is None else "#cron", Input).focus()
        self._preview()

    def _value(self, ident: str) -> str:
        return self.query_one(f"#{ident}", Input).value.strip()

    def problem(self) -> str | None:
        """What is wrong with the form, before anything is sent."""
        if not self._value("task"):
            return "Task: required"
        error = cron_error(self._value("cron"))
        if error is not None:
            return f"Cron: {error}"
        if self._value("timezone") not in self._zone_set:
            return f"Timezone: '{self._value('timezone')}' is not a timezone this server accepts"
        return None

    @on(Input.Changed)
    def _preview(self) -> None:
        cron, tz = self._value("cron"), self._value("timezone")
        preview = self.query_one("#preview", Static)
        problem = cron_error(cron) if cron else "enter a cron expression"
        if problem is None and tz not in self._zone_set:
            problem = f"unknown timezone '{tz}'"
        if problem is not None:
            preview.update(Text(f"Next {PREVIEW}: {problem}"))
            return
        head = Text(f"{describe_cron(cron)} ({tz}) — next {PREVIEW}:\n", style="bold")
        preview.update(head + fires_text(cron, tz, self.now()))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="schedule-save")
    async def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        problem = self.problem()
        if problem is not None:
            error.update(Text(f"{problem}. Nothing was sent."))
            return
        error.update(Text("saving…"))
        values = FormValues(
            schedule_id=self.schedule.id if self.schedule else None,
            task=self._value("task"), cron=self._value("cron"),
            timezone=self._value("timezone"), external_id=self._value("external") or None,
            dedup_key=(self._value("dedup") or None) if self.schedule is None else None)
        result = await self._save(values)
        if result.ok:
            self.dismiss(result.message)
        else:
            error.update(Text(result.message))

