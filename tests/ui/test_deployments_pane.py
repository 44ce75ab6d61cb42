"""The deployments pane on the emulator: current marker, detail, promote, dev, no server."""

from __future__ import annotations

import random
from typing import Any

import httpx

from tests.ui.conftest import FROZEN_AT, SEED, Harness, make_app, make_harness, never, settle
from tests.ui.test_schedules_pane import lacking, until
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state.session import Session
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.deployments import DeploymentDetailScreen, DeploymentsScreen
from trigger_tui.ui.widgets.confirm import ConfirmScreen

CURRENT, OLDER, FAILED = "20251230.1", "20251225.1", "20251222.1"


def dev_harness() -> Harness:
    """`make_harness` with the development environment's key."""
    clock = FakeClock(FROZEN_AT)
    world = World(clock, seed=SEED, history_s=900.0)
    emulator = create_app(world)
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=DEMO_KEYS["dev"], project_ref=world.project_ref,
        retry=NO_RETRY, transport=httpx.ASGITransport(app=emulator), now=clock.now,
        rng=random.Random(SEED)))
    session = Session.connect(client, clock=clock.now, sleep=never, timer=clock.now)
    session.world = world
    session.emulator = emulator
    return Harness(clock, world, emulator, session)


async def open_deployments(app: TriggerApp, pilot: Any) -> DeploymentsScreen:
    await settle(pilot)
    await app.switch_mode("deployments")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, DeploymentsScreen)
    return screen


async def select(pilot: Any, screen: DeploymentsScreen, version: str) -> Any:
    dep = next(d for d in screen._store().collection("deployments").values()
               if d.version == version)
    screen.table.move_cursor(row=screen.table.get_row_index(dep.id))
    await pilot.pause()
    return dep


async def test_lists_newest_first_with_the_current_marked() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        rows = [screen.table.get_row_at(i) for i in range(screen.table.row_count)]
        versions = [str(r[1]) for r in rows]
        assert versions == sorted(versions, reverse=True) and versions[0] == CURRENT
        assert [str(r[0]) for r in rows].count("★ current") == 1
        assert "current" in str(rows[0][0]) and str(rows[3][2]) == "✗ FAILED"


async def test_enter_opens_the_detail_with_worker_tasks_and_git() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_deployments(app, pilot)
        await select(pilot, screen, OLDER)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DeploymentDetailScreen))
        detail = app.screen
        assert isinstance(detail, DeploymentDetailScreen)
        text = str(detail.render_text())
        assert f"Deployment {OLDER}" in text and "nightly-report" in text
        assert "commit" in text and "image" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_promote_an_older_version_is_a_confirmed_rollback() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        dep = await select(pilot, screen, OLDER)
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert OLDER in dialog.title_text and "PROD" in dialog.title_text
        assert f"current: {CURRENT}" in str(dialog.body)
        await pilot.press("y")
        await until(pilot, lambda: bool(h.mutations()))
        await until(pilot, lambda: screen.current_id() == dep.id)
        sent = h.mutations()[0]
        assert sent.path == f"/api/v1/deployments/{OLDER}/promote"
        assert "★" in str(screen.table.get_row(dep.id)[0])


async def test_a_refused_promote_is_shown_in_the_servers_words() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        await select(pilot, screen, FAILED)
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: bool(h.mutations()))
        await until(pilot, lambda: any("refused" in n.message for n in app._notifications))
        assert any("not associated with a worker" in n.message for n in app._notifications)


async def test_promoting_the_current_one_sends_nothing() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        await select(pilot, screen, CURRENT)
        await pilot.press("P")
        await pilot.pause()
        assert app.screen is screen and not h.mutations()
        assert any("already the current" in n.message for n in app._notifications)


async def test_read_only_offers_no_promote() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        await select(pilot, screen, OLDER)
        assert screen.check_action("promote", ()) is None
        await pilot.press("P", "y")
        await pilot.pause()
        assert app.screen is screen and not h.mutations()


async def test_dev_says_it_has_no_deployments() -> None:
    h = dev_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        message = str(screen.query_one("#deployments-empty").render())
        assert "development environment has no deployments" in message
        assert screen.table.row_count == 0


async def test_a_server_without_deployments_says_so_in_the_pane() -> None:
    h = make_harness()
    h.emulator.app = lacking(h.emulator.app, "/api/v1/deployments")
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_deployments(app, pilot)
        message = str(screen.query_one("#deployments-empty").render())
        assert message == "deployments are not supported by this server"
        assert not screen.table.display
