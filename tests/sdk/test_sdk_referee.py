"""The official TypeScript SDK (4.8.3) as referee: its own calls, its own schemas, our server.

The emulator runs as `trigger-tui demo-server` on a free local port; `referee.mjs` drives it with
the public SDK API and reports one line per check. Each check is one test here, failing with the
SDK's own error message (an `ApiSchemaValidationError` names the field the SDK could not read).

The SDK is installed with npm into a cache outside the repository (`TRIGGER_TUI_SDK_CACHE`, by
default `~/.cache/trigger-tui/sdk-4.8.3`) and reused while its version is right. Without node or
npm the module is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from trigger_tui.emulator.world import DEMO_KEYS, PROJECT_REF

pytestmark = pytest.mark.sdk

SDK_VERSION = "4.8.3"
HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCRIPT = HERE / "referee.mjs"
KEY = DEMO_KEYS["prod"]
ENV_SLUG = "prod"
INSTALL_TIMEOUT_S = 300
START_TIMEOUT_S = 30
REFEREE_TIMEOUT_S = 120

# Every check referee.mjs reports, in its order (test_every_check_reported keeps them in step).
CHECKS = (
    "runs.list.autoPaginate", "runs.list.filters", "runs.retrieve", "runs.retrieve.notFound",
    "tasks.trigger", "tasks.trigger.delayed", "runs.reschedule", "runs.cancel", "runs.replay",
    "runs.replay.withOptions", "runs.bulk.cancel", "runs.bulk.retrieve", "runs.bulk.poll",
    "runs.bulk.list", "tasks.batchTrigger", "batch.retrieve", "schedules.create",
    "schedules.list", "schedules.retrieve", "schedules.update", "schedules.deactivate",
    "schedules.activate", "schedules.del", "schedules.timezones", "envvars.create",
    "envvars.list", "envvars.retrieve", "envvars.upload", "envvars.del", "queues.list",
    "queues.retrieve.byId", "queues.retrieve.byTaskName", "queues.pause", "queues.resume",
    "queues.overrideConcurrencyLimit", "queues.resetConcurrencyLimit", "wait.createToken",
    "wait.listTokens", "wait.retrieveToken", "wait.completeToken",
    "deployments.retrieveCurrent", "deployments.list", "query.execute.json",
    "query.execute.csv", "query.execute.aggregate", "query.execute.invalid",
)


def _cache_dir() -> Path:
    default = Path.home() / ".cache" / "trigger-tui" / f"sdk-{SDK_VERSION}"
    return Path(os.environ.get("TRIGGER_TUI_SDK_CACHE", default))


def _installed_version(cache: Path) -> str | None:
    manifest = cache / "node_modules" / "@trigger.dev" / "sdk" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="module")
def sdk_dir() -> Path:
    """A folder whose node_modules holds @trigger.dev/sdk at the pinned version."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the official SDK referee")
    cache = _cache_dir()
    if _installed_version(cache) != SDK_VERSION:
        cache.mkdir(parents=True, exist_ok=True)
        manifest = cache / "package.json"
        if not manifest.exists():
            manifest.write_text('{"name": "trigger-tui-sdk-referee", "private": true}\n')
        proc = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent",
             f"@trigger.dev/sdk@{SDK_VERSION}"],
            cwd=cache, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False)
        installed = _installed_version(cache)
        if proc.returncode != 0 or installed != SDK_VERSION:
            pytest.fail(f"npm install @trigger.dev/sdk@{SDK_VERSION} in {cache} failed "
                        f"(exit {proc.returncode}, installed {installed}): "
                        f"{(proc.stderr or proc.stdout)[-2000:]}")
    return cache


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(base_url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"demo-server exited with {proc.returncode}: {_tail(log)}")
        try:
            if httpx.get(f"{base_url}/api/v1/timezones", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"demo-server did not answer GET /api/v1/timezones within {START_TIMEOUT_S} s: "
                f"{_tail(log)}")


def _tail(log: Path, size: int = 3000) -> str:
    try:
        return log.read_text(errors="replace")[-size:]
    except OSError:
        return "(no server log)"


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`trigger-tui demo-server` on a free port, seed 7; stopped at the end of the module.

    Its output goes to a file, not a pipe: a server that logs a lot must never block on a full
    pipe nobody reads. The log's tail is attached to the failures that need it.
    """
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("demo-server") / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trigger_tui.cli", "demo-server", "--host", "127.0.0.1",
             "--port", str(port), "--seed", "7"],
            cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(base_url, proc, log)
        yield Server(base_url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def verdicts(sdk_dir: Path, server: Server) -> dict[str, dict[str, Any]]:
    """Run referee.mjs once; its verdicts by check name (plus '__run__' for the process)."""
    script = sdk_dir / "referee.mjs"  # next to node_modules, so the bare import resolves
    shutil.copyfile(SCRIPT, script)
    env = {**os.environ, "TRIGGER_API_URL": server.base_url, "TRIGGER_SECRET_KEY": KEY,
           "REFEREE_PROJECT_REF": PROJECT_REF, "REFEREE_ENV_SLUG": ENV_SLUG}
    try:
        proc = subprocess.run(["node", str(script)], cwd=sdk_dir, env=env, capture_output=True,
                              text=True, timeout=REFEREE_TIMEOUT_S, check=False)
        stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        stderr, code = f"referee.mjs timed out after {REFEREE_TIMEOUT_S} s", -1
    found: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        if line.startswith("REFEREE "):
            verdict = json.loads(line.removeprefix("REFEREE "))
            found[verdict["name"]] = verdict
    log = _tail(server.log)
    found["__run__"] = {"code": code, "stderr": stderr[-3000:],
                        "server_errors": log if "Traceback" in log else ""}
    return found


@pytest.mark.parametrize("name", CHECKS)
def test_sdk_check(name: str, verdicts: dict[str, dict[str, Any]]) -> None:
    verdict = verdicts.get(name)
    if verdict is None:
        run = verdicts["__run__"]
        pytest.fail(f"referee.mjs reported nothing for {name} (exit {run['code']}): "
                    f"{run['stderr']}")
    server_errors = verdicts["__run__"]["server_errors"]
    assert verdict["ok"], f"{name}: {verdict.get('error')}" + (
        f"\n(the server logged tracebacks:)\n{server_errors}" if server_errors else "")


def test_every_check_reported(verdicts: dict[str, dict[str, Any]]) -> None:
    """The script and CHECKS name the same checks, and the script ran to its end."""
    reported = [k for k in verdicts if k != "__run__"]
    assert reported == list(CHECKS), (
        f"referee.mjs reported {reported}; CHECKS lists {list(CHECKS)}")
    run = verdicts["__run__"]
    assert run["code"] == 0, f"referee.mjs exited {run['code']}: {run['stderr']}"
