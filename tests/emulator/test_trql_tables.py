"""The TRQL database mirrors the world: incremental refreshes equal a fresh load, always."""

from __future__ import annotations

from typing import Any

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.trql.tables import Store
from trigger_tui.emulator.world import World
from trigger_tui.emulator.world.options import TriggerOptions

SNAPSHOT = ("SELECT * EXCLUDE (metric_until) FROM trql_runs ORDER BY environment, run_id")


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    return store.reader().execute(SNAPSHOT).fetchall()


def fresh(world: World) -> list[tuple[Any, ...]]:
    store = Store(world)
    try:
        store.refresh(world, world.envs.values())
        return snapshot(store)
    finally:
        store.close()


def test_incremental_refreshes_equal_a_fresh_load() -> None:
    clock = FakeClock()
    world = World(clock, history_s=900, retention_s=1200)
    store = Store(world)
    store.refresh(world, world.envs.values())
    assert len(snapshot(store)) == sum(len(e.runs) for e in world.envs.values())
    for step in (5.0, 60.0, 700.0, 0.0, 400.0):  # 700 s and more: the world prunes runs
        clock.advance(step)
        world.advance()
        store.refresh(world, world.envs.values())
        assert snapshot(store) == fresh(world)
    store.close()


def test_compaction_keeps_the_data() -> None:
    clock = FakeClock()
    world = World(clock, history_s=900, retention_s=600)
    store = Store(world)
    store.refresh(world, world.envs.values())
    clock.advance(900)
    world.advance()
    store.refresh(world, world.envs.values())
    store.compact()
    assert store.cold_rows == sum(
        r.status in S.FINAL for e in world.envs.values() for r in e.runs.values())
    assert snapshot(store) == fresh(world)
    store.close()


def test_marker_characters_in_free_text_survive() -> None:
    """Columns travel to DuckDB packed with control-character separators; a value holding one
    must make its column take the slow exact path, never corrupt a row."""
    world = World(FakeClock(), workload=False, history_s=0)
    env = world.envs["prod"]
    odd = [("a\x1eb", "k\x1eey"), ("c\x1fd", "\x02"), ("plain", None)]
    ids = []
    for tag, key in odd:
        run, _ = env.trigger("send-email", {"to": "a@b.c"}, "application/json",
                             TriggerOptions(tags=[tag, "z"], concurrency_key=key))
        ids.append(run.id)
    store = Store(world)
    store.refresh(world, [env])
    got = dict(store.reader().execute(
        "SELECT run_id, [tags, [concurrency_key]] FROM trql_runs").fetchall())
    assert [got[i] for i in ids] == [[sorted([t, "z"]), [k or ""]] for t, k in odd]
    store.close()
