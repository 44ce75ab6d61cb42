"""`client.tasks`: trigger one run, or a batch through the two-phase API the SDK uses."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from trigger_tui.api.client import RetryPolicy, parse_json
from trigger_tui.api.errors import TriggerError
from trigger_tui.api.models.common import validate
from trigger_tui.api.models.tasks import BatchHandle, BatchItem, BatchItemsResult, TriggeredRun
from trigger_tui.api.resources._base import Resource
from trigger_tui.api.resources._wire import (
    byte_size,
    component,
    duration_or_date,
    idempotency_key,
    put,
    stringify_io,
)

# The SDK re-sends an unsealed item stream with its own policy: 5 attempts, ×2, 1–30 s.
SEAL_RETRY = RetryPolicy(max_attempts=5, min_delay_s=1.0, max_delay_s=30.0, factor=2.0)


class BatchNotSealedError(TriggerError):
    """The server kept the batch open after every item was sent, attempt after attempt."""

    def __init__(self, batch_id: str, result: BatchItemsResult) -> None:
        super().__init__(
            f"batch {batch_id} was not sealed: the server took {result.items_accepted} new "
            f"items and has {result.enqueued_count} of {result.expected_count}")
        self.batch_id = batch_id
        self.result = result


def trigger_options(item: BatchItem, payload_type: str, payload_size: int | None
                    ) -> dict[str, Any]:
    """The `options` object of a trigger body or batch line, as the SDK fills it."""
    options: dict[str, Any] = {"payloadType": payload_type}
    put(options, "payloadSize", payload_size)
    if item.queue is not None:
        options["queue"] = {"name": item.queue}
    put(options, "concurrencyKey", item.concurrency_key)
    if item.delay is not None:
        options["delay"] = duration_or_date(item.delay)
    put(options, "ttl", item.ttl)
    put(options, "tags", item.tags)
    put(options, "maxAttempts", item.max_attempts)
    put(options, "metadata", item.metadata)
    put(options, "maxDuration", item.max_duration)
    put(options, "machine", item.machine)
    put(options, "priority", item.priority)
    if item.idempotency_key is not None:
        hashed, key_options = idempotency_key(item.idempotency_key)
        options["idempotencyKey"] = hashed
        put(options, "idempotencyKeyOptions", key_options)
    put(options, "idempotencyKeyTTL", item.idempotency_key_ttl)
    put(options, "lockToVersion", item.version)
    put(options, "test", item.test)
    return options


def trigger_body(item: BatchItem) -> dict[str, Any]:
    """`{payload?, options}`: the payload as the SDK serialises it, with its size."""
    data, payload_type = stringify_io(item.payload)
    body: dict[str, Any] = {}
    if data is not None:
        body["payload"] = data
    body["options"] = trigger_options(item, payload_type,
                                      byte_size(data) if data is not None else None)
    return body


class Tasks(Resource):
    async def trigger(
        self,
        task: str,
        payload: Any = None,
        *,
        delay: str | datetime | None = None,
        ttl: str | int | None = None,
        tags: str | list[str] | None = None,
        queue: str | None = None,
        concurrency_key: str | None = None,
        idempotency_key: str | None = None,
        idempotency_key_ttl: str | None = None,
        machine: str | None = None,
        max_attempts: int | None = None,
        max_duration: int | None = None,
        metadata: dict[str, Any] | None = None,
        version: str | None = None,
        priority: float | None = None,
        test: bool | None = None,
    ) -> TriggeredRun:
        """Start a run of `task`.

        Safe to repeat: the server answers a retried request (same request idempotency key)
        with the run it already created.
        """
        item = BatchItem(task, payload, delay=delay, ttl=ttl, tags=tags, queue=queue,
                         concurrency_key=concurrency_key, idempotency_key=idempotency_key,
                         idempotency_key_ttl=idempotency_key_ttl, machine=machine,
                         max_attempts=max_attempts, max_duration=max_duration,
                         metadata=metadata, version=version, priority=priority, test=test)
        path = f"/api/v1/tasks/{component(task)}/trigger"
        return await self._send("POST", path, TriggeredRun, body=trigger_body(item),
                                idempotent=True)

    async def batch_trigger(self, items: Sequence[BatchItem]) -> BatchHandle:
        """Start one run per item: reserve a batch, then stream the items as NDJSON.

        Both phases are safe to repeat (the reservation honours the request idempotency key,
        the items are deduplicated by index). A cached reservation skips the items.
        """
        if not items:
            raise ValueError("a batch needs at least one item")
        create = {"runCount": len(items),
                  "taskIdentifiers": sorted({item.task for item in items})}
        handle = await self._send("POST", "/api/v3/batches", BatchHandle, body=create,
                                  idempotent=True)
        if handle.is_cached:
            return handle
        await self._stream_items(handle.id, items)
        return handle

    async def _stream_items(self, batch_id: str, items: Sequence[BatchItem]) -> None:
        lines = []
        for index, item in enumerate(items):
            line = {"index": index, "task": item.task, **trigger_body(item)}
            lines.append(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n")
        content = "".join(lines).encode("utf-8")
        path = f"/api/v3/batches/{component(batch_id)}/items"
        options = self._client.options
        attempt = 0
        while True:
            attempt += 1
            response = await self._client.request(
                "POST", path, content=content, idempotent=True,
                headers={"content-type": "application/x-ndjson"})
            result = validate(BatchItemsResult, parse_json(response), f"POST {path}")
            if result.sealed:
                return
            if attempt >= SEAL_RETRY.max_attempts:
                raise BatchNotSealedError(batch_id, result)
            await options.sleep(SEAL_RETRY.delay(attempt, options.rng))
