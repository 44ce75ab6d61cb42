"""The env vars pane on the emulator: masking, create / edit / delete, import, diff,
read-only, no project ref, and a server without the routes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
from starlette.responses import HTMLResponse
from textual.widgets import Input

from tests.ui.conftest import Harness, make_app, make_harness, never, settle
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.state.envvars import MASK, REDACTED
from trigger_tui.state.session import Session
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.envvars import (
    NO_ENVIRONMENT,
    NO_PROJECT,
    UNSUPPORTED,
    EnvDiffScreen,
    EnvVarsScreen,
    ImportPreviewScreen,
)
from trigger_tui.ui.widgets.confirm import ConfirmScreen

SECRET = "hunter2-do-not-show"


class Lacking:
    """The emulator as an older server that lacks every route under `prefix` (the web app's
    HTML 404, as the real server answers an unknown route)."""

    def __init__(self, app: Any, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await HTMLResponse("<html>404</html>", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def lacking_harness(prefix: str) -> Harness:
    h = make_harness()
    old = h.session.client
    client = TriggerClient(ClientOptions(
        base_url=old.options.base_url, key=old.options.key,
        project_ref=old.options.project_ref, retry=NO_RETRY,
        transport=httpx.ASGITransport(app=Lacking(h.emulator, prefix)), now=h.clock.now,
        rng=random.Random(1)))
    session = Session.connect(client, clock=h.clock.now, sleep=never, timer=h.clock.now)
    session.world, session.emulator = h.world, h.emulator
    h.session = session
    return h


async def open_pane(app: TriggerApp, pilot: Any) -> EnvVarsScreen:
    await settle(pilot)
    screen = EnvVarsScreen()
    await app.push_screen(screen)
    await settle(pilot)
    return screen


def value_at(screen: EnvVarsScreen, name: str) -> str:
    return str(screen.table.get_cell(name, "value"))


def move_to(screen: EnvVarsScreen, name: str) -> None:
    screen.table.move_cursor(row=screen.table.get_row_index(name))


def prod(h: Harness) -> Any:
    return h.world.envs["prod"].envvars


async def answer(pilot: Any, text: str) -> None:
    """Fill the prompt on top and submit it (typing key by key is slow and proves nothing)."""
    await pilot.pause()
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def shown(app: TriggerApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_values_are_masked_until_revealed_and_masked_again() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert value_at(screen, "LOG_LEVEL") == MASK and value_at(screen, "APP_URL") == MASK
        move_to(screen, "LOG_LEVEL")
        await pilot.press("v")
        assert value_at(screen, "LOG_LEVEL") == "warn"
        await pilot.press("j")  # moving the cursor masks it again
        assert value_at(screen, "LOG_LEVEL") == MASK and screen.revealed is None
        move_to(screen, "LOG_LEVEL")
        await pilot.press("v", "v")  # v toggles
        assert value_at(screen, "LOG_LEVEL") == MASK
        move_to(screen, "DATABASE_URL")
        await pilot.press("v")  # a secret has nothing to reveal
        assert value_at(screen, "DATABASE_URL") == REDACTED and screen.revealed is None
        move_to(screen, "LOG_LEVEL")
        await pilot.press("v")
        app.push_screen(ConfirmScreen("x", "y"))  # leaving the pane masks too
        await pilot.pause()
        assert value_at(screen, "LOG_LEVEL") == MASK


async def test_create_edit_and_delete_with_confirmation() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("n")
        await answer(pilot, "NEW_FLAG")
        await answer(pilot, SECRET)
        await settle(pilot, lambda: "NEW_FLAG" in screen.table.rows)
        assert prod(h).get("NEW_FLAG").value == SECRET
        assert value_at(screen, "NEW_FLAG") == MASK
        move_to(screen, "LOG_LEVEL")
        await pilot.press("e")
        await answer(pilot, "error")
        await settle(pilot, lambda: prod(h).get("LOG_LEVEL").value == "error")
        move_to(screen, "APP_URL")
        await pilot.press("d")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and "APP_URL" in str(dialog.body)
        assert "PROD" in str(dialog.body)
        await pilot.press("n")
        await pilot.pause()
        assert prod(h).get("APP_URL") is not None
        await pilot.press("d", "y")
        await settle(pilot, lambda: "APP_URL" not in screen.table.rows)
        assert prod(h).get("APP_URL") is None
        assert SECRET not in shown(app) and "error" not in shown(app).replace("severity", "")


async def test_new_secret_and_existing_name() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("s")
        await answer(pilot, "API_TOKEN")
        await answer(pilot, SECRET)
        await settle(pilot, lambda: "API_TOKEN" in screen.table.rows)
        assert prod(h).get("API_TOKEN").is_secret
        assert value_at(screen, "API_TOKEN") == REDACTED
        sent = len(h.mutations())
        await pilot.press("n")
        await answer(pilot, "LOG_LEVEL")
        assert "exists" in shown(app) and len(h.mutations()) == sent


async def test_invalid_name_is_refused_without_sending() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pane(app, pilot)
        await pilot.press("n")
        await answer(pilot, "1BAD")
        await answer(pilot, SECRET)
        await settle(pilot, lambda: bool(app._notifications))
        assert "not a valid variable name" in shown(app) and SECRET not in shown(app)
        assert not h.mutations()


async def test_import_previews_and_respects_the_override_choice(tmp_path: Path) -> None:
    env_file = tmp_path / "prod.env"
    env_file.write_text(f"LOG_LEVEL=debug\nAPP_URL=https://app.acme.dev\nNEW_ONE={SECRET}\n")
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("i")
        await answer(pilot, str(env_file))
        preview = app.screen
        assert isinstance(preview, ImportPreviewScreen)
        assert [(c.name, c.state) for c in preview.preview] == [
            ("APP_URL", "unchanged"), ("LOG_LEVEL", "changed"), ("NEW_ONE", "new")]
        await pilot.press("a")  # add new only
        await settle(pilot, lambda: "NEW_ONE" in screen.table.rows)
        assert prod(h).get("LOG_LEVEL").value == "warn"
        assert prod(h).get("NEW_ONE").value == SECRET
        await pilot.press("i")
        await answer(pilot, str(env_file))
        await pilot.press("o")
        await settle(pilot, lambda: prod(h).get("LOG_LEVEL").value == "debug")
        assert SECRET not in shown(app)


async def test_import_errors_name_the_line_not_the_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.env"
    bad.write_text(f"A=1\n{SECRET}\n")
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pane(app, pilot)
        await pilot.press("i")
        await answer(pilot, str(bad))
        await pilot.press("i")
        await answer(pilot, str(tmp_path / "missing.env"))
        text = shown(app)
        assert "line 2: expected NAME=value" in text and "No such file" in text
        assert SECRET not in text and not h.mutations()


async def test_diff_with_another_environment() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_pane(app, pilot)
        await pilot.press("x", "enter")  # the suggested environment: dev
        await pilot.pause()
        diff = app.screen
        assert isinstance(diff, EnvDiffScreen) and diff.right == "dev"
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = diff.query_one("DataTable")
        rows = {str(table.get_row_at(i)[0]): table.get_row_at(i)  # type: ignore[attr-defined]
                for i in range(table.row_count)}  # type: ignore[attr-defined]
        assert str(rows["DEBUG_SQL"][3]) == "missing in prod"
        assert str(rows["LOG_LEVEL"][3]) == "different"
        assert str(rows["LOG_LEVEL"][1]) == MASK == str(rows["LOG_LEVEL"][2])
        await pilot.press("escape")
        assert isinstance(app.screen, EnvVarsScreen)


async def test_read_only_offers_no_changes_and_sends_nothing() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        move_to(screen, "APP_URL")
        await pilot.press("n", "e", "d", "i", "s")
        await pilot.pause()
        assert app.screen is screen and not h.mutations()
        await pilot.press("v")
        assert value_at(screen, "APP_URL") == "https://app.acme.dev"
        value_column = next(c for c in screen.table.columns.values() if c.key == "value")
        assert value_column.content_width >= len("https://app.acme.dev")  # not cut off


async def test_without_project_ref_the_pane_says_how_to_set_one() -> None:
    h = make_harness()
    h.session.client.options.project_ref = None
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert str(screen.query_one("#envvars-message").render()) == NO_PROJECT
        assert "envvars" not in h.session.pollers
        await pilot.press("n")
        assert app.screen is screen


async def test_a_server_without_env_vars_says_so_in_the_pane() -> None:
    h = lacking_harness("/api/v1/projects")
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert str(screen.query_one("#envvars-message").render()) == UNSUPPORTED
        assert screen.table.row_count == 0 and app.screen is screen


async def test_an_api_refusal_is_shown_as_a_message() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        move_to(screen, "APP_URL")
        prod(h).delete("APP_URL")  # someone else deleted it meanwhile
        await pilot.press("d", "y")
        await settle(pilot, lambda: bool(app._notifications))
        assert "delete APP_URL failed" in shown(app) and "not found" in shown(app)
        assert app.screen is screen


async def test_a_pat_connection_says_env_vars_need_an_environment_key() -> None:
    h = make_harness()
    h.session.client.environment = None  # what a personal access token reports
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert str(screen.query_one("#envvars-message").render()) == NO_ENVIRONMENT
        await pilot.press("n", "i")
        assert app.screen is screen and not h.mutations()
