"""Memory between launches: the console opens where the operator left it.

Each launch is a new app on a new emulator world over the same state folder; what reached the
server is recorded at the ASGI boundary, so a test sees the first TRQL query of a launch (the
restored filter must be in it, not in the second one)."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from tests.ui.conftest import FROZEN_AT, Harness, never, settle
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.cli import _build_parser
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.last_view import FILE_NAME, Names, RunsView, View, ViewMemory
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel, TriggerApp
from trigger_tui.ui.launch import LaunchOptions, build_app
from trigger_tui.ui.panes import PANES
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.screens.tokens import TokensScreen
from trigger_tui.ui.widgets.runs_table import RunsTable

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
DEMO = ConnectionLabel(project="proj_demo", environment="prod", demo=True)
ACME_STG = ConnectionLabel(profile="acme", project="proj_demo", environment="stg")
SIZE = (110, 30)
PANE_NAMES = Names(panes={p.name for p in PANES})


class Wire:
    """The emulator behind a recorder: every request's path and query, every TRQL text."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.queries: list[str] = []

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                      send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests.append((scope["path"], parse_qs(scope["query_string"].decode())))
        body: list[bytes] = []

        async def recorded() -> Message:
            message = await receive()
            body.append(message.get("body", b""))
            if scope["path"] == "/api/v1/query" and not message.get("more_body"):
                self.queries.append(json.loads(b"".join(body))["query"])
            return message

        await self.app(scope, recorded, send)


def launch(folder: Path, *, label: ConnectionLabel = DEMO, fresh: bool = False,
           columns: tuple[str, ...] | None = None,
           filter: RunFilter | None = None) -> tuple[TriggerApp, Harness, Wire]:
    """`tests.ui.conftest.make_harness` + `make_app`, with the wire recorded and a memory."""
    clock = FakeClock(FROZEN_AT)
    world = World(clock, seed=7, history_s=120.0)
    emulator = create_app(world)
    wire = Wire(emulator)
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=DEMO_KEYS["prod"], project_ref=world.project_ref,
        retry=NO_RETRY, transport=httpx.ASGITransport(app=wire), now=clock.now,
        rng=random.Random(7)))
    session = Session.connect(client, filter=filter, clock=clock.now, sleep=never,
                              timer=clock.now)
    session.world, session.emulator = world, emulator
    app = TriggerApp(session, label=label, columns=columns,
                     memory=ViewMemory(folder, fresh=fresh))
    return app, Harness(clock, world, emulator, session), wire


def runs_screen(app: TriggerApp) -> RunsScreen:
    screen = app.screen
    assert isinstance(screen, RunsScreen)
    return screen


async def test_pane_filters_sort_and_columns_come_back_next_launch(tmp_path: Path) -> None:
    app, h, wire = launch(tmp_path, columns=("status", "id", "task", "duration"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")  # failed only
        await settle(pilot, lambda: not h.session.runs._needs_reload)
        await pilot.press("S")  # created, oldest first
        await pilot.press("4", "f")  # tokens: waiting only
        await pilot.pause()
        await pilot.press("2")  # leave on the queues pane
        await pilot.pause()
    saved = (tmp_path / FILE_NAME).read_text()
    assert "tr_" not in saved  # no key, ever

    app, h, wire = launch(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "queues"
        first = wire.queries[0]  # the very first query already filters
        assert "status IN ('Crashed', 'Failed'" in first, first
        assert h.session.runs.filter.trql_statuses >= {"Failed", "Crashed", "Timed out"}
        await pilot.press("1")
        await pilot.pause()
        table = runs_screen(app).query_one(RunsTable)
        assert table.columns == ("status", "id", "task", "duration")
        assert (table.index.sort, table.index.descending) == ("created", False)
        status = str(app.screen.query_one("#runs-status").render())
        assert "FAILED" in status and "by created ▲" in status
        assert all(r.status in {"FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"}
                   for r in h.session.store.runs.values())
        await pilot.press("4")
        await settle(pilot, lambda: any(p == "/api/v1/waitpoints/tokens" for p, _ in
                                        wire.requests))
        assert isinstance(app.screen, TokensScreen)
        tokens = [q for p, q in wire.requests if p == "/api/v1/waitpoints/tokens"]
        assert tokens[0].get("filter[status]") == ["WAITING"]  # the first read filtered too


async def test_profiles_and_environments_keep_separate_memories(tmp_path: Path) -> None:
    app, _, _ = launch(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.pause()
    app, _, wire = launch(tmp_path, label=ACME_STG)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "runs"  # nothing remembered for acme/stg yet
        assert "status IN" not in wire.queries[0]
        await pilot.press("f", "5")
        await pilot.pause()
    app, h, wire = launch(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.current_mode == "queues"
        assert "status IN" not in wire.queries[0]  # acme/stg's failure filter stays there
    assert ViewMemory(tmp_path).load(("acme", "stg"), PANE_NAMES)[0].pane == "deployments"


async def test_fresh_ignores_the_memory_and_replaces_it_only_on_a_change(tmp_path: Path) -> None:
    remembered = View(pane="queues", runs=RunsView(
        filter=RunFilter(statuses=frozenset({"FAILED"})), sort="task", descending=False))
    ViewMemory(tmp_path).save(("demo", "prod"), remembered)
    before = (tmp_path / FILE_NAME).read_text()
    app, _, wire = launch(tmp_path, fresh=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
        assert "status IN" not in wire.queries[0]
        assert runs_screen(app).query_one(RunsTable).index.sort == "created"
    assert (tmp_path / FILE_NAME).read_text() == before  # looked, changed nothing
    app, _, _ = launch(tmp_path, fresh=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await pilot.pause()
    assert ViewMemory(tmp_path).load(("demo", "prod"), PANE_NAMES)[0] == View(pane="schedules")


async def test_what_the_launch_gives_beats_the_memory(tmp_path: Path) -> None:
    ViewMemory(tmp_path).save(("demo", "prod"), View(runs=RunsView(
        filter=RunFilter(statuses=frozenset({"FAILED"})), columns=("status", "id"))))
    app, h, wire = launch(tmp_path, columns=("status", "task"),
                          filter=RunFilter(tasks=frozenset({"send-email"})))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "send-email" in wire.queries[0] and "status IN" not in wire.queries[0]
        assert runs_screen(app).query_one(RunsTable).columns == ("status", "task")


async def test_a_write_failure_is_one_notice(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    app, _, _ = launch(tmp_path / "file")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2", "3", "1")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        assert len([n for n in notes if "Could not save the view" in n]) == 1
        assert isinstance(app.screen, RunsScreen)


async def test_a_corrupt_memory_is_one_warning_and_the_defaults(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text("{ not json")
    app, _, wire = launch(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen) and "status IN" not in wire.queries[0]
        notes = [str(n.message) for n in app._notifications]
        assert len([n for n in notes if "not valid JSON" in n]) == 1


async def test_fresh_flag_reaches_the_console(tmp_path: Path) -> None:
    options = LaunchOptions.from_args(_build_parser().parse_args(["--demo", "--fresh"]))
    assert options.fresh and not LaunchOptions.from_args(
        _build_parser().parse_args(["--demo"])).fresh
    app = build_app(options, environ={}, config_file=tmp_path / "config.toml")
    assert app.memory is not None and app.memory.fresh
    assert app.memory.folder == Path(os.environ["XDG_STATE_HOME"]) / "trigger-tui"
    assert app.session is not None
    await app.session.client.aclose()
