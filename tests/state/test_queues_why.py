"""Why a queue waits, answered from the Store: each answer from data, worst first."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from trigger_tui.state.queues import STUCK_AFTER_S, is_stuck, why_waiting
from trigger_tui.state.store import RunRow, Store


def _queue(**kw: Any) -> Any:
    base = dict(id="queue_1", name="resize-image", type="task", running=0, queued=3,
                paused=False, concurrency_limit=5, concurrency=None)
    return SimpleNamespace(**{**base, **kw})


def test_a_draining_queue_has_nothing_blocking_it() -> None:
    store = Store()
    answers = why_waiting(store, _queue(running=2), now=1000.0)
    assert answers == [("ok", "3 waiting, 2 running: it is draining; nothing blocks it.")]


def test_limit_pending_version_delay_and_age_are_each_reported() -> None:
    store = Store()
    q = _queue(running=5)
    store.upsert("queues", [q])
    store.upsert("runs", [
        RunRow(id="run_a", status="PENDING_VERSION", task="resize-image", created_at=1.0,
               queue="task/resize-image"),
        RunRow(id="run_b", status="DELAYED", task="resize-image", created_at=2.0,
               queue="task/resize-image"),
        RunRow(id="run_c", status="PENDING_VERSION", task="other", created_at=3.0,
               queue="task/other"),
    ])
    store.put("queue_waits", "oldest", {"task/resize-image": 1000.0 - STUCK_AFTER_S - 60})
    answers = why_waiting(store, q, now=1000.0)
    grades = [g for g, _ in answers]
    assert grades == sorted(grades, key={"bad": 0, "warn": 1, "ok": 2}.__getitem__)
    text = " ".join(t for _, t in answers)
    assert "5/5 running" in text
    assert "1 runs wait for a deployment that has task resize-image" in text
    assert "1 runs are delayed" in text and "stuck" in text
    assert is_stuck(store, q, 1000.0) and not is_stuck(store, q, 1000.0 - 120)
