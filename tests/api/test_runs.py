"""`client.runs` against the emulator: what is sent (as the SDK sends it), what comes back,
and the errors a person sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from tests.api.conftest import Harness, make_harness
from trigger_tui.api import errors as E
from trigger_tui.api.client import NO_RETRY
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world import DEMO_PAT
from trigger_tui.emulator.world.options import TriggerOptions


def query_of(h: Harness, path: str) -> dict[str, str]:
    """The decoded query string of the last request to `path`."""
    sent = [r for r in h.sent if r.url.path == path][-1]
    return dict(parse_qsl(sent.url.query.decode()))


def paused_run(h: Harness, task: str = "resize-image") -> str:
    """A run that stays QUEUED: its queue is paused."""
    env = h.env()
    env.set_paused(env.queues[f"task/{task}"], True)
    run, _ = env.trigger(task, {"image": "a.png"}, "application/json", TriggerOptions())
    return run.id


# ---------------------------------------------------------------------- list and pages
async def test_list_walks_every_page_newest_first(busy: Harness) -> None:
    env = busy.env()
    expected = [r.id for r in sorted(env.runs.values(), key=lambda r: r.seq, reverse=True)]
    seen = [r.id async for r in busy.client.runs.list()]
    assert seen == expected and len(seen) > 200
    pages = [r for r in busy.sent if r.url.path == "/api/v1/runs"]
    assert len(pages) == -(-len(expected) // 100)
    assert "page[after]" in query_of(busy, "/api/v1/runs")


async def test_list_stops_at_the_limit_without_fetching_more(busy: Harness) -> None:
    runs = [r async for r in busy.client.runs.list(limit=7)]
    assert len(runs) == 7
    assert len(busy.sent) == 1 and query_of(busy, "/api/v1/runs")["page[size]"] == "7"
    assert [r async for r in busy.client.runs.list(limit=0)] == []
    assert len(busy.sent) == 1


async def test_list_filters_are_sent_as_the_sdk_sends_them(busy: Harness) -> None:
    start = datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    got = [r async for r in busy.client.runs.list(
        status=["COMPLETED", "FAILED"], task=["send-email", "deliver-webhook"], tag="x",
        queue=["email", "task/resize-image"], machine="micro", region=["us-east-1"],
        version="20251230.1", batch="batch_1", schedule="sched_1", bulk_action="bulk_1",
        is_test=False, from_=start, to=start.timestamp() + 60)]
    assert got == []
    sent = [r for r in busy.sent if r.url.path == "/api/v1/runs"][-1]
    raw = sent.url.query.decode()
    assert "filter%5Bstatus%5D=COMPLETED%2CFAILED" in raw  # brackets and commas escaped
    assert query_of(busy, "/api/v1/runs") == {
        "filter[status]": "COMPLETED,FAILED",
        "filter[taskIdentifier]": "send-email,deliver-webhook",
        "filter[tag]": "x",
        "filter[queue]": "email,task/resize-image",
        "filter[machine]": "micro",
        "filter[region]": "us-east-1",
        "filter[version]": "20251230.1",
        "filter[batch]": "batch_1",
        "filter[schedule]": "sched_1",
        "filter[bulkAction]": "bulk_1",
        "filter[isTest]": "false",
        "filter[createdAt][from]": str(int(start.timestamp() * 1000)),
        "filter[createdAt][to]": str(int(start.timestamp() * 1000) + 60_000),
        "page[size]": "100",
    }


async def test_filters_select_what_they_say(history: Harness) -> None:
    client = history.client
    failed = [r async for r in client.runs.list(status="FAILED", period="2h")]
    assert failed and all(r.status == "FAILED" and r.is_failed and r.is_final for r in failed)
    assert query_of(history, "/api/v1/runs")["filter[createdAt][period]"] == "2h"
    emails = [r async for r in client.runs.list(task="send-email", limit=5)]
    assert emails and {r.task_identifier for r in emails} == {"send-email"}
    assert all(r.env is not None and r.env.name == "prod" for r in emails)


async def test_page_returns_one_page_and_its_cursors(busy: Harness) -> None:
    first = await busy.client.runs.page(size=10)
    assert len(first.data) == 10 and first.next and first.previous is None
    second = await busy.client.runs.page(size=10, after=first.next)
    assert second.previous is not None
    back = await busy.client.runs.page(size=10, before=second.previous)
    assert [r.id for r in back.data] == [r.id for r in first.data]
    assert {r.id for r in first.data}.isdisjoint(r.id for r in second.data)


async def test_an_unknown_status_filter_is_a_bad_request_with_the_servers_words(
        api: Harness) -> None:
    with pytest.raises(E.BadRequestError) as info:
        await api.client.runs.page(status="FOOBAR")
    assert "Invalid status values: FOOBAR" in str(info.value)
    assert info.value.status == 400


async def test_project_runs_use_a_pat_and_the_env_filter() -> None:
    h = make_harness(DEMO_PAT, history_s=600)
    runs = [r async for r in h.client.runs.list_project("proj_demo", ["stg"], limit=5)]
    assert len(runs) == 5 and {r.env.name for r in runs if r.env} == {"stg"}
    assert query_of(h, "/api/v1/projects/proj_demo/runs")["filter[env]"] == "stg"
    with pytest.raises(E.NotFoundError, match="Project not found"):
        async for _ in h.client.runs.list_project("proj_other", "prod"):
            pass


# ---------------------------------------------------------------------- one run
async def test_retrieve_has_payload_related_runs_and_utc_dates(api: Harness) -> None:
    env = api.env()
    parent, _ = env.trigger("process-order", {"orderId": "ord_1"}, "application/json",
                            TriggerOptions(tags=["b", "a"]))
    api.advance(900)
    run = await api.client.runs.retrieve(parent.id)
    assert run.payload == {"orderId": "ord_1"} and run.tags == ["a", "b"]
    assert run.trigger_function == "trigger" and run.depth == 0
    assert run.created_at.tzinfo == UTC
    assert run.created_at.timestamp() == pytest.approx(parent.created_at, abs=0.001)
    assert len(run.related_runs.children) == 2 and run.related_runs.parent is None
    assert run.is_final == (run.status in ("COMPLETED", "FAILED", "CRASHED", "SYSTEM_FAILURE",
                                           "CANCELED", "EXPIRED", "TIMED_OUT"))
    child = await api.client.runs.retrieve(parent.children[0])
    assert child.related_runs.parent is not None and child.related_runs.parent.id == parent.id
    assert child.trigger_function == "triggerAndWait" and child.depth == 1


async def test_retrieve_of_a_failed_run_carries_its_error_and_result(
        history: Harness) -> None:
    runs = history.env().runs.values()
    failed = next(r for r in runs if r.status == S.COMPLETED_WITH_ERRORS)
    run = await history.client.runs.retrieve(failed.id)
    assert run.status == "FAILED" and run.is_failed and not run.is_success
    assert run.error is not None and run.error.message
    result = await history.client.runs.result(failed.id)
    assert result is not None and result.ok is False and result.error is not None
    done = next(r for r in runs if r.status == S.COMPLETED_SUCCESSFULLY)
    ok = await history.client.runs.result(done.id)
    assert ok is not None and ok.ok and ok.output == done.output  # decoded from its string


async def test_result_is_none_while_a_run_is_not_finished(api: Harness) -> None:
    assert await api.client.runs.result(paused_run(api)) is None
    assert await api.client.runs.result("run_missing") is None


async def test_retrieve_of_an_unknown_run_is_not_found(api: Harness) -> None:
    with pytest.raises(E.NotFoundError, match="Not found"):
        await api.client.runs.retrieve("run_missing", retry=NO_RETRY)


async def test_events_and_trace(api: Harness) -> None:
    parent, _ = api.env().trigger("process-order", {}, "application/json", TriggerOptions())
    api.advance(900)
    events = await api.client.runs.events(parent.id)
    assert events and {e.run_id for e in events} == {parent.id}
    assert any(e.kind == "LOG" for e in events)
    first = min(events, key=lambda e: e.start_time)
    assert first.started_at.timestamp() == pytest.approx(parent.created_at, abs=0.001)
    trace = await api.client.runs.trace(parent.id)
    assert len(trace.trace_id) == 32 and trace.root_span.run_id == parent.id
    run_ids: set[str | None] = set()
    stack = [trace.root_span]
    while stack:
        span = stack.pop()
        run_ids.add(span.run_id)
        stack.extend(span.children)
    assert run_ids == {parent.id, *parent.children}
    with pytest.raises(E.NotFoundError):
        await api.client.runs.events("run_missing", retry=NO_RETRY)
    with pytest.raises(E.NotFoundError):
        await api.client.runs.trace("run_missing", retry=NO_RETRY)


# ---------------------------------------------------------------------- actions
async def test_cancel_sends_no_body_and_is_harmless_to_repeat(api: Harness) -> None:
    run_id = paused_run(api)
    assert await api.client.runs.cancel(run_id) == run_id
    assert await api.client.runs.cancel(run_id) == run_id
    assert api.env().runs[run_id].status == S.CANCELED
    sent = api.sent[-1]
    assert sent.content == b"" and sent.headers["content-length"] == "0"
    with pytest.raises(E.NotFoundError, match="Resource not found"):
        await api.client.runs.cancel("run_missing")


async def test_replay_without_overrides_sends_an_empty_body(api: Harness) -> None:
    run, _ = api.env().trigger("send-email", {"to": "a@b.c"}, "application/json",
                               TriggerOptions(tags=["x"]))
    new_id = await api.client.runs.replay(run.id)
    copy = api.env().runs[new_id]
    assert copy.payload == {"to": "a@b.c"} and copy.tags == ["x"] and new_id != run.id
    assert api.sent[-1].content == b""


async def test_replay_with_an_edited_payload_sends_it_as_superjson(api: Harness) -> None:
    run, _ = api.env().trigger("send-email", {"to": "a@b.c"}, "application/json",
                               TriggerOptions(tags=["x"]))
    new_id = await api.client.runs.replay(run.id, payload={"to": "z@y.x"}, tags=["z"],
                                          metadata={"why": "fixed"}, machine="small-2x")
    body = json.loads(api.sent[-1].content)
    assert body == {"payload": '{"json":{"to":"z@y.x"}}', "tags": ["z"],
                    "metadata": {"why": "fixed"}, "machine": "small-2x",
                    "payloadType": "application/super+json"}
    edited = api.env().runs[new_id]
    assert edited.payload == {"to": "z@y.x"} and edited.tags == ["z"]
    with pytest.raises(E.NotFoundError):
        await api.client.runs.replay("run_missing")


async def test_reschedule_moves_a_delayed_run(api: Harness) -> None:
    delayed, _ = api.env().trigger("send-email", {}, "application/json",
                                   TriggerOptions(delay_until=api.clock.now() + 3600))
    run = await api.client.runs.reschedule(delayed.id, "2h")
    assert run.id == delayed.id and run.status == "DELAYED" and run.is_queued
    assert run.delayed_until is not None
    assert run.delayed_until.timestamp() == pytest.approx(api.clock.now() + 7200, abs=0.001)
    assert json.loads(api.sent[-1].content) == {"delay": "2h"}
    when = datetime.fromtimestamp(api.clock.now() + 86400, tz=UTC)
    moved = await api.client.runs.reschedule(delayed.id, when)
    assert moved.delayed_until == when
    with pytest.raises(E.BadRequestError, match="Invalid delay: soon"):
        await api.client.runs.reschedule(delayed.id, "soon")
    with pytest.raises(E.BadRequestError, match="not delayed"):
        await api.client.runs.reschedule(paused_run(api), "1h")
    with pytest.raises(E.NotFoundError, match="Run not found"):
        await api.client.runs.reschedule("run_missing", "1h")


async def test_add_tags_and_the_ten_tag_limit(api: Harness) -> None:
    run_id = paused_run(api)
    assert await api.client.runs.add_tags(run_id, ["a", "b"]) == "Successfully set 2 new tags."
    assert await api.client.runs.add_tags(run_id, "a") == "No new tags to add"
    with pytest.raises(E.UnprocessableEntityError) as info:
        await api.client.runs.add_tags(run_id, [f"t{i}" for i in range(10)])
    assert "Runs can only have 10 tags" in str(info.value) and info.value.status == 422


async def test_metadata_get_replace_and_operations(api: Harness) -> None:
    run_id = paused_run(api)
    assert await api.client.runs.metadata(run_id) == {}
    meta = await api.client.runs.update_metadata(
        run_id, {"n": 1, "list": []},
        [{"type": "increment", "key": "n", "value": 2},
         {"type": "append", "key": "list", "value": "x"}])
    assert meta == {"n": 3, "list": ["x"]}
    assert await api.client.runs.metadata(run_id) == {"n": 3, "list": ["x"]}
    api.env().cancel(api.env().runs[run_id])
    with pytest.raises(E.UnprocessableEntityError, match="completed run"):
        await api.client.runs.update_metadata(run_id, {"n": 0})


async def test_a_pat_on_a_secret_key_route_is_told_to_use_a_secret_key() -> None:
    h = make_harness(DEMO_PAT, history_s=0)
    with pytest.raises(E.AuthenticationError) as caught:
        await h.client.runs.retrieve("run_anything")
    assert "needs a project secret key" in str(caught.value)
    assert "personal access token is not accepted here" in str(caught.value)


async def test_a_bare_not_found_names_the_run_asked_for(api: Harness) -> None:
    api.client.options.retry = NO_RETRY
    with pytest.raises(E.NotFoundError) as caught:
        await api.client.runs.retrieve("run_nope00000000")
    assert str(caught.value).startswith("run_nope00000000 not found in this environment")
