"""Actions against the emulator: each shows its effect at once and ends visibly applied (a poll
confirms it) or visibly failed (a result, a rollback, a notice) — never silently lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.state.conftest import StateHarness, make_state, quiet_world
from trigger_tui.api.client import ClientOptions, RetryPolicy, TriggerClient
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world import DEMO_KEYS
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.state.actions import UNKNOWN_OUTCOME, Actions
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import QueuesPoller, RunsPoller
from trigger_tui.state.store import RunRow


@pytest.fixture
async def h() -> AsyncIterator[StateHarness]:
    harness = make_state(**quiet_world())
    yield harness
    await harness.client.aclose()


def runs_poller(h: StateHarness, f: RunFilter | None = None) -> RunsPoller:
    return RunsPoller(h.client, h.store, filter=f or RunFilter(), clock=h.clock.now,
                      timer=h.clock.now)


def actions(h: StateHarness, client: TriggerClient | None = None) -> Actions:
    return Actions(client or h.client, h.store, clock=h.clock.now, sleep=h.sleep)


def delayed(h: StateHarness, task: str = "send-email", hours: float = 1.0) -> Run:
    run, _ = h.env.trigger(task, {"to": "ops@acme.test"}, "application/json",
                           TriggerOptions(delay_until=h.env.now + hours * 3600))
    return run


def finished(h: StateHarness) -> Run:
    run, _ = h.env.trigger("send-email", {"to": "ops@acme.test"}, "application/json",
                           TriggerOptions())
    h.advance(120)
    assert run.status in S.FINAL
    return run


def posts(h: StateHarness, suffix: str) -> int:
    return sum(1 for r in h.log if r.method == "POST" and r.path.endswith(suffix))


def intercept(h: StateHarness, answer: Callable[[httpx.Request], httpx.Response | None],
              retry: RetryPolicy | None = None) -> TriggerClient:
    """A client whose requests go to the emulator unless `answer` answers them itself."""
    inner = httpx.ASGITransport(app=h.app)

    class Transport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await request.aread()
            response = answer(request)
            if response is None:
                return await inner.handle_async_request(request)
            return response

    return TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], retry=retry or RetryPolicy(),
        transport=Transport(), sleep=h.sleep, now=h.clock.now))


# --------------------------------------------------------------------------- cancel
async def test_cancel_shows_at_once_and_the_next_poll_confirms(h: StateHarness) -> None:
    run = delayed(h)
    poller = runs_poller(h)
    assert await poller.poll_once()
    result = await actions(h).cancel(run.id)
    assert result.ok, result.message
    row = h.store.runs.items[run.id]
    assert (row.status, row.pending) == ("CANCELED", "cancel")
    assert run.status == S.CANCELED
    h.advance(2)
    assert await poller.poll_once()
    row = h.store.runs.items[run.id]
    assert (row.status, row.pending) == ("CANCELED", "")
    assert not h.store.expectations
    assert not h.store.notices


async def test_a_failed_cancel_is_rolled_back_and_says_why(h: StateHarness) -> None:
    run = delayed(h)
    assert await runs_poller(h).poll_once()
    h.app.state.faults.ratios["5xx"] = 1.0
    result = await actions(h).cancel(run.id)
    assert not result.ok
    assert result.message.startswith(f"cancel {run.id} failed: the API failed with 503")
    row = h.store.runs.items[run.id]
    assert (row.status, row.pending) == ("DELAYED", "")
    assert not h.store.expectations


async def test_cancel_of_an_unknown_run_fails_with_the_servers_words(h: StateHarness) -> None:
    result = await actions(h).cancel("run_doesnotexist00000000")
    assert not result.ok
    assert "not found" in result.message.lower()


async def test_a_cancel_no_poll_confirms_is_rolled_back_with_a_notice(h: StateHarness) -> None:
    run = delayed(h)
    poller = runs_poller(h)
    assert await poller.poll_once()

    def swallow_cancel(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/cancel"):  # accepted, and then nothing happens
            return httpx.Response(200, json={"id": run.id})
        return None

    client = intercept(h, swallow_cancel)
    result = await actions(h, client).cancel(run.id)
    assert result.ok
    for _ in range(12):  # polls keep showing DELAYED; the overlay holds until the deadline
        h.advance(2)
        assert await poller.poll_once()
    row = h.store.runs.items[run.id]
    assert (row.status, row.pending) == ("DELAYED", "")
    assert [n.level for n in h.store.notices] == ["warning"]
    assert f"cancel {run.id}" in h.store.notices[0].message
    await client.aclose()


async def test_cancel_that_lost_the_race_says_how_the_run_ended(h: StateHarness) -> None:
    run, _ = h.env.trigger("send-email", {"to": "a@b.c"}, "application/json",
                           TriggerOptions())
    poller = runs_poller(h)
    assert await poller.poll_once()
    assert not h.store.runs.items[run.id].is_final
    h.advance(120)  # it finishes before the operator's cancel arrives
    result = await actions(h).cancel(run.id)
    assert result.ok
    assert await poller.poll_once()
    row = h.store.runs.items[run.id]
    assert row.pending == "" and row.status == "COMPLETED"
    assert h.store.notices[-1].message == \
        f"{run.id} finished as COMPLETED before the cancel reached it"


async def test_cancel_of_a_finished_run_sends_nothing(h: StateHarness) -> None:
    run = finished(h)
    assert await runs_poller(h).poll_once()
    sent = len(h.log)
    result = await actions(h).cancel(run.id)
    assert not result.ok and "already finished" in result.message
    assert len(h.log) == sent


# --------------------------------------------------------------------------- replay
async def test_replay_shows_the_new_run_until_the_poll_brings_it(h: StateHarness) -> None:
    run = finished(h)
    poller = runs_poller(h)
    assert await poller.poll_once()
    result = await actions(h).replay(run.id, payload={"to": "other@acme.test"})
    assert result.ok and result.new_run_id
    placeholder = h.store.runs.items[result.new_run_id]
    assert (placeholder.task, placeholder.pending) == ("send-email", "replay")
    assert h.env.runs[result.new_run_id].payload == {"to": "other@acme.test"}
    assert await poller.poll_once()
    row = h.store.runs.items[result.new_run_id]
    assert row.pending == "" and row.task == "send-email"
    assert not h.store.expectations


async def test_a_replay_that_timed_out_is_reported_unknown_and_never_retried(
        h: StateHarness) -> None:
    run = finished(h)
    inner = httpx.ASGITransport(app=h.app)

    class ReachesThenTimesOut(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if request.url.path.endswith("/replay"):
                raise httpx.ReadTimeout("timed out", request=request)
            return response

    client = TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], retry=RetryPolicy(),
        transport=ReachesThenTimesOut(), sleep=h.sleep, now=h.clock.now))
    before = len(h.env.runs)
    result = await actions(h, client).replay(run.id)
    assert not result.ok
    assert UNKNOWN_OUTCOME in result.message
    assert result.message.startswith(f"replay {run.id}: unknown outcome: check the runs list "
                                     "before retrying")
    assert posts(h, "/replay") == 1  # sent once, not retried
    assert len(h.env.runs) == before + 1  # the server did create the run
    await client.aclose()


# --------------------------------------------------------------------------- reschedule, tags
async def test_reschedule_moves_a_delayed_run(h: StateHarness) -> None:
    run = delayed(h)
    poller = runs_poller(h)
    assert await poller.poll_once()
    result = await actions(h).reschedule(run.id, "3h")
    assert result.ok, result.message
    assert run.delayed_until == pytest.approx(h.env.now + 3 * 3600, abs=1)
    assert h.store.runs.items[run.id].pending == "reschedule"
    assert h.store.collection("run_detail").items[run.id].status == "DELAYED"
    assert await poller.poll_once()
    assert h.store.runs.items[run.id].pending == ""


async def test_reschedule_of_a_run_that_is_not_delayed_sends_nothing(h: StateHarness) -> None:
    run = finished(h)
    assert await runs_poller(h).poll_once()
    sent = len(h.log)
    result = await actions(h).reschedule(run.id, "1h")
    assert not result.ok and "only a delayed run" in result.message
    assert len(h.log) == sent


async def test_tags_on_a_finished_run_are_confirmed_by_a_reread(h: StateHarness) -> None:
    run = finished(h)
    poller = runs_poller(h, RunFilter(statuses=frozenset({"COMPLETED"})))
    assert await poller.poll_once()
    result = await actions(h).add_tags(run.id, ["vip", "refund"])
    assert result.ok, result.message
    assert h.store.runs.items[run.id].tags == ("refund", "vip")
    assert h.store.runs.items[run.id].pending == "tags"
    h.advance(30)  # long after its last event: only the re-read by id can confirm it
    assert await poller.poll_once()
    row = h.store.runs.items[run.id]
    assert set(row.tags) == {"vip", "refund"} and row.pending == ""


# --------------------------------------------------------------------------- bulk
async def test_bulk_cancel_by_ids_reports_progress_until_done(h: StateHarness) -> None:
    runs = [delayed(h) for _ in range(3)]
    poller = runs_poller(h)
    assert await poller.poll_once()
    acts = actions(h)
    progress = await acts.bulk("cancel", run_ids=[r.id for r in runs])
    assert progress.ok and progress.status == "PENDING" and progress.total == 3
    assert all(h.store.runs.items[r.id].pending == "cancel" for r in runs)
    done = await acts.follow_bulk(progress.id or "")
    assert done.done and done.status == "COMPLETED"
    assert (done.total, done.succeeded, done.failed) == (3, 3, 0)
    assert h.store.collection("bulk").get(progress.id or "") == done
    assert await poller.poll_once()
    assert all(h.store.runs.items[r.id].status == "CANCELED" for r in runs)
    assert all(h.store.runs.items[r.id].pending == "" for r in runs)


async def test_bulk_replay_by_filter_and_abort(h: StateHarness) -> None:
    for _ in range(3):
        finished(h)
    acts = actions(h)
    progress = await acts.bulk("replay", filter=RunFilter(tasks=frozenset({"send-email"}),
                                                          period="1h"))
    assert progress.ok, progress.message
    result = await acts.abort_bulk(progress.id or "")
    state = await acts.poll_bulk(progress.id or "")
    assert result.ok or "already completed" in result.message
    assert state.done


@pytest.mark.parametrize(("ids", "f", "words"), [
    ([f"run_{i}" for i in range(501)], None, "at most 500"),
    ([], None, "no runs selected"),
    (None, None, "either the selected runs or a filter"),
    (["run_a"], RunFilter(), "either the selected runs or a filter"),
    (None, RunFilter(text="acme"), "cannot filter by text"),
])
async def test_bulk_refusals_send_nothing(h: StateHarness, ids: list[str] | None,
                                          f: RunFilter | None, words: str) -> None:
    progress = await actions(h).bulk("cancel", run_ids=ids, filter=f)
    assert not progress.ok and progress.done and words in progress.message
    assert len(h.log) == 0


# --------------------------------------------------------------------------- queues
async def test_pause_and_resume_a_queue(h: StateHarness) -> None:
    queues = QueuesPoller(h.client, h.store, clock=h.clock.now, timer=h.clock.now)
    assert await queues.poll_once()
    queue = next(q for q in h.store.collection("queues").values() if q.name == "process-order")
    acts = actions(h)
    result = await acts.pause_queue(queue.id)
    assert result.ok, result.message
    assert h.store.collection("queues").items[queue.id].paused
    assert h.env.queues["task/process-order"].paused
    assert await queues.poll_once()
    assert h.store.collection("queues").items[queue.id].paused
    assert (await acts.resume_queue(queue.id)).ok
    assert not h.store.collection("queues").items[queue.id].paused
    assert not h.store.expectations


# --------------------------------------------------------------------------- read-only
async def test_read_only_fails_every_action_and_sends_nothing() -> None:
    h = make_state(read_only=True, **quiet_world())
    acts = actions(h)
    row = RunRow(id="run_delayed0000000000000", status="DELAYED", task="send-email",
                 created_at=h.clock.now())
    h.store.upsert("runs", [row])
    results = [
        await acts.cancel(row.id),
        await acts.replay(row.id),
        await acts.replay(row.id, payload={"x": 1}),
        await acts.reschedule(row.id, "1h"),
        await acts.add_tags(row.id, ["x"]),
        await acts.abort_bulk("bulk_x"),
        await acts.pause_queue("queue_x"),
        await acts.resume_queue("queue_x"),
    ]
    bulk = [await acts.bulk("cancel", run_ids=[row.id]),
            await acts.bulk("replay", filter=RunFilter())]
    assert all(not r.ok and "read-only" in r.message for r in results)
    assert all(not b.ok and "read-only" in b.message for b in bulk)
    assert len(h.log) == 0  # nothing reached the server
    assert h.store.runs.items[row.id] == row  # and nothing was shown as done
    assert not h.store.expectations
    await h.client.aclose()
