"""Read-only means read-only: every key and every palette command, on every pane, the run detail
screen and each dialog they open, confirmed where a dialog asks, sends no mutating request.

The walk is generic on purpose: it presses what the screens declare (their `active_bindings`,
the same table `keymap.all_bindings()` gathers), so a key added later is walked too. The only
keys it does not press are those that quit; a separate test shows they would.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.ui import panes
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.keymap import all_bindings

QUIT_ACTIONS = frozenset({"quit"})
MAX_DEPTH = 2  # pane → dialog → the dialog's own dialog
CONFIRM_KEYS = ("y", "enter")
# The console's own bindings (every one has an id); Textual's built-in widget keys (cursor
# moves, text editing) change nothing on the server and are left out.
DECLARED = frozenset(b.id for b in all_bindings())
# Keys that do the same whatever screen they are pressed on (switch pane): pressed once.
SAME_EVERYWHERE = ("app.pane.",)


@dataclass
class Walk:
    """What the walk touched, for the assertions and the closing figures."""

    bindings: set[str] = field(default_factory=set)  # binding ids
    presses: int = 0
    commands: set[str] = field(default_factory=set)
    screens: set[str] = field(default_factory=set)
    quit_keys: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Place:
    """How to get to a screen from a clean pane: the mode, an optional opener, then keys."""

    mode: str
    opener: Callable[[TriggerApp], Awaitable[None]] | None = None
    keys: tuple[str, ...] = ()


async def turns(pilot: Pilot[Any], n: int = 3) -> None:
    """Let a key's messages, and the workers they start, run: the screen's queues, n times
    (a pilot.pause() would also wait for the process to idle, at least 20 ms a time, and the
    walk makes thousands; pilot.press already waits so once)."""
    for _ in range(n):
        await pilot._wait_for_screen()
        await asyncio.sleep(0)


_last: dict[Place, Screen[Any]] = {}


async def go(pilot: Pilot[Any], place: Place) -> Screen[Any]:
    """To the screen at `place`: back down the stack to the deepest screen on the way that is
    still open (a key that left the screen where it was needs no way back), then on along
    `place`; from a clean pane when nothing on the way is open any more."""
    app = pilot.app
    assert isinstance(app, TriggerApp)
    if app.current_mode != place.mode:
        await app.switch_mode(place.mode)
        await turns(pilot)
    start = -1
    for n in range(len(place.keys), -1, -1):
        seen = _last.get(Place(place.mode, place.opener, place.keys[:n]))
        if seen is not None and seen in app.screen_stack:
            while app.screen is not seen:
                app.pop_screen()
                await turns(pilot, 2)
            start = n
            break
    if start < 0:
        while len(app.screen_stack) > 1:
            app.pop_screen()
            await turns(pilot, 2)
        if place.opener is not None:
            await place.opener(app)
            await turns(pilot)
        _last[Place(place.mode, place.opener)] = app.screen
        start = 0
    for n in range(start, len(place.keys)):
        await pilot.press(place.keys[n])
        await turns(pilot)
        _last[Place(place.mode, place.opener, place.keys[:n + 1])] = app.screen
    return app.screen


def declared(node_bindings: Any) -> dict[str, list[Binding]]:
    """The console's bindings in a BindingsMap, by key."""
    return {key: found for key, bindings in node_bindings.key_to_bindings.items()
            if (found := [b for b in bindings if b.id in DECLARED])}


async def walk_screen(pilot: Pilot[Any], place: Place, walk: Walk, depth: int = 0) -> None:
    """Press every key the screen at `place` declares (the screen, the app, the focused
    widget; then each other focusable widget's own keys with it focused); walk each new dialog
    a key opens, then confirm that dialog (y, enter) the way an operator would."""
    screen = await go(pilot, place)
    walk.screens.add(type(screen).__name__)
    keys: dict[str, list[Binding]] = {}
    for _node, bindings in screen._binding_chain:
        for key, found in declared(bindings).items():
            keys.setdefault(key, []).extend(found)
    for key, found in keys.items():
        if all(str(b.id).startswith(SAME_EVERYWHERE) and b.id in walk.bindings for b in found):
            continue
        await press(pilot, place, screen, key, found, walk, depth)
    for widget in list(screen.focus_chain):
        if widget is screen.focused:
            continue
        for key, found in declared(widget._bindings).items():
            if all(b.id in walk.bindings for b in found):
                continue
            await press(pilot, place, screen, key, found, walk, depth, focus=widget)


