"""TRQL over HTTP: every expected answer is computed from the world's own Run records."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.emulator.conftest import Emu, make_emu
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.render import serialized_error
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.trql import runner
from trigger_tui.emulator.trql.engine import time_window
from trigger_tui.emulator.trql.schema import FRIENDLY_STATUS
from trigger_tui.emulator.world.model import Run

QUERY = "/api/v1/query"


async def post(emu: Emu, query: str, **body: Any) -> httpx.Response:
    return await emu.post(QUERY, {"query": query, **body})


async def rows(emu: Emu, query: str, **body: Any) -> list[dict[str, Any]]:
    r = await post(emu, query, **body)
    assert r.status_code == 200, r.text
    payload = r.json()
    assert payload["format"] == "json"
    results: list[dict[str, Any]] = payload["results"]
    return results


async def error(emu: Emu, query: str, **body: Any) -> str:
    r = await post(emu, query, **body)
    assert r.status_code == 400, r.text
    message: str = r.json()["error"]
    assert set(r.json()) == {"error"}
    return message


def prod(emu: Emu) -> list[Run]:
    return list(emu.world.envs["prod"].runs.values())


def ms(ts: float) -> int:
    return int(ts * 1000)


def stamp(epoch_ms: int) -> str:
    dt = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}"


def quantile(values: list[float], level: float) -> float:
    """Linear interpolation between closest ranks (ClickHouse `quantile`, DuckDB quantile_cont)."""
    data = sorted(values)
    h = (len(data) - 1) * level
    lo = math.floor(h)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (h - lo) * (data[hi] - data[lo])


# ---------------------------------------------------------------------- counts, statuses
async def test_count_matches_the_world(emu: Emu) -> None:
    assert await rows(emu, "SELECT count() AS total_runs FROM runs") == [
        {"total_runs": len(prod(emu))}]
    assert await rows(emu, "SELECT COUNT(*) as count FROM runs WHERE status = 'Failed'") == [
        {"count": sum(r.status == S.COMPLETED_WITH_ERRORS for r in prod(emu))}]


async def test_statuses_come_back_friendly(emu: Emu) -> None:
    got = {r["run_id"]: r["status"] for r in await rows(emu, "SELECT run_id, status FROM runs")}
    assert got == {r.id: FRIENDLY_STATUS[r.status] for r in prod(emu)}
    assert "Completed" in got.values()


@pytest.mark.parametrize("literal", ["Completed", "completed", "COMPLETED",
                                     "COMPLETED_SUCCESSFULLY", "completed_successfully"])
async def test_status_literals_match_case_insensitively(emu: Emu, literal: str) -> None:
    expected = sum(r.status == S.COMPLETED_SUCCESSFULLY for r in prod(emu))
    query = f"SELECT count() AS n FROM runs WHERE status = '{literal}'"
    assert await rows(emu, query) == [{"n": expected}]
    in_list = f"SELECT count() AS n FROM runs WHERE status IN ('{literal}', 'crashed')"
    crashed = sum(r.status == S.CRASHED for r in prod(emu))
    assert await rows(emu, in_list) == [{"n": expected + crashed}]


async def test_group_by_with_count_if(emu: Emu) -> None:
    query = ("SELECT task_identifier, count() as runs, countIf(status = 'Failed') as failures "
             "FROM runs GROUP BY task_identifier")
    got = {r["task_identifier"]: (r["runs"], r["failures"]) for r in await rows(emu, query)}
    totals = Counter(r.task for r in prod(emu))
    failed = Counter(r.task for r in prod(emu) if r.status == S.COMPLETED_WITH_ERRORS)
    assert got == {task: (n, failed[task]) for task, n in totals.items()}


async def test_success_percentage_and_failed_statuses(emu: Emu) -> None:
    runs = prod(emu)
    finished = {S.COMPLETED_SUCCESSFULLY, S.COMPLETED_WITH_ERRORS, S.CANCELED, S.TIMED_OUT,
                S.CRASHED, S.SYSTEM_FAILURE, S.EXPIRED}
    done = sum(r.status in finished for r in runs)
    ok = sum(r.status == S.COMPLETED_SUCCESSFULLY for r in runs)
    query = ("SELECT round(countIf(status = 'Completed') * 100.0 / countIf(is_finished = 1), 2) "
             "AS success_percentage FROM runs")
    assert await rows(emu, query) == [{"success_percentage": round(ok * 100.0 / done, 2)}]
    bad = sum(r.status in (S.COMPLETED_WITH_ERRORS, S.SYSTEM_FAILURE, S.CRASHED) for r in runs)
    query = ("SELECT count() AS total_runs FROM runs "
             "WHERE status IN ('Failed', 'System failure', 'Crashed')")
    assert await rows(emu, query) == [{"total_runs": bad}]


async def test_select_star_returns_the_core_columns(emu: Emu) -> None:
    got = await rows(emu, "SELECT * FROM runs ORDER BY triggered_at LIMIT 1")
    first = min(prod(emu), key=lambda r: (ms(r.created_at), r.seq))
    assert got == [{"run_id": first.id, "status": FRIENDLY_STATUS[first.status],
                    "task_identifier": first.task, "triggered_at": stamp(ms(first.created_at))}]


async def test_run_columns_are_derived_from_the_run(emu: Emu) -> None:
    env = emu.world.envs["prod"]
    run = next(r for r in prod(emu) if r.status == S.COMPLETED_SUCCESSFULLY and r.depth == 1)
    query = ("SELECT environment, project, environment_type, attempt_count, is_finished, queue, "
             "root_run_id, parent_run_id, depth, is_root_run, is_child_run, executed_at, "
             "completed_at, total_duration, usage_duration, compute_cost, invocation_cost, "
             "total_cost, task_version, machine, tags, batch_id, has_delay "
             f"FROM runs WHERE run_id = '{run.id}'")
    [got] = await rows(emu, query)
    assert run.started_at is not None and run.finished_at is not None
    compute = env.cost_cents(run) / 100
    assert got == {
        "environment": "prod", "project": emu.world.project_ref,
        "environment_type": "PRODUCTION", "attempt_count": len(run.attempts), "is_finished": 1,
        "queue": run.queue, "root_run_id": run.root_id, "parent_run_id": run.parent_id,
        "depth": 1, "is_root_run": 0, "is_child_run": 1,
        "executed_at": stamp(ms(run.started_at)), "completed_at": stamp(ms(run.finished_at)),
        "total_duration": ms(run.finished_at) - ms(run.created_at),
        "usage_duration": run.usage_ms, "compute_cost": pytest.approx(compute),
        "invocation_cost": pytest.approx(run.base_cost_cents / 100),
        "total_cost": pytest.approx(compute + run.base_cost_cents / 100),
        "task_version": run.version, "machine": run.machine, "tags": run.tags,
        "batch_id": None, "has_delay": 0,
    }


# ---------------------------------------------------------------------- time buckets
async def test_time_bucket_follows_the_period(emu: Emu) -> None:
    now = emu.clock.now()
    query = ("SELECT timeBucket(), status, count() AS run_count FROM runs "
             "GROUP BY timeBucket, status ORDER BY timeBucket")
    got = await rows(emu, query, period="1h")  # a range under 2 h buckets by the minute
    expected: Counter[tuple[str, str]] = Counter()
    for r in prod(emu):
        if ms(r.created_at) >= ms(now - 3600):
            expected[(stamp(ms(r.created_at) // 60_000 * 60_000), FRIENDLY_STATUS[r.status])] += 1
    assert {(r["timebucket"], r["status"]): r["run_count"] for r in got} == expected
    assert [r["timebucket"] for r in got] == sorted(r["timebucket"] for r in got)


async def test_time_bucket_default_week_uses_six_hours(emu: Emu) -> None:
    got = await rows(emu, "SELECT timeBucket() AS t, count() AS n FROM runs GROUP BY t")
    expected = Counter(stamp(ms(r.created_at) // 21_600_000 * 21_600_000) for r in prod(emu))
    assert {r["t"]: r["n"] for r in got} == expected


async def test_to_start_of_interval(emu: Emu) -> None:
    query = ("SELECT toStartOfInterval(triggered_at, INTERVAL 5 MINUTE) AS b, count() AS c "
             "FROM runs GROUP BY b ORDER BY b")
    got = await rows(emu, query)
    expected = Counter(stamp(ms(r.created_at) // 300_000 * 300_000) for r in prod(emu))
    assert {r["b"]: r["c"] for r in got} == expected


# ---------------------------------------------------------------------- aggregates
async def test_quantiles_and_averages(emu: Emu) -> None:
    env = emu.world.envs["prod"]
    query = ("SELECT task_identifier, count() AS total_runs, avg(usage_duration) AS "
             "avg_duration_ms, median(usage_duration) AS median_duration_ms, "
             "quantile(0.95)(usage_duration) AS p95_duration_ms FROM runs GROUP BY task_identifier")
    got = {r["task_identifier"]: r for r in await rows(emu, query)}
    by_task: dict[str, list[float]] = {}
    for r in prod(emu):
        by_task.setdefault(r.task, []).append(env.usage_ms(r))
    assert set(got) == set(by_task)
    for task, values in by_task.items():
        row = got[task]
        assert row["total_runs"] == len(values)
        assert row["avg_duration_ms"] == pytest.approx(sum(values) / len(values))
        assert row["median_duration_ms"] == pytest.approx(quantile(values, 0.5))
        assert row["p95_duration_ms"] == pytest.approx(quantile(values, 0.95))


async def test_quantiles_many_levels_and_uniq(emu: Emu) -> None:
    env = emu.world.envs["prod"]
    values = [float(env.usage_ms(r)) for r in prod(emu)]
    [got] = await rows(emu, "SELECT quantiles(0.5, 0.9)(usage_duration) AS q, "
                            "uniq(task_identifier) AS u FROM runs")
    assert got["q"] == pytest.approx([quantile(values, 0.5), quantile(values, 0.9)])
    assert got["u"] == len({r.task for r in prod(emu)})


async def test_the_failing_tasks_example(emu: Emu) -> None:
    query = """SELECT task_identifier AS task, count() AS runs,
       countIf(status IN ('Failed','Crashed','System failure')) AS failures,
       concat(round((countIf(status IN ('Failed','Crashed','System failure')) / count()) * 100, 2),
              '%') AS failure_rate,
       avg(attempt_count - 1) AS avg_retries
