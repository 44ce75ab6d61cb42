"""The waitpoint tokens pane on the emulator: filters, create, complete with a validated JSON
payload, copying the callback URL, read-only, and a server without the routes."""

from __future__ import annotations

from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import Static, TextArea

from tests.ui.conftest import Harness, make_app, make_harness, settle
from tests.ui.test_envvars_pane import answer, lacking_harness, shown
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.tokens import UNSUPPORTED, CompleteTokenScreen, TokensScreen


async def open_pane(app: TriggerApp, pilot: Any) -> TokensScreen:
    await settle(pilot)
    screen = TokensScreen()
    await app.push_screen(screen)
    await settle(pilot)
    return screen


def cell(screen: TokensScreen, row: int, column: str) -> str:
    table = screen.table
    return str(table.get_cell_at(Coordinate(row, table.get_column_index(column))))


def world_tokens(h: Harness) -> dict[str, Any]:
    items: dict[str, Any] = h.world.envs["prod"].tokens.items
    return items


def statuses(screen: TokensScreen) -> set[str]:
    return {cell(screen, i, "status") for i in range(screen.table.row_count)}


async def test_lists_tokens_and_cycles_the_status_filter() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert screen.table.row_count == len(world_tokens(h)) > 0
        await pilot.press("f")  # WAITING
        await settle(pilot, lambda: screen.poller.polls >= 2)
        assert screen.poller.status == "WAITING" and statuses(screen) <= {"◌ waiting"}
        await pilot.press("f", "f", "f")  # COMPLETED, TIMED_OUT, back to all
        await settle(pilot, lambda: screen.poller.polls >= 3)
        assert screen.poller.status is None


async def test_create_with_timeout_and_tags_then_filter_by_tag() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        before = set(world_tokens(h))
        await pilot.press("n")
        await answer(pilot, "2h")
        await answer(pilot, "vendor-x, urgent")
        await settle(pilot, lambda: len(world_tokens(h)) > len(before))
        (new_id,) = set(world_tokens(h)) - before
        token = world_tokens(h)[new_id]
        assert sorted(token.tags) == ["urgent", "vendor-x"] and token.timeout_at is not None
        assert f"token {new_id} created" in shown(app)
        await pilot.press("t")
        await answer(pilot, "vendor-x")
        await settle(pilot, lambda: screen.table.row_count == 1)
        assert cell(screen, 0, "id") == new_id
        assert cell(screen, 0, "timeout") == "in 2h"


async def test_complete_validates_json_before_sending() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("n")
        await answer(pilot, "")
        await answer(pilot, "mine")
        await pilot.press("t")
        await answer(pilot, "mine")
        await settle(pilot, lambda: screen.table.row_count == 1)
        token_id = cell(screen, 0, "id")
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CompleteTokenScreen)
        dialog.query_one(TextArea).text = '{\n  "approved": tru\n}'
        await pilot.pause()
        sent = len(h.mutations())
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = str(dialog.query_one("#complete-error", Static).render())
        assert "line 2, column 15" in error and "nothing was sent" in error
        assert app.screen is dialog and len(h.mutations()) == sent
        dialog.query_one(TextArea).text = '{"approved": true}'
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: world_tokens(h)[token_id].status == "COMPLETED")
        assert isinstance(app.screen, TokensScreen)
        await settle(pilot, lambda: "completed" in cell(screen, 0, "status"))
        await pilot.press("c")  # a completed token has nothing to complete
        await pilot.pause()
        assert app.screen is screen and "nothing to complete" in shown(app)


async def test_copy_callback_url() -> None:
    h = make_harness()
    app = make_app(h)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign,assignment]
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("y")
        token = world_tokens(h)[cell(screen, 0, "id")]
        assert len(copied) == 1 and token.id in copied[0] and "/callback/" in copied[0]


async def test_read_only_offers_no_create_or_complete() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("n", "c")
        await pilot.pause()
        assert app.screen is screen and not h.mutations()


async def test_a_server_without_tokens_says_so_in_the_pane() -> None:
    h = lacking_harness("/api/v1/waitpoints")
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        assert str(screen.query_one("#tokens-message").render()) == UNSUPPORTED
        assert app.screen is screen


async def test_an_api_refusal_is_shown_and_the_pane_stays() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        await pilot.press("n")
        await answer(pilot, "1h")
        await answer(pilot, ",".join(f"t{i}" for i in range(11)))  # the API allows 10
        await settle(pilot, lambda: bool(app._notifications))
        assert "create a token failed" in shown(app) and "10 tags" in shown(app)
        assert app.screen is screen
        assert [n.severity for n in app._notifications] == ["error"]


async def test_ages_and_timeouts_move_on_between_changes() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_pane(app, pilot)
        waiting = next(i for i in range(screen.table.row_count)
                       if "waiting" in cell(screen, i, "status"))
        before = cell(screen, waiting, "timeout")
        h.clock.advance(600)  # the clock only: no poll, no change in the Store
        screen.tick()
        after = cell(screen, waiting, "timeout")
        assert after != before and after.startswith("in ")


async def test_at_80_columns_status_age_timeout_and_tags_show_whole() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_pane(app, pilot)
        table = screen.table
        assert list(table.columns)[-1].value == "id"  # the long opaque id gives way
        shown = sum(c.get_render_width(table) for c in table.columns.values()
                    if c.key.value != "id")
        assert shown <= table.scrollable_content_region.width
        assert any("refund:" in cell(screen, i, "tags") for i in range(table.row_count))
