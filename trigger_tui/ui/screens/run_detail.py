"""One run, as an on-call engineer reads it: what went wrong, why it is (not) running, and what
to do about it.

Layout: a title line, then tabs — Overview (error first for a failed run, then the status with
its operational meaning, the run's facts and its related runs as links), Trace (the waterfall
beside the selected span's attributes, events and logs), Events (the run's logs and span
events) and Data (payload, output and metadata as folding JSON).

Data flow: the screen starts a DetailPoller through the session; the poller writes the run,
its trace and its events into the Store (collections `run_detail`, `trace`, `events`, keyed by
run id); the Store's change callbacks post one message to the screen, which re-renders from the
Store. Nothing here calls the API except through `Actions`, and every mutation asks to confirm,
naming the run, its task and the environment; a read-only connection shows them unavailable and
sends nothing. Every string from the run is shown as plain text (Content/Text, control codes made
visible): a task may log anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    RichLog,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)
from textual.widgets.option_list import Option

from trigger_tui.api.models.queues import Queue
from trigger_tui.api.models.runs import RelatedRun, Run, RunEvent, Span, Trace
from trigger_tui.humanize import count
from trigger_tui.state.actions import ActionResult
from trigger_tui.state.pollers import DetailPoller
from trigger_tui.state.session import Session
from trigger_tui.state.store import Store
from trigger_tui.ui import format as fmt
from trigger_tui.ui import themes
from trigger_tui.ui.format import printable
from trigger_tui.ui.widgets.footer import ConsoleFooter
from trigger_tui.ui.widgets.json_view import JsonView
from trigger_tui.ui.widgets.waterfall import Waterfall, is_log, span_mark, walk

Resend = Callable[[], Awaitable[ActionResult]]  # sends a failed action again
# Actions that change something on the server; everything else on this screen only reads.
MUTATING = frozenset({"cancel", "replay", "replay_edit", "reschedule", "tag"})
MAX_TAGS = 10
MAX_TAG_LEN = 128
MAX_EDIT_CHARS = 1_000_000  # beyond this the JSON editor would be slower than useful
CLOUD_DASHBOARD = "https://cloud.trigger.dev"
_DURATION_RE = re.compile(r"^(\d+(w|d|hr|h|m|s))+$")  # the API's delay grammar
_TONE_STYLE = {"success": "$success", "error": "$error", "warning": "$warning",
               "running": "$accent", "muted": "$text-muted"}


# ====================================================================== pure helpers
def utc(ts: float | None) -> str:
    """An absolute instant, always UTC: a snapshot must not depend on the machine's zone."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def when(value: datetime | None, now: float) -> str:
    """`2026-01-01 00:00:03 UTC (3m ago)`."""
    ts = _ts(value)
    return "—" if ts is None else f"{utc(ts)} ({fmt.ago(ts, now)})"


def queue_of(run: Run, trace: Trace | None, row_queue: str = "") -> str:
    """The run's queue as the API names it (`task/<id>` or a custom name).

    The retrieve endpoint does not say; the trace's run span and the runs table do."""
    if trace is not None and trace.root_span.data.queue_name:
        return trace.root_span.data.queue_name
    if trace is not None and isinstance(trace.root_span.data.properties, dict):
        name = trace.root_span.data.properties.get("queueName")
        if isinstance(name, str) and name:
            return name
    return row_queue or f"task/{run.task_identifier}"


def machine_of(trace: Trace | None, row_machine: str = "") -> str:
    if trace is not None:
        data = trace.root_span.data
        if data.machine_preset:
            return data.machine_preset
        if isinstance(data.properties, dict) and data.properties.get("machinePreset"):
            return str(data.properties["machinePreset"])
    return row_machine


def find_queue(queues: Iterable[Queue], name: str) -> Queue | None:
    """The queues collection entry for `task/x` (type task, name x) or a custom queue name."""
    kind, _, short = name.partition("/")
    wanted = ("task", short) if kind == "task" and short else ("custom", name)
    for q in queues:
        if (q.type, q.name) == wanted or q.name == name:
            return q
    return None


def queue_limit(queue: Queue) -> int | None:
    if queue.concurrency is not None and queue.concurrency.current is not None:
        return queue.concurrency.current
    return queue.concurrency_limit


@dataclass(frozen=True, slots=True)
class Facts:
    """What the overview needs besides the run itself (all from the Store)."""

    now: float
    queue_name: str
    queue: Queue | None
    machine: str
    trace: Trace | None
    environment: str


def _waiting_on(run: Run, trace: Trace | None) -> str:
    pending = [c for c in run.related_runs.children if not c.is_final]
    if pending:
        first = pending[0]
        more = f" and {len(pending) - 1} more" if len(pending) > 1 else ""
        return f"waiting for child run {first.id} ({first.task_identifier}, " \
               f"{fmt.status_look(first.status).label.lower()}){more}"
    if trace is not None:
        for span in walk(trace.root_span):
            message = span.data.message.lower()
            if span.data.is_partial and "token" in message:
                return "waiting for a waitpoint token to be completed"
            if span.data.is_partial and "wait" in message and span is not trace.root_span:
                return f"waiting on {printable(span.data.message)}"
    return "checkpointed on a wait"


