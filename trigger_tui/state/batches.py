"""Batches and triggering: what the batch view reads, and the trigger dialog's validation and
action.

Nothing here polls: a batch is read when its view opens (its runs through the REST runs list,
`filter[batch]`), and a trigger is one request. The trigger form is validated entirely before
anything is sent, so an invalid JSON payload or a malformed option never reaches the API; the
limits are the API's (10 tags of at most 128 characters, the machine presets, duration strings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from trigger_tui.api.models.batches import Batch
from trigger_tui.api.models.runs import RunListItem
from trigger_tui.api.models.tasks import BatchItem
from trigger_tui.humanize import count
from trigger_tui.state.actions import ActionResult, failed_result, read_only_result
from trigger_tui.state.store import RunRow, Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

MAX_BATCH_RUNS = 1000
MAX_BATCH_ITEMS = 500  # the API's limit per batch
MACHINES = ("micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x")
MAX_TAGS = 10
MAX_TAG_CHARS = 128
MAX_IDEMPOTENCY_KEY = 2048
DURATION_RE = re.compile(r"^(\d+(w|d|hr|h|m|s))+$")  # the API's duration grammar


# --------------------------------------------------------------------------- batches
@dataclass(frozen=True, slots=True)
class BatchView:
    batch: Batch
    runs: list[RunListItem]

    def describe(self) -> str:
        b = self.batch
        errors = len(b.processing.errors) if b.processing is not None else 0
        text = f"{b.status} · {count(b.run_count, 'item')}"
        return text + (f" · {errors} items failed to trigger" if errors else "")


async def load_batch(client: TriggerClient, batch_id: str) -> BatchView:
    """The batch and its runs (newest first, up to MAX_BATCH_RUNS)."""
    batch = await client.batches.retrieve(batch_id)
    runs = [r async for r in client.runs.list(batch=batch_id, limit=MAX_BATCH_RUNS)]
    return BatchView(batch, runs)


# --------------------------------------------------------------------------- trigger
@dataclass(slots=True)
class TriggerForm:
    """The dialog's fields as typed (all text)."""

    task: str = ""
    payload: str = "{}"
    delay: str = ""
    ttl: str = ""
    tags: str = ""
    queue: str = ""
    concurrency_key: str = ""
    idempotency_key: str = ""
    machine: str = ""


@dataclass(slots=True)
class TriggerRequest:
    """A validated trigger: the arguments of `client.tasks.trigger`."""

    task: str
    payload: Any
    options: dict[str, Any] = field(default_factory=dict)


class FormError(ValueError):
    """A field that cannot be sent, named and explained."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def parse_payload(text: str) -> Any:
    """The payload JSON; an empty editor sends no payload. Invalid JSON says where."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormError("payload", f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg}") from exc
    except RecursionError:  # the decoder recurses per level: `[[[[…` exhausts the stack
        raise FormError("payload", "invalid JSON: nested too deeply") from None


def _duration_or_date(name: str, text: str) -> str:
    if DURATION_RE.match(text):
        return text
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise FormError(name, f"{text!r} is neither a duration (30s, 5m, 1h, 2d, 1w) "
                        "nor an ISO date") from None
    return text


def validate(form: TriggerForm) -> TriggerRequest:
    """The request the form describes, or the first FormError (nothing is sent then)."""
    task = form.task.strip()
    if not task:
        raise FormError("task", "choose a task")
    payload = parse_payload(form.payload)
    options: dict[str, Any] = {}
    if delay := form.delay.strip():
        options["delay"] = _duration_or_date("delay", delay)
    if ttl := form.ttl.strip():
        if not (ttl.isdigit() or DURATION_RE.match(ttl)):
            raise FormError("ttl", f"{ttl!r} is not a duration (10m, 1h) or a number of seconds")
        options["ttl"] = int(ttl) if ttl.isdigit() else ttl
    if tags := _tags(form.tags):
        options["tags"] = tags
    if queue := form.queue.strip():
        options["queue"] = queue
    if key := form.concurrency_key.strip():
        options["concurrency_key"] = key
    if key := form.idempotency_key.strip():
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise FormError("idempotency key", f"at most {MAX_IDEMPOTENCY_KEY} characters")
        options["idempotency_key"] = key
    if machine := form.machine.strip():
        if machine not in MACHINES:
            raise FormError("machine", f"{machine!r} is not a preset ({', '.join(MACHINES)})")
        options["machine"] = machine
    return TriggerRequest(task, payload, options)


