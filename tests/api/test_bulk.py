"""`client.bulk` against the emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.api.conftest import Harness
from trigger_tui.api import errors as E
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world.options import TriggerOptions


def queued_runs(h: Harness, n: int) -> list[str]:
    env = h.env()
    env.set_paused(env.queues["task/resize-image"], True)
    return [env.trigger("resize-image", {}, "application/json", TriggerOptions(tags=["bulk"]))[0].id
            for _ in range(n)]


async def test_cancel_by_ids_then_follow_it(api: Harness) -> None:
    ids = queued_runs(api, 3)
    bulk_id = await api.client.bulk.create("cancel", run_ids=ids, name="stop them")
    assert json.loads(api.sent[-1].content) == {"runIds": ids, "name": "stop them",
                                                "action": "cancel"}
    action = await api.client.bulk.retrieve(bulk_id)
    assert action.type == "CANCEL" and action.name == "stop them" and action.counts.total == 3
    api.advance(60)
    done = await api.client.bulk.retrieve(bulk_id)
    assert done.status == "COMPLETED" and done.counts.success == 3
    assert done.completed_at is not None
    assert all(api.env().runs[r].status == S.CANCELED for r in ids)
    assert [b.id async for b in api.client.bulk.list()] == [bulk_id]
    with pytest.raises(E.BadRequestError, match="already completed"):
        await api.client.bulk.abort(bulk_id)


async def test_replay_by_filter_and_abort(api: Harness) -> None:
    queued_runs(api, 2)
    since = datetime.fromtimestamp(api.clock.now() - 60, tz=UTC)
    bulk_id = await api.client.bulk.create("replay", filter={"tag": ["bulk"], "from": since})
    body = json.loads(api.sent[-1].content)
    assert body["filter"] == {"tag": ["bulk"], "from": since.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    assert (await api.client.bulk.retrieve(bulk_id)).counts.total == 2
    assert await api.client.bulk.abort(bulk_id) == bulk_id
    assert (await api.client.bulk.retrieve(bulk_id)).status == "ABORTED"


async def test_bulk_errors(api: Harness) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await api.client.bulk.create("cancel")
    with pytest.raises(E.BadRequestError, match="Invalid status values: NOPE"):
        await api.client.bulk.create("cancel", filter={"status": "NOPE"})
    with pytest.raises(E.NotFoundError):
        await api.client.bulk.retrieve("bulk_missing")