FROM runs GROUP BY task_identifier
ORDER BY (countIf(status IN ('Failed','Crashed','System failure')) / count()) DESC"""
    got = await rows(emu, query)
    bad = (S.COMPLETED_WITH_ERRORS, S.CRASHED, S.SYSTEM_FAILURE)
    for row in got:
        runs = [r for r in prod(emu) if r.task == row["task"]]
        failures = sum(r.status in bad for r in runs)
        assert row["runs"] == len(runs) and row["failures"] == failures
        assert row["avg_retries"] == pytest.approx(
            sum(max(1, len(r.attempts)) - 1 for r in runs) / len(runs))
        assert row["failure_rate"].endswith("%")
        assert float(row["failure_rate"][:-1]) == pytest.approx(
            round(failures / len(runs) * 100, 2))
    rates = [r["failures"] / r["runs"] for r in got]
    assert rates == sorted(rates, reverse=True)


# ---------------------------------------------------------------------- JSON and arrays
async def test_output_dot_access(emu: Emu) -> None:
    query = ("SELECT run_id, output.messageId AS message_id FROM runs "
             "WHERE task_identifier = 'send-email'")
    got = {r["run_id"]: r["message_id"] for r in await rows(emu, query)}
    expected = {r.id: (r.output or {}).get("messageId") for r in prod(emu)
                if r.task == "send-email"}
    assert got == expected
    sample = next(v for v in expected.values() if v)
    found = await rows(emu, f"SELECT run_id, output.messageId FROM runs "
                            f"WHERE output.messageId = '{sample}'")
    assert found == [{"run_id": next(k for k, v in expected.items() if v == sample),
                      "output_messageId": sample}]


async def test_output_numbers_compare_as_numbers(emu: Emu) -> None:
    query = ("SELECT count() AS n FROM runs WHERE task_identifier = 'deliver-webhook' "
             "AND output.latencyMs > 500")
    expected = sum(1 for r in prod(emu) if r.task == "deliver-webhook" and r.output
                   and r.output["latencyMs"] > 500)
    assert await rows(emu, query) == [{"n": expected}]


async def test_whole_json_columns_and_null_checks(emu: Emu) -> None:
    run = next(r for r in prod(emu) if r.status == S.COMPLETED_SUCCESSFULLY)
    got = await rows(emu, f"SELECT output, error FROM runs WHERE run_id = '{run.id}'")
    assert got == [{"output": run.output, "error": {}}]
    with_error = sum(serialized_error(r.error) is not None for r in prod(emu))
    assert await rows(emu, "SELECT count() AS n FROM runs WHERE error IS NOT NULL") == [
        {"n": with_error}]
    assert await rows(emu, "SELECT count() AS n FROM runs WHERE error = NULL") == [
        {"n": len(prod(emu)) - with_error}]


async def test_top_errors_example(emu: Emu) -> None:
    query = """SELECT concat(error.name, '("', error.message, '")') AS error, count() AS count
