"""What the run detail screen says, decided without an app: status meanings, validation, URLs."""

from __future__ import annotations

from typing import Any

import pytest

from trigger_tui.api.models.queues import Queue
from trigger_tui.api.models.runs import Run, Trace
from trigger_tui.ui import format as fmt
from trigger_tui.ui.screens.run_detail import (
    Facts,
    dashboard_origin,
    dashboard_url,
    error_content,
    find_queue,
    json_error,
    overview_rows,
    parse_tags,
    queue_of,
    status_meaning,
    validate_delay,
)

NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def make_run(**fields: Any) -> Run:
    body: dict[str, Any] = {"id": "run_abc", "status": "FAILED", "taskIdentifier": "send-email",
                            "createdAt": "2025-12-31T23:50:00.000Z"}
    body.update(fields)
    return Run.model_validate(body)


def queue(**fields: Any) -> Queue:
    body: dict[str, Any] = {"id": "queue_1", "name": "send-email", "type": "task",
                            "running": 8, "queued": 40, "concurrencyLimit": 8}
    body.update(fields)
    return Queue.model_validate(body)


def facts(q: Queue | None = None, trace: Trace | None = None) -> Facts:
    return Facts(now=NOW, queue_name="task/send-email", queue=q, machine="small-1x",
                 trace=trace, environment="prod")


def test_queued_names_the_queue_and_its_saturation() -> None:
    run = make_run(status="QUEUED")
    assert status_meaning(run, facts(queue())) == \
        "Queued: waiting for concurrency on queue task/send-email (8/8 running)"
    assert status_meaning(run, facts(queue(running=3))) == \
        "Queued: next in line on queue task/send-email (3/8 running, 40 queued)"
    assert "is paused" in status_meaning(run, facts(queue(paused=True)))
    assert status_meaning(run, facts(None)) == \
        "Queued on task/send-email: waiting for concurrency"


def test_queued_uses_the_current_concurrency_when_overridden() -> None:
    q = queue(running=12, concurrency={"current": 12, "base": 8, "override": 12})
    assert "(12/12 running)" in status_meaning(make_run(status="QUEUED"), facts(q))


def test_queued_with_a_ttl_says_it_can_expire() -> None:
    meaning = status_meaning(make_run(status="QUEUED", ttl="10m"), facts(queue()))
    assert meaning.endswith("expires if not started within 10m")


def test_delayed_says_until_when_in_utc_and_relative() -> None:
    run = make_run(status="DELAYED", delayedUntil="2026-01-01T00:30:00.000Z")
    assert status_meaning(run, facts()) == \
        "Delayed until 2026-01-01 00:30:00 UTC (in 30m); reschedule to change"


def test_pending_version_and_dequeued() -> None:
    assert "no deployed version" in status_meaning(make_run(status="PENDING_VERSION"), facts())
    assert "being sent to a worker" in status_meaning(make_run(status="DEQUEUED"), facts())


def test_waiting_names_the_child_it_waits_for() -> None:
    child = {"id": "run_child", "status": "EXECUTING", "taskIdentifier": "render-pdf",
             "createdAt": "2025-12-31T23:55:00.000Z"}
    run = make_run(status="WAITING", relatedRuns={"children": [child]})
    assert status_meaning(run, facts()) == ("Waiting: waiting for child run run_child "
                                            "(render-pdf, running) (does not count against "
                                            "concurrency)")


def test_waiting_for_a_token_is_read_from_the_trace() -> None:
    trace = Trace.model_validate({"traceId": "t", "rootSpan": {
        "id": "r", "data": {"message": "approve", "isPartial": True}, "children": [
            {"id": "w", "data": {"message": "wait.forToken()", "isPartial": True}}]}})
    run = make_run(status="WAITING")
    assert "waitpoint token" in status_meaning(run, facts(trace=trace))


@pytest.mark.parametrize(("status", "words"), [
    ("FAILED", "Failed after 3 attempts"), ("CRASHED", "out of memory"),
    ("SYSTEM_FAILURE", "not your code"), ("EXPIRED", "TTL (5m) passed"),
    ("TIMED_OUT", "maxDuration"), ("CANCELED", "Canceled"),
    ("COMPLETED", "Completed successfully after 3 attempts"),
    ("SOMETHING_NEW", "SOMETHING_NEW: a status this console does not know"),
])
def test_final_statuses_say_what_ended_the_run(status: str, words: str) -> None:
    assert words in status_meaning(make_run(status=status, attemptCount=3, ttl="5m"), facts())


