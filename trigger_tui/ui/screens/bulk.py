"""Live progress of a bulk cancel / replay, with abort.

The dialog polls the bulk action (through `Actions.poll_bulk`) once a second while it is shown.
Closing it does not stop the action: the server runs it; a toast reports the end if the dialog
was closed. Abort confirms first (runs already handled stay handled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import ProgressBar, Static

from trigger_tui.state.actions import BulkProgress
from trigger_tui.ui.widgets.confirm import ConfirmScreen

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp


class BulkProgressScreen(ModalScreen[BulkProgress]):
    HELP_SCOPE = "Bulk action"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "abort", "Abort", id="bulk.abort"),
        Binding("escape,enter", "close", "Close (keeps running)", id="bulk.close"),
    ]

    DEFAULT_CSS = """
    BulkProgressScreen { align: center middle; }
    BulkProgressScreen > Vertical {
        width: 64; max-width: 94%; height: auto; border: thick $warning;
        background: $surface; padding: 1 2;
    }
    BulkProgressScreen #bulk-title { text-style: bold; margin-bottom: 1; }
    BulkProgressScreen ProgressBar { margin-bottom: 1; }
    BulkProgressScreen #bulk-hint { color: $text-muted; }
    """

    POLL_S: ClassVar[float] = 1.0

    def __init__(self, progress: BulkProgress, *, action: str, expected: int,
                 environment: str) -> None:
        super().__init__()
        self.progress = progress
        self.action = action
        self.expected = expected
        self.environment = environment
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        verb = "Canceling" if self.action == "cancel" else "Replaying"
        with Vertical():
            yield Static(Text(f"{verb} runs in {self.environment} — {self.progress.id}"),
                         id="bulk-title")
            yield ProgressBar(total=max(1, self.progress.total or self.expected),
                              show_eta=False, id="bulk-bar")
            yield Static(id="bulk-counts")
            yield Static(Text("a aborts · esc closes this window (the action keeps running)"),
                         id="bulk-hint")

    def on_mount(self) -> None:
        self.show(self.progress)
        self._timer = self.set_interval(self.POLL_S, self.poll)

    def show(self, progress: BulkProgress) -> None:
        self.progress = progress
        total = progress.total or self.expected
        bar = self.query_one(ProgressBar)
        bar.update(total=max(1, total), progress=progress.processed)
        state = progress.status.lower().replace("_", " ")
        text = (f"{state}: {progress.processed:,} of {total:,} done · "
                f"{progress.succeeded:,} succeeded · {progress.failed:,} failed")
        if progress.failed and self.action == "cancel":
            text += "\n(failed: runs that could not be canceled, e.g. already finished)"
        if progress.message and not progress.message.startswith("bulk "):
            text += f"\n{progress.message}"
        self.query_one("#bulk-counts", Static).update(Text(text))
        if progress.done:
            self.query_one("#bulk-hint", Static).update(Text("done · esc closes"))
            if self._timer is not None:
                self._timer.stop()
                self._timer = None

    @work(exclusive=True, group="bulk-poll", exit_on_error=False)
    async def poll(self) -> None:
        if self.progress.id is None or self.progress.done:
            return
        app = cast("TriggerApp", self.app)
        assert app.session is not None
        self.show(await app.session.actions.poll_bulk(self.progress.id))

    @work(exclusive=True, group="bulk-abort")
    async def action_abort(self) -> None:
        if self.progress.id is None or self.progress.done:
            self.notify("The bulk action has already ended", timeout=2)
            return
        ok = await self.app.push_screen_wait(ConfirmScreen(
            f"Abort bulk {self.action} {self.progress.id}?",
            f"Stop the bulk {self.action} in {self.environment}. Runs it has already "
            f"handled ({self.progress.processed:,}) stay handled.", danger=True,
            confirm_label="Abort"))
        if not ok:
            return
        app = cast("TriggerApp", self.app)
        assert app.session is not None
        result = await app.session.actions.abort_bulk(self.progress.id)
        self.notify(result.message, severity="information" if result.ok else "error")
        fresh = app.session.store.collection("bulk").get(self.progress.id)
        if isinstance(fresh, BulkProgress):
            self.show(fresh)

    def action_close(self) -> None:
        """Hide the dialog; the app keeps following the action and reports its end."""
        if not self.progress.done and self.progress.id is not None:
            cast("TriggerApp", self.app).follow_bulk(self.progress.id, self.action)
        self.dismiss(self.progress)


class BulkChoiceScreen(ModalScreen[str | None]):
    """B on the runs pane: which bulk action to apply to every run matching the filter."""

    HELP_SCOPE = "Bulk action"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('cancel')", "Cancel all matching", id="bulk.choose_cancel"),
        Binding("R", "choose('replay')", "Replay all matching", id="bulk.choose_replay"),
        Binding("escape", "choose('')", "Back", id="bulk.choose_back"),
    ]

    DEFAULT_CSS = """
    BulkChoiceScreen { align: center middle; }
    BulkChoiceScreen > Vertical {
        width: 64; max-width: 94%; height: auto; border: thick $warning;
        background: $surface; padding: 1 2;
    }
    BulkChoiceScreen #choice-title { text-style: bold; margin-bottom: 1; }
    BulkChoiceScreen #choice-hint { color: $text-muted; }
    """

    def __init__(self, described: str) -> None:
        super().__init__()
        self.described = described

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text("Bulk action on every run matching"), id="choice-title")
            yield Static(Text(f"  {self.described}\n"))
            yield Static(Text("c  cancel them all\nR  replay them all\nesc  back\n\n"
                              "Each asks for confirmation first."), id="choice-hint")

    def action_choose(self, action: str) -> None:
        self.dismiss(action or None)