def status_meaning(run: Run, facts: Facts) -> str:
    """The status in an operator's words: what the run is waiting for, or what ended it."""
    status = fmt.normalise_status(run.status)
    q = facts.queue_name
    if status in ("QUEUED", "PENDING"):
        queue = facts.queue
        ttl = f"; expires if not started within {run.ttl}" if run.ttl else ""
        if queue is None:
            return f"Queued on {q}: waiting for concurrency{ttl}"
        limit = queue_limit(queue)
        usage = f"{queue.running}/{limit if limit is not None else '∞'} running"
        if queue.paused:
            return f"Queued: queue {q} is paused, nothing starts until it is resumed " \
                   f"({queue.queued} queued){ttl}"
        if limit is not None and queue.running >= limit:
            return f"Queued: waiting for concurrency on queue {q} ({usage}){ttl}"
        return f"Queued: next in line on queue {q} ({usage}, {queue.queued} queued){ttl}"
    if status == "DELAYED":
        return f"Delayed until {when(run.delayed_until, facts.now)}; reschedule to change"
    if status in ("PENDING_VERSION", "WAITING_FOR_DEPLOY"):
        return "Pending version: no deployed version has this task and queue yet; " \
               "deploy, or check the version lock"
    if status == "DEQUEUED":
        return f"Dequeued from {q}: being sent to a worker (counts against concurrency)"
    if status == "EXECUTING":
        retry = " (earlier attempts failed; retrying)" if run.attempt_count > 1 else ""
        return f"Executing attempt {max(1, run.attempt_count)}{retry}"
    if status == "REATTEMPTING":
        return "Retrying after a failed attempt"
    if status in ("WAITING", "FROZEN"):
        return f"Waiting: {_waiting_on(run, facts.trace)} " \
               "(does not count against concurrency)"
    attempts = count(run.attempt_count, 'attempt')
    meanings = {
        "COMPLETED": f"Completed successfully after {attempts}",
        "CANCELED": "Canceled by a user, the API or a bulk action",
        "FAILED": f"Failed after {attempts}: the task threw and its retries are exhausted; "
                  "replay after a fix",
        "INTERRUPTED": "Interrupted: the attempt stopped before it finished",
        "CRASHED": "Crashed: the worker process died (often out of memory); "
                   "try a larger machine",
        "SYSTEM_FAILURE": "System failure: an unrecoverable platform error, not your code; "
                          "replay it",
        "EXPIRED": f"Expired: its TTL ({run.ttl or '?'}) passed while queued, so it never "
                   "started (backlog or paused queue?)",
        "TIMED_OUT": "Timed out: it ran longer than its maxDuration",
    }
    return meanings.get(status, f"{run.status}: a status this console does not know")


def attempts_line(run: Run, trace: Trace | None) -> str:
    """`3 (✗ 1.2s, ✗ 1.4s, ✓ 0.9s)` from the trace's attempt spans."""
    spans = []
    if trace is not None:
        spans = [s for s in trace.root_span.children if s.data.attempt_number is not None
                 and s.run_id in (None, run.id)]
    parts = [f"{span_mark(s) if s.data.is_error or s.data.is_partial else '✓'} "
             f"{fmt.duration(s.data.duration / 1e6)}" for s in spans[:8]]
    more = " …" if len(spans) > 8 else ""
    return f"{run.attempt_count}" + (f" ({', '.join(parts)}{more})" if parts else "")


def _tone(tone: str) -> str:
    return _TONE_STYLE.get(tone, "")


def _field(label: str, value: str | Content, width: int = 11) -> Content:
    body = value if isinstance(value, Content) else Content(printable(value))
    return Content.assemble((f"{label:<{width}}", "$text-muted"), body, "\n")


def error_content(run: Run) -> Content | None:
    """The failure, first: name and message in the error color, then the stack."""
    error = run.error
    if error is None:
        return None
    head = f"{error.name}: {error.message}" if error.name else error.message
    parts: list[str | tuple[str, str] | Content] = [
        ("✗ ", "$error bold"), (printable(head or "(no message)", multiline=True),
                                "$error bold"), "\n"]
    if error.stack_trace:
        parts.append((frames(error.stack_trace, head), "$text-muted"))
    return Content.assemble(*parts)


def frames(stack: str, head: str) -> str:
    """A JS stack without its first line when that line repeats `name: message`."""
    lines = printable(stack, multiline=True).splitlines()
    if lines and head and lines[0].strip() == printable(head, multiline=True).strip():
        lines = lines[1:]
    return "\n".join(lines)


def status_content(run: Run, facts: Facts) -> Content:
    """`✗ Failed  Failed after 3 attempts: …` — the status and what it means, on its own line."""
    look = fmt.status_look(run.status)
    return Content.assemble((f"{look.symbol} {look.label}", f"{_tone(look.tone)} bold"), "  ",
                            Content(printable(status_meaning(run, facts))))


def overview_rows(run: Run, facts: Facts) -> list[tuple[str, str]]:
    """The run's facts as (label, value) rows, in the order an operator looks for them."""
    started = _ts(run.started_at)
    created = _ts(run.created_at) or 0.0
    timing = fmt.duration(run.duration_ms) if run.duration_ms else "—"
    if started is not None:
        timing += f" (waited {fmt.duration((started - created) * 1000)} before starting)"
    schedule = "—"
    if run.schedule is not None:
        gen = run.schedule.generator
        schedule = run.schedule.id + (f"  {gen.expression}  ({gen.description})"
                                      if gen is not None and gen.expression else "")
    rows = [
        ("Run", run.id),
        ("Task", run.task_identifier),
        ("Environment", facts.environment or "—"),
        ("Version", run.version or "—"),
        ("Queue", facts.queue_name),
        ("Machine", facts.machine or "—"),
        ("Attempts", attempts_line(run, facts.trace)),
        ("Created", when(run.created_at, facts.now)),
        ("Started", when(run.started_at, facts.now)),
        ("Finished", when(run.finished_at, facts.now)),
        ("Duration", timing),
    ]
    if run.delayed_until is not None:
        rows.append(("Delayed until", when(run.delayed_until, facts.now)))
    if run.ttl:
        rows.append(("TTL", run.ttl))
    if run.expired_at is not None:
        rows.append(("Expired", when(run.expired_at, facts.now)))
    rows += [
        ("Cost", fmt.money((run.cost_in_cents + run.base_cost_in_cents) / 100)),
        ("Idempotency key", run.idempotency_key or "—"),
        ("Tags", ", ".join(run.tags) if run.tags else "—"),
        ("Schedule", schedule),
        ("Batch", run.batch_id or "—"),
    ]
    if run.is_test:
        rows.append(("Test run", "yes"))
    return [(label, printable(value)) for label, value in rows]


