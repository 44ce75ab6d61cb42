"""`client.schedules`: imperative cron schedules of the key's environment."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator

from trigger_tui.api.models.schedules import Schedule
from trigger_tui.api.pagination import offset_items
from trigger_tui.api.resources._base import Resource, field, item_parser
from trigger_tui.api.resources._wire import component, put

PATH = "/api/v1/schedules"


class Schedules(Resource):
    async def create(self, task: str, cron: str, deduplication_key: str, *,
                     external_id: str | None = None, timezone: str | None = None,
                     window: str | None = None) -> Schedule:
        """Create, or update the schedule that already has this deduplication key.

        The key makes it an upsert, so repeating the call is harmless; without one (an empty
        key) a repeat could create a second schedule and is not retried.
        """
        body = {"task": task, "cron": cron, "deduplicationKey": deduplication_key}
        put(body, "externalId", external_id)
        put(body, "timezone", timezone)
        put(body, "window", window)
        return await self._send("POST", PATH, Schedule, body=body,
                                idempotent=bool(deduplication_key))

    def list(self) -> AsyncIterator[Schedule]:
        return offset_items(self._client, PATH, item_parser(Schedule, f"GET {PATH}"))

    async def retrieve(self, schedule_id: str) -> Schedule:
        return await self._get(f"{PATH}/{component(schedule_id)}", Schedule)

    async def update(self, schedule_id: str, task: str, cron: str, *,
                     external_id: str | None = None, timezone: str | None = None,
                     window: str | None = None) -> Schedule:
        body = {"task": task, "cron": cron}
        put(body, "externalId", external_id)
        put(body, "timezone", timezone)
        put(body, "window", window)
        return await self._send("PUT", f"{PATH}/{component(schedule_id)}", Schedule, body=body,
                                idempotent=True)

    async def delete(self, schedule_id: str) -> str:
        path = f"{PATH}/{component(schedule_id)}"
        return str(await self._send_for("DELETE", path, "id", idempotent=True))

    async def activate(self, schedule_id: str) -> Schedule:
        return await self._send("POST", f"{PATH}/{component(schedule_id)}/activate", Schedule,
                                idempotent=True)

    async def deactivate(self, schedule_id: str) -> Schedule:
        return await self._send("POST", f"{PATH}/{component(schedule_id)}/deactivate", Schedule,
                                idempotent=True)

    async def timezones(self, exclude_utc: bool = False) -> builtins.list[str]:
        """The IANA zones the server accepts (`UTC` first unless excluded)."""
        params = {"excludeUtc": "true"} if exclude_utc else None
        body = await self._json("GET", "/api/v1/timezones", params=params)
        zones = field(body, "timezones", "GET /api/v1/timezones", list)
        return [str(z) for z in zones]
