"""Nothing a client can type makes the query route answer 500: garbage is a 400, never a crash."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator.conftest import Emu, make_emu
from trigger_tui.emulator.trql.functions import FUNCTIONS
from trigger_tui.emulator.trql.schema import RUNS

VOCABULARY = [
    "SELECT", "FROM", "runs", "metrics", "llm_metrics", "llm_models", "queue_metrics", "WHERE",
    "GROUP BY", "ORDER BY", "DESC", "LIMIT", "OFFSET", "(", ")", ",", "*", "=", "!=", "<", ">=",
    "AND", "OR", "NOT", "IN", "IS NULL", "LIKE", "BETWEEN", "count()", "countIf(", "sum(",
    "avg(", "quantile(0.5)(", "quantiles(0.5, 0.9)(", "median(", "uniq(", "topK(2)(", "status",
    "'Failed'", "'failed'", "task_identifier", "output", "output.a", "output.tokens.prompt",
    "error", "error.name", "tags", "has(", "arrayJoin(", "arrayMap(", "x -> x", "timeBucket()",
    "timeBucket", "prettyFormat(", "'bytes'", "1", "0", "-1", "1.5", "1e308", "NULL", "TRUE",
    "'x'", "''", "AS", "a", "r", "r.status", "JOIN", "LEFT JOIN", "ON", "USING", "ARRAY JOIN",
    "UNION ALL", "WITH", "cte", ";", "-", "+", "/", "%", "||", "::String", "CAST(", "AS Int64",
    "INTERVAL 1 DAY", "now()", "today()", "usage_duration", "triggered_at", "completed_at",
    "CASE", "WHEN", "THEN", "ELSE", "END", "if(", "multiIf(", "[", "]", "[1]", "organization_id",
    "environment_id", "DISTINCT", "HAVING", "toStartOfInterval(", "dateDiff('minute',",
    "toStartOfDay(", "JSONExtractString(", "concat(", "round(", "'", '"', "`", "--", "/*",
    "*/", "\\", "\n", "?", "{x:String}", "SETTINGS", "FINAL", "PREWHERE", "OVER (", "PARTITION BY",
    "row_number()", "lag(", "EXISTS", "(SELECT 1)", "metadata.customer", "metric_value",
]

soup = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=24).map(" ".join)

# Well-formed queries with random expressions reach the printer and DuckDB, not just the parser.
_COLUMNS = [c.name for c in RUNS.columns] + ["output.a", "output.tokens.prompt", "error.name",
                                             "runs.status", "nope", "organization_id"]
_FUNCTIONS = sorted(FUNCTIONS) + ["timeBucket", "arrayJoin", "prettyFormat", "now", "dateDiff",
                                  "toStartOfInterval", "JSONExtractString", "nope"]
leaf = st.one_of(
    st.sampled_from(_COLUMNS),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=8).map(lambda t: "'" + t.replace("\\", "\\\\").replace("'", "''") + "'"),
    st.sampled_from(["NULL", "TRUE", "'Failed'", "'completed'", "INTERVAL 1 HOUR", "[1, 2]",
                     "'minute'", "'bytes'", "*"]),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    args = st.lists(inner, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(st.sampled_from(_FUNCTIONS), args).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(["quantile", "quantiles", "topK", "groupArray"]),
                  st.sampled_from(["0.5", "0.5, 0.9", "3", ""]), args)
        .map(lambda t: f"{t[0]}({t[1]})({t[2]})"),
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "%", "=", "!=", "<", ">=", "AND",
                                          "OR", "||", "LIKE", "IS", "IN"]), inner)
        .map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner, inner)
        .map(lambda t: f"CASE WHEN {t[0]} THEN {t[1]} ELSE {t[2]} END"),
        st.tuples(inner, st.sampled_from(["String", "Int64", "Float64", "DateTime64(3)",
                                          "Array(String)", "Nullable(UInt8)", "JSON"]))
        .map(lambda t: f"CAST({t[0]} AS {t[1]})"),
        st.tuples(inner, args).map(lambda t: f"{t[0]} IN ({t[1] or 1})"),
        inner.map(lambda e: f"NOT {e}"),
        inner.map(lambda e: f"arrayMap(x -> {e}, tags)"),
    )


expression = st.recursive(leaf, _extend, max_leaves=6)
structured = st.builds(
    lambda items, table, where, group, order, limit: (
        f"SELECT {items} FROM {table}" + (f" WHERE {where}" if where else "")
        + (f" GROUP BY {group}" if group else "") + (f" ORDER BY {order}" if order else "")
        + (f" LIMIT {limit}" if limit is not None else "")),
    st.lists(st.tuples(expression, st.sampled_from(["", " AS a", " AS b", " AS status"]))
             .map("".join), min_size=1, max_size=3).map(", ".join),
    st.sampled_from(["runs", "metrics", "llm_metrics", "llm_models", "queue_metrics", "runs r",
                     "(SELECT * FROM runs) s"]),
    st.none() | expression, st.none() | expression, st.none() | expression,
    st.none() | st.integers(0, 20),
)
queries = st.one_of(
    st.text(max_size=120),
    soup,
    soup.map(lambda s: "SELECT " + s),
    soup.map(lambda s: "SELECT count() FROM runs WHERE " + s),
    structured,
)


@pytest.fixture(scope="module")
def fuzz_emu() -> Iterator[tuple[Emu, asyncio.AbstractEventLoop]]:
    """One small world for every example, reached past the rate limiter (not under test)."""
    loop = asyncio.new_event_loop()
    emu = make_emu(history_s=600, seed=11)
    loop.run_until_complete(emu.client.aclose())
    emu.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app.app),
                                   base_url="http://emulator.test")
    yield emu, loop
    loop.run_until_complete(emu.client.aclose())
    loop.close()


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=queries)
def test_any_query_is_answered_with_200_or_400(
        fuzz_emu: tuple[Emu, asyncio.AbstractEventLoop], query: str) -> None:
    emu, loop = fuzz_emu
    r = loop.run_until_complete(emu.post("/api/v1/query", {"query": query}))
    assert r.status_code in (200, 400), (query, r.text)
    body = r.json()
    if r.status_code == 400:
        assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    else:
        assert body["format"] == "json" and isinstance(body["results"], list)
        assert all(isinstance(row, dict) for row in body["results"])
