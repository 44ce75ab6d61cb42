"""Spans and logs for a run, derived on demand from its attempts (nothing is stored).

Each run's trace is a tree: the run span, one span per attempt, the spans and logs its code
emits at believable offsets, a wait span while it waited, and the child runs it triggered,
nested under that wait span. Offsets come from the run's recorded timings and a per-run seed,
so the same run always yields the same trace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.catalog import BY_ID
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run

MAX_DEPTH = 4


@dataclass
class SpanNode:
    id: str
    parent_id: str | None
    run_id: str
    message: str
    start: float
    duration: float
    kind: str = "INTERNAL"
    level: str = "TRACE"
    is_error: bool = False
    is_partial: bool = False
    is_cancelled: bool = False
    attempt: int | None = None
    icon: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    children: list[SpanNode] = field(default_factory=list)
    task_slug: str | None = None


def trace_id(run: Run, env: EnvWorld) -> str:
    root = env.runs.get(run.root_id) if run.root_id else run
    seed = (root or run).trace_seed
    return f"{random.Random(seed).getrandbits(128):032x}"


def _span_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def run_span_id(run: Run) -> str:
    return f"{random.Random(run.trace_seed ^ 0x5EED).getrandbits(64):016x}"


def build(env: EnvWorld, run: Run, parent_span: str | None = None, depth: int = 0) -> SpanNode:
    now = env.now
    rng = random.Random(run.trace_seed)
    final = run.status in S.FINAL
    end = run.finished_at if final and run.finished_at is not None else now
    root = SpanNode(
        id=run_span_id(run), parent_id=parent_span, run_id=run.id, message=run.task,
        start=run.created_at, duration=max(0.0, end - run.created_at), kind="SERVER",
        is_error=run.status in S.FAILED_FINAL, is_partial=not final,
        is_cancelled=run.status == S.CANCELED, icon="task", task_slug=run.task,
        properties={"queueName": run.queue, "machinePreset": run.machine,
                    "workerVersion": run.version or ""},
    )
    spec = BY_ID.get(run.task)
    for attempt in run.attempts:
        a_end = attempt.ended_at if attempt.ended_at is not None else now
        a_len = max(0.001, a_end - attempt.started_at)
        node = SpanNode(
            id=_span_id(rng), parent_id=root.id, run_id=run.id,
            message=f"Attempt {attempt.number}", start=attempt.started_at, duration=a_len,
            is_error=attempt.error is not None, is_partial=attempt.ended_at is None,
            attempt=attempt.number, icon="attempt", task_slug=run.task,
        )
        if attempt.error is not None:
            node.events.append({
                "name": "exception", "time": iso(a_end),
                "properties": {"exception": {
                    "type": attempt.error.get("name") or attempt.error.get("code", "Error"),
                    "message": attempt.error.get("message", ""),
                    "stacktrace": attempt.error.get("stackTrace", ""),
                }},
            })
        logs = spec.logs if spec else ()
        for i, text in enumerate(logs):
            at = attempt.started_at + a_len * (0.05 + 0.85 * i / max(1, len(logs)))
            if at <= a_end:
                node.children.append(SpanNode(
                    id=_span_id(rng), parent_id=node.id, run_id=run.id, message=text, start=at,
                    duration=0.0, kind="LOG", level="INFO", attempt=attempt.number,
                    task_slug=run.task))
        for sp in spec.spans if spec else ():
            s_start = attempt.started_at + a_len * sp.start * rng.uniform(0.9, 1.0)
            if s_start > a_end:
                continue
            s_len = min(a_len * sp.length, a_end - s_start)
            node.children.append(SpanNode(
                id=_span_id(rng), parent_id=node.id, run_id=run.id, message=sp.message,
                start=s_start, duration=s_len, kind=sp.kind, attempt=attempt.number,
                icon=sp.icon or None, task_slug=run.task,
                is_partial=attempt.ended_at is None and s_start + s_len >= now))
        if spec is not None and (spec.children or spec.waits_token) and attempt.number == len(
            run.attempts
        ) and (run.children or run.waiting_on or spec.waits_token):
            kids = [env.runs[c] for c in run.children if c in env.runs]
            wait_start = min((k.created_at for k in kids), default=None)
            if wait_start is not None or spec.waits_token:
                label = "triggerAndWait()" if kids else "wait.forToken()"
                w_start = wait_start if wait_start is not None else attempt.started_at + a_len / 3
                wait = SpanNode(
                    id=_span_id(rng), parent_id=node.id, run_id=run.id, message=label,
                    start=w_start, duration=max(0.0, a_end - w_start) * 0.9, icon="wait",
                    attempt=attempt.number, task_slug=run.task,
                    is_partial=run.status == S.WAITING_TO_RESUME)
                if depth < MAX_DEPTH:
                    wait.children = [build(env, k, wait.id, depth + 1) for k in kids]
                node.children.append(wait)
        node.children.sort(key=lambda n: n.start)
        root.children.append(node)
    return root


def span_json(node: SpanNode) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message": node.message,
        "taskSlug": node.task_slug,
        "events": node.events,
        "startTime": iso(node.start),
        "duration": int(node.duration * 1e9),
        "isError": node.is_error,
        "isPartial": node.is_partial,
        "isCancelled": node.is_cancelled,
        "level": node.level,
        "attemptNumber": node.attempt,
        "properties": node.properties or None,
        "workerVersion": node.properties.get("workerVersion") or None,
        "queueName": node.properties.get("queueName"),
        "machinePreset": node.properties.get("machinePreset"),
    }
    out: dict[str, Any] = {
        "id": node.id,
        "runId": node.run_id,
        "data": {k: v for k, v in data.items() if v is not None},
        "children": [span_json(c) for c in node.children],
    }
    if node.parent_id is not None:
        out["parentId"] = node.parent_id
    return out


def events_json(env: EnvWorld, run: Run) -> list[dict[str, Any]]:
    """The run's own spans and logs, flattened (child runs have their own events)."""
    out: list[dict[str, Any]] = []

    def walk(node: SpanNode) -> None:
        if node.run_id != run.id:
            return
        out.append({
            "spanId": node.id,
            "parentId": node.parent_id,
            "runId": node.run_id,
            "message": node.message,
            "style": {"icon": node.icon} if node.icon else {},
            "startTime": str(int(node.start * 1e9)),
            "duration": int(node.duration * 1e9),
            "isError": node.is_error,
            "isPartial": node.is_partial,
            "isCancelled": node.is_cancelled,
            "level": node.level,
            "kind": node.kind,
            "attemptNumber": node.attempt,
            "taskSlug": node.task_slug,
            "events": node.events,
        })
        for child in node.children:
            walk(child)

    walk(build(env, run))
    return out
