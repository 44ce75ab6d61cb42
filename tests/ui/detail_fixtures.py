"""Runs made to order and a minimal app for the run detail tests.

The session comes from the UI conftest's `make_harness` (emulator in-process, frozen clock,
pollers that poll once and then only when asked), here without the random workload: only what
a test makes happens. `DetailApp` is the least of what `TriggerApp` offers the detail screen
(`session`, `read_only`, `now()`), so the screen is tested on its own; the snapshots use the
real app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from tests.ui.conftest import Harness, make_harness
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.ui.screens.run_detail import RunDetailScreen


@dataclass
class Demo(Harness):
    """The harness, plus the production environment's world to arrange runs in."""

    @property
    def env(self) -> EnvWorld:
        return self.world.envs["prod"]

    def trigger(self, task: str, payload: Any = None, **options: Any) -> Run:
        run, _ = self.env.trigger(task, payload if payload is not None else {},
                                  "application/json", TriggerOptions(**options))
        return run


def make_demo(*, read_only: bool = False) -> Demo:
    h = make_harness(read_only=read_only, history_s=0, workload=False)
    return Demo(h.clock, h.world, h.emulator, h.session)


# ---------------------------------------------------------------------------- runs to order
def failed_child_run(demo: Demo) -> tuple[str, str]:
    """A `charge-card` run that failed both attempts (StripeCardError), child of a
    `process-order` run: (child id, parent id)."""
    env = demo.env
    env.incident = ("charge-card", demo.clock.now() + 10_000, 1e9)  # every attempt fails
    parent = demo.trigger("process-order", {"orderId": "ord_123456", "amount": 4200,
                                            "currency": "usd"}, tags=["customer:acme"])
    demo.advance(120)
    env.incident = None
    child = next(env.runs[c] for c in parent.children if env.runs[c].task == "charge-card")
    assert child.status == "COMPLETED_WITH_ERRORS", child.status
    return child.id, parent.id


def executing_run(demo: Demo) -> str:
    run = demo.trigger("resize-image", {"key": "uploads/cat.jpg", "sizes": [128, 512]})
    demo.advance(0.5)
    assert run.status == "EXECUTING", run.status
    return run.id


def delayed_run(demo: Demo, *, payload: Any = None) -> str:
    run = demo.trigger("send-email", payload if payload is not None else
                       {"to": "a@acme.com", "template": "welcome"},
                       delay_until=demo.clock.now() + 600, tags=["customer:acme"])
    assert run.status == "DELAYED"
    return run.id


def queued_runs(demo: Demo, count: int = 7) -> list[str]:
    """More `resize-image` runs than its queue's concurrency (5): the last ones wait."""
    runs = [demo.trigger("resize-image", {"key": f"uploads/{i}.jpg"}) for i in range(count)]
    return [r.id for r in runs]


# ---------------------------------------------------------------------------- apps
class DetailApp(App[None]):
    """What the detail screen needs of the console app, and nothing else."""

    def __init__(self, demo: Demo, run_id: str, *, read_only: bool = False) -> None:
        super().__init__()
        self.demo = demo
        self.session = demo.session
        self.read_only = read_only or demo.session.read_only
        self.run_id = run_id
        self.animation_level = "none"  # tab underlines would slide for 0.3 s per key

    def now(self) -> float:
        return self.session.clock()

    def on_mount(self) -> None:
        self.push_screen(RunDetailScreen(self.run_id))

    async def on_unmount(self) -> None:
        await self.session.stop()


class NavigatingApp(DetailApp):
    """A console app that has `open_run` and `open_queue`: the screen must use them."""

    def __init__(self, demo: Demo, run_id: str, **kw: Any) -> None:
        super().__init__(demo, run_id, **kw)
        self.opened: list[str] = []
        self.queues: list[str] = []

    def open_run(self, run_id: str) -> None:
        self.opened.append(run_id)
        self.push_screen(RunDetailScreen(run_id))

    def open_queue(self, name: str) -> None:
        self.queues.append(name)


async def settle(pilot: Pilot[Any], done: Callable[[], bool] | None = None,
                 rounds: int | None = None) -> None:
    """Let pollers, workers and messages run until `done()` (without one: a few rounds, for
    checking that nothing happens). Not `wait_for_complete`: an action's worker may be
    waiting on a dialog."""
    for _ in range(rounds or (60 if done is not None else 8)):
        await pilot.pause()
        if done is not None and done():
            return
    if done is not None:
        raise AssertionError("the screen never reached the expected state")


def detail(app: App[Any]) -> RunDetailScreen:
    screen = app.screen
    assert isinstance(screen, RunDetailScreen), screen
    return screen


async def loaded(pilot: Pilot[Any]) -> RunDetailScreen:
    """The detail screen once its run, trace and events are in the Store and on screen."""
    def ready() -> bool:
        screen = pilot.app.screen
        return (isinstance(screen, RunDetailScreen) and screen.run is not None
                and screen.run_id in screen.store.collection("events").items
                and not screen._pending)

    await settle(pilot, ready)
    return detail(pilot.app)
