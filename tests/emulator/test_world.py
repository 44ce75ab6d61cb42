"""The simulated world on the fake clock: queues, TTLs, determinism, bounded memory."""

from __future__ import annotations

import tracemalloc

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world import World
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.options import TriggerOptions


def _quiet() -> tuple[FakeClock, World]:
    clock = FakeClock()
    return clock, World(clock, workload=False, history_s=0)


def _step(clock: FakeClock, world: World, seconds: float) -> None:
    clock.advance(seconds)
    world.advance()


def _queued(env: EnvWorld, queue: str) -> int:
    return len(env.queues[queue].members)


def test_paused_queue_piles_up_and_drains_after_resume_within_its_limit() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    q = env.queues["task/resize-image"]  # concurrency 5
    env.set_paused(q, True)
    for _ in range(40):
        env.trigger("resize-image", {}, "application/json", TriggerOptions())
    _step(clock, world, 120)
    assert _queued(env, q.name) == 40
    assert q.running == 0
    env.set_paused(q, False)
    peak = 0
    for _ in range(600):
        _step(clock, world, 0.5)
        peak = max(peak, q.running)
        assert q.running <= 5
    assert peak == 5
    assert _queued(env, q.name) == 0
    done = [r for r in env.runs.values() if r.status in S.FINAL]
    assert len(done) == 40


def test_override_changes_throughput() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    q = env.queues["task/resize-image"]
    env.set_paused(q, True)
    for _ in range(30):
        env.trigger("resize-image", {}, "application/json", TriggerOptions())
    env.override_limit(q, 1)
    env.set_paused(q, False)
    for _ in range(20):
        _step(clock, world, 0.5)
        assert q.running <= 1
    env.override_limit(q, 10)
    _step(clock, world, 1)
    assert q.running == 10


def test_environment_limit_caps_all_queues() -> None:
    clock, world = _quiet()
    env = world.envs["dev"]  # max concurrency 5
    for task in ("deliver-webhook", "send-email", "resize-image"):
        for _ in range(10):
            env.trigger(task, {}, "application/json", TriggerOptions())
    for _ in range(40):
        _step(clock, world, 0.25)
        assert env.running <= env.max_concurrency


def test_ttl_expires_a_run_that_waited_too_long() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    q = env.queues["task/resize-image"]
    env.set_paused(q, True)
    run, _ = env.trigger("resize-image", {}, "application/json",
                         TriggerOptions(ttl="5m", ttl_s=300))
    _step(clock, world, 299)
    assert run.status == S.PENDING
    _step(clock, world, 2)
    assert run.status == S.EXPIRED
    assert run.expired_at is not None
    assert run.id not in q.members


def test_delayed_run_waits_then_queues() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    run, _ = env.trigger("send-email", {}, "application/json",
                         TriggerOptions(delay_until=clock.now() + 600))
    assert run.status == S.DELAYED
    _step(clock, world, 599)
    assert run.status == S.DELAYED
    _step(clock, world, 60)
    assert run.status in S.FINAL


def test_cancel_cascades_to_children_and_frees_the_slot() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    parent, _ = env.trigger("process-order", {}, "application/json", TriggerOptions())
    for _ in range(200):
        _step(clock, world, 0.1)
        if parent.children:
            break
    assert parent.status == S.WAITING_TO_RESUME
    assert parent.children
    env.cancel(parent)
    assert parent.status == S.CANCELED
    assert all(env.runs[c].status in S.FINAL for c in parent.children)
    assert env.running == sum(q.running for q in env.queues.values())


def test_parent_resumes_when_its_children_finish() -> None:
    clock, world = _quiet()
    env = world.envs["prod"]
    parent, _ = env.trigger("process-order", {}, "application/json", TriggerOptions())
    _step(clock, world, 600)
    assert parent.status in S.FINAL
    assert len(parent.children) == 2
    for child_id in parent.children:
        child = env.runs[child_id]
        assert child.depth == 1
        assert child.parent_id == parent.id
        assert child.finished_at is not None and parent.finished_at is not None
        assert child.finished_at <= parent.finished_at


def test_retries_then_fails_with_attempts_recorded() -> None:
    clock_, world_ = _quiet()
    env = world_.envs["prod"]
    runs = [env.trigger("deliver-webhook", {}, "application/json", TriggerOptions())[0]
            for _ in range(400)]
    _step(clock_, world_, 3600)
    failed = [r for r in runs if r.status == S.COMPLETED_WITH_ERRORS]
    retried_ok = [r for r in runs if r.status == S.COMPLETED_SUCCESSFULLY and len(r.attempts) > 1]
    assert failed or retried_ok
    for r in failed:
        assert len(r.attempts) == r.max_attempts
        assert r.error is not None and r.error["type"] == "BUILT_IN_ERROR"
    for r in retried_ok:
        assert r.attempts[0].error is not None and r.attempts[-1].error is None


def test_same_seed_same_world() -> None:
    def fingerprint(seed: int) -> list[tuple[str, str, str, float]]:
        clock = FakeClock()
        world = World(clock, seed=seed, history_s=1800)
        clock.advance(900)
        world.advance()
        env = world.envs["prod"]
        return [(r.id, r.task, r.status, r.created_at) for r in env.runs.values()]

    a, b, c = fingerprint(11), fingerprint(11), fingerprint(12)
    assert a == b
    assert len(a) > 100
    assert a != c


def test_lazy_advance_is_the_same_as_stepwise_advance() -> None:
    def states(step: float) -> list[tuple[str, str]]:
        clock = FakeClock()
        world = World(clock, seed=3, history_s=0)
        t = 0.0
        while t < 1800:
            clock.advance(step)
            world.advance()
            t += step
        return [(r.id, r.status) for r in world.envs["prod"].runs.values()]

    assert states(1800) == states(7.5)


def test_a_day_of_workload_stays_within_the_retention_bound() -> None:
    clock = FakeClock()
    world = World(clock, history_s=0, retention_s=3 * 3600, max_runs=20_000)
    tracemalloc.start()
    try:
        for _ in range(6):  # warm up past the retention window
            clock.advance(3600)
            world.advance()
        warm, _ = tracemalloc.get_traced_memory()
        sizes = []
        for _ in range(18):
            clock.advance(3600)
            world.advance()
            sizes.append(sum(len(e.runs) for e in world.envs.values()))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    prod = world.envs["prod"]
    oldest = min(r.created_at for r in prod.runs.values() if r.status in S.FINAL)
    assert oldest >= clock.now() - 3 * 3600 - 600  # pruned every 5 simulated minutes
    assert max(sizes) < 1.3 * min(sizes)
    assert after < warm * 1.25, (warm, after)


def test_the_batch_workload_triggers_batches_that_complete() -> None:
    clock = FakeClock()
    world = World(clock, seed=3, history_s=3600, batch_workload=True)
    env = world.envs["prod"]
    batches = list(env.batches.items.values())
    assert len(batches) >= 4  # ~one every five minutes over the hour
    for batch in batches:
        runs = [env.runs[r] for r in batch.run_ids if r in env.runs]
        assert len(batch.run_ids) == batch.run_count and runs
        assert {r.batch_id for r in runs} == {batch.id}
        assert len({r.task for r in runs}) == 1
    old = [b for b in batches if b.created_at < clock.now() - 900]
    assert old and all(b.status == "COMPLETED" for b in old)
    assert not World(FakeClock(), seed=3, history_s=3600).envs["prod"].batches.items