async def press(pilot: Pilot[Any], place: Place, screen: Screen[Any], key: str,
                found: list[Binding], walk: Walk, depth: int,
                focus: Widget | None = None) -> None:
    app = pilot.app
    if any(b.action in QUIT_ACTIONS for b in found):
        walk.quit_keys.add(key)
        return
    here = await go(pilot, place)
    if type(here) is not type(screen):
        return  # the place could not be reached again (state moved on); next key
    if focus is not None:
        if focus not in here.focus_chain:
            return
        focus.focus()
        await turns(pilot)
    await pilot.press(key)
    await turns(pilot)
    walk.presses += 1
    walk.bindings.update(str(b.id) for b in found)
    top = app.screen
    if top is not here and app.current_mode == place.mode and top in app.screen_stack:
        name = type(top).__name__
        if depth < MAX_DEPTH and name not in walk.screens and focus is None:
            await walk_screen(pilot, Place(place.mode, place.opener, (*place.keys, key)),
                              walk, depth + 1)
            await go(pilot, place)
            await pilot.press(key)
            await turns(pilot)
        for confirm in CONFIRM_KEYS:  # say yes to whatever asks
            if app.screen is here or app.current_mode != place.mode:
                break
            await pilot.press(confirm)
            await turns(pilot)
    assert app.is_running, f"{', '.join(str(b.id) for b in found)} ({key}) ended the app"


async def run_commands(pilot: Pilot[Any], place: Place, walk: Walk) -> None:
    """Every command the palette offers on the screen at `place`, each from a clean start,
    and any dialog it opens confirmed. Commands that are the same on every screen (go to a
    pane, theme) are run once."""
    app = pilot.app
    screen = await go(pilot, place)
    for command in list(app.get_system_commands(screen)):
        help_text = command.help or ""
        if "app.quit" in help_text:
            continue
        everywhere = "  ·  " not in help_text  # not one of this screen's keys
        name = command.title if everywhere else f"{type(screen).__name__}: {command.title}"
        if name in walk.commands:
            continue
        here = await go(pilot, place)
        outcome = command.callback()
        if inspect.isawaitable(outcome):
            await outcome
        await turns(pilot)
        walk.commands.add(name)
        for confirm in CONFIRM_KEYS:
            if app.screen is here or app.current_mode != place.mode:
                break
            await pilot.press(confirm)
            await turns(pilot)
        assert app.is_running, f"palette command {command.title!r} ended the app"


def open_first_run(run_id: str) -> Callable[[TriggerApp], Awaitable[None]]:
    async def opener(app: TriggerApp) -> None:
        app.open_run(run_id)

    return opener


def places(h: Harness) -> list[Place]:
    """Every pane, and the run detail screen of a run still going (also from its trace and
    data tabs, whose widgets have keys of their own)."""
    unfinished = next(r.id for r in h.session.store.runs.values() if not r.is_final)
    detail = open_first_run(unfinished)
    return [*(Place(p.name) for p in panes.PANES), Place("runs", detail),
            Place("runs", detail, ("t",)), Place("runs", detail, ("d",))]


def report(h: Harness, walk: Walk, what: str) -> None:
    print(f"\nread-only {what}: {walk.presses} key presses over {len(walk.bindings)} of "
          f"{len(DECLARED)} declared binding ids, {len(walk.commands)} palette commands, "
          f"{len(walk.screens)} screens ({', '.join(sorted(walk.screens))}); "
          f"mutating requests sent: {len(h.mutations())}")


# The walk is split by place (panes 1–5, panes 6–0, the run detail) so that parallel test
# workers share it; each part starts from a fresh console.
PARTS = {"panes 1-5": slice(0, 5), "panes 6-0": slice(5, 10), "run detail": slice(10, None)}
MUST_REACH = {
    "panes 1-5": {"runs.cancel", "runs.replay", "runs.bulk", "confirm.yes"},
    "panes 6-0": set(),
    "run detail": {"run.cancel", "run.replay", "run.replay_edit", "run.reschedule", "run.tag"},
}


Step = Callable[[Pilot[Any], Place, Walk], Awaitable[None]]


async def walk_part(part: str, step: Step, what: str) -> Walk:
    """One part of the walk on a fresh read-only console: `step` at every place of the part,
    then nothing that changes anything may have been sent."""
    h = make_harness(read_only=True)
    app = make_app(h)
    walk = Walk()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for place in places(h)[PARTS[part]]:
            await step(pilot, place, walk)
        await pilot.pause()  # whatever the last key or command started has run
        assert app.is_running
        assert h.mutations() == []
        report(h, walk, f"{what}, {part}")
    return walk


@pytest.mark.parametrize("part", list(PARTS))
async def test_read_only_every_key_on_every_screen_sends_no_mutation(
        part: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an export key writes its file here, not into the tree
    walk = await walk_part(part, walk_screen, "key walk")
    assert walk.quit_keys == {"q"}
    # What a connected console shows is walked; the rest is out of reach in read-only (its
    # dialogs are refused before they open) or belongs to other apps (wall, welcome).
    assert MUST_REACH[part] <= walk.bindings
    assert len(walk.bindings) >= 40


@pytest.mark.parametrize("part", list(PARTS))
async def test_read_only_every_palette_command_sends_no_mutation(
        part: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # an export key writes its file here, not into the tree
    walk = await walk_part(part, run_commands, "palette walk")
    assert len(walk.commands) >= 20


async def test_the_quit_key_the_walk_skips_does_quit() -> None:
    h = make_harness(read_only=True)
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await turns(pilot)
        assert not app.is_running
    assert app.return_code == 0
    assert h.mutations() == []

