"""`client.queues` against the emulator: addressing by id, task and custom name."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Harness
from trigger_tui.api import errors as E
from trigger_tui.emulator.world.options import TriggerOptions


async def test_list_every_queue(api: Harness) -> None:
    queues = [q async for q in api.client.queues.list()]
    names = {q.name for q in queues}
    assert {"email", "resize-image"} <= names
    assert {q.type for q in queues} == {"task", "custom"}
    assert len(queues) == len(api.env().queues)
    email = next(q for q in queues if q.name == "email")
    assert email.concurrency_limit == 10 and email.concurrency is not None


async def test_retrieve_by_id_task_and_custom_name(api: Harness) -> None:
    by_name = await api.client.queues.retrieve("email", type="custom")
    assert api.sent[-1].url.query == b"type=custom"
    by_id = await api.client.queues.retrieve(by_name.id)
    assert by_id.id == by_name.id and by_id.name == "email"
    task = await api.client.queues.retrieve("resize-image", type="task")
    assert task.type == "task"
    with pytest.raises(E.NotFoundError, match="queue-not-found"):
        await api.client.queues.retrieve("nope", type="custom")


async def test_names_with_slashes_are_double_encoded(api: Harness) -> None:
    api.env().trigger("send-email", {}, "application/json", TriggerOptions(queue="team/a b"))
    q = await api.client.queues.retrieve("team/a b", type="custom")
    assert api.sent[-1].url.raw_path == b"/api/v1/queues/team%252Fa%20b?type=custom"
    assert q.name == "team/a b"


async def test_pause_resume_override_reset(api: Harness) -> None:
    queues = api.client.queues
    paused = await queues.pause("email", type="custom")
    assert paused.paused and json.loads(api.sent[-1].content) == {"type": "custom",
                                                                  "action": "pause"}
    resumed = await queues.resume("email", type="custom")
    assert not resumed.paused and json.loads(api.sent[-1].content)["action"] == "resume"
    over = await queues.override(paused.id, 3)
    assert json.loads(api.sent[-1].content) == {"type": "id", "concurrencyLimit": 3}
    assert over.concurrency_limit == 3 and over.is_overridden
    assert over.concurrency is not None and over.concurrency.base == 10
    assert over.concurrency.overridden_at is not None
    reset = await queues.reset(paused.id)
    assert reset.concurrency_limit == 10 and not reset.is_overridden
    with pytest.raises(E.BadRequestError, match="Queue is not overridden"):
        await queues.reset(paused.id)
    with pytest.raises(E.BadRequestError, match="maximum concurrency"):
        await queues.override(paused.id, 10_000)
