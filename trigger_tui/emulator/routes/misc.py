"""Small routes: who am I, projects and their environments (PAT), and packet offload.

Packets stand in for the object store the SDK uses for payloads of 128 KiB and more: the API
hands out a "presigned" URL on the emulator itself, and `/packets/...` keeps the bytes.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from typing import Any

from starlette.responses import Response

from trigger_tui.emulator.http import Api, Ctx, HttpError
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world import World
from trigger_tui.emulator.world.world import (
    DEV_USER,
    ORG_ID,
    ORG_SLUG,
    PROJECT_ID,
    PROJECT_NAME,
)

api = Api()

USER_ID = "clu7demo0user0000000anna1"
USER_EMAIL = f"{DEV_USER.lower()}@{ORG_SLUG}.dev"
PROJECT_AGE_S = 120 * 86400.0
MISSING_KEY = "Invalid or Missing API key"


# ---------------------------------------------------------------------- identity
def _whoami(ctx: Ctx) -> dict[str, Any]:
    return {"userId": USER_ID, "email": USER_EMAIL, "dashboardUrl": ctx.world.api_origin}


@api.route("/api/v1/whoami", ["GET"], auth="pat")
async def whoami_v1(ctx: Ctx) -> Any:
    return _whoami(ctx)


@api.route("/api/v2/whoami", ["GET"], auth="pat")
async def whoami_v2(ctx: Ctx) -> Any:
    """v2 adds the project when asked for one the user can see (the CLI passes `projectRef`)."""
    out = _whoami(ctx)
    if ctx.q("projectRef") == ctx.world.project_ref:
        out["project"] = {"name": PROJECT_NAME, "url": _project_url(ctx),
                          "orgTitle": ORG_SLUG.title()}
    return out


def _project_url(ctx: Ctx) -> str:
    return f"{ctx.world.api_origin}/orgs/{ORG_SLUG}/projects/{_project_slug()}"


def _project_slug() -> str:
    return PROJECT_NAME.lower().replace(" ", "-")


def _project(ctx: Ctx) -> dict[str, Any]:
    created = min(e.start for e in ctx.world.envs.values()) - PROJECT_AGE_S
    return {
        "id": PROJECT_ID,
        "externalRef": ctx.world.project_ref,
        "name": PROJECT_NAME,
        "slug": _project_slug(),
        "createdAt": iso(created),
        "organization": {"id": ORG_ID, "title": ORG_SLUG.title(), "slug": ORG_SLUG,
                         "createdAt": iso(created - 7 * 86400)},
    }


def _known_project(ctx: Ctx) -> None:
    if ctx.raw_path("projectRef") != ctx.world.project_ref:
        raise HttpError(404, "Project not found")


@api.route("/api/v1/projects", ["GET"], auth="pat")
async def list_projects(ctx: Ctx) -> Any:
    return [_project(ctx)]


@api.route("/api/v1/projects/{projectRef}", ["GET"], auth="pat")
async def retrieve_project(ctx: Ctx) -> Any:
    _known_project(ctx)
    return _project(ctx)


@api.route("/api/v1/projects/{projectRef}/environments", ["GET"], auth="pat")
async def list_environments(ctx: Ctx) -> Any:
    _known_project(ctx)
    return [{"id": env.internal_id, "slug": env.slug, "type": env.type,
             "isBranchableEnvironment": False, "branchName": None, "paused": False}
            for env in ctx.world.envs.values()]


# ---------------------------------------------------------------------- packets
class PacketStore:
    """Uploaded packets, oldest evicted first once either bound is reached."""

    MAX_ITEMS = 256
    MAX_BYTES = 64 * 1024 * 1024

    def __init__(self) -> None:
        self.items: OrderedDict[tuple[str, str], tuple[str, bytes]] = OrderedDict()
        self.size = 0

    def put(self, slug: str, key: str, content_type: str, data: bytes) -> None:
        self.drop(slug, key)
        self.items[(slug, key)] = (content_type, data)
        self.size += len(data)
        while self.items and (len(self.items) > self.MAX_ITEMS or self.size > self.MAX_BYTES):
            _, (_, old) = self.items.popitem(last=False)
            self.size -= len(old)

    def get(self, slug: str, key: str) -> tuple[str, bytes] | None:
        return self.items.get((slug, key))

    def drop(self, slug: str, key: str) -> None:
        old = self.items.pop((slug, key), None)
        if old is not None:
            self.size -= len(old[1])


_STORES: weakref.WeakKeyDictionary[World, PacketStore] = weakref.WeakKeyDictionary()


def packet_store(world: World) -> PacketStore:
    """The world's packets. Kept beside the world, not on it, so World needs no new field."""
    store = _STORES.get(world)
    if store is None:
        store = _STORES[world] = PacketStore()
    return store


def _presigned(ctx: Ctx) -> str:
    if ctx.pat:
        raise HttpError(401, MISSING_KEY)
    return f"{ctx.world.api_origin}/packets/{ctx.e.slug}/{ctx.raw_path('filename')}"


@api.route("/api/v2/packets/{filename:path}", ["PUT"], auth="key_or_pat")
async def presign_upload(ctx: Ctx) -> Any:
    """`storagePath` is what the SDK then sends as an `application/store` payload."""
    url = _presigned(ctx)
    return {"presignedUrl": url, "storagePath": ctx.raw_path("filename")}


@api.route("/api/v1/packets/{filename:path}", ["PUT", "GET"], auth="key_or_pat")
async def presign_v1(ctx: Ctx) -> Any:
    return {"presignedUrl": _presigned(ctx)}


@api.route("/packets/{slug}/{filename:path}", ["PUT"], auth="none")
async def upload_packet(ctx: Ctx) -> Any:
    slug = ctx.raw_path("slug")
    if slug not in ctx.world.envs:
        return Response("NoSuchBucket", status_code=404, media_type="text/plain")
    data = await ctx.raw_body()
    if len(data) > PacketStore.MAX_BYTES:
        return Response("EntityTooLarge", status_code=413, media_type="text/plain")
    content_type = ctx.request.headers.get("content-type", "application/octet-stream")
    packet_store(ctx.world).put(slug, ctx.raw_path("filename"), content_type, data)
    etag = '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'
    return Response(b"", status_code=200, headers={"etag": etag})


@api.route("/packets/{slug}/{filename:path}", ["GET"], auth="none")
async def download_packet(ctx: Ctx) -> Any:
    found = packet_store(ctx.world).get(ctx.raw_path("slug"), ctx.raw_path("filename"))
    if found is None:
        return Response("NoSuchKey", status_code=404, media_type="text/plain")
    content_type, data = found
    return Response(data, status_code=200, media_type=content_type)
