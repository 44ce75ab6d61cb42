"""The runs poller against the emulator on a fake clock: the view equals the world's truth at
every poll, for every filter mode, at a fraction of the cost of re-reading the view."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from benchmarks import incremental_polling
from tests.state.conftest import API_VERSION, StateHarness, make_state
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.statuses import public_status
from trigger_tui.emulator.trql.schema import FRIENDLY_STATUS
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.pollers import RunsPoller
from trigger_tui.state.store import FINAL_STATUSES, Store


def poller_for(h: StateHarness, f: RunFilter | None = None, *, view_rows: int = 10_000,
               sweep_every: int = 15) -> RunsPoller:
    return RunsPoller(h.client, h.store, filter=f or RunFilter(), clock=h.clock.now,
                      sleep=h.sleep, timer=h.clock.now, view_rows=view_rows,
                      sweep_every=sweep_every)


def expected(h: StateHarness, poller: RunsPoller) -> dict[str, str]:
    """What the view must hold now: the prod runs in the view's window that pass the filter
    (status judged on TRQL's finer names), with their public status."""
    h.world.advance()
    start, end = poller.view_window(h.clock.now())
    low, high = round(start * 1000), None if end is None else round(end * 1000)
    f = poller.filter

    def in_view(run: Run) -> bool:
        ms = int(run.created_at * 1000)  # the emulator stamps triggered_at in whole ms
        if ms < low or (high is not None and ms > high):
            return False
        # The filter's other fields, judged on the world's own record of the run.
        row = SimpleNamespace(id=run.id, status="", task=run.task, tags=tuple(run.tags),
                              queue=run.queue, version=run.version or "", depth=run.depth)
        return f.matches(row, FRIENDLY_STATUS[run.status])

    return {r.id: public_status(r.status, API_VERSION) for r in h.env.runs.values()
            if in_view(r)}


def held(h: StateHarness) -> dict[str, str]:
    return {rid: row.status for rid, row in h.store.runs.items.items()}


async def drive(h: StateHarness, poller: RunsPoller, seconds: float, *, low: float,
                high: float, seed: int = 11) -> int:
    """Poll tick by tick for `seconds` of simulated time, checking the view at every poll."""
    rng = random.Random(seed)
    elapsed, polls = 0.0, 0
    while elapsed < seconds:
        step = rng.uniform(low, high)
        h.clock.advance(step)
        elapsed += step
        assert await poller.poll_once(), poller.health.last_error
        polls += 1
        want, got = expected(h, poller), held(h)
        if want != got:
            diff = {k: (want.get(k), got.get(k)) for k in want.keys() | got.keys()
                    if want.get(k) != got.get(k)}
            raise AssertionError(f"poll {polls} at +{elapsed:.1f}s: world vs view {diff}")
    return polls


async def test_no_status_transition_is_missed_over_a_simulated_hour(busy: StateHarness) -> None:
    h = busy
    poller = poller_for(h, RunFilter(period="24h"))
    observed: dict[str, set[str]] = defaultdict(set)

    def record(ids: frozenset[str]) -> None:
        for rid in ids:
            row = h.store.runs.get(rid)
            if row is not None:
                observed[rid].add(row.status)

    h.store.subscribe("runs", record)
    assert await poller.poll_once(), poller.health.last_error
    assert held(h) == expected(h, poller)
    started = h.clock.now()
    # Irregular gaps, 1 s to 30 s: the interval floor, the default 2 s, backoffs, a pause.
    polls = await drive(h, poller, 3600.0, low=1.0, high=30.0)

    final_runs = {r.id: public_status(r.status, API_VERSION) for r in h.env.runs.values()
                  if r.status in S.FINAL and (r.finished_at or 0) > started}
    assert len(final_runs) > 2500  # an hour of real work, not an idle world
    unseen = {rid: status for rid, status in final_runs.items()
              if status not in observed[rid]}
    assert not unseen, f"runs never seen in their final status: {unseen}"
    transitions = sum(len(s) for s in observed.values())
    print(f"\n{polls} polls over a simulated hour; {len(final_runs)} runs finished, all seen "
          f"in their final status; {transitions} (run, status) pairs observed; "
          f"{poller.stats.total_rows / poll_count(poller):.1f} rows per poll")


def poll_count(poller: RunsPoller) -> int:
    return poller.stats.increments + poller.stats.reloads


async def test_the_default_interval_follows_every_transition(busy: StateHarness) -> None:
    poller = poller_for(busy, RunFilter(period="24h"))
    assert await poller.poll_once()
    await drive(busy, poller, 120.0, low=2.0, high=2.0)


async def test_a_failed_only_view_follows_nothing_unfinished(busy: StateHarness) -> None:
    h = busy
    f = RunFilter(statuses=frozenset({"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"}))
    poller = poller_for(h, f)
    assert f.status_mode == "final"
    env = h.env
    env.incident = ("deliver-webhook", h.clock.now() + 1800, 10.0)  # failures to catch
    assert await poller.poll_once()
    await drive(h, poller, 300.0, low=2.0, high=10.0)
    assert poller.tracked == 0
    assert h.store.runs.items, "the incident produced failures"
    assert all(r.is_failed for r in h.store.runs.values())


async def test_a_mixed_status_view_sees_runs_enter_and_leave(busy: StateHarness) -> None:
    f = RunFilter(statuses=frozenset({"QUEUED", "EXECUTING", "WAITING", "FAILED"}))
    assert f.status_mode == "mixed"
    poller = poller_for(busy, f)
    assert await poller.poll_once()
    entered: set[str] = set()
    busy.store.subscribe("runs", lambda ids: entered.update(ids))
    await drive(busy, poller, 300.0, low=2.0, high=10.0)
    assert len(entered) > 50  # runs came and went as they started and finished


async def test_a_backlog_of_queued_runs_is_followed_by_timestamp(busy: StateHarness) -> None:
    h = busy
    env = h.env
    queue = env.queues["task/process-order"]
    env.set_paused(queue, True)
    poller = poller_for(h, RunFilter(period="24h"), sweep_every=10)
    assert await poller.poll_once()
    await drive(h, poller, 180.0, low=3.0, high=3.0)
    backlog = sum(1 for r in env.runs.values() if r.status == S.PENDING)
    assert backlog > 20
    ids_per_poll = poller.stats.total_ids / poller.stats.increments
    assert ids_per_poll < backlog / 3  # the backlog is not re-read by id on every poll
    env.set_paused(queue, False)
    await drive(h, poller, 60.0, low=3.0, high=3.0)


async def test_a_full_view_keeps_a_floor_and_stays_exact(busy: StateHarness) -> None:
    poller = poller_for(busy, RunFilter(period="24h"), view_rows=200)
    assert await poller.poll_once()
    start, _ = poller.view_window(busy.clock.now())
    assert start > busy.clock.now() - 3600  # the newest 200, not the whole day
    await drive(busy, poller, 120.0, low=1.0, high=6.0)


async def test_set_filter_replaces_the_view(busy: StateHarness) -> None:
    poller = poller_for(busy, RunFilter(period="24h"))
    assert await poller.poll_once()
    assert len(busy.store.runs) > 100
    poller.set_filter(RunFilter(tasks=frozenset({"send-email"}), period="24h"))
    assert await poller.poll_once()
    assert busy.store.runs.items
    assert {r.task for r in busy.store.runs.values()} == {"send-email"}
    assert held(busy) == expected(busy, poller)
    assert poller.stats.reloads == 2


async def test_a_failed_reload_clears_the_previous_filters_runs(busy: StateHarness) -> None:
    poller = poller_for(busy)
    assert await poller.poll_once()
    assert busy.store.runs.items
    poller.set_filter(RunFilter(tasks=frozenset({"send-email"})))
    busy.app.state.faults.ratios["5xx"] = 1.0
    assert not await poller.poll_once()
    assert not busy.store.runs.items
    assert "503" in (poller.health.last_error or "")


async def test_runs_leave_a_view_whose_period_slid_past_them() -> None:
    h = make_state(history_s=0)
    poller = poller_for(h, RunFilter(period="5m"))
    assert await poller.poll_once()
    await drive(h, poller, 120.0, low=2.0, high=8.0)
    first = min(r.created_at for r in h.store.runs.values())
    poller.set_filter(RunFilter(period="5m"))  # a reload over the runs already held
    assert await poller.poll_once()
    h.advance(240.0)
    await drive(h, poller, 30.0, low=2.0, high=2.0)
    assert first < h.clock.now() - 300
    assert min(r.created_at for r in h.store.runs.values()) >= h.clock.now() - 300 - 2
    await h.client.aclose()


async def test_stale_runs_are_reread_whatever_the_filter(quiet: StateHarness) -> None:
    h = quiet
    env = h.env
    run, _ = env.trigger("send-email", {"to": "a@b.c"}, "application/json", TriggerOptions())
    h.advance(60)
    assert run.status in S.FINAL
    poller = poller_for(h)
    assert await poller.poll_once()
    assert run.id in h.store.runs.items
    env.trigger("send-email", {"to": "d@e.f"}, "application/json", TriggerOptions())
    h.advance(60)  # the watermark moves on, past the first run's last event
    assert await poller.poll_once()
    run.tags.append("vip")  # as the tags route does: a change with no timestamp
    run.updated_at = env.now
    h.advance(2)
    assert await poller.poll_once()
    assert h.store.runs.items[run.id].tags == ()  # nothing says it changed…
    h.store.mark_stale([run.id])
    assert await poller.poll_once()
    assert h.store.runs.items[run.id].tags == ("vip",)  # …until an action asks


async def test_the_status_vocabulary_is_the_apis(quiet: StateHarness) -> None:
    h = quiet
    env = h.env
    run, _ = env.trigger("send-email", {}, "application/json",
                         TriggerOptions(delay_until=env.now + 3600))
    poller = poller_for(h)
    assert await poller.poll_once()
    row = h.store.runs.items[run.id]
    assert row.status == "DELAYED" and not row.is_final
    assert row.status == public_status(run.status, API_VERSION)
    h.advance(3600 + 60)
    assert await poller.poll_once()
    assert h.store.runs.items[run.id].status in FINAL_STATUSES


async def test_a_custom_window_uses_from_and_to(busy: StateHarness) -> None:
    now = datetime.fromtimestamp(busy.clock.now(), UTC)
    f = RunFilter(period=None, from_=now - timedelta(minutes=10),
                  to=now - timedelta(minutes=5))
    poller = poller_for(busy, f)
    assert await poller.poll_once()
    assert busy.store.runs.items
    assert held(busy) == expected(busy, poller)
    await drive(busy, poller, 60.0, low=2.0, high=4.0)


async def test_a_poll_costs_a_small_fraction_of_rereading_the_view() -> None:
    figures = await incremental_polling.measure(minutes=1.0, interval_s=2.0, view_rows=1000)
    print("\n" + figures.table())
    assert figures.incremental.rows < 40
    assert figures.naive.rows == 1000
    assert figures.byte_ratio > 20


async def test_store_retention_raises_the_floor(busy: StateHarness) -> None:
    busy.store = Store(max_runs=300)
    poller = poller_for(busy, RunFilter(period="24h"))
    assert await poller.poll_once()
    assert 290 < len(busy.store.runs) <= 300
    await drive(busy, poller, 120.0, low=2.0, high=5.0)
