"""Batches on the emulator: the pane of batches in view, one batch by id, its runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.api import errors as E
from trigger_tui.api.models.tasks import BatchItem
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.screens.batches import BatchesScreen, BatchScreen, open_batch
from trigger_tui.ui.screens.prompt import PromptScreen

SnapCompare = Callable[..., bool]


async def with_batch(h: Harness, n: int = 3) -> str:
    handle = await h.session.client.tasks.batch_trigger(
        [BatchItem("send-email", {"to": f"u{i}@example.com"}) for i in range(n)])
    h.advance(5)
    return handle.id


async def start(pilot: Any, h: Harness) -> tuple[str, list[str]]:
    await settle(pilot)
    batch_id = await with_batch(h)
    await h.session.pollers["runs"].poll_once()
    await pilot.pause()
    app: TriggerApp = pilot.app
    opened: list[str] = []
    app.open_run = opened.append  # type: ignore[method-assign,assignment]
    return batch_id, opened


async def loaded(pilot: Any) -> BatchScreen:
    screen = pilot.app.screen
    assert isinstance(screen, BatchScreen)
    await settle(pilot, lambda: screen.message != "loading…")
    return screen


async def test_the_pane_lists_batches_in_view_and_enter_opens_one() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        batch_id, opened = await start(pilot, h)
        pane = BatchesScreen()
        await pilot.app.push_screen(pane)
        await pilot.pause()
        assert batch_id in pane.table.rows
        status = str(pane.query_one("#batches-status").render())
        assert status.startswith("1 batch among the runs in view")
        await pilot.press("enter")
        batch = await loaded(pilot)
        assert batch.view is not None and batch.view.batch.id == batch_id
        assert len(batch.runs) == 3 and "3 runs" in batch.message
        assert "COMPLETED · 3 items" in batch.message and "Completed 3" in batch.message
        await pilot.press("j", "enter")
        assert opened == [batch.runs[1].id]
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is pane


async def test_o_opens_a_batch_by_id() -> None:
    h = make_harness()
    async with make_app(h).run_test(size=(120, 30)) as pilot:
        batch_id, _ = await start(pilot, h)
        await pilot.app.push_screen(BatchesScreen())
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PromptScreen)
        await pilot.press(*batch_id, "enter")
        await pilot.pause()
        batch = await loaded(pilot)
        assert batch.batch_id == batch_id and len(batch.runs) == 3


async def test_an_unknown_batch_says_so_in_the_screen() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        open_batch(app, "batch_doesnotexist")
        await pilot.pause()
        batch = await loaded(pilot)
        assert batch.message.startswith("could not read it:") and not batch.runs


async def test_a_server_without_batches_shows_not_supported() -> None:
    h = make_harness()

    async def lacking(batch_id: str, **kw: Any) -> Any:
        raise E.NotSupportedError(404, "not supported by this server")

    h.session.client.batches.retrieve = lacking  # type: ignore[method-assign]
    app = make_app(h)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        open_batch(app, "batch_x")
        await pilot.pause()
        batch = await loaded(pilot)
        assert batch.message == "not supported by this server"


def _snap(size: tuple[int, int], snap_compare: SnapCompare) -> None:
    h = make_harness()

    async def before(pilot: Any) -> None:
        batch_id, _ = await start(pilot, h)
        open_batch(pilot.app, batch_id)
        await pilot.pause()
        await loaded(pilot)

    assert snap_compare(make_app(h), terminal_size=size, run_before=before)


def test_batch_snapshot_80x24(snap_compare: SnapCompare) -> None:
    _snap((80, 24), snap_compare)


def test_batch_snapshot_160x48(snap_compare: SnapCompare) -> None:
    _snap((160, 48), snap_compare)
