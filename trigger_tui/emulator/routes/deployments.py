"""Deployments: list, retrieve, latest, current, and promote (which releases waiting runs).

The list and current items follow the SDK's schema: `runtime`/`runtimeVersion` are always
present (null when unknown), `git`/`error`/`deployedAt` are left out rather than null, and
`INSTALLING` is never shown there. Retrieve and latest follow the OpenAPI shapes, where the
optional parts are nullable.
"""

from __future__ import annotations

import hashlib
from typing import Any

from trigger_tui.emulator.http import Api, Ctx, HttpError, not_found, page_size, query_error
from trigger_tui.emulator.ids import ALPHABET
from trigger_tui.emulator.timefmt import iso, parse_instant, parse_period
from trigger_tui.emulator.world.catalog import BY_ID
from trigger_tui.emulator.world.deployments import Deployment
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.errors import version_key
from trigger_tui.emulator.world.world import DEV_USER, ORG_SLUG

api = Api()

LIST_STATUSES = ("PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED",
                 "TIMED_OUT")
RUNTIME, RUNTIME_VERSION = "node", "22.12.0"
IMAGE_PLATFORM = "linux/amd64"
NOT_FOUND = "Deployment not found"


def _git(dep: Deployment) -> dict[str, Any]:
    return {
        "provider": "github",
        "source": "github_actions",
        "commitSha": dep.commit_sha,
        "commitMessage": dep.commit_message,
        "commitRef": "main",
        "commitAuthorName": DEV_USER,
        "remoteUrl": f"https://github.com/{ORG_SLUG}/{ORG_SLUG}-demo",
        "dirty": False,
    }


def list_item(dep: Deployment) -> dict[str, Any]:
    built = dep.worker_id is not None
    item: dict[str, Any] = {
        "id": dep.id,
        "createdAt": iso(dep.created_at),
        "shortCode": dep.short_code,
        "version": dep.version,
        "runtime": RUNTIME if built else None,
        "runtimeVersion": RUNTIME_VERSION if built else None,
        "status": "BUILDING" if dep.status == "INSTALLING" else dep.status,
        "git": _git(dep),
    }
    if dep.deployed_at is not None:
        item["deployedAt"] = iso(dep.deployed_at)
    if dep.error is not None:
        item["error"] = dict(dep.error)
    return item


def _image(env: EnvWorld, dep: Deployment) -> str | None:
    if dep.worker_id is None:
        return None
    return f"registry.trigger.dev/{env.world.project_ref}:{dep.version}.{env.slug}"


def _task_id(worker_id: str, slug: str) -> str:
    """A stable `task_…` id: derived by hashing so it spends nothing from the world's RNG."""
    digest = hashlib.sha256(f"{worker_id}/{slug}".encode()).digest()
    return "task_" + "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:21])


def detail(env: EnvWorld, dep: Deployment) -> dict[str, Any]:
    worker = None
    if dep.worker_id is not None:
        worker = {"id": dep.worker_id, "version": dep.version, "tasks": [
            {"id": _task_id(dep.worker_id, t), "slug": t, "filePath": BY_ID[t].file_path,
             "exportName": BY_ID[t].export_name}
            for t in sorted(dep.tasks) if t in BY_ID]}
    out: dict[str, Any] = {
        "id": dep.id,
        "status": dep.status,
        "contentHash": dep.content_hash,
        "shortCode": dep.short_code,
        "version": dep.version,
        "imageReference": _image(env, dep),
        "imagePlatform": IMAGE_PLATFORM,
        "commitSHA": dep.commit_sha,
        "externalBuildData": None,
        "errorData": dict(dep.error) if dep.error is not None else None,
        "worker": worker,
    }
    if dep.status == "CANCELED":
        out["canceledReason"] = "Canceled by user"
    return out


# ---------------------------------------------------------------------- list
def _search_error(name: str, value: str) -> HttpError:
    return HttpError(400, f"Invalid search query parameter: {name}={value}")


