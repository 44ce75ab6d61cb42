"""`client.schedules` against the emulator."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Harness
from trigger_tui.api import errors as E


async def test_create_is_an_upsert_by_deduplication_key(api: Harness) -> None:
    s = await api.client.schedules.create("nightly-report", "0 3 * * *", "nightly-eu",
                                          external_id="tenant-1", timezone="Europe/Paris")
    assert json.loads(api.sent[-1].content) == {
        "task": "nightly-report", "cron": "0 3 * * *", "deduplicationKey": "nightly-eu",
        "externalId": "tenant-1", "timezone": "Europe/Paris"}
    assert s.id.startswith("sched_") and s.type == "IMPERATIVE" and s.active
    assert s.cron == "0 3 * * *" and s.generator.description
    assert s.timezone == "Europe/Paris" and s.external_id == "tenant-1"
    assert s.deduplication_key == "nightly-eu"
    assert s.next_run is not None and s.next_run.tzinfo is not None
    assert s.environments and s.environments[0].type == "PRODUCTION"
    again = await api.client.schedules.create("nightly-report", "0 4 * * *", "nightly-eu")
    assert again.id == s.id and again.cron == "0 4 * * *"


async def test_list_retrieve_update_toggle_delete(api: Harness) -> None:
    created = [await api.client.schedules.create("cleanup-sessions", f"{i} * * * *", f"k{i}")
               for i in range(3)]
    listed = [s async for s in api.client.schedules.list()]
    assert {s.id for s in created} <= {s.id for s in listed}
    one = created[0]
    assert (await api.client.schedules.retrieve(one.id)).id == one.id
    updated = await api.client.schedules.update(one.id, "cleanup-sessions", "*/5 * * * *",
                                                timezone="UTC")
    assert updated.cron == "*/5 * * * *"
    assert json.loads(api.sent[-1].content) == {"task": "cleanup-sessions",
                                                "cron": "*/5 * * * *", "timezone": "UTC"}
    off = await api.client.schedules.deactivate(one.id)
    assert off.active is False and api.sent[-1].content == b""
    assert (await api.client.schedules.activate(one.id)).active is True
    assert await api.client.schedules.delete(one.id) == one.id
    with pytest.raises(E.NotFoundError, match="Schedule not found"):
        await api.client.schedules.retrieve(one.id)


async def test_schedule_errors_carry_the_servers_words(api: Harness) -> None:
    with pytest.raises(E.UnprocessableEntityError, match="Invalid cron expression"):
        await api.client.schedules.create("nightly-report", "not cron", "k")
    with pytest.raises(E.UnprocessableEntityError, match="Invalid IANA timezone: 'Mars/Base'"):
        await api.client.schedules.create("nightly-report", "0 0 * * *", "k",
                                          timezone="Mars/Base")
    with pytest.raises(E.UnprocessableEntityError, match="is not a scheduled task"):
        await api.client.schedules.create("send-email", "0 0 * * *", "k")
    with pytest.raises(E.BadRequestError, match="Invalid request body.*window"):
        await api.client.schedules.create("nightly-report", "0 0 * * *", "k", window="90s")
    with pytest.raises(E.NotFoundError):
        await api.client.schedules.update("sched_missing", "nightly-report", "0 0 * * *")
    with pytest.raises(E.NotFoundError):
        await api.client.schedules.delete("sched_missing")


async def test_timezones(api: Harness) -> None:
    zones = await api.client.schedules.timezones()
    assert zones[0] == "UTC" and "Europe/Paris" in zones
    without = await api.client.schedules.timezones(exclude_utc=True)
    assert "UTC" not in without
    assert api.sent[-1].url.query == b"excludeUtc=true"
