"""Schedules: CRUD and upsert through HTTP with the real error bodies, and cron firing on the fake
clock in the schedule's timezone, across both daylight-saving changes of 2026 in New York."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.emulator.conftest import PROD, Emu
from trigger_tui.emulator import cron
from trigger_tui.emulator.timefmt import parse_instant
from trigger_tui.emulator.world import DEMO_KEYS
from trigger_tui.emulator.world.catalog import BY_ID

ORIGIN = "http://127.0.0.1:8030"
HOUR = 3600.0
DAY = 86400.0


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def body(**over: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"task": "sync-stripe-payments", "cron": "0 0 * * *",
                           "deduplicationKey": "k1"}
    out.update(over)
    return {k: v for k, v in out.items() if v is not None}


async def create(emu: Emu, key: str = PROD, **over: Any) -> dict[str, Any]:
    r = await emu.post("/api/v1/schedules", body(**over), key=key)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def put(emu: Emu, sched_id: str, payload: Any, key: str = PROD) -> httpx.Response:
    return await emu.client.put(f"/api/v1/schedules/{sched_id}", json=payload,
                                headers=emu.headers(key))


async def delete(emu: Emu, sched_id: str, key: str = PROD) -> httpx.Response:
    return await emu.client.delete(f"/api/v1/schedules/{sched_id}", headers=emu.headers(key))


async def payloads(emu: Emu, sched_id: str) -> list[dict[str, Any]]:
    """The payloads of the runs a schedule triggered, oldest first, each with its run's
    createdAt and retrieve-level `schedule` object."""
    r = await emu.get("/api/v1/runs", params={"filter[schedule]": sched_id, "page[size]": "100"})
    assert r.status_code == 200, r.text
    out = []
    for item in r.json()["data"]:
        run = (await emu.get(f"/api/v3/runs/{item['id']}")).json()
        out.append({**run["payload"], "_createdAt": run["createdAt"],
                    "_schedule": run.get("schedule")})
    return sorted(out, key=lambda p: p["timestamp"])


async def fire_log(emu: Emu, sched_id: str, seconds: float, step: float = 6 * HOUR, *,
                   exact: bool = True) -> list[dict[str, Any]]:
    """Advance in steps (finished runs are pruned after 12 h) and collect every fire's payload,
    oldest first. `exact`: each run must be created at its nominal time (no window)."""
    seen: dict[str, dict[str, Any]] = {}
    remaining = seconds
    while remaining > 0:
        emu.advance(min(step, remaining))
        remaining -= step
        for p in await payloads(emu, sched_id):
            if exact:
                assert p["_createdAt"] == p["timestamp"], "a run starts exactly at its cron time"
            seen.setdefault(p["timestamp"], p)
    return [seen[k] for k in sorted(seen)]


async def fire_times(emu: Emu, sched_id: str, seconds: float, step: float = 6 * HOUR, *,
                     exact: bool = True) -> list[str]:
    return [p["timestamp"] for p in await fire_log(emu, sched_id, seconds, step, exact=exact)]


# ---------------------------------------------------------------------- create / upsert
async def test_create_returns_the_sdk_schedule_object(quiet: Emu) -> None:
    s = await create(quiet)
    env = quiet.world.envs["prod"]
    assert s["id"].startswith("sched_") and len(s["id"]) == 27
    assert s == {
        "id": s["id"], "type": "IMPERATIVE", "task": "sync-stripe-payments", "active": True,
        "deduplicationKey": "k1",
        "generator": {"type": "CRON", "expression": "0 0 * * *", "description": "At 12:00 AM"},
        "timezone": "UTC",
        "nextRun": "2026-01-02T00:00:00.000Z", "nextRunEffectiveAt": "2026-01-02T00:00:00.000Z",
        "environments": [{"id": env.internal_id, "type": "PRODUCTION"}],
    }
    got = (await quiet.get(f"/api/v1/schedules/{s['id']}")).json()
    assert got == s


async def test_dev_schedules_name_the_dev_user_and_optional_fields_appear(quiet: Emu) -> None:
    s = await create(quiet, key=DEMO_KEYS["dev"], cron="*/15 * * * *", externalId="acme",
                     timezone="Europe/London", window="5m")
    assert s["environments"] == [{"id": quiet.world.envs["dev"].internal_id,
                                  "type": "DEVELOPMENT", "userName": "Anna"}]
    assert s["externalId"] == "acme" and s["window"] == "5m"
    assert s["timezone"] == "Europe/London"
    assert s["generator"]["description"] == "Every 15 minutes"
    listed = (await quiet.get("/api/v1/schedules", key=DEMO_KEYS["dev"])).json()["data"]
    assert listed[0]["environments"][0] == {
        "id": quiet.world.envs["dev"].internal_id, "type": "DEVELOPMENT", "slug": "dev",
        "userName": "Anna"}


async def test_same_deduplication_key_updates_the_same_schedule(quiet: Emu) -> None:
    first = await create(quiet, externalId="acme", window="10m")
    second = await create(quiet, cron="0 12 * * *", timezone="Asia/Tokyo")
    assert second["id"] == first["id"]
    assert second["generator"]["expression"] == "0 12 * * *"
    assert second["timezone"] == "Asia/Tokyo"
    # Upsert replaces the whole generator: leaving a field out clears it.
    assert "externalId" not in second and "window" not in second
    assert second["nextRun"] == "2026-01-01T03:00:00.000Z"  # noon in Tokyo
    listed = (await quiet.get("/api/v1/schedules")).json()
    assert listed["pagination"]["count"] == 1


async def test_deduplication_keys_are_per_project_so_an_upsert_moves_the_schedule(
        quiet: Emu) -> None:
    staged = await create(quiet, key=DEMO_KEYS["stg"])
    moved = await create(quiet, cron="0 6 * * *")
    assert moved["id"] == staged["id"]
    assert moved["environments"][0]["type"] == "PRODUCTION"
    r = await quiet.get(f"/api/v1/schedules/{staged['id']}", key=DEMO_KEYS["stg"])
    assert r.status_code == 404
    quiet.advance(7 * HOUR)
    assert len(await payloads(quiet, staged["id"])) == 1
    stg_runs = (await quiet.get("/api/v1/runs", key=DEMO_KEYS["stg"])).json()["data"]
    assert stg_runs == []


async def test_empty_deduplication_key_creates_a_new_schedule_with_a_hidden_key(
        quiet: Emu) -> None:
    a = await create(quiet, deduplicationKey="")
    b = await create(quiet, deduplicationKey="")
    assert a["id"] != b["id"]
    assert "deduplicationKey" not in a


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(("payload", "issues"), [
    ({}, [{"code": "invalid_type", "expected": "string", "received": "undefined",
           "path": [name], "message": "Required"}
          for name in ("task", "cron", "deduplicationKey")]),
    (body(cron=5, externalId=None, timezone=True),
     [{"code": "invalid_type", "expected": "string", "received": "number", "path": ["cron"],
       "message": "Expected string, received number"},
      {"code": "invalid_type", "expected": "string", "received": "boolean",
       "path": ["timezone"], "message": "Expected string, received boolean"}]),
    (body(externalId=None) | {"externalId": None},
     [{"code": "invalid_type", "expected": "string", "received": "null", "path": ["externalId"],
       "message": "Expected string, received null"}]),
    (body(window="90s"), [{"code": "custom", "path": ["window"], "message":
                           'Schedule window must be a whole duration such as "0m", "30m", or '
                           '"24h", or a percentage such as "30%"'}]),
    (body(window="25h"), [{"code": "custom", "path": ["window"],
                           "message": "Schedule window duration cannot exceed 24 hours"}]),
    (body(window="101%"), [{"code": "custom", "path": ["window"], "message":
                            'Schedule window must be a whole duration such as "0m", "30m", or '
                            '"24h", or a percentage such as "30%"'}]),
    (["not", "an", "object"], [{"code": "invalid_type", "expected": "object",
                                "received": "array", "path": [],
                                "message": "Expected object, received array"}]),
])
async def test_bad_bodies_are_400_with_zod_issues(quiet: Emu, payload: Any,
                                                  issues: list[dict[str, Any]]) -> None:
    r = await quiet.post("/api/v1/schedules", payload)
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid request body", "issues": issues}


@pytest.mark.parametrize(("over", "message"), [
    ({"cron": "0 0 0 * * *"}, "Invalid cron expression: CRON expressions with seconds are not "
                              "allowed"),
    ({"cron": "61 * * * *"}, "Invalid cron expression: Constraint error, got value 61 expected "
                             "range 0-59"),
    ({"cron": "0 0 * * funday"}, "Invalid cron expression: Invalid characters, got value: "
                                 "funday"),
    ({"cron": ""}, "Invalid cron expression: CRON expression is required"),
    ({"timezone": "Mars/Olympus_Mons"},
     f"Invalid IANA timezone: 'Mars/Olympus_Mons'. View the list of valid timezones at "
     f"{ORIGIN}/timezones"),
    ({"timezone": "localtime"},
     f"Invalid IANA timezone: 'localtime'. View the list of valid timezones at "
     f"{ORIGIN}/timezones"),
    ({"task": "no-such-task"}, "Task with identifier no-such-task not found in project."),
    ({"task": "send-email"}, "Task with identifier send-email is not a scheduled task."),
    # Checked in the service's order: the cron first, then the timezone, then the task.
    ({"cron": "* * * * * *", "timezone": "Nowhere", "task": "nope"},
     "Invalid cron expression: CRON expressions with seconds are not allowed"),
    ({"timezone": "Nowhere", "task": "nope"},
     f"Invalid IANA timezone: 'Nowhere'. View the list of valid timezones at {ORIGIN}/timezones"),
])
async def test_service_rejections_are_422(quiet: Emu, over: dict[str, Any], message: str) -> None:
    r = await quiet.post("/api/v1/schedules", body(**over))
    assert r.status_code == 422
    assert r.json() == {"error": message}
    assert (await quiet.get("/api/v1/schedules")).json()["data"] == []


async def test_unknown_or_foreign_schedule_is_404_on_every_route(quiet: Emu) -> None:
    foreign = await create(quiet, key=DEMO_KEYS["stg"])
    for sched_id in ("sched_doesnotexist000000000", foreign["id"]):
        responses = [
            await quiet.get(f"/api/v1/schedules/{sched_id}"),
            await put(quiet, sched_id, body(deduplicationKey=None)),
            await delete(quiet, sched_id),
            await quiet.post(f"/api/v1/schedules/{sched_id}/activate"),
            await quiet.post(f"/api/v1/schedules/{sched_id}/deactivate"),
        ]
        for r in responses:
            assert r.status_code == 404, r.request.method
            assert r.json() == {"error": "Schedule not found"}


async def test_schedule_routes_use_the_legacy_auth_errors(quiet: Emu) -> None:
    r = await quiet.client.get("/api/v1/schedules",
                               headers={"authorization": "Bearer tr_prod_wrong"})
    assert (r.status_code, r.json()) == (401, {"error": "Invalid or Missing API Key"})
    r = await quiet.client.post("/api/v1/schedules", json=body(),
                                headers={"authorization": "Bearer tr_pat_demo00000000000000000000"})
    assert (r.status_code, r.json()) == (401, {"error": "Invalid or Missing API Key"})


# ---------------------------------------------------------------------- update / delete
async def test_put_replaces_the_generator_and_rearms(quiet: Emu) -> None:
    s = await create(quiet, externalId="acme")
    r = await put(quiet, s["id"], {"task": "sync-stripe-payments", "cron": "0 * * * *",
                                   "timezone": "Asia/Kolkata", "window": "50%"})
    assert r.status_code == 200
    got = r.json()
    assert got["id"] == s["id"] and got["deduplicationKey"] == "k1"
    assert got["generator"]["description"] == "Every hour"
    assert got["timezone"] == "Asia/Kolkata" and got["window"] == "50%"
    assert "externalId" not in got
    assert got["nextRun"] == "2026-01-01T00:30:00.000Z"  # whole hours in India are :30 UTC
    effective = ts(got["nextRunEffectiveAt"])
    assert ts(got["nextRun"]) <= effective < ts(got["nextRun"]) + 1800
    fired = await fire_times(quiet, s["id"], 3 * HOUR, step=HOUR, exact=False)
    assert fired == ["2026-01-01T00:30:00.000Z", "2026-01-01T01:30:00.000Z",
                     "2026-01-01T02:30:00.000Z"]


async def test_put_errors(quiet: Emu) -> None:
    s = await create(quiet)
    r = await put(quiet, s["id"], {"task": "sync-stripe-payments"})
    assert r.status_code == 400
    assert r.json()["issues"] == [{"code": "invalid_type", "expected": "string",
                                   "received": "undefined", "path": ["cron"],
                                   "message": "Required"}]
    r = await put(quiet, s["id"], {"task": "sync-stripe-payments", "cron": "0 0 31 2 * *"})
    assert r.status_code == 422
    r = await put(quiet, s["id"], {"task": "charge-card", "cron": "0 0 * * *"})
    assert r.json() == {"error": "Task with identifier charge-card is not a scheduled task."}


async def test_declarative_schedules_cannot_be_updated(emu: Emu) -> None:
    listed = (await emu.get("/api/v1/schedules")).json()["data"]
    declarative = [s for s in listed if s["type"] == "DECLARATIVE"]
    assert {s["task"] for s in declarative} == {t.id for t in BY_ID.values() if t.cron}
    target = declarative[0]
    assert "deduplicationKey" not in target  # generated keys stay hidden
    r = await put(emu, target["id"], {"task": target["task"], "cron": "0 0 * * *"})
    assert (r.status_code, r.json()) == (422, {"error": "Cannot update a declarative schedule"})
    # Its internal key cannot be taken over by an upsert either.
    hidden = emu.world.envs["prod"].schedules.get(target["id"])
    assert hidden is not None
    r = await emu.post("/api/v1/schedules", body(deduplicationKey=hidden.dedup_key))
    assert (r.status_code, r.json()) == (422, {"error": "Cannot update a declarative schedule"})


async def test_delete_answers_the_id_and_stops_firing(quiet: Emu) -> None:
    s = await create(quiet, cron="0 * * * *")
    quiet.advance(2 * HOUR)
    r = await delete(quiet, s["id"])
    assert (r.status_code, r.json()) == (200, {"id": s["id"]})
    assert (await quiet.get(f"/api/v1/schedules/{s['id']}")).status_code == 404
    quiet.advance(5 * HOUR)
    r = await quiet.get("/api/v1/runs", params={"filter[schedule]": s["id"]})
    assert len(r.json()["data"]) == 2
    # Runs of a deleted schedule no longer describe it.
    run = (await quiet.get(f"/api/v3/runs/{r.json()['data'][0]['id']}")).json()
    assert "schedule" not in run


# ---------------------------------------------------------------------- list
async def test_list_is_offset_paginated_newest_first(quiet: Emu) -> None:
    ids = []
    for i in range(25):
        ids.append((await create(quiet, deduplicationKey=f"k{i}"))["id"])
        quiet.advance(1)
    r = (await quiet.get("/api/v1/schedules")).json()
    assert r["pagination"] == {"currentPage": 1, "totalPages": 2, "count": 25}
    assert [s["id"] for s in r["data"]] == ids[::-1][:20]
    assert all(s["environments"][0]["slug"] == "prod" for s in r["data"])
    r = (await quiet.get("/api/v1/schedules", params={"page": "2"})).json()
    assert [s["id"] for s in r["data"]] == ids[::-1][20:]
    r = (await quiet.get("/api/v1/schedules", params={"perPage": "1000"})).json()
    assert len(r["data"]) == 25 and r["pagination"]["totalPages"] == 1


@pytest.mark.parametrize(("query", "issue"), [
    ({"perPage": "0"}, {"code": "too_small", "minimum": 0, "type": "number", "inclusive": False,
                        "exact": False, "message": "Number must be greater than 0",
                        "path": ["perPage"]}),
    ({"page": "abc"}, {"code": "invalid_type", "expected": "number", "received": "nan",
                       "path": ["page"], "message": "Expected number, received nan"}),
    ({"page": "1.5"}, {"code": "invalid_type", "expected": "integer", "received": "float",
                       "path": ["page"], "message": "Expected integer, received float"}),
])
async def test_list_rejects_bad_page_parameters(quiet: Emu, query: dict[str, str],
                                                issue: dict[str, Any]) -> None:
    r = await quiet.get("/api/v1/schedules", params=query)
    assert r.status_code == 400
    assert r.json() == {"error": "Invalid request parameters", "issues": [issue]}


# ---------------------------------------------------------------------- firing
async def test_fires_at_its_cron_times_in_its_timezone(quiet: Emu) -> None:
    s = await create(quiet, cron="0 9 * * *", timezone="America/New_York", externalId="acme")
    assert s["nextRun"] == "2026-01-01T14:00:00.000Z"  # 09:00 EST
    log = await fire_log(quiet, s["id"], 3 * DAY)
    assert [p["timestamp"] for p in log] == [
        "2026-01-01T14:00:00.000Z", "2026-01-02T14:00:00.000Z", "2026-01-03T14:00:00.000Z"]
    first, second = log[-2:]
    assert second == {
        "scheduleId": s["id"], "type": "IMPERATIVE", "timestamp": "2026-01-03T14:00:00.000Z",
        "lastTimestamp": "2026-01-02T14:00:00.000Z", "externalId": "acme",
        "timezone": "America/New_York",
        "upcoming": [f"2026-01-0{d}T14:00:00.000Z" for d in range(4, 9)],
        "_createdAt": "2026-01-03T14:00:00.000Z",
        "_schedule": {"id": s["id"], "externalId": "acme", "deduplicationKey": "k1",
                      "generator": s["generator"]},
    }
    assert first["timestamp"] == "2026-01-02T14:00:00.000Z"


async def test_first_fire_has_no_last_timestamp(quiet: Emu) -> None:
    s = await create(quiet, cron="*/15 * * * *")
    quiet.advance(16 * 60)
    [p] = await payloads(quiet, s["id"])
    assert "lastTimestamp" not in p and "externalId" not in p
    assert p["timestamp"] == "2026-01-01T00:15:00.000Z"
    assert p["upcoming"][:2] == ["2026-01-01T00:30:00.000Z", "2026-01-01T00:45:00.000Z"]


async def test_spring_forward_runs_the_skipped_time_in_the_landing_hour(quiet: Emu) -> None:
    quiet.clock.set(ts("2026-03-07T00:00:00Z"))
    s = await create(quiet, cron="30 2 * * *", timezone="America/New_York")
    fired = await fire_times(quiet, s["id"], 4 * DAY)
    assert fired == [
        "2026-03-07T07:30:00.000Z",  # 02:30 EST
        "2026-03-08T07:30:00.000Z",  # 02:30 does not exist: 03:30 EDT, once
        "2026-03-09T06:30:00.000Z",  # 02:30 EDT
        "2026-03-10T06:30:00.000Z",
    ]


async def test_fall_back_does_not_fire_the_repeated_hour_twice(quiet: Emu) -> None:
    quiet.clock.set(ts("2026-10-31T00:00:00Z"))
    daily = await create(quiet, cron="30 1 * * *", timezone="America/New_York")
    assert await fire_times(quiet, daily["id"], 3 * DAY) == [
        "2026-10-31T05:30:00.000Z",  # 01:30 EDT
        "2026-11-01T05:30:00.000Z",  # the first 01:30 only
        "2026-11-02T06:30:00.000Z",  # 01:30 EST
    ]


async def test_fall_back_skips_the_repeated_hour_of_an_hourly_schedule(quiet: Emu) -> None:
    quiet.clock.set(ts("2026-11-01T03:30:00Z"))
    hourly = await create(quiet, cron="0 * * * *", timezone="America/New_York")
    assert await fire_times(quiet, hourly["id"], 4 * HOUR) == [
        "2026-11-01T04:00:00.000Z",  # 00:00 EDT
        "2026-11-01T05:00:00.000Z",  # 01:00 EDT; 01:00 EST (06:00Z) is the repeat
        "2026-11-01T07:00:00.000Z",  # 02:00 EST
    ]


async def test_deactivate_stops_firing_and_activate_resumes(quiet: Emu) -> None:
    s = await create(quiet, cron="0 * * * *")
    quiet.advance(2 * HOUR + 60)
    r = await quiet.post(f"/api/v1/schedules/{s['id']}/deactivate")
    assert r.status_code == 200
    off = r.json()
    assert off["active"] is False and off["nextRun"] is None and off["nextRunEffectiveAt"] is None
    assert off["environments"] == [{"id": quiet.world.envs["prod"].internal_id,
                                    "type": "PRODUCTION"}]
    quiet.advance(3 * HOUR)
    assert len(await payloads(quiet, s["id"])) == 2
    # The list still shows when it would run.
    listed = (await quiet.get("/api/v1/schedules")).json()["data"][0]
    assert listed["active"] is False and listed["nextRun"] == "2026-01-01T06:00:00.000Z"
    on = (await quiet.post(f"/api/v1/schedules/{s['id']}/activate")).json()
    assert on["active"] is True and on["nextRun"] == "2026-01-01T06:00:00.000Z"
    again = (await quiet.post(f"/api/v1/schedules/{s['id']}/activate")).json()
    assert again == on
    quiet.advance(2 * HOUR)
    fired = await payloads(quiet, s["id"])
    assert [p["timestamp"][11:16] for p in fired] == ["01:00", "02:00", "06:00", "07:00"]
    # lastTimestamp is the previous real fire, not the skipped slots.
    assert fired[2]["lastTimestamp"] == "2026-01-01T02:00:00.000Z"


async def test_window_delays_each_fire_by_a_stable_offset(quiet: Emu) -> None:
    s = await create(quiet, cron="0 * * * *", window="30m")
    nominal, effective = ts(s["nextRun"]), ts(s["nextRunEffectiveAt"])
    assert nominal < effective < nominal + 1800
    offset = effective - nominal
    quiet.advance(3 * HOUR + 1800)
    fired = await payloads(quiet, s["id"])
    assert len(fired) == 3
    for p in fired:
        created = parse_instant(p["_createdAt"])
        assert created is not None
        assert created - ts(p["timestamp"]) == pytest.approx(offset, abs=0.002)


async def test_seeded_schedules_exist_only_in_a_busy_world(quiet: Emu, emu: Emu) -> None:
    assert (await quiet.get("/api/v1/schedules")).json()["data"] == []
    listed = (await emu.get("/api/v1/schedules")).json()["data"]
    imperative = [s for s in listed if s["type"] == "IMPERATIVE"]
    assert any(s["externalId"] == "acme" and s["timezone"] == "Europe/London"
               and s["deduplicationKey"] for s in imperative)
    # Two hours of history: the every-15-minutes declarative schedule has fired all along.
    stripe = next(s for s in listed if s["type"] == "DECLARATIVE"
                  and s["task"] == "sync-stripe-payments")
    r = await emu.get("/api/v1/runs", params={"filter[schedule]": stripe["id"]})
    runs = r.json()["data"]
    assert len(runs) == 8  # 22:15 … 00:00: the world starts at 22:00, fires come after
    run = (await emu.get(f"/api/v3/runs/{runs[0]['id']}")).json()
    assert run["payload"]["type"] == "DECLARATIVE"
    assert run["schedule"] == {"id": stripe["id"], "generator": stripe["generator"]}


# ---------------------------------------------------------------------- timezones
async def test_timezones_need_no_auth(quiet: Emu) -> None:
    r = await quiet.client.get("/api/v1/timezones")
    assert r.status_code == 200
    zones = r.json()["timezones"]
    assert zones[0] == "UTC" and zones[1:] == sorted(zones[1:])
    assert "America/New_York" in zones and "Europe/London" in zones
    for junk in ("localtime", "posixrules", "Factory", "US/Eastern", "Etc/GMT+5"):
        assert junk not in zones
    r = await quiet.client.get("/api/v1/timezones", params={"excludeUtc": "true"})
    assert r.json()["timezones"] == zones[1:]


# ---------------------------------------------------------------------- cron helpers
@pytest.mark.parametrize(("expression", "text"), [
    ("0 0 * * *", "At 12:00 AM"),
    ("*/15 * * * *", "Every 15 minutes"),
    ("0 * * * *", "Every hour"),
    ("30 14 * * 1-5", "At 02:30 PM, Monday through Friday"),
    ("* * * * *", "Every minute"),
])
def test_descriptions_read_like_cronstrue(expression: str, text: str) -> None:
    assert cron.describe(expression) == text


def test_next_after_follows_cron_parser_across_dst() -> None:
    def fires(expression: str, start: str, n: int) -> list[str]:
        times = cron.upcoming(expression, "America/New_York", ts(start), n)
        return [datetime.fromtimestamp(t, tz=UTC).strftime("%H:%M") for t in times]

    assert fires("*/30 * * * *", "2026-03-08T06:00:00Z", 4) == [
        "06:30", "07:00", "07:30", "08:00"]  # 01:30 EST, then 03:00 and 03:30 EDT
    assert fires("*/30 * * * *", "2026-11-01T05:00:00Z", 3) == [
        "05:30", "07:00", "07:30"]  # 01:30 EDT, then 02:00 EST: the repeat is skipped
    # Created inside the landing hour, a skipped 02:30 still fires at 03:30 that day.
    assert fires("30 2 * * *", "2026-03-08T07:10:00Z", 1) == ["07:30"]
