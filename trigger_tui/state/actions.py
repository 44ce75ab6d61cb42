"""Actions: what a key press does to the API, and what the operator sees happen.

Each action shows its effect at once (an optimistic change in the Store, marked `pending` on
the run's row), sends one request, and ends in exactly one of two visible ways: applied (the
next poll confirms the change and the mark goes) or failed (an `ActionResult` with a human
message, the optimistic change rolled back; or, when the API accepted it but no poll ever
confirmed it, a Store notice). Nothing raises to the caller and nothing is dropped silently.

Read-only connections fail every action before a request is built. A replay or a bulk action
that timed out is never retried: the server does not deduplicate them, so a retry could start
a second run. When the answer to a cancel or a replay is lost (a timeout, a dropped
connection, a gateway's 502/504 that may have come after the API acted), the server is asked
what happened before anything is offered: a cancel re-reads the run, a replay looks for the
new run it would have made. Only an action verifiably not applied offers a retry
(`ActionResult.retry`); one the check could not settle says so, with what was checked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from trigger_tui.api import errors as E
from trigger_tui.api.resources.queues import QueueType
from trigger_tui.api.trql import TrqlFilterError
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.store import RunRow, Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

log = logging.getLogger(__name__)

UNKNOWN_OUTCOME = "unknown outcome: check the runs list before retrying"
UNKNOWN_BULK_OUTCOME = "unknown outcome: check the bulk actions list before retrying"
MAX_BULK_IDS = 500  # the API's limit on runIds per bulk action
BULK_DONE = frozenset({"COMPLETED", "ABORTED", "NOT_STARTED"})

BulkKind = Literal["cancel", "replay"]
MAX_QUEUE_LIMIT = 100_000  # the API's bound on a concurrency override
# How far before the request a replay's new run may be stamped (clock skew between this
# machine and the server), and how many candidates a check reads in full.
REPLAY_SKEW_S = 120.0
REPLAY_CANDIDATES = 20


@dataclass(frozen=True, slots=True)
class ActionResult:
    """How an action ended, worded for the operator."""

    ok: bool
    message: str
    new_run_id: str | None = None
    # Failed, verifiably without effect, and safe to send again: the screen offers a retry.
    retry: bool = False


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """A bulk action as last seen; `status` is the API's (PENDING, COMPLETED, ABORTED) or
    NOT_STARTED when it was refused or failed before the API accepted it."""

    id: str | None
    action: str
    status: str
    total: int = 0
    succeeded: int = 0
    failed: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.id is not None

    @property
    def done(self) -> bool:
        return self.status in BULK_DONE

    @property
    def processed(self) -> int:
        return self.succeeded + self.failed


class Actions:
    """The console's mutations. Every method returns a result; none raises API errors."""

    def __init__(self, client: TriggerClient, store: Store, *,
                 clock: Callable[[], float] = time.time, confirm_within_s: float = 20.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 clock_rate: float = 1.0) -> None:
        """`confirm_within_s` (sleep seconds) is how long an optimistic change may wait for a
        poll to confirm it; `clock_rate` as for pollers (clock seconds per sleep second)."""
        self.client = client
        self.store = store
        self.clock = clock
        self.confirm_within_s = confirm_within_s * clock_rate
        self._sleep = sleep

    @property
    def read_only(self) -> bool:
        return self.client.read_only

    # ------------------------------------------------------------------ runs
    async def cancel(self, run_id: str) -> ActionResult:
        what = f"cancel {run_id}"
        row = self.store.runs.get(run_id)
        if row is not None and row.is_final:
            return ActionResult(False, f"{run_id} already finished ({row.status}): "
                                "nothing to cancel")
        if self.read_only:
            return read_only_result(what)

        def explain(r: Any) -> str | None:
            return None if r.status == "CANCELED" else \
                f"{run_id} finished as {r.status} before the cancel reached it"

        self._expect(run_id, {"status": "CANCELED"}, "cancel", lambda r: r.is_final, what,
                     explain=explain)
        try:
            await self.client.runs.cancel(run_id)
        except Exception as exc:
            if answer_lost(exc):
                return await self._check_cancel(run_id, what, exc)
            self._roll_back(run_id)
            return failed_result(what, exc, repeatable=True)
        return ActionResult(True, f"cancel requested for {run_id}")

    async def _check_cancel(self, run_id: str, what: str, exc: Exception) -> ActionResult:
        """The cancel may have been applied: re-read the run before saying anything."""
        try:
            run = await self.client.runs.retrieve(run_id)
        except Exception as check:
            # Still unknown: the optimistic mark stays, so the next poll confirms the cancel or
            # rolls it back with a notice.
            return ActionResult(False, f"{what}: {UNKNOWN_OUTCOME} ({exc}); re-reading the run "
                                f"failed too ({check}); the next poll will tell")
        self.store.put("run_detail", run_id, run, now=self.clock())
        if run.status == "CANCELED":
            return ActionResult(True, f"{run_id} canceled (the answer was lost; re-reading the "
                                "run shows the cancel applied)")
        if run.is_final:
            self._roll_back(run_id)
            return ActionResult(False, f"{what}: the answer was lost; {run_id} has meanwhile "
                                f"finished as {run.status}: nothing to cancel")
        self._roll_back(run_id)
        return ActionResult(False, f"{what} failed: {exc}; re-reading the run shows it still "
                            f"{run.status}, so the cancel was not applied", retry=True)

    async def replay(self, run_id: str, payload: Any = None) -> ActionResult:
        """A new run of the same task (with `payload` instead of the original, if given)."""
        what = f"replay {run_id}"
        if self.read_only:
            return read_only_result(what)
        sent_at = self.clock()
        try:
            new_id = await self.client.runs.replay(run_id, payload=payload)
        except Exception as exc:
            if answer_lost(exc):
                return await self._check_replay(run_id, payload, sent_at, what, exc)
            return failed_result(what, exc, repeatable=False)
        self._show_new_run(new_id, self.store.runs.get(run_id), f"replay of {run_id}")
        return ActionResult(True, f"replayed {run_id} as {new_id}", new_run_id=new_id)

    async def _check_replay(self, run_id: str, payload: Any, sent_at: float, what: str,
                            exc: Exception) -> ActionResult:
        """The replay may have made a run; it is never sent again blindly (the server does
        not deduplicate replays). The API has no link from a replay to its original, so look
        for what a replay makes: a run of the same task, created since the request, with the
        original's tags and the payload that was sent."""
        unknown = f"{what}: {UNKNOWN_OUTCOME} ({exc})"
        try:
            found = await self._find_replays(run_id, payload, sent_at)
        except Exception as check:
            return ActionResult(False, f"{unknown}; checking the server failed too ({check})")
        if found:
            new_id = found[0]
            self._show_new_run(new_id, self.store.runs.get(run_id), f"replay of {run_id}")
            others = f" (and {', '.join(found[1:])})" if found[1:] else ""
            return ActionResult(False, f"{unknown}; checked: replay may have been applied: "
                                f"{new_id}{others} found, a new run of the same task with the "
                                "same payload and tags; not sent again", new_run_id=new_id)
        return ActionResult(False, f"{what} failed: {exc}; checked: no new run of the task "
                            "since the request, so the replay was not applied", retry=True)

    async def _find_replays(self, run_id: str, payload: Any, sent_at: float) -> list[str]:
        original = await self.client.runs.retrieve(run_id)
        wanted = original.payload if payload is None else payload
        since = sent_at - REPLAY_SKEW_S
        candidates = [r async for r in self.client.runs.list(
            task=original.task_identifier, from_=since, limit=REPLAY_CANDIDATES * 5)
            if r.id != run_id and r.created_at.timestamp() >= since
            and set(r.tags) == set(original.tags)]
        found = []
        for candidate in candidates[:REPLAY_CANDIDATES]:
            run = await self.client.runs.retrieve(candidate.id)
            if run.payload == wanted:
                found.append(run.id)
        return found

    async def reschedule(self, run_id: str, delay: str | datetime) -> ActionResult:
        """Move a delayed run's start: a duration from now (`"1h"`) or a date."""
        what = f"reschedule {run_id}"
        row = self.store.runs.get(run_id)
        if row is not None and row.status != "DELAYED":
            return ActionResult(False, f"only a delayed run can be rescheduled ({run_id} is "
                                f"{row.status})")
        if self.read_only:
            return read_only_result(what)
        self._expect(run_id, {}, "reschedule", lambda r: True, what, detail=False)
        try:
            run = await self.client.runs.reschedule(run_id, delay)
        except Exception as exc:
            self._roll_back(run_id)
            return failed_result(what, exc, repeatable=True)
        self.store.put("run_detail", run_id, run, now=self.clock())
        until = f" until {run.delayed_until:%Y-%m-%d %H:%M:%S} UTC" if run.delayed_until else ""
        return ActionResult(True, f"rescheduled {run_id}{until}")

    async def add_tags(self, run_id: str, tags: Iterable[str] | str) -> ActionResult:
        what = f"tag {run_id}"
        wanted = [tags] if isinstance(tags, str) else [t for t in tags]
        wanted = list(dict.fromkeys(t.strip() for t in wanted if t.strip()))
        if not wanted:
            return ActionResult(False, "no tags given")
        if self.read_only:
            return read_only_result(what)
        row = self.store.runs.get(run_id)
        detail = self.store.collection("run_detail").get(run_id)

        def merged(record: Any) -> list[str]:
            return sorted(set(record.tags) | set(wanted)) if record is not None else []

        def has_tags(r: Any) -> bool:
            return set(wanted) <= set(r.tags)

        self._expect(run_id, {"tags": tuple(merged(row))}, "tags", has_tags, what,
                     detail_changes={"tags": merged(detail)})
        try:
            await self.client.runs.add_tags(run_id, wanted)
        except Exception as exc:
            self._roll_back(run_id)
            return failed_result(what, exc, repeatable=True)
        return ActionResult(True, f"tagged {run_id} with {', '.join(wanted)}")

    # ------------------------------------------------------------------ bulk
    async def bulk(self, action: BulkKind, run_ids: Iterable[str] | None = None,
                   filter: RunFilter | None = None, *, name: str | None = None
                   ) -> BulkProgress:
        """Cancel or replay many runs through the bulk-actions API, by id (at most 500: what
        the operator selected) or by filter (what the API's runs filter matches)."""
        ids = list(dict.fromkeys(run_ids)) if run_ids is not None else None
        refusal = self._bulk_refusal(action, ids, filter)
        if refusal is not None:
            return BulkProgress(None, action, "NOT_STARTED", message=refusal)
        body_filter: dict[str, Any] | None = None
        if filter is not None:
            try:
                body_filter = filter.to_bulk_filter()
            except TrqlFilterError as exc:
                return BulkProgress(None, action, "NOT_STARTED", message=str(exc))
        marked = self._mark_bulk(ids or []) if action == "cancel" else []
        try:
            bulk_id = await self.client.bulk.create(action, run_ids=ids, filter=body_filter,
                                                    name=name)
        except Exception as exc:
            for rid in marked:
                self.store.drop_expectation("runs", rid, restore=True)
            result = failed_result(f"bulk {action}", exc, repeatable=False,
                             unknown=UNKNOWN_BULK_OUTCOME)
            return BulkProgress(None, action, "NOT_STARTED", message=result.message)
        progress = BulkProgress(bulk_id, action, "PENDING", total=len(ids or ()),
                                message=f"bulk {action} {bulk_id} started")
        self.store.put("bulk", bulk_id, progress)
        return progress

    def _bulk_refusal(self, action: str, ids: list[str] | None,
                      filter: RunFilter | None) -> str | None:
        if action not in ("cancel", "replay"):
            return f"unknown bulk action {action!r}: cancel or replay"
        if (ids is None) == (filter is None):
            return "give either the selected runs or a filter, not both"
        if ids is not None and not ids:
            return "no runs selected"
        if ids is not None and len(ids) > MAX_BULK_IDS:
            return (f"{len(ids)} runs selected: the API takes at most {MAX_BULK_IDS} per bulk "
                    "action; narrow the selection or act by filter")
        if self.read_only:
            return f"read-only connection: bulk {action} was not sent"
        return None

    def _mark_bulk(self, ids: list[str]) -> list[str]:
        """Mark the unfinished runs a bulk cancel will touch (no per-run notices: the bulk
        progress is what reports)."""
        marked = []
        until = self.clock() + self.confirm_within_s
        for rid in ids:
            row = self.store.runs.get(rid)
            if row is not None and not row.is_final:
                self.store.expect("runs", rid, {"pending": "cancel"},
                                  confirmed=_final, until=until,
                                  label=f"cancel {rid}", quiet=True)
                marked.append(rid)
        self.store.mark_stale(marked)
        return marked

    async def poll_bulk(self, bulk_id: str) -> BulkProgress:
        """The bulk action's progress now (also kept in `store.collection("bulk")`)."""
        known = self.store.collection("bulk").get(bulk_id)
        try:
            action = await self.client.bulk.retrieve(bulk_id)
        except Exception as exc:
            message = failed_result(f"progress of {bulk_id}", exc, repeatable=True).message
            if isinstance(known, BulkProgress):
                return BulkProgress(known.id, known.action, known.status, known.total,
                                    known.succeeded, known.failed, message)
            return BulkProgress(bulk_id, "", "UNKNOWN", message=message)
        progress = BulkProgress(
            bulk_id, action.type.lower(), action.status, action.counts.total,
            action.counts.success, action.counts.failure,
            f"bulk {action.type.lower()} {bulk_id}: {action.status.lower()}, "
            f"{action.counts.success + action.counts.failure}/{action.counts.total} done")
        self.store.put("bulk", bulk_id, progress)
        if progress.done:
            self.store.mark_stale(self.store.pending_keys("runs"))
        return progress

    async def follow_bulk(self, bulk_id: str, *, interval_s: float = 1.0) -> BulkProgress:
        """Poll the progress until the action is done (run it as a worker)."""
        while True:
            progress = await self.poll_bulk(bulk_id)
            if progress.done:
                return progress
            await self._sleep(max(0.5, interval_s))

    async def abort_bulk(self, bulk_id: str) -> ActionResult:
        what = f"abort {bulk_id}"
        if self.read_only:
            return read_only_result(what)
        try:
            await self.client.bulk.abort(bulk_id)
        except Exception as exc:
            return failed_result(what, exc, repeatable=True)
        await self.poll_bulk(bulk_id)
        return ActionResult(True, f"abort requested for {bulk_id}; runs it already handled "
                            "stay handled")

    # ------------------------------------------------------------------ queues
    async def pause_queue(self, queue_id: str, *, type: QueueType = "id") -> ActionResult:
        return await self._queue_state(queue_id, True, type)

    async def resume_queue(self, queue_id: str, *, type: QueueType = "id") -> ActionResult:
        return await self._queue_state(queue_id, False, type)

    async def override_queue(self, queue_id: str, limit: int | None) -> ActionResult:
        """Override a queue's concurrency limit, or (`None`) go back to its base limit."""
        what = (f"set the limit of queue {queue_id} to {limit}" if limit is not None
                else f"reset the limit of queue {queue_id}")
        if self.read_only:
            return read_only_result(what)
        if limit is not None and not 0 <= limit <= MAX_QUEUE_LIMIT:
            return ActionResult(False, f"{what}: the limit must be between 0 and "
                                       f"{MAX_QUEUE_LIMIT:,}")
        try:
            if limit is None:
                fresh = await self.client.queues.reset(queue_id)
            else:
                fresh = await self.client.queues.override(queue_id, limit)
        except Exception as exc:
            return failed_result(what, exc, repeatable=True)
        self.store.reconcile("queues", [fresh], now=self.clock())
        shown = "its base limit" if limit is None else str(limit)
        return ActionResult(True, f"queue {fresh.name}: concurrency limit now {shown}")

    async def _queue_state(self, queue: str, paused: bool, type: QueueType) -> ActionResult:
        verb = "pause" if paused else "resume"
        what = f"{verb} queue {queue}"
        if self.read_only:
            return read_only_result(what)
        key = queue if type == "id" else None
        if key is not None and self.store.collection("queues").get(key) is not None:
            self.store.expect("queues", key, {"paused": paused},
                              confirmed=lambda q: q.paused == paused,
                              until=self.clock() + self.confirm_within_s, label=what)
        try:
            call = self.client.queues.pause if paused else self.client.queues.resume
            fresh = await call(queue, type=type)
        except Exception as exc:
            if key is not None:
                self.store.drop_expectation("queues", key, restore=True)
            return failed_result(what, exc, repeatable=True)
        self.store.reconcile("queues", [fresh], now=self.clock())
        return ActionResult(True, f"queue {fresh.name} {'paused' if paused else 'resumed'}")

    # ------------------------------------------------------------------ optimistic changes
    def _expect(self, run_id: str, changes: dict[str, Any], pending: str,
                confirmed: Callable[[Any], bool], label: str, *,
                explain: Callable[[Any], str | None] | None = None, detail: bool = True,
                detail_changes: dict[str, Any] | None = None) -> None:
        """Show the change on the run's row (marked pending) and on its open detail, and ask
        the runs poller to re-read the run whatever the filter."""
        until = self.clock() + self.confirm_within_s
        if self.store.runs.get(run_id) is not None:
            self.store.expect("runs", run_id, {**changes, "pending": pending},
                              confirmed=confirmed, until=until, label=label, explain=explain)
        if detail and self.store.collection("run_detail").get(run_id) is not None:
            extra = detail_changes if detail_changes is not None else changes
            self.store.expect("run_detail", run_id, extra, confirmed=confirmed, until=until,
                              label=label, quiet=True)
        self.store.mark_stale([run_id])

    def _roll_back(self, run_id: str) -> None:
        """The request failed outright: nothing changed, so show the run as it was."""
        self.store.drop_expectation("runs", run_id, restore=True)
        self.store.drop_expectation("run_detail", run_id, restore=True)

    def _show_new_run(self, new_id: str, source: RunRow | None, label: str) -> None:
        """A placeholder row for a run just created, until the poller reads the real one."""
        if source is None or self.store.runs.get(new_id) is not None:
            self.store.mark_stale([new_id])
            return
        placeholder = RunRow(id=new_id, status="QUEUED", task=source.task,
                             created_at=self.clock(), version=source.version,
                             tags=source.tags, queue=source.queue, machine=source.machine,
                             is_test=source.is_test, pending="replay")
        self.store.expect("runs", new_id, {"pending": "replay"}, confirmed=lambda r: True,
                          until=self.clock() + self.confirm_within_s, label=label)
        self.store.upsert("runs", [placeholder])
        self.store.mark_stale([new_id])