def related_options(run: Run) -> list[Option]:
    """Parent, root and children as links (option id = run id)."""
    rel = run.related_runs
    entries: list[tuple[str, RelatedRun]] = []
    if rel.parent is not None:
        entries.append(("parent", rel.parent))
    if rel.root is not None and (rel.parent is None or rel.root.id != rel.parent.id):
        entries.append(("root", rel.root))
    entries += [("child", c) for c in rel.children]
    options = []
    for role, other in entries:
        look = fmt.status_look(other.status)
        prompt = Content.assemble((f"{role:<7}", "$text-muted"),
                                  (f"{look.symbol} {look.label:<10}", _tone(look.tone)),
                                  f"{other.id}  ", Content(printable(other.task_identifier)))
        options.append(Option(prompt, id=f"{role}:{other.id}"))
    return options


def span_content(span: Span | None, trace: Trace | None,
                 logs: list[RunEvent] | None = None) -> Content:
    """The selected span: what it is, its timing, attributes, span events and logs."""
    if span is None or trace is None:
        return Content("Select a span.")
    data = span.data
    t0 = _ts(trace.root_span.data.start_time) or 0.0
    start = (_ts(data.start_time) or t0) - t0
    state = ("error" if data.is_error else "cancelled" if data.is_cancelled
             else "running" if data.is_partial else "ok")
    tone = {"error": "$error", "running": "$warning"}.get(state, "$text-muted")
    parts: list[Content] = [
        Content.assemble((f"{span_mark(span)} ", tone),
                         (printable(data.message or span.id), "bold"), "\n"),
        _field("State", Content.styled(state, tone)),
        _field("Starts at", f"+{fmt.duration(start * 1000)}"),
    ]
    if not is_log(span):
        parts.append(_field("Duration", fmt.duration(data.duration / 1e6) +
                            (" so far" if data.is_partial else "")))
    parts.append(_field("Span", span.id))
    if span.run_id:
        parts.append(_field("Run", span.run_id))
    if data.attempt_number is not None:
        parts.append(_field("Attempt", str(data.attempt_number)))
    if data.level and data.level != "TRACE":
        parts.append(_field("Level", data.level))
    attributes = dict(data.properties or {})
    for key, wire in (("queue_name", "queueName"), ("machine_preset", "machinePreset"),
                      ("worker_version", "workerVersion"), ("task_slug", "taskSlug")):
        value = getattr(data, key)
        if value and wire not in attributes:
            attributes[wire] = value
    if attributes:
        parts.append(Content.styled("\nAttributes\n", "bold"))
        parts += [Content.assemble((printable(str(k)), "$text-muted"), " ",
                                   printable(_scalar(v)), "\n")
                  for k, v in sorted(attributes.items())]
    if data.events:
        parts.append(Content.styled("\nEvents\n", "bold"))
        parts += [_span_event(e, t0) for e in data.events]
    child_logs = [c for c in span.children if is_log(c)]
    if logs:
        parts.append(Content.styled("\nLogs\n", "bold"))
        parts += [_log_line(e, t0) for e in logs]
    elif child_logs:
        parts.append(Content.styled("\nLogs\n", "bold"))
        parts += [Content.assemble(
            (f"+{fmt.duration(((_ts(c.data.start_time) or t0) - t0) * 1000):>7} ", "$text-muted"),
            (f"{(c.data.level or ''):<5} ", _level_style(c.data.level)),
            printable(c.data.message), "\n") for c in child_logs]
    return Content("").join(parts)


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _span_event(event: dict[str, Any], t0: float) -> Content:
    name = str(event.get("name", "event"))
    at = _event_time(event.get("time"))
    offset = f"+{fmt.duration((at - t0) * 1000)} " if at is not None else ""
    props = event.get("properties") or {}
    exc = props.get("exception") if isinstance(props, dict) else None
    style = "$error" if name == "exception" else ""
    if isinstance(exc, dict):
        head = f"{exc.get('type') or 'Error'}: {exc.get('message', '')}"
        stack = frames(str(exc.get("stacktrace") or ""), head)
        return Content.assemble((offset, "$text-muted"), (f"{name} ", style),
                                (printable(head), style), "\n",
                                (stack + "\n" if stack else "", "$text-muted"))
    detail = json.dumps(props, default=str) if props else ""
    return Content.assemble((offset, "$text-muted"), (printable(name), style), " ",
                            printable(detail), "\n")