FROM runs WHERE runs.error != NULL AND runs.error.name != NULL GROUP BY error ORDER BY count DESC"""
    expected: Counter[str] = Counter()
    for r in prod(emu):
        err = serialized_error(r.error)
        if err is not None and err.get("name"):
            expected[f'{err["name"]}("{err["message"]}")'] += 1
    got = await rows(emu, query)
    assert expected and {r["error"]: r["count"] for r in got} == expected
    assert [r["count"] for r in got] == sorted(expected.values(), reverse=True)


async def test_tags_has_and_array_join(emu: Emu) -> None:
    acme = sum("customer:acme" in r.tags for r in prod(emu))
    assert acme > 0
    assert await rows(emu, "SELECT count() AS n FROM runs WHERE has(tags, 'customer:acme')") == [
        {"n": acme}]
    assert await rows(emu, "SELECT run_id FROM runs WHERE has(tags, 'user_12345')") == []
    got = await rows(emu, "SELECT arrayJoin(tags) AS tag, count() AS runs FROM runs GROUP BY tag")
    assert {r["tag"]: r["runs"] for r in got} == Counter(t for r in prod(emu) for t in r.tags)


# ---------------------------------------------------------------------- period / from / to
async def test_period_limits_the_runs(emu: Emu) -> None:
    now = emu.clock.now()
    expected = sum(ms(r.created_at) >= ms(now - 1800) for r in prod(emu))
    assert 0 < expected < len(prod(emu))
    assert await rows(emu, "SELECT count() AS n FROM runs", period="30m") == [{"n": expected}]


async def test_from_and_to_are_inclusive_bounds(emu: Emu) -> None:
    now = emu.clock.now()
    start, end = now - 3600, now - 1800
    between = sum(ms(start) <= ms(r.created_at) <= ms(end) for r in prod(emu))
    after = sum(ms(r.created_at) >= ms(start) for r in prod(emu))
    before = sum(ms(r.created_at) <= ms(end) for r in prod(emu))
    query = "SELECT count() AS n FROM runs"
    assert await rows(emu, query, **{"from": iso(start), "to": iso(end)}) == [{"n": between}]
    assert await rows(emu, query, **{"from": iso(start)}) == [{"n": after}]
    assert await rows(emu, query, to=iso(end)) == [{"n": before}]
    epoch_ms = {"from": str(ms(start)), "to": str(ms(end))}  # numeric strings are epoch ms
    assert await rows(emu, query, **epoch_ms) == [{"n": between}]
    # period wins over from/to
    recent = sum(ms(r.created_at) >= ms(now - 600) for r in prod(emu))
    assert await rows(emu, query, period="10m", **{"from": iso(start), "to": iso(end)}) == [
        {"n": recent}]


async def test_fallback_only_when_the_query_does_not_filter_triggered_at(emu: Emu) -> None:
    now = emu.clock.now()
    hour = sum(ms(r.created_at) > ms(now - 3600) for r in prod(emu))
    ten = sum(ms(r.created_at) >= ms(now - 600) for r in prod(emu))
    own = "SELECT count() AS n FROM runs WHERE triggered_at > now() - INTERVAL 1 HOUR"
    assert await rows(emu, own, period="10m") == [{"n": hour}]  # the query's own filter wins
    inside_fn = "SELECT count() AS n FROM runs WHERE toStartOfMinute(triggered_at) IS NOT NULL"
    assert await rows(emu, inside_fn, period="10m") == [{"n": ten}]  # not seen inside calls
    other = "SELECT count() AS n FROM runs WHERE status != 'nope'"
    assert await rows(emu, other, period="10m") == [{"n": ten}]


# ---------------------------------------------------------------------- CSV
async def test_csv_quoting_rules(emu: Emu) -> None:
    run = next(r for r in prod(emu) if r.task == "send-email" and r.output)
    query = ("SELECT run_id, 'a,b' AS comma, 'say \"hi\"' AS quote, "
             "concat('x', '\\n', 'y') AS newline, NULL AS nothing, output, tags, 1.5 AS f, "
             f"2.0 AS g FROM runs WHERE run_id = '{run.id}'")
    r = await post(emu, query, format="csv")
    assert r.status_code == 200
    body = r.json()
    assert body["format"] == "csv"
    message_id = run.output["messageId"]
    tag = run.tags[0]
    assert body["results"] == (
        "run_id,comma,quote,newline,nothing,output,tags,f,g\n"
        f'{run.id},"a,b","say ""hi""","x\ny",,"{{""messageId"":""{message_id}""}}",'
        f'"[""{tag}""]",1.5,2')


