"""The health summary as pure functions over a Store (no Textual, no API)."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_tui.state.health import failures, flow, freshness, lines, summarise
from trigger_tui.state.store import RunRow, Store

NOW = 1_000_000.0


@dataclass(frozen=True)
class Q:
    id: str
    queued: int
    running: int
    paused: bool = False


def run(i: int, status: str, finished_ago: float | None = None) -> RunRow:
    finished = None if finished_ago is None else NOW - finished_ago
    return RunRow(id=f"run_{i}", status=status, task="t", created_at=NOW - 3600,
                  finished_at=finished)


def store_with(*rows: RunRow, queues: tuple[Q, ...] = ()) -> Store:
    s = Store()
    s.upsert("runs", rows)
    s.upsert("queues", queues)
    return s


def test_failures_split_code_from_platform_within_the_window_only() -> None:
    s = store_with(run(1, "FAILED", 60), run(2, "FAILED", 100), run(3, "CRASHED", 10),
                   run(4, "SYSTEM_FAILURE", 899), run(5, "SYSTEM_FAILURE", 901),
                   run(6, "COMPLETED", 5), run(7, "TIMED_OUT", 5), run(8, "EXECUTING"))
    f = failures(s, NOW)
    assert (f.code, f.platform, f.other, f.finished) == (2, 2, 1, 6)
    assert f.verdict == "mixed" and round(f.rate, 2) == 0.83
    assert failures(store_with(run(1, "CRASHED", 1)), NOW).verdict == "mostly the platform"
    assert failures(store_with(run(1, "FAILED", 1)), NOW).verdict == "mostly your code"
    assert failures(store_with(run(1, "COMPLETED", 1)), NOW).verdict == "no failures"


def test_flow_prefers_the_queues_counts_and_sees_a_stall() -> None:
    rows = (run(1, "QUEUED"), run(2, "EXECUTING"), run(3, "COMPLETED", 30))
    f = flow(store_with(*rows), NOW)
    assert (f.queued, f.running, f.finished, f.completed, f.from_queues) == (1, 1, 1, 1, False)
    f = flow(store_with(*rows, queues=(Q("a", 40, 3), Q("b", 2, 0, paused=True))), NOW)
    assert (f.queued, f.running, f.paused_queues, f.from_queues) == (42, 3, 1, True)
    assert f.verdict == "partly paused"
    stalled = flow(store_with(run(1, "COMPLETED", 2000), queues=(Q("a", 9, 0),)), NOW)
    assert stalled.verdict == "stalled"
    assert flow(store_with(), NOW).verdict == "idle"


def test_freshness_is_the_worst_poller_and_ignores_run_detail_pollers() -> None:
    s = store_with()
    s.health_of("runs", 2.0).last_success = NOW - 1
    s.health_of("queues", 5.0).last_success = NOW - 30
    s.health_of("run:run_1", 2.0)  # one open run's detail: not the data's freshness
    d = freshness(s, NOW)
    assert d.verdict == "stale" and [n for n, _, _ in d.states] == ["queues", "runs"]
    s.health["queues"].consecutive_failures = 3
    assert freshness(s, NOW).verdict == "failing"
    assert freshness(Store(), NOW).verdict == "connecting"


def test_lines_grade_each_answer() -> None:
    s = store_with(run(1, "CRASHED", 5), queues=(Q("a", 9, 0),))
    s.health_of("runs", 2.0).last_success = NOW
    out = lines(summarise(s, NOW))
    assert [level for _, level, _ in out] == ["ok", "bad", "ok"]
    assert "1 SYSTEM_FAILURE/CRASHED (platform)" in out[1][2]
    assert "9 waiting" in out[0][2] and "last 15m" in out[0][2]
    assert out[2][2].startswith("fresh: runs fresh (0s ago)")
