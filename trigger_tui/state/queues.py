"""Why a queue's runs are not running, answered from data the console already holds.

Pure functions over the Store (no request, no Textual): the queues poller keeps the queue list
and each queue's oldest waiting run; the runs poller keeps the runs in view.
"""

from __future__ import annotations

from typing import Any

from trigger_tui.humanize import duration
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.store import Store

STUCK_AFTER_S = 300.0  # a queue whose oldest run waited longer than this is "stuck"


def runs_name(queue: Any) -> str:
    """The queue as runs and TRQL name it: `task/<task id>` for a task's own queue."""
    return RunFilter.queue_filter(str(queue.name), str(queue.type))


def limit_of(queue: Any) -> int | None:
    if queue.concurrency is not None and queue.concurrency.current is not None:
        return int(queue.concurrency.current)
    return int(queue.concurrency_limit) if queue.concurrency_limit is not None else None


def oldest_wait_s(store: Store, queue: Any, now: float) -> float | None:
    """How long the queue's oldest waiting run has waited (None: nothing waits / not known)."""
    waits = store.collection("queue_waits").get("oldest") or {}
    since = waits.get(runs_name(queue))
    return None if since is None or not queue.queued else max(0.0, now - since)


def is_stuck(store: Store, queue: Any, now: float) -> bool:
    wait = oldest_wait_s(store, queue, now)
    return bool(queue.queued) and wait is not None and wait > STUCK_AFTER_S


def why_waiting(store: Store, queue: Any, now: float) -> list[tuple[str, str]]:
    """(grade, sentence) answers, worst first: grade is "bad", "warn" or "ok"."""
    name = runs_name(queue)
    limit = limit_of(queue)
    out: list[tuple[str, str]] = []
    if queue.paused:
        out.append(("bad", f"Paused: nothing starts from {name} until it is resumed (P)."))
    if limit is not None and queue.running >= limit:
        hint = " (limit 0: the queue is switched off)" if limit == 0 else ""
        out.append(("bad", f"At its concurrency limit: {queue.running}/{limit} running{hint}; "
                           "raise it with o, or wait for runs to finish."))
    queues = list(store.collection("queues").values())
    running_all = sum(q.running for q in queues)
    if limit is None or queue.running < limit:
        if not queue.paused and queue.queued and queue.running == 0 and running_all:
            out.append(("warn", f"The environment runs {running_all} runs across all queues: "
                                "if that is its concurrency limit, every queue waits."))
    task = name.removeprefix("task/") if name.startswith("task/") else None
    pending = [r for r in store.runs.values()
               if r.status == "PENDING_VERSION" and r.queue == name]
    if pending:
        what = f"task {task}" if task else "their task"
        out.append(("bad", f"{len(pending)} runs wait for a deployment that has {what} "
                           "(PENDING_VERSION): promote one in the deployments pane (5)."))
    delayed = sum(1 for r in store.runs.values() if r.status == "DELAYED" and r.queue == name)
    if delayed:
        out.append(("ok", f"{delayed} runs are delayed on purpose and join the queue later."))
    wait = oldest_wait_s(store, queue, now)
    if wait is not None and queue.queued:
        grade = "bad" if wait > STUCK_AFTER_S else "ok"
        out.append((grade, f"Oldest waiting run queued {duration(wait * 1000)} ago"
                           + (" — stuck." if wait > STUCK_AFTER_S else ".")
                           + " Runs with a TTL expire if they wait past it."))
    if not out:
        if queue.queued:
            out.append(("ok", f"{queue.queued} waiting, {queue.running} running: it is "
                              "draining; nothing blocks it."))
        else:
            out.append(("ok", "Nothing waits in this queue."))
    order = {"bad": 0, "warn": 1, "ok": 2}
    return sorted(out, key=lambda item: order[item[0]])
