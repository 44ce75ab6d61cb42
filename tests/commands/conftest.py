"""Headless commands end to end: `trigger_tui.cli.main([...])` against one shared demo world.

Building a demo world takes a few hundred milliseconds, so one world on a fake clock serves the
whole test session through `commands.context.hooks`: `--demo` gets it, connections made from
settings get it too (so profiles and keys are resolved for real and checked by the emulator),
and the polling sleep moves the fake clock instead of waiting. Tests share that world, so each
one finds the runs it needs in the state it needs at the time it runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from trigger_tui.cli import main
from trigger_tui.commands import context
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.ratelimit import RateLimiter
from trigger_tui.emulator.world import DEMO_KEYS, World


@dataclass
class Demo:
    clock: FakeClock
    world: World
    app: Any


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(scope="session")
def demo() -> Demo:
    clock = FakeClock()
    world = World(clock)
    # A generous bucket: the session shares one world and the fake clock never refills it.
    limiter = RateLimiter(clock, max_tokens=10**9, refill=10**9)
    return Demo(clock, world, create_app(world, rate_limiter=limiter))


@pytest.fixture(autouse=True)
def wired(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hooks on the shared world; a private config directory; no TRIGGER_* from the host."""

    async def sleep(seconds: float) -> None:
        demo.clock.advance(seconds)

    for name in ("TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN", "TRIGGER_API_URL",
                 "TRIGGER_PREVIEW_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    saved = context.hooks
    context.hooks = context.Hooks(
        demo_app=lambda: demo.app,
        transport=lambda: httpx.ASGITransport(app=demo.app),
        sleep=sleep,
        now=lambda: datetime.fromtimestamp(demo.clock.now(), tz=UTC),
    )
    yield
    context.hooks = saved


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `trigger-tui ARGS…` in-process; returns exit code, stdout and stderr."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help, usage errors
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


PROD = DEMO_KEYS["prod"]
