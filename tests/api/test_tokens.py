"""`client.tokens` against the emulator: create, list with filters, retrieve, complete."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import pytest

from tests.api.conftest import Harness
from trigger_tui.api import errors as E


async def test_create_sends_the_options_as_given_and_a_key_caches(api: Harness) -> None:
    token = await api.client.tokens.create(timeout="1h", tags=["refund", "eu"],
                                           idempotency_key="refund-9",
                                           idempotency_key_ttl="1d")
    assert json.loads(api.sent[-1].content) == {
        "idempotencyKey": "refund-9", "idempotencyKeyTTL": "1d", "timeout": "1h",
        "tags": ["refund", "eu"]}  # the key is sent raw for tokens
    assert token.id.startswith("waitpoint_") and token.url and not token.is_cached
    again = await api.client.tokens.create(idempotency_key="refund-9")
    assert again.id == token.id and again.is_cached
    plain = await api.client.tokens.create()
    assert api.sent[-1].content == b"{}" and plain.id != token.id


async def test_retrieve_and_complete_decode_the_output(api: Harness) -> None:
    created = await api.client.tokens.create(tags="approval")
    waiting = await api.client.tokens.retrieve(created.id)
    assert waiting.status == "WAITING" and waiting.output is None
    assert waiting.tags == ["approval"] and waiting.created_at.tzinfo is not None
    await api.client.tokens.complete(created.id, {"approved": True, "by": "ops"})
    assert json.loads(api.sent[-1].content) == {"data": {"approved": True, "by": "ops"}}
    done = await api.client.tokens.retrieve(created.id)
    assert done.status == "COMPLETED" and done.completed_at is not None
    assert done.output == {"approved": True, "by": "ops"} and not done.output_is_error
    await api.client.tokens.complete(created.id, {"approved": False})  # a no-op now
    assert (await api.client.tokens.retrieve(created.id)).output == {"approved": True,
                                                                     "by": "ops"}


async def test_a_timed_out_token_carries_its_error(api: Harness) -> None:
    created = await api.client.tokens.create(timeout="10s")
    api.advance(11)
    token = await api.client.tokens.retrieve(created.id)
    assert token.status == "TIMED_OUT" and token.output_is_error
    assert isinstance(token.output, dict) and "timed out" in token.output["message"]


async def test_list_filters_as_the_sdk_sends_them(api: Harness) -> None:
    a = await api.client.tokens.create(tags=["a"])
    b = await api.client.tokens.create(tags=["b"], idempotency_key="kb")
    await api.client.tokens.complete(b.id)
    everything = [t.id async for t in api.client.tokens.list()]
    assert everything == [b.id, a.id]  # newest first
    waiting = [t.id async for t in api.client.tokens.list(status="WAITING")]
    assert waiting == [a.id]
    tagged = [t.id async for t in api.client.tokens.list(tags=["b", "c"])]
    assert tagged == [b.id]
    keyed = [t.id async for t in api.client.tokens.list(idempotency_key="kb")]
    assert keyed == [b.id]
    start = datetime.fromtimestamp(api.clock.now() - 60, tz=UTC)
    recent = [t.id async for t in api.client.tokens.list(
        status=["WAITING", "COMPLETED"], period="1h", from_=start, to=api.clock.now(),
        limit=1)]
    assert recent == [b.id]
    assert dict(parse_qsl(api.sent[-1].url.query.decode())) == {
        "filter[status]": "WAITING,COMPLETED", "filter[createdAt][period]": "1h",
        "filter[createdAt][from]": str(int(start.timestamp() * 1000)),
        "filter[createdAt][to]": str(int(api.clock.now() * 1000)), "page[size]": "1"}


async def test_token_errors(api: Harness) -> None:
    with pytest.raises(E.UnprocessableEntityError, match="Waitpoints can only have 10 tags"):
        await api.client.tokens.create(tags=[f"t{i}" for i in range(11)])
    with pytest.raises(E.BadRequestError, match="Invalid status values: DONE"):
        async for _ in api.client.tokens.list(status="DONE"):
            pass
    with pytest.raises(E.NotFoundError, match="Waitpoint not found"):
        await api.client.tokens.complete("waitpoint_missing", 1)
    with pytest.raises(E.NotFoundError):
        await api.client.tokens.retrieve("waitpoint_missing")
