"""No lost actions: under faults every action ends visibly applied, visibly failed with a retry
offered, or visibly unknown with what was checked; an action whose answer was lost is checked
against the server before anything is sent again, so nothing is done twice.

"Applied but the answer was lost" cannot be injected by the emulator (its dropped connection
happens before the route runs), so `LosingTransport` forwards a request to the emulator and
then raises a timeout or a protocol error, or answers 502, instead of returning the answer.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

import httpx
import pytest

from tests.state.conftest import StateHarness, make_state, quiet_world
from tests.ui.conftest import FROZEN_AT, SEED, Harness, make_app, never, settle
from trigger_tui.api.client import NO_RETRY, ClientOptions, RetryPolicy, TriggerClient
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import Faults
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.state.actions import UNKNOWN_OUTCOME, ActionResult, Actions
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import QueuesPoller, RunsPoller
from trigger_tui.state.schedules import ScheduleActions
from trigger_tui.state.session import Session
from trigger_tui.state.tokens import TokenActions
from trigger_tui.ui.screens.run_detail import RunDetailScreen
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen

Loss = Literal["timeout-after", "drop-after", "502-after", "timeout-before", "refused"]
Decide = Callable[[httpx.Request], "Loss | None"]


class LosingTransport(httpx.AsyncBaseTransport):
    """Forwards to the emulator; `decide(request)` picks a request whose answer is lost:
    after the server acted (`*-after`), before it saw the request (`timeout-before`), or a
    connection never made (`refused`)."""

    def __init__(self, app: Any, decide: Decide) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.decide = decide

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        loss = self.decide(request)
        if loss == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if loss == "timeout-before":
            raise httpx.ReadTimeout("timed out", request=request)
        response = await self.inner.handle_async_request(request)
        if loss == "timeout-after":
            raise httpx.ReadTimeout("timed out", request=request)
        if loss == "drop-after":
            raise httpx.RemoteProtocolError("peer closed the connection", request=request)
        if loss == "502-after":
            return httpx.Response(502, json={"error": "Bad Gateway"}, request=request)
        return response


def first(suffix: str, loss: Loss, *, then: Decide | None = None) -> Decide:
    """Lose the answer of the first POST ending in `suffix`; `then` decides the rest."""
    done = [False]

    def decide(request: httpx.Request) -> Loss | None:
        if not done[0] and request.method == "POST" and request.url.path.endswith(suffix):
            done[0] = True
            return loss
        return then(request) if then is not None else None

    return decide


def losing_client(h: StateHarness, decide: Decide,
                  retry: RetryPolicy = NO_RETRY) -> TriggerClient:
    return TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], retry=retry,
        transport=LosingTransport(h.app, decide), sleep=h.sleep, now=h.clock.now,
        rng=random.Random(3)))


@pytest.fixture
async def h() -> AsyncIterator[StateHarness]:
    harness = make_state(**quiet_world())
    yield harness
    await harness.client.aclose()


def finished(h: StateHarness, task: str = "send-email", payload: Any = None,
             tags: list[str] | None = None) -> Run:
    run, _ = h.env.trigger(task, payload or {"to": "ops@acme.test"}, "application/json",
                           TriggerOptions(tags=tags or ["vip"]))
    h.advance(120)
    assert run.status in S.FINAL
    return run


def delayed(h: StateHarness, task: str = "send-email") -> Run:
    run, _ = h.env.trigger(task, {"to": "ops@acme.test"}, "application/json",
                           TriggerOptions(delay_until=h.env.now + 3600))
    return run


def reached(h: StateHarness, method: str, suffix: str) -> int:
    """Requests the emulator's routes answered (an injected fault answers with 503/429 or
    drops the connection before the route: those did nothing)."""
    return sum(1 for r in h.log if r.method == method and r.path.endswith(suffix)
               and r.status not in (0, 429, 503))


def new_runs(h: StateHarness, before: set[str]) -> list[str]:
    return sorted(set(h.env.runs) - before)


# --------------------------------------------------------------------------- replay
@pytest.mark.parametrize("loss", ["timeout-after", "drop-after", "502-after"])
async def test_a_replay_whose_answer_was_lost_is_found_on_the_server_and_not_sent_again(
        h: StateHarness, loss: Loss) -> None:
    run = finished(h)
    decoy = finished(h, payload={"to": "someone-else@acme.test"})  # same task, other payload
    before = set(h.env.runs)
    client = losing_client(h, first("/replay", loss), retry=RetryPolicy())
    result = await Actions(client, h.store, clock=h.clock.now, sleep=h.sleep).replay(run.id)
    made = new_runs(h, before)
    assert len(made) == 1  # the server did replay it, once
    assert reached(h, "POST", "/replay") == 1  # and it was sent once: never blindly retried
    assert result.new_run_id == made[0] != decoy.id
    assert f"replay may have been applied: {made[0]} found" in result.message
    assert UNKNOWN_OUTCOME in result.message and not result.retry and not result.ok
    await client.aclose()


async def test_an_edited_replay_whose_answer_was_lost_is_found_by_its_payload(
        h: StateHarness) -> None:
    run = finished(h)
    before = set(h.env.runs)
    client = losing_client(h, first("/replay", "timeout-after"))
    acts = Actions(client, h.store, clock=h.clock.now, sleep=h.sleep)
    result = await acts.replay(run.id, payload={"to": "fixed@acme.test"})
    made = new_runs(h, before)
    assert len(made) == 1 and result.new_run_id == made[0]
    assert h.env.runs[made[0]].payload == {"to": "fixed@acme.test"}
    assert reached(h, "POST", "/replay") == 1
    await client.aclose()


async def test_a_replay_lost_before_the_server_acted_offers_a_retry_which_applies_once(
        h: StateHarness) -> None:
    run = finished(h)
    before = set(h.env.runs)
    client = losing_client(h, first("/replay", "timeout-before"))
    acts = Actions(client, h.store, clock=h.clock.now, sleep=h.sleep)
    lost = await acts.replay(run.id)
    assert not lost.ok and lost.retry
    assert "so the replay was not applied" in lost.message
    assert new_runs(h, before) == [] and reached(h, "POST", "/replay") == 0
    again = await acts.replay(run.id)  # what the screen's Retry does
    assert again.ok and new_runs(h, before) == [again.new_run_id]
    assert reached(h, "POST", "/replay") == 1
    await client.aclose()


async def test_a_replay_whose_check_fails_too_is_unknown_and_offers_no_retry(
        h: StateHarness) -> None:
    run = finished(h)
    before = set(h.env.runs)

    def reads_fail(request: httpx.Request) -> Loss | None:
        return "refused" if request.method == "GET" else None

    client = losing_client(h, first("/replay", "timeout-after", then=reads_fail))
    result = await Actions(client, h.store, clock=h.clock.now, sleep=h.sleep).replay(run.id)
    assert not result.ok and not result.retry
    assert result.message.startswith(f"replay {run.id}: {UNKNOWN_OUTCOME}")
    assert "checking the server failed too" in result.message
    assert len(new_runs(h, before)) == 1 and reached(h, "POST", "/replay") == 1
    await client.aclose()


# --------------------------------------------------------------------------- cancel
async def runs_in_store(h: StateHarness, client: TriggerClient) -> RunsPoller:
    poller = RunsPoller(client, h.store, filter=RunFilter(), clock=h.clock.now,
                        timer=h.clock.now)
    assert await poller.poll_once()
    return poller


@pytest.mark.parametrize("loss", ["timeout-after", "drop-after", "502-after"])
async def test_a_cancel_whose_answer_was_lost_is_checked_and_reported_applied(
        h: StateHarness, loss: Loss) -> None:
    run = delayed(h)
    client = losing_client(h, first("/cancel", loss))
    poller = await runs_in_store(h, client)
    result = await Actions(client, h.store, clock=h.clock.now, sleep=h.sleep).cancel(run.id)
    assert result.ok and "re-reading the run shows the cancel applied" in result.message
    assert run.status == S.CANCELED and reached(h, "POST", "/cancel") == 1
    assert h.store.runs.items[run.id].pending == "cancel"  # until the poll confirms it
    assert await poller.poll_once()
    assert h.store.runs.items[run.id].status == "CANCELED" and not h.store.expectations
    await client.aclose()


async def test_a_cancel_lost_before_the_server_acted_is_rolled_back_with_a_retry(
        h: StateHarness) -> None:
    run = delayed(h)
    client = losing_client(h, first("/cancel", "timeout-before"))
    await runs_in_store(h, client)
    result = await Actions(client, h.store, clock=h.clock.now, sleep=h.sleep).cancel(run.id)
    assert not result.ok and result.retry
    assert "so the cancel was not applied" in result.message
    assert run.status == S.DELAYED and reached(h, "POST", "/cancel") == 0
    row = h.store.runs.items[run.id]
    assert (row.status, row.pending) == ("DELAYED", "") and not h.store.expectations
    await client.aclose()


async def test_a_cancel_whose_answer_was_lost_is_not_resent_by_the_client(
        h: StateHarness) -> None:
    run = delayed(h)
    client = losing_client(h, first("/cancel", "timeout-after"), retry=RetryPolicy())
    await runs_in_store(h, client)
    result = await Actions(client, h.store, clock=h.clock.now, sleep=h.sleep).cancel(run.id)
    assert result.ok and run.status == S.CANCELED
    assert sum(1 for r in h.log if r.method == "POST" and r.path.endswith("/cancel")) == 1
    await client.aclose()


# --------------------------------------------------------------------------- on screen
def lossy_harness(decide: Decide) -> Harness:
    """`tests.ui.conftest.make_harness`, with answers lost as `decide` says."""
    clock = FakeClock(FROZEN_AT)
    world = World(clock, seed=SEED, history_s=900.0, workload=True)
    emulator = create_app(world)
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=DEMO_KEYS["prod"], project_ref=world.project_ref,
        retry=NO_RETRY, transport=LosingTransport(emulator, decide), now=clock.now,
        rng=random.Random(SEED)))
    session = Session.connect(client, clock=clock.now, sleep=never, timer=clock.now)
    session.world = world
    session.emulator = emulator
    return Harness(clock, world, emulator, session)


def toasts(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def test_replay_key_with_a_lost_answer_says_what_the_server_has_and_sends_once() -> None:
    h = lossy_harness(first("/replay", "timeout-after"))
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        env = h.world.envs["prod"]
        before = set(env.runs)
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot, lambda: any("replay may have been applied" in t
                                        for t in toasts(app)))
        made = sorted(set(env.runs) - before)
        replays = [r for r in h.log if r.method == "POST" and r.path.endswith("/replay")]
        assert len(replays) == 1 and len(made) == 1
        assert any(f"replay may have been applied: {made[0]} found" in t for t in toasts(app))
        assert h.session.store.runs.get(made[0]) is not None  # shown at once, marked pending


@pytest.mark.parametrize("where", ["runs pane", "run detail"])
async def test_cancel_key_lost_before_the_server_acted_offers_retry_which_applies(
        where: str) -> None:
    h = lossy_harness(first("/cancel", "timeout-before"))
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        env = h.world.envs["prod"]
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        if where == "run detail":
            run_id = next(r.id for r in h.session.store.runs.values() if not r.is_final)
            app.open_run(run_id)
            await settle(pilot, lambda: isinstance(app.screen, RunDetailScreen)
                         and app.screen.run is not None)
        else:
            run_id = next(rid for rid in screen.table.index.all_ids()
                          if not h.session.store.runs.items[rid].is_final)
            screen.table.select_run(run_id)
            await pilot.pause()
            assert screen.table.cursor_id == run_id
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("y")  # confirm the cancel: its answer is lost
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and dialog.title_text == "Cancel failed"
        assert "so the cancel was not applied" in str(dialog.body)
        assert any("so the cancel was not applied" in t for t in toasts(app))
        assert env.runs[run_id].status not in S.FINAL  # nothing was applied
        await pilot.press("y")  # Retry
        await settle(pilot, lambda: env.runs[run_id].status == S.CANCELED)
        assert any(t.startswith("cancel requested") for t in toasts(app))
        cancels = [r for r in h.log if r.method == "POST" and r.path.endswith("/cancel")]
        assert len(cancels) == 1  # the lost one never reached the server


# --------------------------------------------------------------------------- under faults
@dataclass
class Done:
    kind: str
    target: str
    result: ActionResult
    applied: Callable[[], bool]
    label: str = ""


@dataclass
class Series:
    h: StateHarness
    faults: Faults
    done: list[Done] = field(default_factory=list)


async def make_series(seed: int, retry: RetryPolicy) -> Series:
    faults = Faults(seed=seed)
    h = make_state(**quiet_world())
    h.app = create_app(h.world, faults=faults)
    h.client = TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], retry=retry,
        transport=httpx.ASGITransport(app=h.app), sleep=h.client.options.sleep,
        now=h.clock.now, rng=random.Random(seed)))
    return Series(h, faults)


@pytest.mark.parametrize(("seed", "retry"), [(1, NO_RETRY), (2, NO_RETRY), (3, RetryPolicy()),
                                             (4, RetryPolicy())])
async def test_under_5xx_and_429_every_action_ends_visibly_and_nothing_twice(
        seed: int, retry: RetryPolicy) -> None:
    s = await make_series(seed, retry)
    h = s.h
    env = h.env
    clean = TriggerClient(ClientOptions(
        base_url="http://emulator.test", key=DEMO_KEYS["prod"], retry=NO_RETRY,
        transport=httpx.ASGITransport(app=h.app), sleep=h.sleep, now=h.clock.now))
    finished_runs = [finished(h, payload={"n": i}) for i in range(5)]
    waiting = [delayed(h) for _ in range(10)]
    tokens = [env.tokens.create(tags=["t"])[0] for _ in range(4)]
    schedules = [await clean.schedules.create("nightly-report", "0 * * * *", f"dedup-{i}")
                 for i in range(3)]
    runs = RunsPoller(clean, h.store, filter=RunFilter(), clock=h.clock.now,
                      timer=h.clock.now)
    queues = QueuesPoller(clean, h.store, clock=h.clock.now, timer=h.clock.now)
    assert await runs.poll_once() and await queues.poll_once()
    queue_ids = sorted(h.store.collection("queues").items)[:3]
    before = set(env.runs)
    s.faults.ratios.update({"5xx": 0.2, "429": 0.1})
    acts = Actions(h.client, h.store, clock=h.clock.now, sleep=h.sleep)
    tok = TokenActions(h.client, h.store)
    sched = ScheduleActions(h.client, h.store, clock=h.clock.now)

    def canceled(run_id: str) -> bool:
        h.world.advance()
        return bool(env.runs[run_id].status == S.CANCELED)

    def tagged(run_id: str) -> bool:
        return "checked" in env.runs[run_id].tags

    def moved(run: Run, old: float | None) -> bool:
        return run.delayed_until != old

    def replayed(run: Run) -> bool:
        return any(env.runs[n].payload == run.payload for n in set(env.runs) - before)

    def paused(queue_id: str) -> bool:
        return any(q.id == queue_id and q.paused for q in env.queues.values())

    def completed(token: Any) -> bool:
        return bool(token.status == "COMPLETED")

    def inactive(schedule_id: str) -> bool:
        return not env.schedules.items[schedule_id].active

    for run in waiting[:5]:
        s.done.append(Done("cancel", run.id, await acts.cancel(run.id),
                           partial(canceled, run.id), f"cancel {run.id}"))
    for run in waiting[5:8]:
        s.done.append(Done("tag", run.id, await acts.add_tags(run.id, ["checked"]),
                           partial(tagged, run.id), f"tag {run.id}"))
    for run in waiting[8:]:
        was = partial(moved, run, run.delayed_until)
        s.done.append(Done("reschedule", run.id, await acts.reschedule(run.id, "3h"), was))
    for run in finished_runs:
        s.done.append(Done("replay", run.id, await acts.replay(run.id), partial(replayed, run)))
    for qid in queue_ids:
        s.done.append(Done("pause", qid, await acts.pause_queue(qid), partial(paused, qid),
                           f"pause queue {qid}"))
    for token in tokens:
        s.done.append(Done("complete", token.id, await tok.complete(token.id, '{"ok": true}'),
                           partial(completed, token)))
    for schedule in schedules:
        s.done.append(Done("deactivate", schedule.id, await sched.set_active(schedule.id, False),
                           partial(inactive, schedule.id)))

    outcomes = {"applied": 0, "retry": 0, "unknown": 0}
    for d in s.done:
        r = d.result
        assert r.message, d
        if r.ok:
            outcomes["applied"] += 1
            assert d.applied(), f"{d.kind} {d.target} said applied: {r.message}"
        elif r.retry:
            outcomes["retry"] += 1  # verifiably not applied: safe to send again
            assert not d.applied(), f"{d.kind} {d.target} offered a retry but applied"
        else:
            outcomes["unknown"] += 1  # said so, with what was checked
            assert UNKNOWN_OUTCOME in r.message, f"{d.kind} {d.target}: {r.message}"
    # Nothing done twice: each action reached its route at most once.
    for d in s.done:
        if d.kind == "replay":
            assert reached(h, "POST", f"/runs/{d.target}/replay") <= 1
    made = set(env.runs) - before
    assert len(made) == sum(1 for d in s.done if d.kind == "replay" and d.applied())
    assert len(made) <= 5
    for d in s.done:
        if d.kind == "cancel":
            assert reached(h, "POST", f"/runs/{d.target}/cancel") <= 1

    # No optimistic change silently vanishes: once polls answer again, every mark is either
    # confirmed by the API or rolled back with a notice that names it.
    s.faults.ratios.clear()
    h.advance(30)
    assert await runs.poll_once() and await queues.poll_once()
    h.store.expire(h.clock.now())
    assert not h.store.expectations
    notices = [n.message for n in h.store.notices]
    for d in s.done:
        if d.label and not d.applied() and (d.result.ok or not d.result.retry):
            assert any(n.startswith(d.label) for n in notices), (d, notices)
    print(f"\nseed {seed}: {len(s.done)} actions: {outcomes}, faults {s.faults.injected}")
    await clean.aclose()
    await h.client.aclose()
