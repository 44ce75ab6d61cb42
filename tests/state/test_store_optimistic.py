"""The Store's optimistic changes: shown at once, kept over polled records until confirmed,
rolled back (with a notice) when no poll confirms them in time."""

from __future__ import annotations

from trigger_tui.state.store import RunRow, Store


def _row(status: str = "EXECUTING", *, pending: str = "", duration_ms: int = 0) -> RunRow:
    return RunRow(id="run_1", status=status, task="t", created_at=1.0, pending=pending,
                  duration_ms=duration_ms)


def _cancel(store: Store, until: float = 10.0) -> None:
    store.expect("runs", "run_1", {"status": "CANCELED", "pending": "cancel"},
                 confirmed=lambda r: r.is_final, until=until, label="cancel run_1")


def test_an_expectation_overlays_polled_records_until_confirmed() -> None:
    store = Store()
    store.upsert("runs", [_row()])
    seen: list[frozenset[str]] = []
    store.subscribe("runs", seen.append)
    _cancel(store)
    assert store.runs.items["run_1"].status == "CANCELED"
    assert seen == [frozenset({"run_1"})]
    store.reconcile("runs", [_row(duration_ms=5)], now=2.0)  # not yet: the overlay stays
    assert store.runs.items["run_1"] == _row(status="CANCELED", pending="cancel", duration_ms=5)
    store.reconcile("runs", [_row("CANCELED")], now=3.0)  # confirmed
    assert store.runs.items["run_1"] == _row("CANCELED")
    assert not store.expectations and not store.notices


def test_an_unconfirmed_change_is_rolled_back_with_a_notice() -> None:
    store = Store()
    store.upsert("runs", [_row()])
    notes: list[frozenset[str]] = []
    store.subscribe("notices", notes.append)
    _cancel(store, until=10.0)
    store.reconcile("runs", [_row()], now=11.0)
    assert store.runs.items["run_1"] == _row()
    assert [n.level for n in store.notices] == ["warning"]
    assert "cancel run_1" in store.notices[0].message
    assert notes == [frozenset({"1"})]


def test_expire_restores_the_newest_polled_state() -> None:
    store = Store()
    store.upsert("runs", [_row()])
    _cancel(store, until=10.0)
    store.reconcile("runs", [_row(duration_ms=7)], now=5.0)
    store.expire(9.0)
    assert store.expectations
    store.expire(10.0)
    assert store.runs.items["run_1"] == _row(duration_ms=7)
    assert len(store.notices) == 1


def test_a_placeholder_is_removed_when_dropped_with_restore() -> None:
    store = Store()
    store.expect("runs", "run_new", {"pending": "replay"}, confirmed=lambda r: True,
                 until=10.0, label="replay")
    store.upsert("runs", [RunRow(id="run_new", status="QUEUED", task="t", created_at=1.0,
                                 pending="replay")])
    store.drop_expectation("runs", "run_new", restore=True)
    assert "run_new" not in store.runs.items


def test_put_settles_and_notifies_other_kinds() -> None:
    store = Store()
    seen: list[frozenset[str]] = []
    store.subscribe("trace", seen.append)
    assert store.put("trace", "run_1", {"spans": 1})
    assert not store.put("trace", "run_1", {"spans": 1})
    assert seen == [frozenset({"run_1"})]
    health: list[frozenset[str]] = []
    store.subscribe("health", health.append)
    store.notify("health", ["runs"])
    assert health == [frozenset({"runs"})]


def test_stale_ids_are_taken_once() -> None:
    store = Store()
    store.mark_stale(["a", "b"])
    assert store.take_stale() == {"a", "b"}
    assert store.take_stale() == set()
