"""Deployments: which worker version new runs get, and promotion between versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from trigger_tui.emulator.world.catalog import NEXT_TASK, TASKS

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld



@dataclass(slots=True)
class Deployment:
    id: str
    short_code: str
    version: str
    status: str
    created_at: float
    deployed_at: float | None
    tasks: frozenset[str]
    worker_id: str | None
    content_hash: str
    commit_sha: str
    commit_message: str
    error: dict[str, str] | None = None
    promotions: list[float] = field(default_factory=list)


class DeploymentBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: list[Deployment] = []  # oldest first
        self.current: Deployment | None = None
        self.dev_version: str | None = None
        self.dev_tasks: frozenset[str] = frozenset()
        # NEXT_TASK is only in the newest staging deploy, not yet promoted: its runs wait in
        # PENDING_VERSION until someone promotes, a real incident pattern worth showing.
        base_tasks = frozenset(t.id for t in TASKS if t.id != NEXT_TASK)
        ids = env.ids
        if env.type == "DEVELOPMENT":
            self.dev_version = self._version(env.start, 3)
            self.dev_tasks = base_tasks | frozenset({NEXT_TASK})
            return
        plan = [  # (days ago, status)
            (21, "DEPLOYED"), (14, "DEPLOYED"), (9, "FAILED"), (6, "DEPLOYED"), (3, "CANCELED"),
            (1, "DEPLOYED"),
        ]
        counters: dict[str, int] = {}
        for days, status in plan:
            created = env.start - days * 86400 - env.rng.uniform(3600, 20000)
            day = self._version(created, 0)[:8]
            counters[day] = counters.get(day, 0) + 1
            dep = Deployment(
                id=ids.make("deployment_"), short_code=ids.make("", 8),
                version=f"{day}.{counters[day]}", status=status, created_at=created,
                deployed_at=created + env.rng.uniform(60, 240) if status == "DEPLOYED" else None,
                tasks=base_tasks, worker_id=ids.make("worker_") if status == "DEPLOYED" else None,
                content_hash=ids.hex(64), commit_sha=ids.hex(40),
                commit_message=env.rng.choice(
                    ["fix: retry webhook delivery on 503", "feat: summarize with gpt-4o-mini",
                     "chore: bump @trigger.dev/sdk", "feat: refund approvals",
                     "fix: csv import quoting", "perf: batch stripe sync"]),
            )
            if status == "FAILED":
                dep.error = {"name": "BuildError", "message": "Build failed: Cannot find module "
                             "'sharp' imported from src/trigger/images.ts",
                             "stderr": "error TS2307: Cannot find module 'sharp'"}
            self.items.append(dep)
        self.current = self.items[-1]
        self.current.promotions.append(self.current.deployed_at or self.current.created_at)
        if env.type == "STAGING":
            created = env.start - 5400
            day = self._version(created, 0)[:8]
            nxt = Deployment(
                id=ids.make("deployment_"), short_code=ids.make("", 8),
                version=f"{day}.{counters.get(day, 0) + 1}", status="DEPLOYED",
                created_at=created, deployed_at=created + 150,
                tasks=base_tasks | {NEXT_TASK}, worker_id=ids.make("worker_"),
                content_hash=ids.hex(64), commit_sha=ids.hex(40),
                commit_message="feat: invoice PDFs (deployed with --skip-promotion)",
            )
            self.items.append(nxt)

    @staticmethod
    def _version(ts: float, n: int) -> str:
        day = datetime.fromtimestamp(ts, tz=UTC).strftime("%Y%m%d")
        return f"{day}.{n}" if n else day

    def knows_task(self, task: str) -> bool:
        if self.env.type == "DEVELOPMENT":
            return task in self.dev_tasks
        return any(task in d.tasks for d in self.items if d.status == "DEPLOYED")

    def version_for(self, task: str, lock_to: str | None) -> str | None:
        """The version a new run is locked to; None means it waits for one (PENDING_VERSION)."""
        if self.env.type == "DEVELOPMENT":
            return self.dev_version if (task in self.dev_tasks and lock_to is None) else lock_to
        if lock_to is not None:
            dep = self.by_version(lock_to)
            return lock_to if dep is not None and task in dep.tasks else None
        if self.current is not None and task in self.current.tasks:
            return self.current.version
        return None

    def by_version(self, version: str) -> Deployment | None:
        return next((d for d in self.items if d.version == version), None)

    def by_id(self, dep_id: str) -> Deployment | None:
        return next((d for d in self.items if d.id == dep_id), None)

    def promote(self, dep: Deployment) -> None:
        self.current = dep
        dep.promotions.append(self.env.now)
        self.env.release_pending_versions()
