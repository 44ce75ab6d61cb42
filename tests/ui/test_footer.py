"""The console footer at 80 columns: whole keys only, help always among them."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from tests.ui.conftest import make_app, make_harness, settle
from trigger_tui.ui.widgets.footer import ConsoleFooter, fit, key_width


def test_fit_keeps_everything_that_fits() -> None:
    assert fit(["aa", "bb"], 4, len, lambda _: False) == ["aa", "bb"]


def test_fit_stops_at_the_first_key_that_does_not_fit() -> None:
    # "c" would fit after "bbbb" is dropped, but must not jump ahead of it.
    assert fit(["aa", "bbbb", "c"], 4, len, lambda _: False) == ["aa"]


def test_fit_always_keeps_help_and_makes_room_for_it() -> None:
    items = ["aaa", "bbb", "ccc", "?h"]
    assert fit(items, 8, len, lambda i: i.startswith("?")) == ["aaa", "bbb", "?h"]


def test_fit_lets_the_last_margin_fall_past_the_edge() -> None:
    assert fit(["aa ", "bb "], 5, len, lambda _: False, trailing=1) == ["aa ", "bb "]


def test_key_width_matches_the_footer_styles() -> None:
    assert key_width("q", "Quit", compact=True) == len("q Quit ")
    assert key_width("q", "Quit", compact=False) == len(" q Quit ")
    assert key_width("q", "", compact=False) == 1


def _shown(app: Any) -> tuple[ConsoleFooter, list[FooterKey]]:
    footer = app.screen.query_one(ConsoleFooter)
    return footer, list(footer.query(FooterKey))


@pytest.mark.parametrize("pane", ["queues", "schedules", "tokens", "errors", "envvars"])
async def test_every_key_shows_whole_at_80_columns(pane: str) -> None:
    app = make_app(make_harness(history_s=300))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.switch_mode(pane)
        await settle(pilot)
        footer, keys = _shown(app)
        assert footer.compact and not footer.show_command_palette
        assert keys and any(k.action == "help" for k in keys)
        edge = footer.content_region.right
        for key in keys:
            assert key.region.right <= edge, f"{key.description!r} is cut at the edge"


async def test_a_wide_terminal_gets_the_full_footer_back() -> None:
    app = make_app(make_harness(history_s=300))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.switch_mode("envvars")
        await settle(pilot)
        _, narrow = _shown(app)
        await pilot.resize_terminal(200, 50)
        for _ in range(4):
            await pilot.pause()
        footer, wide = _shown(app)
        assert not footer.compact and footer.show_command_palette
        assert len(wide) > len(narrow)
        assert any(k.has_class("-command-palette") for k in wide)
