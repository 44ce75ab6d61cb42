"""Identity, projects and environments (PAT), and the packet offload round trip."""

from __future__ import annotations

from tests.emulator.conftest import PROD, Emu
from trigger_tui.emulator.routes.misc import PacketStore, packet_store
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT


async def test_whoami_needs_a_pat(quiet: Emu) -> None:
    for path in ("/api/v1/whoami", "/api/v2/whoami"):
        r = await quiet.get(path, key=DEMO_PAT)
        assert r.status_code == 200
        body = r.json()
        assert set(body) == {"userId", "email", "dashboardUrl"}
        assert "@" in body["email"]
        r = await quiet.get(path, key=PROD)
        assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing PAT"}
    r = await quiet.get("/api/v2/whoami", key=DEMO_PAT, params={"projectRef": "proj_demo"})
    assert r.json()["project"]["name"] == "Acme Demo"


async def test_projects_and_environments(quiet: Emu) -> None:
    projects = (await quiet.get("/api/v1/projects", key=DEMO_PAT)).json()
    assert [p["externalRef"] for p in projects] == ["proj_demo"]
    assert set(projects[0]["organization"]) == {"id", "title", "slug", "createdAt"}
    one = (await quiet.get("/api/v1/projects/proj_demo", key=DEMO_PAT)).json()
    assert one == projects[0]
    envs = (await quiet.get("/api/v1/projects/proj_demo/environments", key=DEMO_PAT)).json()
    assert [(e["slug"], e["type"]) for e in envs] == [
        ("dev", "DEVELOPMENT"), ("stg", "STAGING"), ("prod", "PRODUCTION")]
    assert envs[2] == {"id": quiet.world.envs["prod"].internal_id, "slug": "prod",
                       "type": "PRODUCTION", "isBranchableEnvironment": False,
                       "branchName": None, "paused": False}
    for path in ("/api/v1/projects/proj_nope", "/api/v1/projects/proj_nope/environments"):
        r = await quiet.get(path, key=DEMO_PAT)
        assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    assert (await quiet.get("/api/v1/projects", key=PROD)).status_code == 401


async def test_packet_upload_and_download_round_trip(quiet: Emu) -> None:
    r = await quiet.client.put("/api/v2/packets/run_1/payload.json", headers=quiet.headers())
    assert r.status_code == 200
    body = r.json()
    assert body["storagePath"] == "run_1/payload.json"
    assert body["presignedUrl"] == f"{quiet.world.api_origin}/packets/prod/run_1/payload.json"
    upload_path = body["presignedUrl"].removeprefix(quiet.world.api_origin)
    data = b'{"big": "' + b"x" * 200_000 + b'"}'
    r = await quiet.client.put(upload_path, content=data,
                               headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.headers["etag"].startswith('"')
    r = await quiet.get("/api/v1/packets/run_1/payload.json")
    assert r.status_code == 200 and r.json()["presignedUrl"].endswith(upload_path)
    r = await quiet.client.get(upload_path)
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == "application/json"
    assert (await quiet.client.get("/packets/prod/missing.json")).status_code == 404
    assert (await quiet.client.put("/packets/nope/x.json", content=b"1")).status_code == 404


async def test_packet_routes_are_per_env_and_need_a_secret_key(quiet: Emu) -> None:
    r = await quiet.client.put("/api/v2/packets/a.json", headers=quiet.headers(DEMO_KEYS["dev"]))
    assert r.json()["presignedUrl"].endswith("/packets/dev/a.json")
    r = await quiet.client.put("/api/v2/packets/a.json", headers=quiet.headers(DEMO_PAT))
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing API key"}
    r = await quiet.client.put("/api/v2/packets/a.json")
    assert r.status_code == 401


def test_packet_store_is_bounded_and_per_world(quiet: Emu) -> None:
    store = PacketStore()
    store.MAX_ITEMS = 3
    for i in range(5):
        store.put("prod", f"p{i}", "text/plain", b"12345")
    assert [k for _, k in store.items] == ["p2", "p3", "p4"] and store.size == 15
    store.put("prod", "p4", "text/plain", b"1")
    assert store.size == 11
    assert packet_store(quiet.world) is packet_store(quiet.world)
    assert packet_store(quiet.world) is not store
