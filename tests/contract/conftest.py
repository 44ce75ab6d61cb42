"""A caller for the contract tests: the in-process emulator plus the resources a request needs.

Resources are made through the HTTP API (as a client would make them) wherever the API can
make them; only what exists from the start (history runs, deployments) is read from the world.
A setup request that does not succeed raises `SetupFailed` naming the request, so a failing
contract test says whether the route under test or one it depends on is at fault.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.emulator.conftest import Emu, make_emu
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT, PROJECT_REF
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run

PROD = DEMO_KEYS["prod"]
STG = DEMO_KEYS["stg"]
DEV = DEMO_KEYS["dev"]
PAT = DEMO_PAT
BAD_KEY = "tr_prod_bogus000000000000000000"
BAD_PAT = "tr_pat_bogus0000000000000000000"
ENVVARS = f"/api/v1/projects/{PROJECT_REF}/envvars/prod"
SCHEDULED_TASK = "cleanup-sessions"  # a task declared with `schedules.task`
TASK = "send-email"
HISTORY_S = 600.0  # enough history for finished and parent runs, fast to build


class SetupFailed(AssertionError):
    """A request that only prepares the one under test did not succeed."""


class Caller:
    """Sends requests as the SDK would (current API version header, JSON bodies)."""

    NOTHING: Any = object()

    def __init__(self, emu: Emu) -> None:
        self.emu = emu
        self.sent: Any = Caller.NOTHING  # the JSON body of the request under test

    # ------------------------------------------------------------------ requests
    async def call(self, method: str, url: str, body: Any = NOTHING, *, key: str | None = PROD,
                   headers: dict[str, str] | None = None, content: bytes | None = None,
                   params: dict[str, str] | None = None) -> httpx.Response:
        """The request under test: its body is kept to be checked against the spec."""
        self.sent = body
        return await self._send(method, url, body, key, headers, content, params)

    async def _send(self, method: str, url: str, body: Any, key: str | None,
                    headers: dict[str, str] | None, content: bytes | None,
                    params: dict[str, str] | None) -> httpx.Response:
        h = self.emu.headers(key) if key else {}
        h.update(headers or {})
        if body is not Caller.NOTHING:
            content = json.dumps(body).encode()
            h.setdefault("content-type", "application/json")
        return await self.emu.client.request(method, url, content=content, headers=h,
                                             params=params)

    async def setup(self, method: str, url: str, body: Any = NOTHING, *, key: str = PROD,
                    headers: dict[str, str] | None = None,
                    content: bytes | None = None) -> Any:
        """A preparatory request; its JSON answer, or SetupFailed."""
        r = await self._send(method, url, body, key, headers, content, None)
        if not 200 <= r.status_code < 300:
            raise SetupFailed(f"setup request {method} {url} answered {r.status_code}: "
                              f"{r.text[:300]}")
        try:
            return r.json()
        except ValueError:
            raise SetupFailed(f"setup request {method} {url} answered a non-JSON body: "
                              f"{r.text[:300]}") from None

    # ------------------------------------------------------------------ world reads
    def env(self, slug: str = "prod") -> EnvWorld:
        return self.emu.world.envs[slug]

    def history_run(self, pick: Callable[[Run], bool], what: str, slug: str = "prod") -> str:
        for run in reversed(list(self.env(slug).runs.values())):
            if pick(run):
                return run.id
        raise SetupFailed(f"the simulated history has no {what} run")

    def finished_run(self) -> str:
        return self.history_run(lambda r: r.status == S.COMPLETED_SUCCESSFULLY and
                                bool(r.attempts), "completed")

    def failed_run(self) -> str:
        return self.history_run(lambda r: r.status in S.FAILED_FINAL and r.error is not None,
                                "failed")

    def parent_run(self) -> str:
        return self.history_run(lambda r: bool(r.children), "parent")

    def child_run(self) -> str:
        return self.history_run(lambda r: r.parent_id is not None, "child")

    def deployment(self, status: str, slug: str = "prod", newest: bool = True) -> Any:
        items = [d for d in self.env(slug).deployments.items if d.status == status]
        if not items:
            raise SetupFailed(f"no {status} deployment in {slug}")
        return items[-1] if newest else items[0]

    def unpromoted_deployment(self) -> Any:
        """Staging's newest deploy (made with --skip-promotion): promotable without rollback."""
        book = self.env("stg").deployments
        newer = [d for d in book.items if d.status == "DEPLOYED" and d is not book.current]
        if not newer:
            raise SetupFailed("staging has no unpromoted DEPLOYED deployment")
        return newer[-1]

    # ------------------------------------------------------------------ API-made resources
    async def trigger(self, task: str = TASK, options: dict[str, Any] | None = None,
                      key: str = PROD) -> str:
        body = {"payload": json.dumps({"json": {"to": "a@b.c"}}),
                "options": {"payloadType": "application/super+json", **(options or {})}}
        return str((await self.setup("POST", f"/api/v1/tasks/{task}/trigger", body,
                                     key=key))["id"])

    async def trigger_raw(self, body: dict[str, Any], task: str = TASK) -> str:
        """A trigger with exactly this body (payload encodings the SDK sends)."""
        return str((await self.setup("POST", f"/api/v1/tasks/{task}/trigger", body))["id"])

    async def delayed_run(self) -> str:
        return await self.trigger(options={"delay": "1h"})

    async def schedule(self) -> str:
        body = {"task": SCHEDULED_TASK, "cron": "0 * * * *", "deduplicationKey": "contract",
                "timezone": "Europe/Paris"}
        return str((await self.setup("POST", "/api/v1/schedules", body))["id"])

    async def token(self) -> dict[str, Any]:
        out: dict[str, Any] = await self.setup("POST", "/api/v1/waitpoints/tokens",
                                               {"timeout": "1h", "tags": ["contract"]})
        return out

    async def completed_token(self) -> str:
        tok = await self.token()
        await self.setup("POST", f"/api/v1/waitpoints/tokens/{tok['id']}/complete",
                         {"data": {"approved": True}})
        return str(tok["id"])

    def callback_path(self, url: str) -> str:
        return urlsplit(url).path

    async def batch(self, runs: int = 2) -> str:
        created = await self.setup("POST", "/api/v3/batches",
                                   {"runCount": runs, "taskIdentifiers": [TASK]})
        await self.setup("POST", f"/api/v3/batches/{created['id']}/items",
                         content=ndjson(runs), headers={"content-type": "application/x-ndjson"})
        return str(created["id"])

    async def bulk_action(self) -> str:
        run_id = await self.delayed_run()
        out = await self.setup("POST", "/api/v1/bulk-actions",
                               {"runIds": [run_id], "action": "cancel", "name": "contract"})
        return str(out["id"])

    async def error_group(self) -> str:
        page = await self.setup("GET", "/api/v1/errors?filter[period]=7d")
        if not page.get("data"):
            raise SetupFailed("GET /api/v1/errors listed no error group")
        return str(page["data"][0]["id"])

    async def envvar(self, name: str = "CONTRACT_VAR") -> str:
        await self.setup("POST", ENVVARS, {"name": name, "value": "v1"})
        return name


def ndjson(count: int, task: str = TASK) -> bytes:
    """Batch items as the SDK streams them: a serialised payload and options per line."""
    lines = []
    for i in range(count):
        payload = json.dumps({"json": {"i": i}})
        lines.append(json.dumps({"index": i, "task": task, "payload": payload,
                                 "options": {"payloadType": "application/super+json",
                                             "payloadSize": len(payload)}}))
    return ("\n".join(lines) + "\n").encode()


@asynccontextmanager
async def open_caller(busy: bool = False) -> AsyncIterator[Caller]:
    """A fresh world: ten minutes of history, or two hours (`busy`) for rarer shapes."""
    emu = make_emu() if busy else make_emu(history_s=HISTORY_S)
    try:
        yield Caller(emu)
    finally:
        await emu.client.aclose()


@pytest.fixture
async def busy() -> AsyncIterator[Caller]:
    """Two hours of history: every status and shape the simulation produces."""
    async with open_caller(busy=True) as c:
        yield c


__all__ = ["BAD_KEY", "BAD_PAT", "DEV", "PAT", "PROD", "STG", "Caller", "SetupFailed",
           "open_caller"]
