"""Session: the demo and real-connection factories, tasks that start and stop cleanly, the
session-wide pause, and the one-run detail poller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.state.conftest import StateHarness, make_state, quiet_world
from trigger_tui.config import PollIntervals
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import MIN_INTERVAL_S, DetailPoller, RunsPoller
from trigger_tui.state.session import Session


async def until(cond: Callable[[], bool], what: str, rounds: int = 400) -> None:
    """Let the session's tasks run (the emulator answers TRQL from a worker thread)."""
    for _ in range(rounds):
        if cond():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


def demo(*, read_only: bool = False) -> tuple[Session, FakeClock, list[float]]:
    clock = FakeClock()
    asked: list[float] = []

    async def sleep(seconds: float) -> None:  # a timer that never fires on its own
        asked.append(seconds)
        await asyncio.Event().wait()

    session = Session.for_demo(clock=clock, sleep=sleep, history_s=600, read_only=read_only)
    return session, clock, asked


async def test_the_demo_session_runs_its_pollers_and_stops_clean() -> None:
    session, clock, asked = demo()
    assert session.environment == "prod" and session.project_ref == "proj_demo"
    assert not session.read_only and session.connection_state() == "connecting"
    session.start()
    await until(lambda: bool(session.store.runs.items) and
                bool(session.store.collection("queues").items), "first polls")
    await until(lambda: len(asked) >= 2, "both pollers re-armed")
    assert session.connection_state() == "fresh"
    assert session.store.health["runs"].latency_s == 0.0  # measured on the frozen clock
    tasks = list(session._tasks.values())
    await session.stop()
    assert all(t.done() for t in tasks)
    assert session.client._http.is_closed


async def test_pause_freezes_and_refresh_polls_once() -> None:
    session, clock, asked = demo()
    session.start()
    await until(lambda: session.runs.polls == 1, "first poll")
    session.pause()
    assert session.paused and session.store.health["runs"].paused
    clock.advance(30)
    session.world.advance()
    session.refresh_now()
    await until(lambda: session.runs.polls == 2, "the manual refresh")
    await asyncio.sleep(0.05)
    assert session.runs.polls == 2
    session.resume()
    await until(lambda: session.runs.polls == 3, "resume polls at once")
    await session.stop()


async def test_watch_run_polls_one_run_until_it_is_final() -> None:
    session, clock, _ = demo()
    env = session.world.envs["prod"]
    run, _ = env.trigger("send-email", {"to": "a@b.c"}, "application/json",
                         TriggerOptions(delay_until=env.now + 60))
    poller = session.watch_run(run.id)
    assert session.watch_run(run.id) is poller  # one per run
    await until(lambda: session.store.collection("run_detail").get(run.id) is not None,
                "the detail")
    assert session.store.collection("run_detail").items[run.id].status == "DELAYED"
    assert session.store.collection("events").get(run.id) is not None
    session.unwatch_run(run.id)
    await session.stop()


async def test_the_detail_poller_stops_when_the_run_is_final() -> None:
    h = make_state(**quiet_world())
    env = h.env
    run, _ = env.trigger("send-email", {"to": "a@b.c"}, "application/json", TriggerOptions())
    poller = DetailPoller(h.client, h.store, run.id, clock=h.clock.now, sleep=h.sleep,
                          timer=h.clock.now)
    assert await poller.poll_once()
    assert not poller.finished
    h.advance(120)
    assert run.status in S.FINAL
    await asyncio.wait_for(poller.run(), 5)  # polls once more, sees it final, returns
    assert poller.finished
    detail = h.store.collection("run_detail").get(run.id)
    assert detail is not None and detail.is_final
    trace = h.store.collection("trace").get(run.id)
    assert trace is not None and trace.root_span.id
    assert h.store.collection("events").get(run.id)
    await h.client.aclose()


async def test_detail_of_an_unknown_run_is_a_health_error(quiet: StateHarness) -> None:
    poller = DetailPoller(quiet.client, quiet.store, "run_unknown000000000000",
                          clock=quiet.clock.now, timer=quiet.clock.now)
    assert not await poller.poll_once()
    assert "not found" in (poller.health.last_error or "").lower()


def test_connect_uses_the_configured_intervals_with_a_floor(quiet: StateHarness) -> None:
    # model_construct skips the config's own floor, to show the pollers enforce theirs too.
    intervals = PollIntervals.model_construct(runs_s=0.5, queues_s=7.0, run_detail_s=2.0,
                                              background_s=30.0)
    session = Session.connect(quiet.client, intervals=intervals,
                              filter=RunFilter(tasks=frozenset({"send-email"})))
    assert isinstance(session.runs, RunsPoller)
    assert session.runs.interval_s == MIN_INTERVAL_S
    assert session.pollers["queues"].interval_s == 7.0
    assert session.runs.filter.tasks == {"send-email"}
    assert "task_identifier = 'send-email'" in session.runs.query_text


async def test_a_read_only_demo_refuses_actions_without_sending() -> None:
    session, _, _ = demo(read_only=True)
    assert session.read_only
    result = await session.actions.replay("run_x")
    assert not result.ok and "read-only" in result.message
    assert len(session.emulator.state.log) == 0
    await session.stop()


async def test_the_default_demo_runs_on_a_sped_up_real_clock() -> None:
    session = Session.for_demo(speed=5.0, history_s=0)
    clock = session.world.clock
    assert getattr(clock, "speed", None) == 5.0
    assert session.clock == clock.now  # relative times follow the world's clock
    await session.stop()


async def test_ensure_poller_adds_a_resource_poller_once_and_starts_it() -> None:
    from trigger_tui.state.pollers import QueuesPoller
    from trigger_tui.state.session import Session

    session = Session.for_demo(clock=FakeClock())
    made: list[QueuesPoller] = []

    def make(client: object, store: object, **options: object) -> QueuesPoller:
        poller = QueuesPoller(client, store, interval_s=5.0, name="extra",  # type: ignore[arg-type]
                              **options)
        made.append(poller)
        return poller

    session.start()
    first = session.ensure_poller("extra", make)
    second = session.ensure_poller("extra", make)
    assert first is second and len(made) == 1
    assert session.pollers["extra"] is first
    assert "extra" in {t.get_name().removeprefix("poller:") for t in session._tasks.values()}
    await session.stop()