def _event_time(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    if isinstance(value, int | float):
        return value / 1e9 if value > 1e14 else value / 1000
    return None


def _level_style(level: str | None) -> str:
    return {"ERROR": "$error", "WARN": "$warning", "INFO": "$accent"}.get(level or "", "")


def _log_line(event: RunEvent, t0: float) -> Content:
    offset = event.start_time / 1e9 - t0
    mark = "✗ " if event.is_error else ""
    return Content.assemble((f"+{fmt.duration(offset * 1000):>7} ", "$text-muted"),
                            (f"{(event.level or event.kind or ''):<5} ",
                             _level_style(event.level)),
                            (mark, "$error"), printable(event.message), "\n")


def event_lines(run_events: list[RunEvent], error_style: str = "bold") -> list[Text]:
    """The Events tab: every span start and log line in time order, span events beneath.
    `error_style` is the theme's error color (a RichLog cannot read `$error` itself)."""
    if not run_events:
        return [Text("No events yet.")]
    t0 = min(e.start_time for e in run_events) / 1e9
    lines: list[Text] = []
    for event in sorted(run_events, key=lambda e: e.start_time):
        offset = fmt.duration((event.start_time / 1e9 - t0) * 1000)
        kind = (event.level or "LOG") if event.kind == "LOG" else "span"
        line = Text.assemble((f"+{offset:>7} ", "dim"), (f"{kind:<5} ", "bold"))
        if event.is_error:
            line.append("✗ ", error_style)
        line.append(printable(event.message))
        if event.duration and event.kind != "LOG":
            line.append(f"  {fmt.duration(event.duration / 1e6)}", "dim")
        lines.append(line)
        for sub in event.events:
            lines.append(Text(" " * 15) + Text(printable(_sub_event(sub)), "dim"))
    return lines


def _sub_event(sub: dict[str, Any]) -> str:
    props = sub.get("properties") or {}
    exc = props.get("exception") if isinstance(props, dict) else None
    if isinstance(exc, dict):
        return f"{sub.get('name')}: {exc.get('type') or 'Error'}: {exc.get('message', '')}"
    return str(sub.get("name", "event"))


def validate_delay(text: str, now: float) -> str | None:
    """None when the API will take `text` as a delay (a duration such as `30m` or `1h30m`, or
    an ISO date in the future), else why not."""
    value = text.strip()
    if not value:
        return "Enter a duration such as 30m, 2h or 1d, or an ISO date"
    if _DURATION_RE.match(value):
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"{value!r} is neither a duration (30s, 15m, 2h, 1d, 1w, 1h30m) nor an ISO date"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if at.timestamp() <= now:
        return "That date is in the past"
    return None


def parse_tags(text: str, existing: Iterable[str]) -> tuple[list[str], str | None]:
    """The new tags in `text` (comma separated) and, if they cannot be added, why."""
    have = set(existing)
    tags: list[str] = []
    for raw in text.split(","):
        tag = raw.strip()
        if tag and tag not in have and tag not in tags:
            tags.append(tag)
    if not tags:
        return [], "Enter at least one new tag (comma separated)"
    long = [t for t in tags if len(t) > MAX_TAG_LEN]
    if long:
        return tags, f"Tags are at most {MAX_TAG_LEN} characters ({printable(long[0][:20])}…)"
    if len(have) + len(tags) > MAX_TAGS:
        return tags, f"A run can have at most {MAX_TAGS} tags: it has {len(have)}, " \
                     f"this adds {len(tags)}"
    return tags, None


def json_error(text: str) -> str | None:
    """None for valid JSON, else the parser's complaint with its line and column."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except RecursionError:  # the decoder recurses per level: `[[[[…` exhausts the stack
        return "Invalid JSON: nested too deeply"
    return None


def dashboard_url(origin: str, project_ref: str | None, run_id: str) -> str:
    """The dashboard's redirect helper by project ref (or by run id alone without one)."""
    base = origin.rstrip("/")
    if project_ref:
        return f"{base}/projects/v3/{project_ref}/runs/{run_id}"
    return f"{base}/runs/{run_id}"


def dashboard_origin(api_url: str) -> str:
    """Trigger.dev Cloud's API lives on api.trigger.dev and its dashboard on cloud.trigger.dev;
    a self-hosted server serves both from one origin."""
    match = re.match(r"^(https?://[^/]+)", api_url or "")
    if match is None or match.group(1).endswith("api.trigger.dev"):
        return CLOUD_DASHBOARD
    return match.group(1)


# ====================================================================== dialogs
@dataclass(frozen=True, slots=True)
class EditedPayload:
    """The replay editor's answer: the payload to send (which may itself be `null`)."""

    value: Any


class ReplayEditor(ModalScreen[EditedPayload | None]):
    """Edit the payload as JSON; nothing leaves this dialog until it parses."""

    HELP_SCOPE = "Replay editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Replay with this payload", priority=True,
                id="replay.submit"),
        # Priority: the editor would otherwise keep escape for itself.
        Binding("escape", "cancel", "Cancel", priority=True, id="replay.cancel"),
    ]
    DEFAULT_CSS = """
    ReplayEditor { align: center middle; }
    ReplayEditor > #editor-dialog {
        width: 90%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ReplayEditor #editor-title { text-style: bold; height: auto; }
    ReplayEditor TextArea { height: 1fr; }
    ReplayEditor #editor-error { color: $error; height: auto; }
    ReplayEditor #editor-buttons { height: auto; align-horizontal: right; }
    ReplayEditor Button { margin-left: 2; }
    """

    def __init__(self, run_id: str, task: str, text: str) -> None:
        super().__init__()
        self.run_id = run_id
        self.task_id = task
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-dialog"):
            yield Static(Content.assemble("Replay ", (self.run_id, "bold"), " (",
                                          printable(self.task_id), ") with this payload"),
                         id="editor-title")
            # The "css" theme follows the app theme (code_editor defaults to monokai).
            yield TextArea.code_editor(self.text, language="json", id="editor", theme="css")
            yield Static("", id="editor-error")
            with Horizontal(id="editor-buttons"):
                yield Button("Cancel (esc)", id="editor-cancel")
                yield Button("Replay… (ctrl+s)", variant="primary", id="editor-submit")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    @on(Button.Pressed, "#editor-submit")
    def action_submit(self) -> None:
        text = self.query_one(TextArea).text
        problem = json_error(text)
        if problem is not None:
            self.query_one("#editor-error", Static).update(Content(problem))
            return
        self.dismiss(EditedPayload(json.loads(text)))

    @on(Button.Pressed, "#editor-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ValidatedPrompt(ModalScreen[str | None]):
    """One line of input, checked by `validate` (which returns why it is wrong, or None)."""

    HELP_SCOPE = "Reschedule and tag prompts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]
    DEFAULT_CSS = """
    ValidatedPrompt { align: center middle; }
    ValidatedPrompt > #prompt-dialog {
        width: 70; max-width: 95%; height: auto; border: thick $primary;
        background: $surface; padding: 1 2;
    }
    ValidatedPrompt #prompt-title { text-style: bold; margin-bottom: 1; }
    ValidatedPrompt #prompt-error { color: $error; height: auto; }
    """

    def __init__(self, title: str, body: Content, placeholder: str,
                 validate: Callable[[str], str | None]) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.placeholder = placeholder
        self.check = validate

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Label(Content(self.title_text), id="prompt-title")
            yield Static(self.body, id="prompt-body")
            yield Input(placeholder=self.placeholder, id="prompt-input")
            yield Static("", id="prompt-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self.check(event.value)
        if problem is not None:
            self.query_one("#prompt-error", Static).update(Content(problem))
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


# ====================================================================== the screen
class RunDetailScreen(Screen[None]):
    """One run: error first, status meaning, trace waterfall, events, data, and actions."""

    HELP_SCOPE = "Run detail"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "cancel", "Cancel", id="run.cancel"),
        Binding("R", "replay", "Replay", id="run.replay"),
        Binding("E", "replay_edit", "Edit & replay", id="run.replay_edit"),
        Binding("s", "reschedule", "Reschedule", id="run.reschedule"),
        Binding("a", "tag", "Add tags", id="run.tag"),
        Binding("y", "copy_id", "Copy id", id="run.copy_id"),
        Binding("Y", "copy_url", "Copy link", id="run.copy_url"),
        Binding("Q", "queue", "Open queue", id="run.queue"),
        Binding("w", "watch", "Watch run", show=False, id="run.watch"),
        Binding("W", "watch_task", "Watch task", show=False, id="run.watch_task"),
        Binding("b", "batch", "Open batch", show=False, id="run.batch"),
        Binding("P", "open_related('parent')", "Open parent run", show=False, id="run.parent"),
        Binding("T", "open_related('root')", "Open root run", show=False, id="run.root"),
        Binding("r", "refresh", "Refresh this run", show=False, id="run.refresh"),
        Binding("o", "tab('overview')", "Overview tab", show=False, id="run.tab_overview"),
        Binding("t", "tab('trace')", "Trace tab", show=False, id="run.tab_trace"),
        Binding("l", "tab('events')", "Events and logs tab", show=False, id="run.tab_events"),
        Binding("d", "tab('data')", "Payload, output, metadata tab", show=False,
                id="run.tab_data"),
    ]

    CSS_PATH = "../styles/run_detail.tcss"

    class Changed(Message):
        """The Store has news for this run (posted from the Store callback)."""

    def __init__(self, run_id: str) -> None:
        super().__init__()
        self.run_id = run_id
        self._unsubscribe: list[Callable[[], None]] = []
        self._poller: DetailPoller | None = None
        self._pending = False
        self._shown_links: list[tuple[str, str]] | None = None
        self._events_shown: object = None
        self._fact_labels: list[str] = []
        self._payload_shown = False
        self._availability: tuple[str | None, ...] = ()
        self._trace_shown: object = None

    # ------------------------------------------------------------------ wiring
    @property
    def session(self) -> Session:
        """The app's Session (TriggerApp, or any app with a `session`, as in the tests)."""
        session: Session = getattr(self.app, "session")  # noqa: B009 - not every App has one
        return session

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def run(self) -> Run | None:
        record = self.store.collection("run_detail").get(self.run_id)
        return record if isinstance(record, Run) else None

    @property
    def trace(self) -> Trace | None:
        record = self.store.collection("trace").get(self.run_id)
        return record if isinstance(record, Trace) else None

    @property
    def run_events(self) -> list[RunEvent]:
        record = self.store.collection("events").get(self.run_id)
        return record if isinstance(record, list) else []

    @property
    def read_only(self) -> bool:
        return bool(getattr(self.app, "read_only", False) or self.session.read_only)

    def now(self) -> float:
        """The session clock: relative times never come from the wall clock (tests freeze it)."""
        return float(self.session.clock())

    @property
    def environment(self) -> str:
        return str(self.session.environment or "")

    def compose(self) -> ComposeResult:
        header_info = getattr(self.app, "header_info", None)
        if callable(header_info):
            from trigger_tui.ui.widgets.header import ConsoleHeader

            yield ConsoleHeader(header_info)
        yield Static(Content.assemble("Run ", (self.run_id, "bold"), "  loading…"),
                     id="detail-title")
        with TabbedContent(initial="tab-overview", id="detail-tabs"):
            with TabPane("Overview", id="tab-overview"), VerticalScroll(id="overview"):
                yield Static("", id="error-panel", classes="-none")
                yield Static(Content("Loading…"), id="status")
                yield Container(id="facts")
                yield Static(Content.styled("Related runs", "bold"), id="links-title")
                yield OptionList(id="links")
            with TabPane("Trace", id="tab-trace"), Horizontal(id="trace-body"):
                yield Waterfall(id="waterfall")
                with VerticalScroll(id="span-scroll"):
                    yield Static(Content("Select a span."), id="span-detail")
            with TabPane("Events", id="tab-events"):
                yield RichLog(id="events", markup=False, highlight=False, wrap=False,
                              auto_scroll=False)
            with TabPane("Data", id="tab-data"):
                yield JsonView(id="json")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        for kind in ("run_detail", "trace", "events", "runs"):
            self._unsubscribe.append(self.store.subscribe(kind, self._run_changed))
        self._unsubscribe.append(self.store.subscribe("queues", self._queues_changed))
        self._unsubscribe.append(self.store.subscribe("health", self._health_changed))
        self._poller = self.session.watch_run(self.run_id)
        self._render_all()

    def on_screen_resume(self) -> None:
        # Back from a related run's screen: if that screen was this same run, closing it
        # stopped the shared poller; watching again is a no-op otherwise.
        if self._poller is not None:
            self._poller = self.session.watch_run(self.run_id)

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        if self._poller is not None:
            self.session.unwatch_run(self.run_id)
            self._poller = None

    def _run_changed(self, changed: frozenset[str]) -> None:
        """Store callback (from a poller's task): only news about this run matters."""
        if self.run_id in changed:
            self._announce()

    def _queues_changed(self, changed: frozenset[str]) -> None:
        """Queue counts only change what a queued run's status means."""
        run = self.run
        if run is not None and run.is_queued:
            self._announce()

    def _health_changed(self, changed: frozenset[str]) -> None:
        """Only matters while nothing is shown: a failed first poll is the news then."""
        if self._poller is not None and self._poller.name in changed and self.run is None:
            self._announce()

    def _announce(self) -> None:
        """Coalesce a burst of Store changes into one message; never touch widgets here."""
        if not self._pending:
            self._pending = True
            self.post_message(self.Changed())

    def on_run_detail_screen_changed(self, message: Changed) -> None:
        self._pending = False
        self._render_all()

    # ------------------------------------------------------------------ rendering
    def _facts(self, run: Run) -> Facts:
        trace = self.trace
        row = self.store.runs.get(run.id)
        queue_name = queue_of(run, trace, getattr(row, "queue", "") or "")
        queues = self.store.collection("queues").values()
        return Facts(now=self.now(), queue_name=queue_name,
                     queue=find_queue(queues, queue_name),
                     machine=machine_of(trace, getattr(row, "machine", "") or ""),
                     trace=trace, environment=self.environment)

    def _render_all(self) -> None:
        run = self.run
        if run is not None:
            facts = self._facts(run)
            self._render_title(run)
            self._render_overview(run, facts)
            self._render_data(run)
        else:
            self._render_loading()
        self._render_trace()
        self._render_events()
        availability = tuple(self.unavailable(a) for a in sorted(MUTATING))
        if availability != self._availability:
            # Only when it changes: the footer rebuilds all its keys on a refresh.
            self._availability = availability
            self.refresh_bindings()

    def _render_loading(self) -> None:
        """Before the first answer: say so, or say why it failed (an unknown run id, the
        connection…) instead of loading forever."""
        health = self.store.health.get(self._poller.name) if self._poller is not None else None
        error = health.last_error if health is not None else None
        self.query_one("#status", Static).update(
            Content.assemble(("✗ Could not load this run: ", "$error bold"), printable(error))
            if error else Content("Loading…"))

    def _render_title(self, run: Run) -> None:
        look = fmt.status_look(run.status)
        self.query_one("#detail-title", Static).update(Content.assemble(
            (f"{look.symbol} {look.label}", f"{_tone(look.tone)} bold"), "  ",
            (run.id, "bold"), "  ", Content(printable(run.task_identifier))))

    def _render_overview(self, run: Run, facts: Facts) -> None:
        error = error_content(run)
        panel = self.query_one("#error-panel", Static)
        panel.set_class(error is None, "-none")
        if error is not None:
            panel.update(error)
        self.query_one("#status", Static).update(status_content(run, facts))
        self._render_facts(overview_rows(run, facts))
        rel = run.related_runs
        shown = [(r.id, r.status) for r in (rel.parent, rel.root, *rel.children) if r]
        if shown == self._shown_links:
            return
        self._shown_links = shown
        options = related_options(run)
        links = self.query_one("#links", OptionList)
        highlighted = links.highlighted
        links.clear_options()
        links.add_options(options or [Option(Content("none"), disabled=True)])
        if options:
            links.highlighted = highlighted if highlighted is not None and \
                highlighted < len(options) else 0

    def _render_facts(self, rows: list[tuple[str, str]]) -> None:
        """Two grid columns, so long values wrap under themselves; widgets are reused while
        the labels stay the same (every poll of a running run)."""
        grid = self.query_one("#facts")
        labels = [label for label, _ in rows]
        if labels != self._fact_labels:
            self._fact_labels = labels
            grid.remove_children()
            grid.mount_all([w for label, value in rows for w in (
                Static(label, classes="label"), Static(Content(value), classes="value"))])
            return
        for widget, (_, value) in zip(grid.query(".value").results(Static), rows,
                                      strict=False):
            widget.update(Content(value))

    def _render_data(self, run: Run) -> None:
        view = self.query_one(JsonView)
        if not self._payload_shown:
            # A run's payload never changes: shown once, never compared again (it may be MBs).
            self._payload_shown = True
            if run.payload_presigned_url and run.payload is None:
                view.set_section("payload", None, note="offloaded to object storage "
                                 f"({printable(run.payload_presigned_url)})")
            else:
                view.set_section("payload", run.payload)
        if run.output_presigned_url and run.output is None:
            view.set_section("output", None, note="offloaded to object storage")
        elif run.output is None and not run.is_success:
            view.set_section("output", None, note="none (the run has not completed)")
        else:
            view.set_section("output", run.output)
        view.set_section("metadata", run.metadata if run.metadata is not None else {})

    def _render_trace(self) -> None:
        trace = self.trace
        if trace is self._trace_shown:
            return
        self._trace_shown = trace
        self.query_one(Waterfall).show_trace(trace)

    def _render_events(self) -> None:
        run_events = self.run_events
        if run_events is self._events_shown:
            return
        self._events_shown = run_events
        log = self.query_one("#events", RichLog)
        log.clear()
        for line in event_lines(run_events, themes.tone(self.app, "error", bold=True)):
            log.write(line)

    def on_waterfall_span_highlighted(self, message: Waterfall.SpanHighlighted) -> None:
        span = message.span
        logs = [e for e in self.run_events
                if span is not None and e.parent_id == span.id and e.kind == "LOG"]
        self.query_one("#span-detail", Static).update(span_content(span, self.trace, logs))

    # ------------------------------------------------------------------ availability
    def unavailable(self, action: str) -> str | None:
        """Why `action` cannot be done now (None when it can)."""
        if action not in MUTATING:
            return None
        if self.read_only:
            return "Read-only connection: nothing is sent"
        run = self.run
        if run is None:
            return "The run has not loaded yet"
        if action == "cancel" and run.is_final:
            return f"The run already ended ({fmt.status_look(run.status).label.lower()})"
        if action == "reschedule" and fmt.normalise_status(run.status) != "DELAYED":
            return "Only a delayed run can be rescheduled"
        if action == "replay_edit" and run.payload is None and run.payload_presigned_url:
            return "The payload is offloaded to object storage and cannot be edited here"
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in MUTATING or self.unavailable(action) is None:
            return True
        # Read-only (or not loaded yet): shown dimmed, so the operator sees what is withheld.
        # Not for this run (cancel a finished run): hidden, so the footer keeps what applies.
        return None if self.read_only or self.run is None else False

    def on_key(self, event: events.Key) -> None:
        """A key whose action is unavailable says why, instead of doing nothing silently.

        Keys reach the screen before the app runs bindings. The binding chain is where Textual
        applies the user's keymap, so a remapped key is recognised (and the old one is not)."""
        mine = next((b for node, b in self._binding_chain if node is self), None)
        for binding in mine.key_to_bindings.get(event.key, ()) if mine is not None else ():
            reason = self.unavailable(binding.action.partition("(")[0])
            if reason is not None:
                event.stop()
                event.prevent_default()
                self.notify(reason, title=binding.description, severity="warning",
                            markup=False)
                return

    # ------------------------------------------------------------------ read-only actions
    def action_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{name}"
        target = {"trace": "#waterfall", "events": "#events", "data": "#json",
                  "overview": "#links"}[name]
        self.query_one(target).focus()

    def action_refresh(self) -> None:
        """Poll the run now. A finished run's poller has stopped; poll it once more (an action
        such as adding tags changes a finished run too)."""
        poller = self._poller
        if poller is None:
            return
        if poller.finished:
            self.run_worker(poller.poll_once(), group="detail-refresh", exit_on_error=False)
        else:
            poller.refresh_now()

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.run_id)
        self.notify(f"Copied {self.run_id}", markup=False)

    def action_copy_url(self) -> None:
        client = self.session.client
        origin = getattr(self.app, "dashboard_origin", None) or dashboard_origin(
            str(client.options.base_url))
        url = dashboard_url(origin, client.options.project_ref, self.run_id)
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied {url}", markup=False)

    def action_watch(self) -> None:
        """w: be told when this run ends, after leaving this screen too."""
        watch = getattr(self.app, "toggle_watch", None)
        if callable(watch):
            watch(f"run:{self.run_id}", self.run_id)

    def action_watch_task(self) -> None:
        run = self.run
        task = str(getattr(run, "task_identifier", "") or "") if run is not None else ""
        watch = getattr(self.app, "toggle_watch", None)
        if not task or not callable(watch):
            self.notify("The run's task is not known yet", severity="warning")
            return
        watch(f"task:{task}", f"task {task}")

    def action_queue(self) -> None:
        run = self.run
        name = queue_of(run, self.trace) if run is not None else ""
        if not name:
            self.notify("The run's queue is not known yet", severity="warning")
            return
        open_queue = getattr(self.app, "open_queue", None)
        if callable(open_queue):
            open_queue(name)
        else:
            self.notify(f"Queue {name}: there is no queues pane yet", markup=False)

    def action_batch(self) -> None:
        """The batch this run belongs to: its status, counts and runs."""
        run = self.run
        if run is None or not run.batch_id:
            self.notify("This run is not part of a batch", severity="warning")
            return
        from trigger_tui.ui.screens.batches import open_batch

        open_batch(self.app, run.batch_id)  # type: ignore[arg-type]

    def action_open_related(self, role: str) -> None:
        run = self.run
        other = getattr(run.related_runs, role, None) if run is not None else None
        if other is None:
            self.notify(f"This run has no {role} run", severity="warning")
            return
        self.open_run(other.id)

    @on(OptionList.OptionSelected, "#links")
    def _link_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.open_run(event.option.id.partition(":")[2])

    def open_run(self, run_id: str) -> None:
        open_run = getattr(self.app, "open_run", None)
        if callable(open_run):
            open_run(run_id)
        else:
            self.app.push_screen(RunDetailScreen(run_id))

    # ------------------------------------------------------------------ mutations
    def _touches(self, run: Run, what: str) -> Text:
        """What a confirmation names: the change, then the run, its task and environment."""
        env = self.environment or "?"
        return Text.assemble(
            printable(what, multiline=True), "\n\n",
            ("Run          ", "dim"), (run.id, "bold"), "\n",
            ("Task         ", "dim"), (printable(run.task_identifier), "bold"), "\n",
            ("Environment  ", "dim"), (env.upper() if env == "prod" else env, "bold"))

    async def _confirm(self, title: str, what: str, *, danger: bool, label: str) -> bool:
        from trigger_tui.ui.widgets.confirm import ConfirmScreen

        run = self.run
        if run is None:
            return False
        answer = await self.app.push_screen_wait(
            ConfirmScreen(title, self._touches(run, what), danger, confirm_label=label))
        return bool(answer)

    def _finish(self, result: ActionResult, again: Resend | None = None,
                title: str = "") -> None:
        """Say how the action ended (applied or why not) and re-read the run; an action that
        verifiably did nothing and may be sent again (`again`) is offered a retry."""
        self.notify(result.message, severity="information" if result.ok else "error",
                    markup=False)
        self.action_refresh()
        if again is not None and not result.ok and result.retry:
            self._offer_retry(result, again, title)

    def _offer_retry(self, result: ActionResult, again: Resend, title: str) -> None:
        from trigger_tui.ui.widgets.confirm import ConfirmScreen

        async def resend() -> None:
            self._finish(await again(), again, title)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(resend(), group="run-action", exclusive=True)

        self.app.push_screen(ConfirmScreen(
            f"{title} failed", f"{result.message}\n\nNothing was applied. Try again?",
            confirm_label="Retry"), answered)

    def action_cancel(self) -> None:
        self._cancel_flow()

    @work(group="run-action", exclusive=True)
    async def _cancel_flow(self) -> None:
        if await self._confirm("Cancel this run?", "The run stops; its in-progress child runs "
                               "are canceled too.", danger=True, label="Cancel run"):
            cancel = partial(self.session.actions.cancel, self.run_id)
            self._finish(await cancel(), cancel, "Cancel")

    def action_replay(self) -> None:
        self._replay_flow(None)

    def action_replay_edit(self) -> None:
        run = self.run
        if run is None:
            return
        text = json.dumps(run.payload, indent=2, ensure_ascii=False, default=str)
        if len(text) > MAX_EDIT_CHARS:
            self.notify(f"The payload is too large to edit here ({len(text):,} characters); "
                        "replay it unchanged with R", severity="warning", markup=False)
            return
        self._edit_flow(text)

    @work(group="run-action", exclusive=True)
    async def _edit_flow(self, text: str) -> None:
        run = self.run
        if run is None:
            return
        edited = await self.app.push_screen_wait(
            ReplayEditor(run.id, run.task_identifier, text))
        if edited is not None:
            await self._replay(edited)

    @work(group="run-action", exclusive=True)
    async def _replay_flow(self, edited: EditedPayload | None) -> None:
        await self._replay(edited)

    async def _replay(self, edited: EditedPayload | None) -> None:
        what = ("A new run of the same task starts with an edited payload." if edited
                else "A new run of the same task starts with the same payload.")
        if not await self._confirm("Replay this run?", what, danger=False, label="Replay"):
            return
        actions = self.session.actions
        replay = partial(actions.replay, self.run_id,
                         payload=None if edited is None else edited.value)
        result = await replay()
        self._finish(result, replay, "Replay")
        if result.ok and result.new_run_id:
            self.open_run(result.new_run_id)

    def action_reschedule(self) -> None:
        self._reschedule_flow()

    @work(group="run-action", exclusive=True)
    async def _reschedule_flow(self) -> None:
        run = self.run
        if run is None:
            return
        body = Content.assemble("Currently delayed until ",
                                when(run.delayed_until, self.now()), ".\nStart it after:")
        delay = await self.app.push_screen_wait(ValidatedPrompt(
            f"Reschedule {run.id}", body, "30m, 2h, 1d or 2026-01-02T09:00:00Z",
            lambda text: validate_delay(text, self.now())))
        if delay is None:
            return
        if await self._confirm("Reschedule this run?", f"The run starts after {delay} "
                               "instead.", danger=False, label="Reschedule"):
            reschedule = partial(self.session.actions.reschedule, self.run_id, delay)
            self._finish(await reschedule(), reschedule, "Reschedule")

    def action_tag(self) -> None:
        self._tag_flow()

    @work(group="run-action", exclusive=True)
    async def _tag_flow(self) -> None:
        run = self.run
        if run is None:
            return
        existing = list(run.tags)
        body = Content.assemble(("Tags now: ", "$text-muted"),
                                printable(", ".join(existing) or "none"),
                                f"\nAt most {MAX_TAGS} tags of {MAX_TAG_LEN} characters; "
                                "tags cannot be removed.")
        text = await self.app.push_screen_wait(ValidatedPrompt(
            f"Add tags to {run.id}", body, "tag-a, tag-b",
            lambda value: parse_tags(value, existing)[1]))
        if text is None:
            return
        tags, _ = parse_tags(text, existing)
        if await self._confirm("Add tags?", f"Adds {', '.join(tags)} (tags cannot be "
                               "removed later).", danger=False, label="Add tags"):
            add_tags = partial(self.session.actions.add_tags, self.run_id, tags)
            self._finish(await add_tags(), add_tags, "Add tags")

