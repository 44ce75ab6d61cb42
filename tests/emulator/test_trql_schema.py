"""The query schema and dashboards: the SDK's shapes, and dashboard queries that really run."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import Emu

RUNS_COLUMNS = [  # trql.md §2.1, in order
    "run_id", "environment", "project", "environment_type", "attempt_count", "status",
    "is_finished", "task_identifier", "queue", "batch_id", "root_run_id", "parent_run_id",
    "depth", "is_root_run", "is_child_run", "idempotency_key", "idempotency_key_scope", "region",
    "triggered_at", "queued_at", "dequeued_at", "executed_at", "completed_at", "delay_until",
    "has_delay", "expired_at", "ttl", "execution_duration", "total_duration", "queued_duration",
    "usage_duration", "compute_cost", "invocation_cost", "total_cost", "output", "error", "tags",
    "task_version", "sdk_version", "cli_version", "machine", "is_test", "is_warm_start",
    "concurrency_key", "max_duration", "bulk_action_group_ids",
]
FRIENDLY = ["Delayed", "Queued", "Pending version", "Dequeued", "Executing", "Waiting",
            "Reattempting", "Paused", "Canceled", "Interrupted", "Completed", "Failed",
            "System failure", "Crashed", "Expired", "Timed out"]


def _no_nulls(value: Any, path: str = "") -> None:
    assert value is not None, f"null at {path}"
    if isinstance(value, dict):
        for k, v in value.items():
            _no_nulls(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_nulls(v, f"{path}[{i}]")


async def test_schema_lists_the_tables_with_sdk_safe_shapes(emu: Emu) -> None:
    r = await emu.get("/api/v1/query/schema")
    assert r.status_code == 200
    body = r.json()
    _no_nulls(body)
    tables = {t["name"]: t for t in body["tables"]}
    assert list(tables) == ["runs", "metrics", "llm_metrics", "llm_models"]
    for table in tables.values():
        assert set(table) == {"name", "description", "timeColumn", "columns"}
        assert table["timeColumn"] in {c["name"] for c in table["columns"]}
        for column in table["columns"]:
            assert set(column) <= {"name", "type", "description", "example", "allowedValues",
                                   "coreColumn"}
            assert isinstance(column.get("example", ""), str)
            assert column.get("coreColumn", True) is True
    runs = tables["runs"]
    assert runs["timeColumn"] == "triggered_at"
    assert [c["name"] for c in runs["columns"]] == RUNS_COLUMNS
    by_name = {c["name"]: c for c in runs["columns"]}
    assert by_name["status"]["allowedValues"] == FRIENDLY
    assert [c["name"] for c in runs["columns"] if c.get("coreColumn")] == [
        "run_id", "status", "task_identifier", "triggered_at"]
    assert by_name["compute_cost"]["type"] == "Float64"
    assert by_name["output"]["type"] == "JSON"
    assert tables["metrics"]["timeColumn"] == "bucket_start"
    assert tables["llm_metrics"]["timeColumn"] == "start_time"


async def test_dashboards_are_listed(emu: Emu) -> None:
    r = await emu.get("/api/v1/query/dashboards")
    assert r.status_code == 200
    body = r.json()
    _no_nulls(body)
    assert [d["key"] for d in body["dashboards"]] == ["overview", "llm"]
    for dashboard in body["dashboards"]:
        assert dashboard["type"] == "builtIn"
        assert isinstance(dashboard["title"], str) and isinstance(dashboard["description"], str)
        ids = [w["id"] for w in dashboard["widgets"]]
        assert len(ids) == len(set(ids)) > 0
        for widget in dashboard["widgets"]:
            assert set(widget) == {"id", "title", "query", "type"}
            assert widget["type"] in ("bignumber", "chart", "table")


async def test_every_dashboard_widget_runs_and_returns_rows(emu: Emu) -> None:
    body = (await emu.get("/api/v1/query/dashboards")).json()
    for dashboard in body["dashboards"]:
        for widget in dashboard["widgets"]:
            r = await emu.post("/api/v1/query", {"query": widget["query"],
                                                 "scope": "environment", "format": "json"})
            assert r.status_code == 200, (widget["title"], r.text)
            assert r.json()["results"], widget["title"]
