"""`client.query` against the emulator: TRQL as a read sent with POST."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.api.conftest import Harness, make_harness
from trigger_tui.api import errors as E

COUNT_BY_TASK = ("SELECT task_identifier, count() AS n FROM runs GROUP BY task_identifier "
                 "ORDER BY n DESC LIMIT 3")


async def test_execute_json_and_csv(busy: Harness) -> None:
    result = await busy.client.query.execute(COUNT_BY_TASK, period="1h")
    assert json.loads(busy.sent[-1].content) == {"query": COUNT_BY_TASK,
                                                 "scope": "environment", "period": "1h",
                                                 "format": "json"}
    assert result.format == "json" and result.rows is not None and len(result.rows) == 3
    assert set(result.rows[0]) == {"task_identifier", "n"}
    assert result.rows[0]["n"] >= result.rows[-1]["n"]
    csv = await busy.client.query.execute(COUNT_BY_TASK, format="csv")
    assert csv.format == "csv" and csv.rows is None
    assert csv.csv is not None and csv.csv.splitlines()[0] == "task_identifier,n"


async def test_from_and_to_go_as_iso_strings(busy: Harness) -> None:
    start = datetime.fromtimestamp(busy.clock.now() - 600, tz=UTC)
    await busy.client.query.execute("SELECT count() AS n FROM runs", from_=start,
                                    to=busy.clock.now(), scope="project")
    body = json.loads(busy.sent[-1].content)
    assert body["from"] == start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert body["to"].endswith("Z") and body["scope"] == "project"


async def test_a_bad_query_is_a_bad_request_with_the_parsers_words(api: Harness) -> None:
    with pytest.raises(E.BadRequestError, match="Syntax error"):
        await api.client.query.execute("SELEC nope")
    assert len(api.log) == 1  # a 400 is not retried


async def test_a_read_only_connection_may_query() -> None:
    h = make_harness(read_only=True, workload=False, history_s=0)
    result = await h.client.query.execute("SELECT count() AS n FROM runs")
    assert result.rows == [{"n": 0}]


async def test_schema_and_dashboards(api: Harness) -> None:
    schema = await api.client.query.schema()
    runs = next(t for t in schema.tables if t.name == "runs")
    assert any(c.name == "run_id" and c.core_column for c in runs.columns)
    dashboards = await api.client.query.dashboards()
    assert dashboards and all(d.widgets for d in dashboards)
    assert {w.type for d in dashboards for w in d.widgets} <= {"bignumber", "chart", "table",
                                                              "title"}
