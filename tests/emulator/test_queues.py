"""Queues through HTTP: addressing, pause/resume, override and reset, and their errors."""

from __future__ import annotations

from urllib.parse import quote

from tests.emulator.conftest import Emu
from trigger_tui.emulator.world.options import TriggerOptions


async def test_list_is_an_offset_page_of_queue_items(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/queues", params={"perPage": "5", "page": "2"})
    body = r.json()
    env = quiet.world.envs["prod"]
    assert body["pagination"] == {"currentPage": 2, "totalPages": -(-len(env.queues) // 5),
                                  "count": len(env.queues)}
    assert len(body["data"]) == 5
    item = body["data"][0]
    assert set(item["concurrency"]) == {"current", "base", "override", "overriddenAt",
                                        "overriddenBy"}
    assert "version" not in item


async def test_retrieve_by_id_task_and_custom_name(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    q = env.queues["task/resize-image"]
    by_id = (await quiet.get(f"/api/v1/queues/{q.id}")).json()
    by_task = (await quiet.get("/api/v1/queues/resize-image", params={"type": "task"})).json()
    assert by_id["id"] == by_task["id"] == q.id
    assert by_id["name"] == "resize-image" and by_id["type"] == "task"
    custom = (await quiet.get("/api/v1/queues/webhooks", params={"type": "custom"})).json()
    assert custom["type"] == "custom" and custom["concurrencyLimit"] == 25
    r = await quiet.get("/api/v1/queues/webhooks", params={"type": "task"})
    assert r.status_code == 404 and r.json() == {"error": "queue-not-found"}


async def test_names_with_slashes_are_double_encoded_like_the_sdk(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    env.trigger("send-email", {}, "application/json", TriggerOptions(queue="team/a b"))
    encoded = quote(quote("team/a b".replace("/", "%2F"), safe=""), safe="")
    assert encoded == "team%25252Fa%2520b"
    r = await quiet.get(f"/api/v1/queues/{quote('team%2Fa b', safe='')}",
                        params={"type": "custom"})
    assert r.status_code == 200 and r.json()["name"] == "team/a b"


async def test_pause_resume_and_counts(quiet: Emu) -> None:
    env = quiet.world.envs["prod"]
    r = await quiet.post("/api/v1/queues/resize-image/pause", {"type": "task", "action": "pause"})
    assert r.status_code == 200 and r.json()["paused"] is True
    for _ in range(7):
        env.trigger("resize-image", {}, "application/json", TriggerOptions())
    quiet.advance(10)
    item = (await quiet.get("/api/v1/queues/resize-image", params={"type": "task"})).json()
    assert item["queued"] == 7 and item["running"] == 0
    r = await quiet.post("/api/v1/queues/resize-image/pause", {"type": "task", "action": "resume"})
    assert r.json()["paused"] is False and r.json()["running"] == 5 and r.json()["queued"] == 2
    r = await quiet.post("/api/v1/queues/resize-image/pause", {"type": "task", "action": "stop"})
    assert r.status_code == 400


async def test_override_and_reset(quiet: Emu) -> None:
    r = await quiet.post("/api/v1/queues/webhooks/concurrency/override",
                         {"type": "custom", "concurrencyLimit": 3})
    body = r.json()
    assert body["concurrencyLimit"] == 3
    assert body["concurrency"]["override"] == 3 and body["concurrency"]["base"] == 25
    assert body["concurrency"]["overriddenAt"] is not None
    r = await quiet.post("/api/v1/queues/webhooks/concurrency/override",
                         {"type": "custom", "concurrencyLimit": 5000})
    assert r.status_code == 400 and "maximum concurrency" in r.json()["error"]
    r = await quiet.post("/api/v1/queues/webhooks/concurrency/override",
                         {"type": "custom", "concurrencyLimit": "ten"})
    assert r.status_code == 400
    r = await quiet.post("/api/v1/queues/webhooks/concurrency/reset", {"type": "custom"})
    assert r.json()["concurrencyLimit"] == 25 and r.json()["concurrency"]["override"] is None
    r = await quiet.post("/api/v1/queues/webhooks/concurrency/reset", {"type": "custom"})
    assert r.status_code == 400 and r.json() == {"error": "Queue is not overridden"}
    r = await quiet.post("/api/v1/queues/nope/concurrency/reset", {"type": "custom"})
    assert r.status_code == 404 and r.json() == {"error": "Queue not found"}