async def test_csv_aggregate_and_empty_result(emu: Emu) -> None:
    r = await post(emu, "SELECT count() AS total_runs FROM runs", format="csv")
    assert r.json() == {"format": "csv", "results": f"total_runs\n{len(prod(emu))}"}
    r = await post(emu, "SELECT run_id AS \"a,b\" FROM runs WHERE run_id = 'none'", format="csv")
    assert r.json() == {"format": "csv", "results": '"a,b"'}


# ---------------------------------------------------------------------- scopes
async def test_project_scope_sees_every_environment(emu: Emu) -> None:
    got = await rows(emu, "SELECT environment, count() FROM runs GROUP BY environment",
                     scope="project")
    assert {r["environment"]: r["count"] for r in got} == {
        slug: len(env.runs) for slug, env in emu.world.envs.items()}
    org = await rows(emu, "SELECT count() AS n FROM runs", scope="organization")
    assert org == [{"n": sum(len(e.runs) for e in emu.world.envs.values())}]
    mine = await rows(emu, "SELECT DISTINCT environment FROM runs")
    assert mine == [{"environment": "prod"}]


# ---------------------------------------------------------------------- rejected queries
async def test_other_statements_are_syntax_errors(emu: Emu) -> None:
    expecting = "expecting {SELECT, WITH, '('}"
    assert await error(emu, "INSERT INTO runs VALUES (1)") == (
        f"Syntax error at line 1:0: mismatched input 'INSERT' {expecting}")
    assert await error(emu, "DROP TABLE runs") == (
        f"Syntax error at line 1:0: mismatched input 'DROP' {expecting}")
    assert await error(emu, "SELECT 1; SELECT 2") == (
        "Syntax error at line 1:10: extraneous input 'SELECT' expecting <EOF>")
    assert (await error(emu, "SELECT FROM WHERE")).startswith("Syntax error at line 1:")
    assert await error(emu, "") == f"Syntax error at line 1:0: mismatched input '<EOF>' {expecting}"


