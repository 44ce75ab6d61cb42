"""Schedules and deployments in the state layer: cron helpers, pollers, actions (emulator)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.state.conftest import make_state
from trigger_tui.api.client import ClientOptions, TriggerClient
from trigger_tui.emulator.world import DEMO_KEYS
from trigger_tui.state.schedules import (
    UNSUPPORTED,
    DeploymentsPoller,
    ScheduleActions,
    SchedulesPoller,
    cron_error,
    describe_cron,
    next_fires,
)

T0 = datetime(2026, 3, 7, 12, 0, tzinfo=UTC).timestamp()  # the day before US spring-forward


def html_404() -> httpx.MockTransport:
    """A server that lacks every route (answers the web app's HTML 404, as an old one does)."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<!DOCTYPE html><html>404</html>",
                              headers={"content-type": "text/html"})

    return httpx.MockTransport(handler)


def actions_of(h: Any) -> ScheduleActions:
    return ScheduleActions(h.client, h.store, clock=h.clock.now)


def test_cron_error_catches_what_the_server_refuses() -> None:
    assert cron_error("*/5 * * * *") is None
    assert cron_error("0 9 * * mon-fri") is None
    assert "5 fields" in str(cron_error("0 0 9 * * *"))  # seconds are refused
    assert "required" in str(cron_error("  "))
    assert "not a valid" in str(cron_error("61 * * * *"))


def test_describe_cron_speaks_like_the_dashboard() -> None:
    assert describe_cron("0 2 * * *") == "At 02:00 AM"
    assert describe_cron("*/15 * * * *") == "Every 15 minutes"


def test_next_fires_are_in_the_schedule_zone_across_dst() -> None:
    fires = next_fires("30 1 * * *", "America/New_York", T0, 3)
    assert [f.strftime("%m-%d %H:%M %Z") for f in fires] == [
        "03-08 01:30 EST", "03-09 01:30 EDT", "03-10 01:30 EDT"]
    assert next_fires("nope", "UTC", T0) == [] and next_fires("* * * * *", "Mars/X", T0) == []


async def test_schedules_poller_fills_the_store_and_drops_deleted() -> None:
    h = make_state(seed=7)
    poller = SchedulesPoller(h.client, h.store, clock=h.clock.now)
    assert await poller.poll_once()
    schedules = h.store.collection("schedules")
    assert len(schedules) == 5 and all(s.id.startswith("sched_") for s in schedules.values())
    victim = next(iter(schedules.items))
    assert (await actions_of(h).delete(victim)).ok
    assert victim not in schedules.items
    await poller.poll_once()
    assert victim not in schedules.items and len(schedules) == 4


async def test_create_update_toggle_round_trip_on_the_emulator() -> None:
    h = make_state(seed=7)
    actions = actions_of(h)
    created = await actions.save(None, task="nightly-report", cron="0  9 * * 1-5",
                                 timezone="Europe/Paris", external_id="tenant-1",
                                 dedup_key="tui-test")
    assert created.ok, created.message
    sched = next(s for s in h.store.collection("schedules").values()
                 if s.external_id == "tenant-1")
    assert sched.cron == "0 9 * * 1-5" and sched.timezone == "Europe/Paris"
    updated = await actions.save(sched.id, task="nightly-report", cron="0 10 * * *",
                                 timezone="UTC", external_id=None)
    schedules = h.store.collection("schedules").items
    assert updated.ok and schedules[sched.id].cron == "0 10 * * *"
    off = await actions.set_active(sched.id, False)
    assert off.ok and schedules[sched.id].active is False
    assert (await actions.set_active(sched.id, True)).ok


async def test_invalid_cron_sends_nothing() -> None:
    h = make_state(seed=7)
    before = len(h.log)
    result = await actions_of(h).save(None, task="nightly-report", cron="0 0 9 * * *",
                                      timezone="UTC", external_id=None)
    assert not result.ok and "nothing was sent" in result.message and len(h.log) == before


async def test_a_422_is_shown_in_the_servers_words() -> None:
    h = make_state(seed=7)
    result = await actions_of(h).save(None, task="nightly-report", cron="0 9 * * *",
                                      timezone="Mars/Olympus_Mons", external_id=None)
    assert not result.ok
    assert result.message.startswith("create schedule for nightly-report refused: ")
    assert h.log[-1].status == 422


async def test_read_only_sends_nothing() -> None:
    h = make_state(read_only=True, seed=7)
    actions = actions_of(h)
    before = len(h.log)
    results = [await actions.delete("sched_x"), await actions.set_active("sched_x", False),
               await actions.promote("20251230.1", rollback=False),
               await actions.save(None, task="t", cron="* * * * *", timezone="UTC",
                                  external_id=None)]
    assert all(not r.ok and "read-only" in r.message for r in results)
    assert len(h.log) == before


async def test_timezones_are_asked_once() -> None:
    h = make_state(seed=7)
    actions = actions_of(h)
    zones = await actions.timezones()
    asked = len(h.log)
    assert zones[0] == "UTC" and "Europe/Paris" in zones
    assert await actions.timezones() == zones and len(h.log) == asked


async def test_deployments_poller_marks_current_and_promote_rolls_back() -> None:
    h = make_state(seed=7)
    poller = DeploymentsPoller(h.client, h.store, clock=h.clock.now)
    assert await poller.poll_once()
    deps = {d.version: d for d in h.store.collection("deployments").values()}
    current = h.store.collection("deployments_meta").get("current")
    assert deps["20251230.1"].id == current
    actions = actions_of(h)
    refused = await actions.promote("20251222.1", rollback=True)  # a FAILED one
    assert refused.message == ("promote 20251222.1 refused: Deployment is not associated "
                               "with a worker and cannot be promoted.")
    assert (await actions.promote("20251225.1", rollback=True)).ok
    await poller.poll_once()
    assert h.store.collection("deployments_meta").get("current") == deps["20251225.1"].id
    detail = await actions.deployment_detail(deps["20251225.1"].id)
    assert detail.worker is not None and detail.worker.tasks


async def test_dev_has_no_deployments() -> None:
    h = make_state(seed=7)
    dev = TriggerClient(ClientOptions(base_url="http://emulator.test", key=DEMO_KEYS["dev"],
                                      transport=httpx.ASGITransport(app=h.app)))
    poller = DeploymentsPoller(dev, h.store, clock=h.clock.now)
    assert await poller.poll_once()
    assert len(h.store.collection("deployments")) == 0
    assert h.store.collection("deployments_meta").get("current") is None
    await dev.aclose()


async def test_a_server_without_the_routes_is_marked_not_supported() -> None:
    h = make_state(seed=7, transport=html_404())
    for poller in (SchedulesPoller(h.client, h.store, clock=h.clock.now),
                   DeploymentsPoller(h.client, h.store, clock=h.clock.now)):
        assert await poller.poll_once()
    unsupported = h.store.collection(UNSUPPORTED)
    assert unsupported.get("schedules") == "schedules are not supported by this server"
    assert unsupported.get("deployments") == "deployments are not supported by this server"
    result = await actions_of(h).delete("sched_x")
    assert result.message == "delete schedule sched_x: not supported by this server"