@api.route("/api/v1/deployments", ["GET"])
async def list_deployments(ctx: Ctx) -> Any:
    env = ctx.e
    size = page_size(ctx, default=20, low=5, high=100, clamp=True)
    items = sorted(env.deployments.items, key=lambda d: d.created_at, reverse=True)
    status = ctx.q("status")
    if status is not None:
        if status not in LIST_STATUSES:
            raise query_error("Invalid enum value. Expected " + " | ".join(
                f"'{s}'" for s in LIST_STATUSES) + f", received '{status}'", "status")
        items = [d for d in items if d.status == status]
    items = [d for d in items if _in_window(ctx, d, env.now)]
    after = ctx.q("page[after]")
    if after:
        ids = [d.id for d in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    page = items[:size]
    pagination = {"next": page[-1].id} if len(items) > size else {}
    return {"data": [list_item(d) for d in page], "pagination": pagination}


def _in_window(ctx: Ctx, dep: Deployment, now: float) -> bool:
    """`period` wins; else `from` (with `to` only alongside `from`)."""
    period = ctx.q("period")
    if period is not None:
        seconds = parse_period(period)
        if seconds is None:
            raise _search_error("period", period)
        return dep.created_at >= now - seconds
    start_raw, end_raw = ctx.q("from"), ctx.q("to")
    if start_raw is None:
        return True
    start = parse_instant(start_raw)
    if start is None:
        raise _search_error("from", start_raw)
    end = parse_instant(end_raw) if end_raw is not None else None
    if end_raw is not None and end is None:
        raise _search_error("to", end_raw)
    return dep.created_at >= start and (end is None or dep.created_at <= end)


# ---------------------------------------------------------------------- single deployments
@api.route("/api/v1/deployments/latest", ["GET"])
async def latest(ctx: Ctx) -> Any:
    items = ctx.e.deployments.items
    if not items:
        raise not_found(NOT_FOUND)
    dep = max(items, key=lambda d: d.created_at)
    return {
        "id": dep.id,
        "status": dep.status,
        "contentHash": dep.content_hash,
        "shortCode": dep.short_code,
        "version": dep.version,
        "imageReference": _image(ctx.e, dep),
        "errorData": dict(dep.error) if dep.error is not None else None,
    }


@api.route("/api/v1/deployments/current", ["GET"])
async def current(ctx: Ctx) -> Any:
    dep = ctx.e.deployments.current
    if dep is None:
        raise not_found(NOT_FOUND)
    return list_item(dep)


@api.route("/api/v1/deployments/{deploymentId}", ["GET"])
async def retrieve(ctx: Ctx) -> Any:
    dep = ctx.e.deployments.by_id(ctx.raw_path("deploymentId"))
    if dep is None:
        raise not_found(NOT_FOUND)
    return detail(ctx.e, dep)


@api.route("/api/v1/deployments/{version}/promote", ["POST"])
async def promote(ctx: Ctx) -> Any:
    book = ctx.e.deployments
    dep = book.by_version(ctx.raw_path("version"))
    if dep is None:
        raise not_found(NOT_FOUND)
    if dep.worker_id is None:
        raise HttpError(400, "Deployment is not associated with a worker and cannot be promoted.")
    if dep.status != "DEPLOYED":
        raise HttpError(400, "Deployment must be in the DEPLOYED state to be promoted.")
    cur = book.current
    if cur is not None and cur.id == dep.id:
        raise HttpError(400, "Deployment is already the current deployment.")
    rollback = cur is not None and version_key(dep.version) < version_key(cur.version)
    if rollback and ctx.q("allowRollbacks") != "true":
        raise HttpError(400, "Cannot promote a deployment that is older than the current "
                        "deployment.")
    book.promote(dep)
    return {"id": dep.id, "version": dep.version, "shortCode": dep.short_code}
