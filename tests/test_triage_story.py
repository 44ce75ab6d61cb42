"""A whole incident, end to end on the emulator, through the console's own state layer.

A failing upstream (a bad proxy URL in an env var) makes every webhook delivery fail; the
on-call engineer pauses the task's queue, fixes the env var, resumes the queue, bulk-replays
the failed runs, and the replays complete.
"""

from __future__ import annotations

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.state.envvars import EnvVarActions
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.session import Session

BAD, GOOD = "http://proxy-old.internal:3128", "http://proxy.internal:3128"


async def test_pause_fix_resume_replay_and_the_runs_complete() -> None:
    clock = FakeClock()
    session = Session.for_demo(clock=clock, history_s=600,
                               filter=RunFilter(tasks=frozenset({"deliver-webhook"}),
                                                period="1h"))
    world = session.world
    env = world.envs["prod"]

    async def tick(seconds: float, step: float = 10.0) -> None:
        for _ in range(int(seconds / step)):
            clock.advance(step)
            await session.runs.poll_once()

    # The upstream breaks: the proxy env var points at a dead host.
    env.envvars.set("WEBHOOK_PROXY_URL", BAD)
    env.outage = ("deliver-webhook", "WEBHOOK_PROXY_URL", BAD)
    await tick(600)
    failed = [r for r in session.store.runs.values() if r.status == "FAILED"]
    assert len(failed) >= 5, "ten minutes of a dead upstream should fail several deliveries"

    # 1. Pause the task's queue so nothing more hammers the upstream.
    queue = env.queues["webhooks"]
    assert (await session.actions.pause_queue(queue.id)).ok
    assert queue.paused
    await tick(60)
    assert queue.running == 0 and len(queue.members) > 0  # work piles up instead of failing

    # 2. Fix the env var (through the env-vars pane's actions).
    vars_ = EnvVarActions(session.client, session.store)
    result = await vars_.set("WEBHOOK_PROXY_URL", GOOD)
    assert result.ok, result.message
    assert env.envvars.get("WEBHOOK_PROXY_URL").value == GOOD

    # 3. Resume: the backlog drains and now succeeds.
    assert (await session.actions.resume_queue(queue.id)).ok
    assert not queue.paused

    # 4. Bulk-replay the runs that failed during the outage.
    progress = await session.actions.bulk("replay", run_ids=[r.id for r in failed])
    assert progress.ok and progress.id is not None, progress.message
    await tick(120)
    bulk = await session.actions.poll_bulk(progress.id)
    assert bulk.done and bulk.failed == 0 and bulk.succeeded == len(failed)

    # 5. The replays complete.
    replays = [r for r in env.runs.values()
               if progress.id in r.bulk_ids and r.id not in {f.id for f in failed}]
    assert len(replays) == len(failed)
    await tick(120)
    assert all(r.status == S.COMPLETED_SUCCESSFULLY for r in replays), \
        [(r.id, r.status) for r in replays if r.status != S.COMPLETED_SUCCESSFULLY]
    shown = {r.id: r.status for r in session.store.runs.values()}
    assert all(shown.get(r.id) == "COMPLETED" for r in replays)
    assert len(queue.members) == 0
    await session.client.aclose()
