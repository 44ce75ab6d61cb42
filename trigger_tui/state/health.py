"""The health summary, in the spirit of `trigger.dev report health`: three questions answered
from what the Store already holds, with no request of its own.

- Is work flowing? Runs waiting vs running (the queues' counts when the queues poller has
  answered: they cover every run, where the Store holds only the runs view), and runs that
  finished in the window.
- Are failures your code or the platform? FAILED (the task threw) vs SYSTEM_FAILURE and
  CRASHED (the run never got to report) among the runs that finished in the window.
- Is the data fresh? Each poller's health record.

Pure functions over the Store and a `now`, so they are tested without Textual. This module
also records "this server lacks the endpoint" for the operations pollers (`mark_unsupported`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from trigger_tui.humanize import count
from trigger_tui.state.store import QUEUED_STATUSES, RUNNING_STATUSES, Store

if TYPE_CHECKING:
    from trigger_tui.state.pollers import Poller

WINDOW_S = 900.0  # "the last 15 minutes"
CODE_FAILURES = frozenset({"FAILED"})
PLATFORM_FAILURES = frozenset({"SYSTEM_FAILURE", "CRASHED"})
UNSUPPORTED_KIND = "unsupported"  # poller name -> the server's "not supported" message


def mark_unsupported(poller: Poller, message: str) -> None:
    """The server lacks this poller's endpoint: say so once and stop polling. Its health record
    leaves the Store, since a resource that cannot exist is neither fresh nor failing."""
    poller.store.put(UNSUPPORTED_KIND, poller.name, message)
    poller.finished = True
    poller.store.health.pop(poller.name, None)
    poller.store.notify("health", (poller.name,))


@dataclass(frozen=True, slots=True)
class Flow:
    queued: int
    running: int
    finished: int  # in the window
    completed: int  # in the window, successfully
    paused_queues: int
    from_queues: bool  # queued/running come from the queues (every run), not the runs view

    @property
    def verdict(self) -> str:
        if self.queued and not self.running and not self.finished:
            return "stalled"  # work waits and nothing moves
        if self.paused_queues and self.queued:
            return "partly paused"
        if not (self.queued or self.running or self.finished):
            return "idle"
        return "flowing"


@dataclass(frozen=True, slots=True)
class Failures:
    code: int  # FAILED: the task's own code threw
    platform: int  # SYSTEM_FAILURE / CRASHED
    other: int  # TIMED_OUT, INTERRUPTED: limits and interruptions
    finished: int

    @property
    def verdict(self) -> str:
        if not (self.code or self.platform or self.other):
            return "no failures"
        if self.platform > self.code:
            return "mostly the platform"
        if self.code > self.platform:
            return "mostly your code"
        return "mixed"

    @property
    def rate(self) -> float:
        failed = self.code + self.platform + self.other
        return failed / self.finished if self.finished else 0.0


@dataclass(frozen=True, slots=True)
class Freshness:
    states: tuple[tuple[str, str, float | None], ...]  # (poller, state, age of last success)

    @property
    def verdict(self) -> str:
        for state in ("failing", "stale", "connecting"):
            if any(s == state for _, s, _ in self.states):
                return state
        return "fresh" if self.states else "connecting"


@dataclass(frozen=True, slots=True)
class HealthSummary:
    flow: Flow
    failures: Failures
    freshness: Freshness
    window_s: float


def flow(store: Store, now: float, window_s: float = WINDOW_S) -> Flow:
    queues = list(store.collection("queues").values())
    finished = [r for r in store.runs.values()
                if r.finished_at is not None and now - r.finished_at <= window_s]
    completed = sum(1 for r in finished if r.status == "COMPLETED")
    if queues:
        queued = sum(int(q.queued) for q in queues)
        running = sum(int(q.running) for q in queues)
    else:
        queued = sum(1 for r in store.runs.values() if r.status in QUEUED_STATUSES)
        running = sum(1 for r in store.runs.values() if r.status in RUNNING_STATUSES)
    paused = sum(1 for q in queues if q.paused)
    return Flow(queued, running, len(finished), completed, paused, bool(queues))


def failures(store: Store, now: float, window_s: float = WINDOW_S) -> Failures:
    code = platform = other = finished = 0
    for r in store.runs.values():
        if r.finished_at is None or now - r.finished_at > window_s:
            continue
        finished += 1
        if r.status in CODE_FAILURES:
            code += 1
        elif r.status in PLATFORM_FAILURES:
            platform += 1
        elif r.is_failed:
            other += 1
    return Failures(code, platform, other, finished)


def freshness(store: Store, now: float) -> Freshness:
    states = tuple(
        (name, h.state(now), None if h.last_success is None else now - h.last_success)
        for name, h in sorted(store.health.items()) if not name.startswith("run:"))
    return Freshness(states)


def summarise(store: Store, now: float, window_s: float = WINDOW_S) -> HealthSummary:
    return HealthSummary(flow(store, now, window_s), failures(store, now, window_s),
                         freshness(store, now), window_s)


def _span(seconds: float) -> str:
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m" if s < 3600 else f"{s // 3600}h"


def lines(summary: HealthSummary) -> list[tuple[str, str, str]]:
    """The three answers as (question, level, text); level is ok, warn or bad."""
    f, x, d = summary.flow, summary.failures, summary.freshness
    window = _span(summary.window_s)
    flow_level = {"stalled": "bad", "partly paused": "warn"}.get(f.verdict, "ok")
    source = "all queues" if f.from_queues else "runs in view"
    flow_text = (f"{f.verdict}: {f.queued:,} waiting · {f.running:,} running ({source}) · "
                 f"{f.finished:,} finished in the last {window} ({f.completed:,} completed)"
                 + (f" · {count(f.paused_queues, 'queue')} paused" if f.paused_queues else ""))
    fail_level = "bad" if x.platform else "warn" if (x.code or x.other) else "ok"
    fail_text = (f"{x.verdict}: {x.code:,} FAILED (your code) · {x.platform:,} "
                 f"SYSTEM_FAILURE/CRASHED (platform) · {x.other:,} timed out/interrupted · "
                 f"{x.rate:.0%} of {x.finished:,} finished in the last {window}")
    data_level = {"failing": "bad", "stale": "warn", "connecting": "warn"}.get(d.verdict, "ok")
    parts = [f"{name} {state}" + (f" ({_span(age)} ago)" if age is not None else "")
             for name, state, age in d.states]
    data_text = f"{d.verdict}: " + (" · ".join(parts) if parts else "no poller has answered")
    return [("Is work flowing?", flow_level, flow_text),
            ("Your code or the platform?", fail_level, fail_text),
            ("Is the data fresh?", data_level, data_text)]