def _final(record: Any) -> bool:
    return bool(record.is_final)


def read_only_result(what: str) -> ActionResult:
    return ActionResult(False, f"read-only connection: {what} was not sent")


GATEWAY_LOST = frozenset({502, 504})  # a proxy's answer: the API behind it may have acted


def answer_lost(exc: Exception) -> bool:
    """The request may have been acted on although no success came back: a timeout or a
    broken connection after sending, or a gateway's 502/504 (the proxy gave up on an API that
    may have done the work). The API's own 500/503 say it did not act."""
    if isinstance(exc, E.ApiConnectionError):
        return exc.may_have_reached_server
    return isinstance(exc, E.ApiError) and exc.status in GATEWAY_LOST


def retry_offered(exc: Exception, *, repeatable: bool) -> bool:
    """Whether sending the action again is both useful and safe: the API refused it for a
    passing reason without acting (429, 503, no connection made), or it failed in a way that
    repeating an idempotent call cannot make worse."""
    if isinstance(exc, E.ApiConnectionError):
        return repeatable or not exc.may_have_reached_server
    if isinstance(exc, E.RateLimitError) or (isinstance(exc, E.ApiError)
                                             and exc.status == 503):
        return True  # refused before anything was done (rate limit, not available now)
    if isinstance(exc, E.ApiError) and not isinstance(exc, E.NotSupportedError):
        return repeatable and (exc.status in (408, 409) or exc.status >= 500)
    return False


def failed_result(what: str, exc: Exception, *, repeatable: bool,
                  unknown: str = UNKNOWN_OUTCOME) -> ActionResult:
    """A failed action's result. A call that may have reached the server and must not be
    repeated has an unknown outcome, and says so; one that can be sent again offers a retry."""
    if isinstance(exc, E.ReadOnlyError):
        return read_only_result(what)
    if isinstance(exc, E.ApiConnectionError) and exc.may_have_reached_server and not repeatable:
        return ActionResult(False, f"{what}: {unknown} ({exc})")
    if isinstance(exc, E.TriggerError):
        return ActionResult(False, f"{what} failed: {exc}",
                            retry=retry_offered(exc, repeatable=repeatable))
    log.exception("%s failed unexpectedly", what)
    return ActionResult(False, f"{what} failed: unexpected {type(exc).__name__}: {exc}")