def test_error_comes_with_name_message_and_stack_without_repeating_the_message() -> None:
    run = make_run(error={"name": "TypeError", "message": "x is undefined",
                          "stackTrace": "TypeError: x is undefined\n    at run (task.ts:3:9)"})
    content = error_content(run)
    assert content is not None
    assert content.plain == "✗ TypeError: x is undefined\n    at run (task.ts:3:9)"
    assert error_content(make_run(status="COMPLETED")) is None


def test_error_text_is_never_markup_or_escape_codes() -> None:
    run = make_run(error={"message": "[bold red]boom[/] \x1b[2J"})
    content = error_content(run)
    assert content is not None
    assert content.plain == "✗ [bold red]boom[/] \\x1b[2J\n"


def test_overview_rows_cover_what_an_operator_looks_for() -> None:
    run = make_run(version="20260101.1", idempotencyKey="order-42", tags=["a", "b"],
                   batchId="batch_1", costInCents=0.5, baseCostInCents=0.0025,
                   startedAt="2025-12-31T23:50:02.000Z", finishedAt="2025-12-31T23:51:00.000Z",
                   durationMs=58000, attemptCount=2,
                   schedule={"id": "sched_1", "generator": {"type": "CRON",
                                                            "expression": "0 * * * *",
                                                            "description": "every hour"}})
    rows = dict(overview_rows(run, facts()))
    assert rows["Queue"] == "task/send-email" and rows["Machine"] == "small-1x"
    assert rows["Idempotency key"] == "order-42" and rows["Tags"] == "a, b"
    assert rows["Batch"] == "batch_1" and rows["Cost"] == fmt.money(0.005025)
    assert rows["Schedule"] == "sched_1  0 * * * *  (every hour)"
    assert rows["Created"] == "2025-12-31 23:50:00 UTC (10m ago)"
    assert rows["Duration"] == "58.0s (waited 2.0s before starting)"
    assert rows["Attempts"] == "2"


def test_queue_name_comes_from_the_trace_then_the_runs_table_then_the_task() -> None:
    run = make_run()
    trace = Trace.model_validate({"traceId": "t", "rootSpan": {
        "id": "r", "data": {"message": "m", "queueName": "emails"}}})
    assert queue_of(run, trace) == "emails"
    assert queue_of(run, None, "task/other") == "task/other"
    assert queue_of(run, None) == "task/send-email"


def test_find_queue_matches_task_and_custom_queues() -> None:
    task_q = queue()
    custom = queue(id="queue_2", name="emails", type="custom")
    assert find_queue([custom, task_q], "task/send-email") is task_q
    assert find_queue([task_q, custom], "emails") is custom
    assert find_queue([task_q], "task/nope") is None


@pytest.mark.parametrize("text", ["30s", "15m", "2h", "1d", "1w", "1h30m", "2hr",
                                  "2026-01-02T09:00:00Z", "2026-01-01T02:00:00+01:00"])
def test_valid_delays(text: str) -> None:
    assert validate_delay(text, NOW) is None


@pytest.mark.parametrize(("text", "why"), [
    ("", "Enter a duration"), ("soon", "neither a duration"), ("5 minutes", "neither"),
    ("-5m", "neither"), ("2025-12-31T00:00:00Z", "in the past"),
])
def test_invalid_delays_say_why(text: str, why: str) -> None:
    problem = validate_delay(text, NOW)
    assert problem is not None and why in problem


def test_tags_are_validated_like_the_api() -> None:
    assert parse_tags("a, b ,a,,", ["x"]) == (["a", "b"], None)
    assert parse_tags("x", ["x"])[1] == "Enter at least one new tag (comma separated)"
    assert "at most 128 characters" in (parse_tags("y" * 129, [])[1] or "")
    too_many = parse_tags(",".join(f"t{i}" for i in range(3)), [f"e{i}" for i in range(8)])
    assert too_many[1] == "A run can have at most 10 tags: it has 8, this adds 3"
    assert parse_tags("t1, t2", [f"e{i}" for i in range(8)])[1] is None


def test_json_errors_name_line_and_column() -> None:
    assert json_error('{"a": [1, 2]}') is None
    assert json_error("null") is None
    assert json_error('{\n  "a": 1,\n}') == \
        "Invalid JSON at line 3, column 1: Expecting property name enclosed in double quotes"


def test_dashboard_urls() -> None:
    assert dashboard_origin("https://api.trigger.dev") == "https://cloud.trigger.dev"
    assert dashboard_origin("https://trigger.example.com/") == "https://trigger.example.com"
    assert dashboard_url("https://cloud.trigger.dev", "proj_abc", "run_1") == \
        "https://cloud.trigger.dev/projects/v3/proj_abc/runs/run_1"
    assert dashboard_url("http://localhost:3030/", None, "run_1") == \
        "http://localhost:3030/runs/run_1"