async def test_injection_through_a_literal_never_runs(emu: Emu) -> None:
    total = len(prod(emu))
    attempt = "SELECT run_id FROM runs WHERE task_identifier = 'x'; DROP TABLE runs --'"
    assert await error(emu, attempt) == (
        "Syntax error at line 1:53: extraneous input 'DROP' expecting <EOF>")
    literal = "SELECT run_id FROM runs WHERE task_identifier = 'x''; DROP TABLE runs; --'"
    assert await rows(emu, literal) == []
    backslash = "SELECT run_id FROM runs WHERE task_identifier = 'x\\'; DROP TABLE runs; --'"
    assert await rows(emu, backslash) == []
    assert await rows(emu, "SELECT count() AS n FROM runs") == [{"n": total}]


async def test_unknown_tables_columns_and_functions(emu: Emu) -> None:
    assert await error(emu, "SELECT * FROM users") == (
        'Table "users" is not accessible. Available tables: runs, metrics, llm_metrics, '
        "llm_models, queue_metrics, env_metrics, queue_metrics_by_key")
    assert await error(emu, "SELECT * FROM system.tables") == (
        'Table "system.tables" is not accessible. Available tables: runs, metrics, llm_metrics, '
        "llm_models, queue_metrics, env_metrics, queue_metrics_by_key")
    message = await error(emu, "SELECT nope FROM runs")
    assert message.startswith('Unknown column "nope". Available columns: attempt_count, batch_id,')
    assert await error(emu, "SELECT friendly_id FROM runs") == (
        'Unknown column "friendly_id". Did you mean "run_id"?')
    assert (await error(emu, "SELECT r.nope FROM runs r")).startswith(
        'Unknown column "nope" on table "r". Available columns: attempt_count,')
    assert await error(emu, "SELECT foo(1) FROM runs") == "Unknown function: foo"
    assert await error(emu, "SELECT count(sum(usage_duration)) FROM runs") == (
        "Aggregation 'sum' cannot be nested inside another aggregation 'count'")
    assert await error(emu, "SELECT * FROM runs PREWHERE 1") == (
        "PREWHERE is not supported. Use WHERE instead.")
    assert await error(emu, "SELECT timeBucket(triggered_at) FROM runs") == (
        "timeBucket() does not accept arguments. It automatically uses the table's time "
        "constraint column.")


