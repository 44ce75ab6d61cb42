"""RunFilter: TRQL through api/trql.py, a one-line description, and a client-side `matches`
that agrees with what the TRQL selects on the emulator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import StateHarness
from trigger_tui.api.trql import TrqlFilterError
from trigger_tui.state.filters import RunFilter, api_status, period_seconds, ts_literal
from trigger_tui.state.pollers import RUN_SELECT, read_run


def test_to_trql_quotes_everything_the_user_typed() -> None:
    f = RunFilter(text="o'brien", statuses=frozenset({"FAILED"}),
                  tasks=frozenset({"send-email"}), queue="task/send-email", root_only=True)
    sql = f.to_trql(50)
    assert sql.startswith("SELECT run_id, status, task_identifier")
    assert "status IN ('Failed', 'Interrupted')" in sql
    assert "task_identifier = 'send-email'" in sql and "queue = 'task/send-email'" in sql
    assert "is_root_run = 1" in sql
    assert "ILIKE '%o''brien%'" in sql
    assert sql.endswith("ORDER BY triggered_at DESC LIMIT 50")
    assert f.window() == {"period": "24h"}


def test_a_run_id_searches_by_prefix() -> None:
    assert "run_id LIKE 'run\\\\_abc%'" in RunFilter(text="run_abc").to_trql()


def test_describe_is_one_line() -> None:
    assert RunFilter().describe() == "all runs · last 24h"
    f = RunFilter(statuses=frozenset({"FAILED", "CRASHED"}), tasks=frozenset({"send-email"}),
                  text="acme", root_only=True, period="1h")
    assert f.describe() == 'CRASHED, FAILED · task send-email · root runs only · "acme" · last 1h'
    start = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    custom = RunFilter(period=None, from_=start, to=start + timedelta(hours=2))
    assert custom.describe() == "all runs · 2026-01-01 09:30 UTC → 2026-01-01 11:30 UTC"
    assert RunFilter(period=None).describe() == "all runs · last 7d"


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"period": "yesterday"}, "not a duration"),
    ({"statuses": frozenset({"BROKEN"})}, "unknown run status"),
    ({"period": None, "from_": datetime(2026, 1, 1)}, "must carry a timezone"),  # noqa: DTZ001
])
def test_invalid_filters_are_refused_when_made(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(TrqlFilterError, match=words):
        RunFilter(**kwargs)  # type: ignore[arg-type]


def test_status_modes_and_toggles() -> None:
    assert RunFilter().status_mode == "all"
    failed = RunFilter(statuses=frozenset({"FAILED", "System failure"}))
    assert failed.status_mode == "final"
    assert failed.toggle_status("QUEUED").status_mode == "mixed"
    assert failed.toggle_status("FAILED").statuses == {"System failure"}
    assert RunFilter(tasks="send-email").tasks == {"send-email"}  # type: ignore[arg-type]


def test_windows() -> None:
    now = 1_767_225_600.0
    assert RunFilter(period="15m").window_bounds(now) == (now - 900, None)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    f = RunFilter(period=None, from_=start, to=start + timedelta(hours=1))
    assert f.window_bounds(now) == (start.timestamp(), start.timestamp() + 3600)
    assert f.window() == {"from_": start, "to": start + timedelta(hours=1)}
    assert RunFilter(period=None).window_bounds(now) == (now - 7 * 86400, None)
    assert period_seconds("90m") == 5400 and period_seconds("7d") == 7 * 86400


def test_literals_and_statuses() -> None:
    assert ts_literal(1_767_225_600.1234) == "'2026-01-01 00:00:00.123'"
    assert api_status("Reattempting") == "EXECUTING" and api_status("Paused") == "WAITING"
    assert api_status("Interrupted") == "FAILED"
    assert api_status("Some new status") == "SOME_NEW_STATUS"


def test_bulk_filter() -> None:
    f = RunFilter(statuses=frozenset({"FAILED", "Crashed"}), tasks=frozenset({"a", "b"}),
                  tags=frozenset({"vip"}), queue="task/a", version="20260101.1", period="1h")
    assert f.to_bulk_filter() == {
        "status": ["CRASHED", "FAILED", "INTERRUPTED"], "taskIdentifier": ["a", "b"],
        "tag": ["vip"], "version": ["20260101.1"], "queue": {"type": "task", "name": "a"},
        "period": "1h"}
    assert RunFilter(queue="emails").to_bulk_filter()["queue"] == \
        {"type": "custom", "name": "emails"}
    with pytest.raises(TrqlFilterError, match="root-only"):
        RunFilter(root_only=True).to_bulk_filter()
    assert RunFilter.queue_filter("send-email", "task") == "task/send-email"
    assert RunFilter.queue_filter("emails", "custom") == "emails"


FILTERS = [
    RunFilter(statuses=frozenset({"COMPLETED"})),
    RunFilter(statuses=frozenset({"EXECUTING", "QUEUED", "DELAYED", "WAITING"})),
    RunFilter(statuses=frozenset({"REATTEMPTING"})),
    RunFilter(tasks=frozenset({"send-email", "process-order"})),
    RunFilter(text="EMAIL"),
    RunFilter(text="hooli"),  # a tag
    RunFilter(root_only=True),
    RunFilter(queue="task/process-order"),
    RunFilter(tags=frozenset({"customer:acme", "llm"})),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
async def test_matches_agrees_with_the_trql(busy: StateHarness, f: RunFilter) -> None:
    """The poller decides on its own whether a run re-read by id still belongs in the view:
    it must decide exactly as the query would."""
    everything = await busy.client.query.execute(
        f"SELECT {RUN_SELECT} FROM runs LIMIT 10000", period="24h")
    filtered = await busy.client.query.execute(
        f"SELECT run_id FROM runs WHERE {' AND '.join(f.conjuncts())} LIMIT 10000",
        period="24h")
    by_trql = {r["run_id"] for r in filtered.rows or []}
    by_matches = set()
    for raw in everything.rows or []:
        polled = read_run(raw)
        if f.matches(polled.row, polled.trql_status):
            by_matches.add(polled.row.id)
    assert by_trql == by_matches
    assert by_trql or f.statuses == {"REATTEMPTING"}
