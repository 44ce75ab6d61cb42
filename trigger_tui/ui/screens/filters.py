"""The full filter form (`F`): statuses, task, tag, queue, version, period or from/to, root only.

It edits a copy of the current RunFilter and answers a new one (or None); a value the filter
refuses (an unknown status, a bad period, a date without a zone) is reported in the form and
nothing is applied.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from trigger_tui.state.filters import RunFilter, TrqlFilterError
from trigger_tui.ui import format as fmt

STATUSES = ("QUEUED", "DELAYED", "PENDING_VERSION", "DEQUEUED", "EXECUTING", "WAITING",
            "COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT",
            "EXPIRED")
PERIOD_CHOICES = (("last 15 minutes", "15m"), ("last hour", "1h"), ("last 24 hours", "24h"),
                  ("last 7 days", "7d"), ("last 30 days", "30d"), ("from / to", "custom"))


def _csv(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(",") if p.strip())


def parse_instant(text: str) -> datetime | None:
    """`2026-01-01 09:30`, `2026-01-01T09:30:00Z`, `2026-01-01`; no zone means UTC."""
    text = text.strip()
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TrqlFilterError(f"{text!r} is not a date such as 2026-01-01 09:30 (UTC)") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


class FilterScreen(ModalScreen[RunFilter | None]):
    HELP_SCOPE = "Filters"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+l", "reset", "Reset", id="filters.reset"),
    ]

    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    FilterScreen > Vertical {
        width: 84; max-width: 96%; height: 90%; border: round $primary;
        background: $surface; padding: 0 1;
    }
    FilterScreen VerticalScroll { height: 1fr; }
    FilterScreen Label { margin-top: 1; color: $text-muted; }
    FilterScreen SelectionList { height: 8; }
    FilterScreen #dates { height: auto; }
    FilterScreen #dates Input { width: 1fr; }
    FilterScreen #filter-error { color: $error; height: auto; }
    FilterScreen #filter-buttons { height: auto; align-horizontal: right; }
    FilterScreen Button { margin-left: 1; }
    """

    def __init__(self, current: RunFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        f = self.current
        period = f.period if f.period in dict((v, k) for k, v in PERIOD_CHOICES) else (
            "custom" if f.period is None else "24h")
        with Vertical():
            with VerticalScroll():
                yield Label("Text (run id prefix, or part of an id, task or tag)")
                yield Input(f.text, id="f-text")
                yield Label("Statuses (none = all)")
                yield SelectionList[str](
                    *((f"{fmt.status_look(s).symbol} {s}", s, s in f.statuses)
                      for s in STATUSES), id="f-statuses")
                yield Label("Tasks (comma separated)")
                yield Input(", ".join(sorted(f.tasks)), id="f-tasks")
                yield Label("Tags (any of; comma separated)")
                yield Input(", ".join(sorted(f.tags)), id="f-tags")
                yield Label("Queue (task/<task id> or a custom queue name)")
                yield Input(f.queue or "", id="f-queue")
                yield Label("Version")
                yield Input(f.version or "", id="f-version")
                yield Label("Period")
                yield Select([(k, v) for k, v in PERIOD_CHOICES], value=period,
                             allow_blank=False, id="f-period")
                with Horizontal(id="dates"):
                    yield Input(_iso(f.from_), placeholder="from (UTC) 2026-01-01 09:00",
                                id="f-from")
                    yield Input(_iso(f.to), placeholder="to (UTC, empty = now)", id="f-to")
                yield Checkbox("Root runs only (hide child runs)", f.root_only, id="f-root")
            yield Static(id="filter-error")
            with Horizontal(id="filter-buttons"):
                yield Button(Text("Reset (ctrl+l)"), id="reset")
                yield Button(Text("Cancel (esc)"), id="cancel")
                yield Button(Text("Apply (ctrl+s)"), variant="primary", id="apply")

    def on_mount(self) -> None:
        self.query_one("#f-text", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"apply": self.action_apply, "cancel": self.action_cancel,
         "reset": self.action_reset}[event.button.id or "cancel"]()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def build(self) -> RunFilter:
        """The form as a RunFilter (TrqlFilterError when a value is refused)."""
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        period = self.query_one("#f-period", Select).value
        custom = period == "custom"
        return RunFilter(
            text=text("f-text"),
            statuses=frozenset(self.query_one("#f-statuses", SelectionList).selected),
            tasks=_csv(text("f-tasks")),
            tags=_csv(text("f-tags")),
            queue=text("f-queue") or None,
            version=text("f-version") or None,
            period=None if custom else str(period),
            from_=parse_instant(text("f-from")) if custom else None,
            to=parse_instant(text("f-to")) if custom else None,
            root_only=self.query_one("#f-root", Checkbox).value,
        )

    def action_apply(self) -> None:
        try:
            f = self.build()
        except (TrqlFilterError, ValueError) as exc:
            self.query_one("#filter-error", Static).update(Text(str(exc)))
            return
        self.dismiss(f)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_reset(self) -> None:
        self.dismiss(RunFilter())


def _iso(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if value is not None else ""