async def test_tenant_columns_cannot_be_read(emu: Emu) -> None:
    for query in ("SELECT * FROM (SELECT organization_id FROM runs)",
                  "SELECT project_id FROM runs", "SELECT count() FROM runs GROUP BY environment_id",
                  "SELECT x FROM (SELECT organization_id AS x FROM runs)"):
        message = await error(emu, query)
        assert message.startswith("Column \"") and "is not available for querying" in message
    # filtering on them is allowed and cannot leak another tenant
    same = await rows(emu, "SELECT count() AS n FROM runs WHERE environment_id != ''")
    assert same == [{"n": len(prod(emu))}]


async def test_body_validation(emu: Emu) -> None:
    cases = [
        ({}, 'Validation error: Required at "query"'),
        ({"query": 1}, 'Validation error: Expected string, received number at "query"'),
        ({"query": "SELECT 1", "scope": "world"},
         "Validation error: Invalid enum value. Expected 'organization' | 'project' | "
         "'environment', received 'world' at \"scope\""),
        ({"query": "SELECT 1", "format": "xml"},
         "Validation error: Invalid enum value. Expected 'json' | 'csv', received 'xml' at "
         '"format"'),
        ({"query": "SELECT 1", "period": 7},
         'Validation error: Expected string, received number at "period"'),
    ]
    for body, message in cases:
        r = await emu.post(QUERY, body)
        assert (r.status_code, r.json()) == (400, {"error": message})
    ok = await emu.post(QUERY, {"query": "SELECT 1 AS one", "scope": "environment",
                                "period": None, "from": None, "to": None, "format": "json"})
    assert ok.json() == {"format": "json", "results": [{"one": 1}]}


