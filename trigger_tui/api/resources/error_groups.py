"""`client.errors`: error groups (failed runs grouped by fingerprint) and their lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from trigger_tui.api.models.error_groups import ErrorGroup
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import Resource, item_parser
from trigger_tui.api.resources._wire import comma, component, iso_time, put

PATH = "/api/v1/errors"


class Errors(Resource):
    def list(self, *, status: str | Iterable[str] | None = None,
             task: str | Iterable[str] | None = None,
             version: str | Iterable[str] | None = None, period: str | None = None,
             from_: datetime | float | None = None, to: datetime | float | None = None,
             search: str | None = None, limit: int | None = None) -> AsyncIterator[ErrorGroup]:
        """Groups with occurrences in the window (the server's default: the last day);
        `count` is the number within it. Statuses: unresolved, resolved, ignored."""
        params: dict[str, str] = {}
        for name, value in (("status", status), ("taskIdentifier", task),
                            ("version", version)):
            if value is not None:
                params[f"filter[{name}]"] = comma(value)
        put(params, "filter[period]", period)
        if from_ is not None:
            params["filter[from]"] = iso_time(from_)
        if to is not None:
            params["filter[to]"] = iso_time(to)
        put(params, "filter[search]", search)
        return cursor_items(self._client, PATH, params,
                            item_parser(ErrorGroup, f"GET {PATH}"), limit=limit)

    async def retrieve(self, error_id: str) -> ErrorGroup:
        return await self._get(f"{PATH}/{component(error_id)}", ErrorGroup)

    async def resolve(self, error_id: str, version: str | None = None) -> ErrorGroup:
        """Mark resolved (optionally in a version); it comes back if it recurs."""
        body: dict[str, Any] = {}
        put(body, "resolvedInVersion", version)
        return await self._send("POST", f"{PATH}/{component(error_id)}/resolve", ErrorGroup,
                                body=body, idempotent=True)

    async def ignore(self, error_id: str, *, duration_ms: int | None = None,
                     rate: float | None = None, total: int | None = None,
                     reason: str | None = None) -> ErrorGroup:
        """Ignore for `duration_ms`, or until `rate` per minute or `total` new occurrences
        (with none of them: indefinitely)."""
        body: dict[str, Any] = {}
        put(body, "duration", duration_ms)
        put(body, "occurrenceRate", rate)
        put(body, "totalOccurrences", total)
        put(body, "reason", reason)
        return await self._send("POST", f"{PATH}/{component(error_id)}/ignore", ErrorGroup,
                                body=body, idempotent=True)

    async def unresolve(self, error_id: str) -> ErrorGroup:
        return await self._send("POST", f"{PATH}/{component(error_id)}/unresolve", ErrorGroup,
                                idempotent=True)
