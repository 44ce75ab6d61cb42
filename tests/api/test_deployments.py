"""`client.deployments` against the emulator."""

from __future__ import annotations

import pytest

from tests.api.conftest import Harness, make_harness, quiet_world
from trigger_tui.api import errors as E
from trigger_tui.emulator.world import DEMO_KEYS


async def test_list_retrieve_latest_current(api: Harness) -> None:
    deployments = [d async for d in api.client.deployments.list()]
    book = api.env().deployments
    assert [d.id for d in deployments] == [d.id for d in sorted(
        book.items, key=lambda d: d.created_at, reverse=True)]
    assert all(d.created_at is not None and d.created_at.tzinfo for d in deployments)
    deployed = [d async for d in api.client.deployments.list(status="DEPLOYED", period="30d")]
    assert deployed and {d.status for d in deployed} == {"DEPLOYED"}
    assert api.sent[-1].url.query == b"status=DEPLOYED&period=30d&page%5Bsize%5D=100"
    current = await api.client.deployments.current()
    assert book.current is not None and current.version == book.current.version
    detail = await api.client.deployments.retrieve(current.id)
    assert detail.worker is not None and detail.worker.tasks
    assert detail.commit_sha is not None and detail.image_platform == "linux/amd64"
    latest = await api.client.deployments.latest()
    assert latest.id == deployments[0].id
    with pytest.raises(E.NotFoundError, match="Deployment not found"):
        await api.client.deployments.retrieve("deployment_missing")
    with pytest.raises(E.BadRequestError, match="period=forever"):
        async for _ in api.client.deployments.list(period="forever"):
            pass


async def test_promote_a_newer_version_and_refuse_a_rollback() -> None:
    h = make_harness(DEMO_KEYS["stg"], **quiet_world())
    book = h.env("stg").deployments
    assert book.current is not None
    newer = max((d for d in book.items if d.status == "DEPLOYED"), key=lambda d: d.created_at)
    assert newer.id != book.current.id
    old = book.current
    result = await h.client.deployments.promote(newer.version)
    assert result.id == newer.id and result.version == newer.version and result.short_code
    assert (await h.client.deployments.current()).id == newer.id
    with pytest.raises(E.BadRequestError, match="already the current deployment"):
        await h.client.deployments.promote(newer.version)
    with pytest.raises(E.BadRequestError, match="older than the current"):
        await h.client.deployments.promote(old.version)
    back = await h.client.deployments.promote(old.version, allow_rollbacks=True)
    assert back.id == old.id and h.sent[-1].url.query == b"allowRollbacks=true"
    with pytest.raises(E.NotFoundError):
        await h.client.deployments.promote("19990101.1")
