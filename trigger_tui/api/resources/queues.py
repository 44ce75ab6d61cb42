"""`client.queues`: list, and retrieve or act on one queue by id or by name and type.

`type` is `id` (a `queue_…` id), `task` (a task's own queue, by task id) or `custom` (a named
queue). Names go into the path double-encoded, as the SDK sends them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal

from trigger_tui.api.models.queues import Queue
from trigger_tui.api.pagination import offset_items
from trigger_tui.api.resources._base import Resource, item_parser
from trigger_tui.api.resources._wire import queue_segment

QueueType = Literal["id", "task", "custom"]
PATH = "/api/v1/queues"


class Queues(Resource):
    def list(self) -> AsyncIterator[Queue]:
        return offset_items(self._client, PATH, item_parser(Queue, f"GET {PATH}"))

    async def retrieve(self, queue: str, *, type: QueueType = "id") -> Queue:
        return await self._get(f"{PATH}/{queue_segment(queue)}", Queue, params={"type": type})

    async def pause(self, queue: str, *, type: QueueType = "id") -> Queue:
        return await self._send("POST", f"{PATH}/{queue_segment(queue)}/pause", Queue,
                                body={"type": type, "action": "pause"}, idempotent=True)

    async def resume(self, queue: str, *, type: QueueType = "id") -> Queue:
        return await self._send("POST", f"{PATH}/{queue_segment(queue)}/pause", Queue,
                                body={"type": type, "action": "resume"}, idempotent=True)

    async def override(self, queue: str, limit: int, *, type: QueueType = "id") -> Queue:
        """Override the concurrency limit (until `reset`)."""
        return await self._send("POST", f"{PATH}/{queue_segment(queue)}/concurrency/override",
                                Queue, body={"type": type, "concurrencyLimit": limit},
                                idempotent=True)

    async def reset(self, queue: str, *, type: QueueType = "id") -> Queue:
        return await self._send("POST", f"{PATH}/{queue_segment(queue)}/concurrency/reset",
                                Queue, body={"type": type}, idempotent=True)
