"""The client's one request path against a misbehaving server: retries and their delays, rate
limits, dropped connections, timeouts, bad bodies, missing routes, bad keys, read-only mode.

Faults come from the emulator's fault injection (scripted per request here, so each test says
exactly what goes wrong) or from an httpx.MockTransport; the injected sleep records delays and
moves the fake clock, so nothing waits for real.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.conftest import PROD, Harness, make_harness, quiet_world
from trigger_tui.api import errors as E
from trigger_tui.api.client import NO_RETRY, RetryPolicy
from trigger_tui.api.models import BatchItem
from trigger_tui.emulator.faults import Faults

SDK_DELAYS = [1.0, 1.6, 2.56, 4.096]


class Scripted(Faults):
    """One fault per request, in order (None: no fault), then none."""

    def __init__(self, *kinds: str | None) -> None:
        super().__init__(ratios={"5xx": 1.0})
        self.script = list(kinds)

    def draw(self) -> str | None:
        return self.script.pop(0) if self.script else None


def scripted(*kinds: str | None, **kw: Any) -> Harness:
    return make_harness(faults=Scripted(*kinds), **quiet_world(), **kw)


def mocked(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> Harness:
    return make_harness(transport=httpx.MockTransport(handler), **quiet_world(), **kw)


async def a_run(h: Harness) -> str:
    return (await h.client.tasks.trigger("send-email", {"to": "a@example.com"})).id


# ---------------------------------------------------------------------- backoff
async def test_server_errors_are_retried_on_the_sdk_schedule_then_raised() -> None:
    h = make_harness(faults=Faults.parse("5xx=1", seed=3), **quiet_world())
    with pytest.raises(E.InternalServerError) as info:
        await h.client.runs.retrieve("run_x")
    assert info.value.status == 503
    assert len(h.log) == 5 and {r.status for r in h.log} == {503}
    assert len(h.delays) == 4
    for got, base in zip(h.delays, SDK_DELAYS, strict=True):
        assert base * 0.8 <= got <= base * 1.2  # ± jitter
    assert h.client.stats.retries == 4
    assert "503" in (h.client.stats.last_error or "")


async def test_without_jitter_the_delays_are_exactly_the_sdks() -> None:
    h = make_harness(faults=Faults.parse("5xx=1"), retry=RetryPolicy(jitter=0), **quiet_world())
    with pytest.raises(E.InternalServerError):
        await h.client.queues.retrieve("email", type="custom")
    assert h.delays == pytest.approx(SDK_DELAYS)


async def test_a_transient_failure_is_invisible_to_the_caller() -> None:
    h = scripted("5xx", "html")  # a 503, then a proxy's HTML 502
    q = await h.client.queues.retrieve("email", type="custom")
    assert q.name == "email"
    assert [r.status for r in h.log] == [503, 502, 200]
    assert h.client.stats.retries == 2 and h.client.stats.last_error is None


async def test_a_retried_call_keeps_its_request_idempotency_key() -> None:
    h = scripted(None, "5xx")  # the trigger below is the second request
    await h.client.queues.retrieve("email", type="custom")
    run = await h.client.tasks.trigger("send-email", {"n": 1})
    triggers = [r for r in h.sent if r.url.path.endswith("/trigger")]
    assert len(triggers) == 2
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in triggers}
    assert len(keys) == 1
    assert [r.id for r in h.env().runs.values()] == [run.id]


async def test_a_lost_answer_to_trigger_is_retried_and_yields_the_same_run() -> None:
    """The request reached the server, the answer did not: the request idempotency key makes
    the retry return the run already created instead of a second one."""
    h = make_harness(**quiet_world())
    inner = httpx.ASGITransport(app=h.app)
    lost = [True]

    class LoseFirstAnswer(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if lost.pop() if lost else False:
                raise httpx.ReadError("connection reset while reading the answer")
            return response

    h.recorder.inner = LoseFirstAnswer()
    run = await h.client.tasks.trigger("send-email", {"n": 1})
    assert len(h.log) == 2 and len(h.env().runs) == 1
    assert run.id in h.env().runs


# ---------------------------------------------------------------------- x-should-retry
async def test_an_unknown_run_is_retried_because_the_server_asks_for_it() -> None:
    h = make_harness(retry=RetryPolicy(jitter=0), **quiet_world())
    with pytest.raises(E.NotFoundError) as info:
        await h.client.runs.retrieve("run_missing")
    assert not isinstance(info.value, E.NotSupportedError)
    assert len(h.log) == 5 and h.delays == pytest.approx(SDK_DELAYS)


async def test_the_caller_can_refuse_that_retry_per_call() -> None:
    h = make_harness(**quiet_world())
    with pytest.raises(E.NotFoundError):
        await h.client.runs.retrieve("run_missing", retry=NO_RETRY)
    assert len(h.log) == 1 and h.delays == []


async def test_should_retry_false_stops_at_once() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": "Something went wrong"},
                              headers={"x-should-retry": "false"})

    h = mocked(handler)
    with pytest.raises(E.InternalServerError, match="Something went wrong"):
        await h.client.runs.retrieve("run_x")
    assert len(h.sent) == 1


async def test_should_retry_true_retries_even_a_status_that_is_not_retried() -> None:
    answers = [httpx.Response(400, json={"error": "busy"}, headers={"x-should-retry": "true"}),
               httpx.Response(200, json={"message": "ok"})]
    h = mocked(lambda request: answers.pop(0))
    assert await h.client.runs.add_tags("run_1", "x") == "ok"
    assert len(h.sent) == 2


async def test_client_errors_are_not_retried() -> None:
    h = make_harness(**quiet_world())
    with pytest.raises(E.BadRequestError):
        async for _ in h.client.runs.list(status="NOT_A_STATUS"):
            pass
    assert len(h.log) == 1


# ---------------------------------------------------------------------- rate limits
async def test_a_429_waits_until_the_reset_header_then_succeeds() -> None:
    h = scripted("429")
    start = h.clock.now()
    q = await h.client.queues.retrieve("email", type="custom")
    assert q.name == "email"
    assert len(h.delays) == 1
    assert 5.0 <= h.delays[0] <= 6.0  # reset − now + up to 1 s
    assert h.clock.now() == pytest.approx(start + h.delays[0])


async def test_an_exhausted_bucket_is_waited_out_and_the_budget_is_reported() -> None:
    h = make_harness(budget="2,2,10s", **quiet_world())
    for _ in range(3):
        await h.client.queues.retrieve("email", type="custom")
    assert [r.status for r in h.log] == [200, 200, 429, 200]
    assert len(h.delays) == 1 and 0 < h.delays[0] <= 11.0
    limit = h.client.rate_limit
    assert limit.limit == 2 and limit.remaining == 1
    assert limit.reset_at is not None and limit.reset_at > h.clock.now()


async def test_a_429_without_reset_header_falls_back_to_backoff() -> None:
    answers = [httpx.Response(429, json={"error": "slow down"}),
               httpx.Response(200, json={"id": "run_1"})]
    h = mocked(lambda request: answers.pop(0), retry=RetryPolicy(jitter=0))
    await h.client.runs.cancel("run_1")
    assert h.delays == [1.0]


async def test_rate_limit_and_latency_are_recorded_for_the_header_bar() -> None:
    h = make_harness(**quiet_world())
    assert h.client.rate_limit.limit is None and h.client.stats.last_latency_s is None
    await h.client.queues.retrieve("email", type="custom")
    assert h.client.rate_limit.limit == 750 and h.client.rate_limit.remaining == 749
    assert h.client.stats.last_status == 200 and h.client.stats.requests == 1
    assert h.client.stats.last_latency_s is not None and h.client.stats.last_latency_s >= 0


# ---------------------------------------------------------------------- broken connections
async def test_a_dropped_connection_on_a_read_is_retried() -> None:
    h = scripted("drop")
    q = await h.client.queues.retrieve("email", type="custom")
    assert q.name == "email" and len(h.log) == 2 and len(h.delays) == 1


async def test_a_dropped_connection_on_replay_is_not_retried() -> None:
    h = scripted(None, "drop")  # the trigger passes, the replay's connection drops
    run_id = await a_run(h)
    with pytest.raises(E.ApiConnectionError) as info:
        await h.client.runs.replay(run_id)
    assert info.value.may_have_reached_server
    assert len([r for r in h.log if r.path.endswith("/replay")]) == 1
    assert h.delays == []


async def test_a_timeout_on_replay_raises_instead_of_replaying_twice() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    h = mocked(handler)
    with pytest.raises(E.ApiTimeoutError, match="no answer from"):
        await h.client.runs.replay("run_1")
    assert len(h.sent) == 1 and h.delays == []


async def test_a_timeout_on_a_read_is_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("no answer", request=request)
        return httpx.Response(200, json={"message": "ok"})

    h = mocked(handler)
    assert await h.client.runs.add_tags("run_1", "x") == "ok"  # idempotent POST: retried too
    assert len(calls) == 2


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.ConnectTimeout])
async def test_a_connection_never_made_is_retried_then_named(
        failure: type[httpx.TransportError]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure("connection refused", request=request)

    h = mocked(handler)
    with pytest.raises(E.ApiConnectionError, match="cannot reach http://emulator.test"):
        await h.client.runs.replay("run_1")  # never reached the server: safe even for replay
    assert len(h.sent) == 5


# ---------------------------------------------------------------------- bad answers
async def test_a_truncated_body_is_a_readable_schema_error() -> None:
    h = scripted("malformed")
    with pytest.raises(E.SchemaError) as info:
        await h.client.queues.retrieve("email", type="custom")
    message = str(info.value)
    assert "GET /api/v1/queues/email" in message and "truncated" in message
    assert "Traceback" not in message
    assert len(h.log) == 1


async def test_a_body_of_the_wrong_shape_names_the_endpoint_and_the_field() -> None:
    h = mocked(lambda request: httpx.Response(200, json={"id": "run_1", "status": "QUEUED",
                                                         "taskIdentifier": "t",
                                                         "createdAt": "yesterday"}))
    with pytest.raises(E.SchemaError) as info:
        await h.client.runs.retrieve("run_1")
    message = str(info.value)
    assert "GET /api/v3/runs/run_1" in message and "`createdAt`" in message
    assert "yesterday" in message and "pydantic" not in message


async def test_a_route_the_server_does_not_have_is_not_supported() -> None:
    h = make_harness(**quiet_world())
    with pytest.raises(E.NotSupportedError, match="not supported by this server"):
        await h.client.get_json("/api/v1/no-such-feature")
    assert len(h.log) == 1


async def test_not_supported_is_told_apart_from_a_missing_run() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html><body>Not Found</body></html>",
                              headers={"content-type": "text/html"})

    h = mocked(handler)
    with pytest.raises(E.NotSupportedError):
        await h.client.runs.result("run_1")  # a missing route is not "no result yet"
    h2 = make_harness(**quiet_world())
    assert await h2.client.runs.result("run_missing") is None


# ---------------------------------------------------------------------- keys and read-only
async def test_a_rejected_key_names_the_environment_and_never_the_key() -> None:
    key = "tr_prod_" + "S3cr3t" * 4
    h = make_harness(key, **quiet_world())
    with pytest.raises(E.AuthenticationError) as info:
        await h.client.queues.retrieve("email", type="custom")
    message = str(info.value)
    assert "prod environment" in message and "TRIGGER_SECRET_KEY" in message
    assert key not in message and "S3cr3t" not in message
    assert len(h.log) == 1


async def test_requests_carry_the_sdk_headers() -> None:
    h = make_harness(branch="feature-x", **quiet_world())
    h.recorder.inner = httpx.MockTransport(lambda r: httpx.Response(200, json={"id": "run_1"}))
    await h.client.runs.cancel("run_1")
    sent = h.sent[0]
    assert sent.headers["authorization"] == f"Bearer {PROD}"
    assert sent.headers["x-trigger-api-version"] == "2025-07-16"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["content-length"] == "0"
    assert sent.headers["x-trigger-branch"] == "feature-x"
    assert len(sent.headers["x-trigger-request-idempotency-key"]) == 36


READ_ONLY_REFUSED: list[tuple[str, Callable[[Any], Any]]] = [
    ("trigger", lambda c: c.tasks.trigger("send-email", {})),
    ("batch", lambda c: c.tasks.batch_trigger([BatchItem("send-email")])),
    ("cancel", lambda c: c.runs.cancel("run_1")),
    ("replay", lambda c: c.runs.replay("run_1")),
    ("reschedule", lambda c: c.runs.reschedule("run_1", "1h")),
    ("tags", lambda c: c.runs.add_tags("run_1", ["a"])),
    ("metadata", lambda c: c.runs.update_metadata("run_1", {"a": 1})),
    ("schedule", lambda c: c.schedules.create("nightly-report", "0 0 * * *", "k")),
    ("unschedule", lambda c: c.schedules.delete("sched_1")),
    ("deactivate", lambda c: c.schedules.deactivate("sched_1")),
    ("envvar", lambda c: c.envvars.create("proj_demo", "prod", "A", "1")),
    ("import", lambda c: c.envvars.upload("proj_demo", "prod", {"A": "1"})),
    ("pause", lambda c: c.queues.pause("email", type="custom")),
    ("override", lambda c: c.queues.override("email", 1, type="custom")),
    ("token", lambda c: c.tokens.create()),
    ("complete", lambda c: c.tokens.complete("waitpoint_1", {"ok": True})),
    ("promote", lambda c: c.deployments.promote("20250101.1")),
    ("bulk", lambda c: c.bulk.create("cancel", run_ids=["run_1"])),
    ("abort", lambda c: c.bulk.abort("bulk_1")),
    ("resolve", lambda c: c.errors.resolve("error_1")),
    ("ignore", lambda c: c.errors.ignore("error_1")),
]


@pytest.mark.parametrize(("name", "call"), READ_ONLY_REFUSED, ids=[n for n, _ in
                                                                   READ_ONLY_REFUSED])
async def test_read_only_refuses_every_mutation_before_sending(
        name: str, call: Callable[[Any], Any]) -> None:
    h = make_harness(read_only=True, **quiet_world())
    with pytest.raises(E.ReadOnlyError):
        await call(h.client)
    assert len(h.log) == 0 and h.sent == []


async def test_read_only_still_reads_and_queries() -> None:
    answers = {"/api/v1/query": {"format": "json", "results": [{"n": 1}]}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answers[request.url.path])

    h = mocked(handler, read_only=True)
    result = await h.client.query.execute("SELECT count() AS n FROM runs")
    assert result.rows == [{"n": 1}]
    h2 = make_harness(read_only=True, **quiet_world())
    assert (await h2.client.queues.retrieve("email", type="custom")).name == "email"


async def test_a_read_only_refusal_names_what_was_refused() -> None:
    h = make_harness(read_only=True, **quiet_world())
    with pytest.raises(E.ReadOnlyError, match="POST /api/v2/runs/run_1/cancel.*read-only"):
        await h.client.runs.cancel("run_1")


def test_error_bodies_keep_the_servers_words() -> None:
    body = {"error": "Query Error", "details": [
        {"code": "custom", "message": "Invalid status values: X", "path": ["filter[status]"]}]}
    error = E.from_response(400, {}, body, json.dumps(body))
    assert isinstance(error, E.BadRequestError)
    assert "filter[status]: Invalid status values: X" in str(error)
