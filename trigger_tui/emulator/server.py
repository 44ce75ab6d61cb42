"""`trigger-tui demo-server`: the emulator on a real port, for the official SDK and curl."""

from __future__ import annotations

import sys
from typing import TextIO

from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import RealClock
from trigger_tui.emulator.faults import Faults
from trigger_tui.emulator.ratelimit import RateLimiter
from trigger_tui.emulator.trql.runner import service_for
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT, PROJECT_REF, World


def banner(base_url: str, out: TextIO) -> None:
    out.write(
        f"Trigger.dev Management API emulator on {base_url}\n"
        f"  project  {PROJECT_REF}\n"
        f"  dev      {DEMO_KEYS['dev']}\n"
        f"  staging  {DEMO_KEYS['stg']}\n"
        f"  prod     {DEMO_KEYS['prod']}\n"
        f"  PAT      {DEMO_PAT}\n"
        f"Point a client at it:  TRIGGER_API_URL={base_url} "
        f"TRIGGER_SECRET_KEY={DEMO_KEYS['dev']}\n"
    )
    out.flush()


def serve(host: str, port: int, *, seed: int, speed: float, faults: Faults,
          budget: tuple[int, int, float] = (750, 250, 10.0)) -> None:
    import uvicorn

    world = World(RealClock(speed), seed=seed, batch_workload=True)
    limiter = RateLimiter(world.clock, max_tokens=budget[0], refill=budget[1],
                          interval_s=budget[2])
    shown_host = f"[{host}]" if ":" in host else host
    world.api_origin = f"http://{shown_host}:{port}"
    app = create_app(world, faults=faults, rate_limiter=limiter)
    # Load the query tables now, so the first TRQL request does not pay for it.
    service_for(world).store.refresh(world, world.envs.values())
    banner(world.api_origin, sys.stdout)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
