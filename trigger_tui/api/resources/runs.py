"""`client.runs`: list (env and project), retrieve, events, trace, result, and the run actions."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from trigger_tui.api import errors as E
from trigger_tui.api.client import RetryPolicy
from trigger_tui.api.models.common import Page, member, validate, validate_list
from trigger_tui.api.models.runs import Run, RunEvent, RunListItem, RunResult, Trace
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import Resource, field, item_parser
from trigger_tui.api.resources._wire import (
    comma,
    component,
    duration_or_date,
    epoch_ms,
    parse_io,
    put,
    superjson,
)

Strings = str | Iterable[str]
When = datetime | float


def run_filters(
    *,
    status: Strings | None = None,
    task: Strings | None = None,
    version: Strings | None = None,
    tag: Strings | None = None,
    queue: Strings | None = None,
    machine: Strings | None = None,
    region: Strings | None = None,
    batch: str | None = None,
    schedule: str | None = None,
    bulk_action: str | None = None,
    is_test: bool | None = None,
    period: str | None = None,
    from_: When | None = None,
    to: When | None = None,
) -> dict[str, str]:
    """The runs-list query, as the SDK spells it.

    `queue` names are sent as given: a task's own queue is `task/<task id>`, a custom queue its
    name. `from_`/`to` are datetimes or epoch seconds; they go out as epoch milliseconds.
    """
    params: dict[str, str] = {}
    for name, value in (("status", status), ("taskIdentifier", task), ("version", version),
                        ("tag", tag), ("queue", queue), ("machine", machine),
                        ("region", region)):
        if value is not None:
            params[f"filter[{name}]"] = comma(value)
    for name, scalar in (("batch", batch), ("schedule", schedule), ("bulkAction", bulk_action)):
        put(params, f"filter[{name}]", scalar)
    if is_test is not None:
        params["filter[isTest]"] = "true" if is_test else "false"
    put(params, "filter[createdAt][period]", period)
    if from_ is not None:
        params["filter[createdAt][from]"] = epoch_ms(from_)
    if to is not None:
        params["filter[createdAt][to]"] = epoch_ms(to)
    return params


LIST_PATH = "/api/v1/runs"


class Runs(Resource):
    def list(
        self,
        *,
        status: Strings | None = None,
        task: Strings | None = None,
        version: Strings | None = None,
        tag: Strings | None = None,
        queue: Strings | None = None,
        machine: Strings | None = None,
        region: Strings | None = None,
        batch: str | None = None,
        schedule: str | None = None,
        bulk_action: str | None = None,
        is_test: bool | None = None,
        period: str | None = None,
        from_: When | None = None,
        to: When | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[RunListItem]:
        """Every run matching the filters (see `run_filters`), newest first, page by page.

        The server applies the last 7 days when no period/from/to is given.
        """
        params = run_filters(
            status=status, task=task, version=version, tag=tag, queue=queue, machine=machine,
            region=region, batch=batch, schedule=schedule, bulk_action=bulk_action,
            is_test=is_test, period=period, from_=from_, to=to)
        return cursor_items(self._client, LIST_PATH, params,
                            item_parser(RunListItem, f"GET {LIST_PATH}"), limit=limit)

    def list_project(self, project_ref: str, env: Strings, *, limit: int | None = None,
                     **filters: Any) -> AsyncIterator[RunListItem]:
        """Runs of a project's environment with a personal access token (`filter[env]`)."""
        path = f"/api/v1/projects/{component(project_ref)}/runs"
        params = {**run_filters(**filters), "filter[env]": comma(env)}
        return cursor_items(self._client, path, params,
                            item_parser(RunListItem, f"GET {path}"), limit=limit)

    async def page(
        self,
        *,
        size: int = 25,
        after: str | None = None,
        before: str | None = None,
        **filters: Any,
    ) -> Page[RunListItem]:
        """One page, for screens that page explicitly (cursors are opaque). `filters` are
        those of `list` (see `run_filters`)."""
        params = {**run_filters(**filters), "page[size]": str(size)}
        put(params, "page[after]", after)
        put(params, "page[before]", before)
        endpoint = f"GET {LIST_PATH}"
        body = await self._json("GET", LIST_PATH, params=params)
        items = validate_list(RunListItem, member(body, "data", endpoint), endpoint)
        pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
        nxt, prev = pagination.get("next"), pagination.get("previous")
        return Page(items, str(nxt) if nxt else None, str(prev) if prev else None)

    async def retrieve(self, run_id: str, *, retry: RetryPolicy | None = None) -> Run:
        """The run with payload, output and relations.

        An unknown run is a 404 with `x-should-retry: true` (replica lag), which the client
        retries like the SDK; pass `retry=NO_RETRY` to learn at once.
        """
        return await self._get(f"/api/v3/runs/{component(run_id)}", Run, retry=retry)

    async def events(self, run_id: str, *,
                     retry: RetryPolicy | None = None) -> builtins.list[RunEvent]:
        path = f"/api/v1/runs/{component(run_id)}/events"
        body = await self._json("GET", path, retry=retry)
        return validate_list(RunEvent, member(body, "events", f"GET {path}"), f"GET {path}")

    async def trace(self, run_id: str, *, retry: RetryPolicy | None = None) -> Trace:
        path = f"/api/v1/runs/{component(run_id)}/trace"
        body = await self._json("GET", path, retry=retry)
        return validate(Trace, member(body, "trace", f"GET {path}"), f"GET {path}")

    async def result(self, run_id: str) -> RunResult | None:
        """The execution result, or None while the run is unknown or not finished."""
        path = f"/api/v1/runs/{component(run_id)}/result"
        try:
            body = await self._json("GET", path)
        except E.NotSupportedError:
            raise
        except E.NotFoundError:
            return None
        return decode_result(body, f"GET {path}")

    async def cancel(self, run_id: str) -> str:
        """Cancel (a finished run is left as it is). Repeating it would be harmless, but a
        cancel whose answer was lost is not resent here: the action layer re-reads the run
        first, so the operator learns whether it applied and nothing is sent twice."""
        path = f"/api/v2/runs/{component(run_id)}/cancel"
        return str(await self._send_for("POST", path, "id", idempotent=False))

    async def replay(
        self,
        run_id: str,
        *,
        payload: Any = None,
        tags: str | builtins.list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        queue: str | None = None,
        machine: str | None = None,
        version: str | None = None,
        region: str | None = None,
        concurrency_key: str | None = None,
        delay: str | datetime | None = None,
        ttl: str | int | None = None,
        max_attempts: int | None = None,
        max_duration: int | None = None,
        priority: float | None = None,
    ) -> str:
        """A new run of the same task; the new run's id.

        Never repeated: the server does not deduplicate replays, so a timeout raises rather
        than risk two new runs. Without overrides the body is empty, as the SDK sends it.
        """
        body: dict[str, Any] = {}
        if payload is not None:
            body["payload"] = superjson(payload)
        put(body, "tags", tags)
        put(body, "metadata", metadata)
        put(body, "queue", queue)
        put(body, "machine", machine)
        put(body, "version", version)
        put(body, "region", region)
        put(body, "concurrencyKey", concurrency_key)
        if delay is not None:
            body["delay"] = duration_or_date(delay)
        put(body, "ttl", ttl)
        put(body, "maxAttempts", max_attempts)
        put(body, "maxDuration", max_duration)
        put(body, "priority", priority)
        if payload is not None:
            body["payloadType"] = "application/super+json"
        path = f"/api/v1/runs/{component(run_id)}/replay"
        return str(await self._send_for("POST", path, "id", body=body or None,
                                        idempotent=False))

    async def reschedule(self, run_id: str, delay: str | datetime) -> Run:
        """Move a DELAYED run's start: a duration from now (`"1h"`) or a date."""
        return await self._send("POST", f"/api/v1/runs/{component(run_id)}/reschedule", Run,
                                body={"delay": duration_or_date(delay)}, idempotent=True)

    async def add_tags(self, run_id: str, tags: str | builtins.list[str]) -> str:
        """Add tags (those already on the run are ignored); the server's message."""
        path = f"/api/v1/runs/{component(run_id)}/tags"
        return str(await self._send_for("POST", path, "message", body={"tags": tags},
                                        idempotent=True))

    async def metadata(self, run_id: str) -> dict[str, Any]:
        path = f"/api/v1/runs/{component(run_id)}/metadata"
        body = await self._json("GET", path)
        return _metadata(member(body, "metadata", f"GET {path}"), f"GET {path}")

    async def update_metadata(self, run_id: str, metadata: dict[str, Any] | None = None,
                              operations: builtins.list[dict[str, Any]] | None = None
                              ) -> dict[str, Any]:
        """Replace the metadata and/or apply operations; the metadata afterwards.

        Replacing is idempotent; operations (increment, append…) are not, so a call with
        operations is never repeated after it may have reached the server.
        """
        path = f"/api/v1/runs/{component(run_id)}/metadata"
        body: dict[str, Any] = {}
        put(body, "metadata", metadata)
        put(body, "operations", operations)
        data = await self._json("PUT", path, body=body, idempotent=operations is None)
        return _metadata(member(data, "metadata", f"PUT {path}"), f"PUT {path}")


def _metadata(value: Any, endpoint: str) -> dict[str, Any]:
    """An object, or (as the reference describes the GET) its serialised string."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = parse_io(value, "application/json", endpoint, "metadata")
    if not isinstance(value, dict):
        field({"metadata": value}, "metadata", endpoint, dict)
    return dict(value)


def decode_result(body: Any, endpoint: str) -> RunResult:
    """A `TaskRunExecutionResult` with its serialised output decoded."""
    if isinstance(body, dict) and "output" in body:
        body = {**body, "output": parse_io(body["output"], body.get("outputType"), endpoint,
                                           "output")}
    return validate(RunResult, body, endpoint)
