"""`client.batches`: a batch's item processing, and the results of its finished runs."""

from __future__ import annotations

from trigger_tui.api.client import RetryPolicy
from trigger_tui.api.models.batches import Batch
from trigger_tui.api.models.runs import RunResult
from trigger_tui.api.resources._base import Resource, field
from trigger_tui.api.resources._wire import component
from trigger_tui.api.resources.runs import decode_result


class Batches(Resource):
    async def retrieve(self, batch_id: str, *, retry: RetryPolicy | None = None) -> Batch:
        """An unknown batch is a 404 the server asks to retry (replica lag), like runs."""
        return await self._get(f"/api/v2/batches/{component(batch_id)}", Batch, retry=retry)

    async def results(self, batch_id: str) -> list[RunResult]:
        """Execution results of the batch's runs that have finished (outputs decoded)."""
        path = f"/api/v1/batches/{component(batch_id)}/results"
        items = field(await self._json("GET", path), "items", f"GET {path}", list)
        return [decode_result(item, f"GET {path}") for item in items]