def _tags(text: str) -> list[str]:
    tags = [t.strip() for t in text.split(",") if t.strip()]
    if len(tags) > MAX_TAGS:
        raise FormError("tags", f"at most {MAX_TAGS} tags ({len(tags)} given)")
    long = next((t for t in tags if len(t) > MAX_TAG_CHARS), None)
    if long is not None:
        raise FormError("tags", f"a tag has at most {MAX_TAG_CHARS} characters "
                        f"({long[:20]}… has {len(long)})")
    return tags


def known_tasks(store: Store) -> list[str]:
    """Task identifiers the console has seen: in the runs, and the queues of type task."""
    tasks = {r.task for r in store.runs.values() if r.task}
    tasks.update(q.name for q in store.collection("queues").values()
                 if getattr(q, "type", "") == "task")
    return sorted(tasks)


async def trigger(client: TriggerClient, store: Store,
                  request: TriggerRequest) -> ActionResult:
    """Send one trigger; the new run is asked of the runs poller at once. A timeout is not
    retried (a retry without an idempotency key could start a second run)."""
    what = f"trigger {request.task}"
    if client.read_only:
        return read_only_result(what)
    try:
        run = await client.tasks.trigger(request.task, request.payload, **request.options)
    except Exception as exc:
        return failed_result(what, exc, repeatable="idempotency_key" in request.options)
    store.mark_stale([run.id])
    cached = " (an existing run: same idempotency key)" if run.is_cached else ""
    return ActionResult(True, f"triggered {request.task} as {run.id}{cached}",
                        new_run_id=run.id)


def validate_batch(form: TriggerForm) -> list[BatchItem]:
    """One item per element of the payload array, each with the form's options. An
    idempotency key is refused: every item would carry it, and all but one would be cached."""
    request = validate(form)
    if not isinstance(request.payload, list) or not request.payload:
        raise FormError("payload", "a batch payload is a JSON array with one item per run")
    if len(request.payload) > MAX_BATCH_ITEMS:
        raise FormError("payload", f"at most {MAX_BATCH_ITEMS} items in a batch "
                        f"({len(request.payload)} given)")
    if "idempotency_key" in request.options:
        raise FormError("idempotency key", "not with a batch (every item would share it)")
    return [BatchItem(request.task, item, **request.options) for item in request.payload]


async def batch_trigger(client: TriggerClient, store: Store,
                        items: list[BatchItem]) -> tuple[ActionResult, str | None]:
    """Send one batch; the result and the new batch's id. Both phases are idempotent in the
    client, so a retry is safe."""
    what = f"batch-trigger {items[0].task}" if items else "batch-trigger"
    if client.read_only:
        return read_only_result(what), None
    try:
        handle = await client.tasks.batch_trigger(items)
    except Exception as exc:
        return failed_result(what, exc, repeatable=True), None
    return ActionResult(True, f"batch {handle.id}: {handle.run_count} runs of "
                        f"{items[0].task}"), handle.id


def describe_options(options: dict[str, Any]) -> Iterable[str]:
    for name, value in options.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        yield f"{name.replace('_', ' ')}: {shown}"


@dataclass(frozen=True, slots=True)
class SeenBatch:
    """A batch known only from runs in the Store (its full state is read when opened)."""

    id: str
    runs: tuple[RunRow, ...]
    tasks: tuple[str, ...]
    newest: float


def seen_batches(store: Store) -> list[SeenBatch]:
    """The batches of the runs in the Store, newest first."""
    by_batch: dict[str, list[RunRow]] = {}
    for r in store.runs.values():
        if r.batch_id:
            by_batch.setdefault(r.batch_id, []).append(r)
    out = [SeenBatch(bid, tuple(rows), tuple(sorted({r.task for r in rows})),
                     max(r.created_at for r in rows)) for bid, rows in by_batch.items()]
    return sorted(out, key=lambda b: (-b.newest, b.id))
