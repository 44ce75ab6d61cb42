"""Error groups on the emulator: the poller, the lifecycle actions and a group's runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tests.ui.conftest import Harness, make_harness
from trigger_tui.api import errors as E
from trigger_tui.state.errors import ErrorActions, ErrorsPoller, group_runs, unsupported


async def polled(read_only: bool = False) -> tuple[Harness, ErrorsPoller, ErrorActions]:
    h = make_harness(history_s=3600, read_only=read_only)
    poller = h.session.ensure_poller("errors", ErrorsPoller)
    assert isinstance(poller, ErrorsPoller)
    assert await poller.poll_once()
    return h, poller, ErrorActions(h.session.client, h.session.store, clock=h.clock.now)


def groups(h: Harness) -> dict[str, Any]:
    return dict(h.session.store.collection("errors").items)


async def test_poller_fills_the_errors_collection_from_the_api() -> None:
    h, _, _ = await polled()
    env = h.world.envs["prod"]
    assert set(groups(h)) == {g.id for g in env.errors.all()} and groups(h)


async def test_resolve_ignore_unresolve_reach_the_world_and_the_store() -> None:
    h, poller, actions = await polled()
    gid = next(iter(groups(h)))
    assert (await actions.resolve(gid)).ok
    assert groups(h)[gid].status == "resolved"
    world_group = h.world.envs["prod"].errors.get(gid)
    assert world_group is not None and world_group.status == "resolved"
    result = await actions.ignore(gid, 3_600_000)
    assert result.ok and groups(h)[gid].status == "ignored"
    assert groups(h)[gid].ignored_until is not None
    assert (await actions.unresolve(gid)).ok
    await poller.poll_once()
    assert groups(h)[gid].status == "unresolved"
    assert not h.session.store.pending_keys("errors")


async def test_an_unknown_group_fails_with_the_api_message_and_changes_nothing() -> None:
    h, _, actions = await polled()
    before = groups(h)
    result = await actions.resolve("error_doesnotexist")
    assert not result.ok and "resolve error_doesnotexist failed" in result.message
    assert groups(h) == before


async def test_read_only_sends_nothing() -> None:
    h, _, actions = await polled(read_only=True)
    gid = next(iter(groups(h)))
    result = await actions.ignore(gid, None)
    assert not result.ok and "read-only" in result.message
    assert not h.mutations() and groups(h)[gid].status == "unresolved"


async def test_group_runs_are_the_runs_of_that_group() -> None:
    h, _, _ = await polled()
    gid = next(iter(groups(h)))
    runs = await group_runs(h.session.client, gid)
    env = h.world.envs["prod"]
    assert runs and all(env.errors.by_run.get(r.id) == gid for r in runs)
    assert any("filter%5Berror%5D" in r.path or r.path == "/api/v1/runs" for r in h.log)


async def test_a_server_without_the_errors_api_is_said_once_and_not_polled_again() -> None:
    h = make_harness()

    def lacking(**kw: Any) -> AsyncIterator[Any]:
        raise E.NotSupportedError(404, "not supported by this server")

    h.session.client.errors.list = lacking  # type: ignore[method-assign]
    poller = h.session.ensure_poller("errors", ErrorsPoller)
    await poller.poll_once()
    assert unsupported(h.session.store) == "not supported by this server"
    assert poller.finished and "errors" not in h.session.store.health
