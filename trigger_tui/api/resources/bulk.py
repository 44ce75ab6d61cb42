"""`client.bulk`: cancel or replay many runs at once, by id or by the runs-list filters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from trigger_tui.api.models.bulk import BulkAction
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import Resource, item_parser
from trigger_tui.api.resources._wire import component, js_iso, put

PATH = "/api/v1/bulk-actions"


def _filter_json(filter: dict[str, Any]) -> dict[str, Any]:
    """The SDK's filter object (status, taskIdentifier, tag, queue, from, to, period…), with
    dates as ISO strings as `JSON.stringify` writes them."""
    return {k: js_iso(v) if isinstance(v, datetime) else v for k, v in filter.items()}


class Bulk(Resource):
    async def create(self, action: Literal["cancel", "replay"], *,
                     run_ids: list[str] | None = None, filter: dict[str, Any] | None = None,
                     name: str | None = None, target_region: str | None = None) -> str:
        """Start a bulk action over `run_ids` or the runs `filter` matches; its id.

        Never repeated: a second request would start a second bulk action (a second replay
        of every run).
        """
        if (run_ids is None) == (filter is None):
            raise ValueError("give exactly one of run_ids or filter")
        body: dict[str, Any] = {}
        put(body, "runIds", run_ids)
        if filter is not None:
            body["filter"] = _filter_json(filter)
        put(body, "name", name)
        put(body, "targetRegion", target_region)
        body["action"] = action
        return str(await self._send_for("POST", PATH, "id", body=body, idempotent=False))

    def list(self, limit: int | None = None) -> AsyncIterator[BulkAction]:
        return cursor_items(self._client, PATH, {}, item_parser(BulkAction, f"GET {PATH}"),
                            limit=limit)

    async def retrieve(self, bulk_id: str) -> BulkAction:
        return await self._get(f"{PATH}/{component(bulk_id)}", BulkAction)

    async def abort(self, bulk_id: str) -> str:
        """Stop a running bulk action; the runs it already handled stay handled."""
        return str(await self._send_for("POST", f"{PATH}/{component(bulk_id)}/abort", "id",
                                        idempotent=True))
