"""The demo project: three environments with their keys, one clock, one seed."""

from __future__ import annotations

from dataclasses import dataclass

from trigger_tui.emulator.clock import Clock
from trigger_tui.emulator.world.env import EnvWorld

PROJECT_REF = "proj_demo"
PROJECT_NAME = "Acme Demo"
ORG_SLUG = "acme"
DEV_USER = "Anna"
PROJECT_ID = "clu7demo0project000000001"  # internal ids, as TRQL's tenant columns hold them
ORG_ID = "clu7demo0org0000000000001"

DEMO_KEYS = {
    "dev": "tr_dev_demo00000000000000000000",
    "stg": "tr_stg_demo00000000000000000000",
    "prod": "tr_prod_demo00000000000000000000",
}
DEMO_PAT = "tr_pat_demo00000000000000000000"


@dataclass(frozen=True, slots=True)
class EnvProfile:
    slug: str
    type: str
    activity: float  # multiplier on each task's production arrival rate
    max_concurrency: int


PROFILES = (
    EnvProfile("dev", "DEVELOPMENT", 0.08, 5),
    EnvProfile("stg", "STAGING", 0.3, 20),
    EnvProfile("prod", "PRODUCTION", 1.0, 60),
)


class World:
    """Everything the emulator knows. Advance it to the clock before reading or writing."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 7,
        history_s: float = 7200.0,
        workload: bool = True,
        retention_s: float = 12 * 3600.0,
        max_runs: int = 60_000,
        activity: float = 1.0,
        batch_workload: bool = False,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.workload = workload
        # Batches of newsletter emails and embeddings every few minutes. Off unless asked for
        # (the demo and demo-server ask), so the worlds the tests freeze stay as they are.
        self.batch_workload = workload and batch_workload
        self.retention_s = retention_s
        self.max_runs = max_runs
        self.project_ref = PROJECT_REF
        self.api_origin = "http://127.0.0.1:8030"
        start = clock.now() - history_s
        self.envs: dict[str, EnvWorld] = {}
        for i, p in enumerate(PROFILES):
            self.envs[p.slug] = EnvWorld(
                self, slug=p.slug, env_type=p.type, api_key=DEMO_KEYS[p.slug],
                seed=seed * 1000 + i, start=start, activity=p.activity * activity,
                max_concurrency=p.max_concurrency,
            )
        self.by_key = {env.api_key: env for env in self.envs.values()}
        self.advance()

    def advance(self) -> None:
        now = self.clock.now()
        for env in self.envs.values():
            env.advance_to(now)

    def env_for_key(self, key: str) -> EnvWorld | None:
        return self.by_key.get(key)
