"""The Store: change notifications carry exactly the ids that changed; retention is bounded."""

from __future__ import annotations

from dataclasses import replace

from trigger_tui.state.store import Health, RunRow, Store


def _row(i: int, status: str = "QUEUED") -> RunRow:
    return RunRow(id=f"run_{i}", status=status, task="t", created_at=float(i))


def test_subscribers_get_only_changed_ids_and_revision_moves() -> None:
    store = Store()
    seen: list[frozenset[str]] = []
    unsubscribe = store.subscribe("runs", seen.append)
    store.upsert("runs", [_row(1), _row(2)])
    rev = store.runs.revision
    store.upsert("runs", [_row(1), _row(2, "EXECUTING")])
    store.upsert("runs", [_row(1), _row(2, "EXECUTING")])  # nothing changed: no callback
    assert seen == [frozenset({"run_1", "run_2"}), frozenset({"run_2"})]
    assert store.runs.revision == rev + 1
    unsubscribe()
    store.upsert("runs", [_row(3)])
    assert len(seen) == 2


def test_replace_all_removes_missing_records() -> None:
    store = Store()
    store.upsert("queues", [_row(1), _row(2)])
    changed = store.upsert("queues", [_row(2)], replace_all=True)
    assert changed == {"run_1"}
    assert list(store.collection("queues").items) == ["run_2"]


def test_runs_keep_the_newest_n() -> None:
    store = Store(max_runs=3)
    changed = store.upsert("runs", [_row(i) for i in (5, 1, 4, 2, 3)])
    assert sorted(store.runs.items) == ["run_3", "run_4", "run_5"]
    assert changed >= {"run_3", "run_4", "run_5"}


def test_patch_run_is_an_optimistic_change_that_notifies() -> None:
    store = Store()
    store.upsert("runs", [_row(1, "EXECUTING")])
    seen: list[frozenset[str]] = []
    store.subscribe("runs", seen.append)
    new = store.patch_run("run_1", status="CANCELED")
    assert new == replace(_row(1), status="CANCELED")
    assert seen == [frozenset({"run_1"})]
    assert store.patch_run("run_missing", status="CANCELED") is None


def test_health_states() -> None:
    h = Health("runs", interval_s=2.0)
    assert h.state(100.0) == "connecting"
    h.last_success = 100.0
    assert h.state(103.0) == "fresh"
    assert h.state(105.0) == "stale"
    h.consecutive_failures = 2
    assert h.state(105.0) == "failing"
    assert h.state(101.0) == "fresh"
