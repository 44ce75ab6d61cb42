"""`client.errors` against the emulator's error groups."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from tests.api.conftest import Harness
from trigger_tui.api import errors as E


async def test_list_filter_retrieve_and_the_lifecycle(history: Harness) -> None:
    client = history.client
    groups = [g async for g in client.errors.list(period="2h")]
    assert groups and all(g.id.startswith("error_") and g.count > 0 for g in groups)
    assert {g.status for g in groups} <= {"unresolved", "resolved", "ignored"}
    one = groups[0]
    same_task = [g async for g in client.errors.list(task=one.task_identifier, period="2h",
                                                     status=["unresolved", "ignored"],
                                                     search=one.error_type, limit=2)]
    assert one.id in [g.id for g in same_task] or len(same_task) == 2
    assert dict(parse_qsl(history.sent[-1].url.query.decode())) == {
        "filter[status]": "unresolved,ignored", "filter[taskIdentifier]": one.task_identifier,
        "filter[period]": "2h", "filter[search]": one.error_type, "page[size]": "2"}
    full = await client.errors.retrieve(one.id)
    assert full.id == one.id and full.affected_versions and full.count >= one.count
    resolved = await client.errors.resolve(one.id, "20260101.1")
    assert json.loads(history.sent[-1].content) == {"resolvedInVersion": "20260101.1"}
    assert resolved.status == "resolved" and resolved.resolved_in_version == "20260101.1"
    assert resolved.resolved_at is not None
    ignored = await client.errors.ignore(one.id, duration_ms=3_600_000, reason="known flake")
    assert json.loads(history.sent[-1].content) == {"duration": 3_600_000,
                                                    "reason": "known flake"}
    assert ignored.status == "ignored" and ignored.ignored_reason == "known flake"
    assert ignored.ignored_until is not None
    back = await client.errors.unresolve(one.id)
    assert back.status == "unresolved" and history.sent[-1].content == b""
    await client.errors.resolve(one.id)
    assert history.sent[-1].content == b"{}"  # the route needs a body: `{}` when empty


async def test_error_group_errors(api: Harness) -> None:
    with pytest.raises(E.NotFoundError):
        await api.client.errors.retrieve("error_missing")
    with pytest.raises(E.NotFoundError, match="Resource not found"):
        await api.client.errors.resolve("error_missing")
    with pytest.raises(E.BadRequestError, match="Invalid status values: open"):
        async for _ in api.client.errors.list(status="open"):
            pass
    with pytest.raises(E.BadRequestError, match="greater than 0"):
        await api.client.errors.ignore("error_missing", duration_ms=-1)