async def test_an_engine_bug_is_the_documented_500(emu: Emu,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(runner, "compile_query", broken)
    r = await post(emu, "SELECT 1")
    assert (r.status_code, r.json()) == (
        500, {"error": "An unexpected error occurred while executing the query."})


# ---------------------------------------------------------------------- limits
async def test_row_cap(quiet: Emu) -> None:
    assert len(await rows(quiet, "SELECT arrayJoin(range(20000)) AS n")) == 10_000
    assert len(await rows(quiet, "SELECT arrayJoin(range(20000)) AS n LIMIT 15000")) == 10_000
    assert await rows(quiet, "SELECT arrayJoin(range(20000)) AS n ORDER BY n DESC LIMIT 2") == [
        {"n": 19999}, {"n": 19998}]


CONCURRENCY = ("You've exceeded your query concurrency of 3 for this project. "
               "Please try again later.")


async def test_concurrency_limit_per_project(quiet: Emu) -> None:
    limiter = runner.service_for(quiet.world).limiter
    project = quiet.world.project_ref
    for _ in range(3):
        limiter.acquire(project)
    r = await post(quiet, "SELECT 1")
    assert (r.status_code, r.json()) == (429, {"error": CONCURRENCY})
    limiter.release(project)
    assert (await post(quiet, "SELECT 1 AS a")).json()["results"] == [{"a": 1}]
    limiter.release(project)
    limiter.release(project)
    assert limiter.active == {}


async def test_global_concurrency_limit(quiet: Emu) -> None:
    limiter = runner.service_for(quiet.world).limiter
    limiter.total = 2
    limiter.acquire("proj_a")
    limiter.acquire("proj_b")
    r = await post(quiet, "SELECT 1")
    assert (r.status_code, r.json()) == (429, {
        "error": "We're experiencing a lot of queries at the moment. Please try again later."})


HEAVY = ("SELECT count() FROM runs a JOIN runs b ON a.task_identifier = b.task_identifier "
         "JOIN runs c ON b.task_identifier = c.task_identifier")


async def test_concurrent_queries_over_the_limit_get_429(emu: Emu) -> None:
    service = runner.service_for(emu.world)
    service.time_limit_s = 0.3
    answers = await asyncio.gather(*(post(emu, HEAVY) for _ in range(4)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [400, 400, 400, 429]
    assert [a.json() for a in answers if a.status_code == 429] == [{"error": CONCURRENCY}]
    assert service.limiter.active == {}


async def test_a_query_cancelled_as_it_finishes_is_just_cancelled(
        emu: Emu, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quitting the console cancels a query whose thread may have closed its connection
    already: the cancel must not turn into a connection error (it was logged over the screen)."""
    async def finished_then_cancelled(fn: Any, cursor: Any, sql: str) -> Any:
        cursor.close()
        raise asyncio.CancelledError

    monkeypatch.setattr(runner.asyncio, "to_thread", finished_then_cancelled)
    service = runner.service_for(emu.world)
    env = emu.world.envs["prod"]
    window = time_window(env.now, 3600.0, None, None)
    with pytest.raises(asyncio.CancelledError):
        await service.run(emu.world, [env], "SELECT count() FROM runs", window)
    assert service.limiter.active == {}


async def test_time_limit(emu: Emu) -> None:
    runner.service_for(emu.world).time_limit_s = 0.05
    message = await error(emu, HEAVY)
    assert message.startswith("Timeout exceeded: elapsed ")
    assert message.endswith("seconds, maximum: 0.05")


# ---------------------------------------------------------------------- freshness
async def test_new_and_changed_runs_show_up(emu: Emu) -> None:
    await rows(emu, "SELECT count() FROM runs")  # materialise
    emu.advance(120)
    got = await rows(emu, "SELECT status, count() AS n FROM runs GROUP BY status")
    assert {r["status"]: r["n"] for r in got} == Counter(
        FRIENDLY_STATUS[r.status] for r in prod(emu))


async def test_tags_added_to_a_finished_run_show_up(emu: Emu) -> None:
    run = next(r for r in prod(emu) if r.status == S.COMPLETED_SUCCESSFULLY)
    query = "SELECT run_id FROM runs WHERE has(tags, 'vip-trql')"
    assert await rows(emu, query) == []
    r = await emu.post(f"/api/v1/runs/{run.id}/tags", {"tags": ["vip-trql"]})
    assert r.status_code == 200, r.text
    assert await rows(emu, query) == [{"run_id": run.id}]


async def test_pruned_runs_disappear() -> None:
    e = make_emu(history_s=1800, retention_s=600)
    try:
        await rows(e, "SELECT count() FROM runs")
        before = {r.id for r in prod(e)}
        e.advance(900)
        after = prod(e)
        assert before - {r.id for r in after}  # the world forgot some runs
        got = await rows(e, "SELECT count() AS n, min(triggered_at) AS first FROM runs")
        first = min(ms(r.created_at) for r in after)
        assert got == [{"n": len(after), "first": stamp(first)}]
    finally:
        await e.client.aclose()


# ---------------------------------------------------------------------- other tables
async def test_metrics_llm_and_queue_tables_have_data(emu: Emu) -> None:
    queries = {
        "metrics": "SELECT count() AS n FROM metrics WHERE metric_name = 'process.cpu.utilization'",
        "llm_metrics": "SELECT count() AS n FROM llm_metrics",
        "llm_models": "SELECT count() AS n FROM llm_models",
        "queue_metrics": "SELECT count() AS n FROM queue_metrics",
        "env_metrics": "SELECT count() AS n FROM env_metrics",
    }
    for table, query in queries.items():
        [row] = await rows(emu, query)
        assert row["n"] > 0, table
    llm_runs = sum(1 for r in prod(emu) if r.task in ("summarize-document", "embed-chunks")
                   and r.status in (S.COMPLETED_SUCCESSFULLY, S.COMPLETED_WITH_ERRORS,
                                    S.TIMED_OUT))
    assert await rows(emu, "SELECT count() AS total_calls FROM llm_metrics") == [
        {"total_calls": llm_runs}]
    assert await rows(emu, "SELECT count() AS n FROM queue_metrics_by_key") == [{"n": 0}]
    [p50] = await rows(emu, "SELECT quantilesMerge(0.5)(ttfc_quantiles)[1] AS p50 FROM llm_models")
    assert p50["p50"] > 0


# ---------------------------------------------------------------------- the reference examples
EXAMPLES = [
    "SELECT run_id, status FROM runs LIMIT 10",
    "SELECT run_id, status, triggered_at FROM runs WHERE status = 'Failed' LIMIT 10",
    "SELECT toStartOfDay(triggered_at) AS day, count() AS runs_per_day FROM runs GROUP BY day "
    "ORDER BY day DESC",
    "SELECT dateDiff('minute', executed_at, completed_at) AS duration_minutes FROM runs "
    "WHERE completed_at IS NOT NULL",
    "SELECT run_id, output.message AS output_message FROM runs WHERE task_identifier = 'my-task' "
    "AND output.externalId = 'something' ORDER BY triggered_at DESC LIMIT 100",
    "SELECT timeBucket() as time_period, task_identifier, sum(total_cost) AS total_cost FROM runs "
    "GROUP BY time_period, task_identifier ORDER BY time_period",
    "SELECT timeBucket(), task_version, count() as runs FROM runs WHERE task_version != '' "
    "GROUP BY timeBucket, task_version ORDER BY timeBucket",
    "SELECT count() AS queued FROM runs WHERE status IN ('Dequeued', 'Queued')",
    "SELECT timeBucket(), avg(metric_value) AS avg_cpu FROM metrics WHERE metric_name = "
    "'process.cpu.utilization' GROUP BY timeBucket ORDER BY timeBucket LIMIT 1000",
    "SELECT timeBucket(), prettyFormat(avg(metric_value), 'bytes') AS avg_memory_usage FROM "
    "metrics WHERE metric_name = 'process.memory.usage' GROUP BY timeBucket ORDER BY timeBucket "
    "LIMIT 1000",
    "SELECT SUM(total_cost) AS total_cost FROM llm_metrics",
]


@pytest.mark.parametrize("query", EXAMPLES)
async def test_reference_examples_run(emu: Emu, query: str) -> None:
    await rows(emu, query)


async def test_example_shapes(emu: Emu) -> None:
    day = await rows(emu, EXAMPLES[2])
    days = Counter(stamp(ms(r.created_at) // 86_400_000 * 86_400_000)[:10] + " 00:00:00"
                   for r in prod(emu))
    assert day == [{"day": d, "runs_per_day": n} for d, n in sorted(days.items(), reverse=True)]
    minutes = await rows(emu, EXAMPLES[3])
    done = [r for r in prod(emu) if r.finished_at is not None]
    assert len(minutes) == len(done)
    assert Counter(m["duration_minutes"] for m in minutes) == Counter(
        ms(r.finished_at) // 60_000 - ms(r.started_at) // 60_000 if r.started_at is not None
        else None for r in done if r.finished_at is not None)
    cpu = await rows(emu, EXAMPLES[8])
    assert cpu and all(set(r) == {"timebucket", "avg_cpu"} and 0 < r["avg_cpu"] < 1 for r in cpu)
    memory = await rows(emu, EXAMPLES[9])
    assert memory and all(r["avg_memory_usage"] > 1_000_000 for r in memory)


async def test_a_slow_query_does_not_block_the_emulator(emu: Emu) -> None:
    runner.service_for(emu.world).time_limit_s = 0.5
    slow = asyncio.create_task(post(emu, HEAVY))
    await asyncio.sleep(0.05)  # let it start in its worker thread
    for _ in range(3):
        emu.advance(2)  # the world moves and the tables are refreshed under the running query
        assert await rows(emu, "SELECT count() AS n FROM runs") == [{"n": len(prod(emu))}]
    assert not slow.done()
    assert (await slow).json()["error"].startswith("Timeout exceeded")
