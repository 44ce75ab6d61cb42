"""The encodings the SDK applies before anything is sent (no server needed)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trigger_tui.api.errors import SchemaError
from trigger_tui.api.resources._wire import (
    component,
    epoch_ms,
    idempotency_key,
    js_iso,
    parse_io,
    queue_segment,
    stringify_io,
    superjson,
)


def test_path_segments_follow_encodeuricomponent() -> None:
    assert component("my/task") == "my%2Ftask"
    assert component("a b!*'()~._-") == "a%20b!*'()~._-"
    assert queue_segment("a/b c") == "a%252Fb%20c"
    assert queue_segment("emails") == "emails"


def test_stringify_io_like_the_sdk() -> None:
    assert stringify_io(None) == (None, "application/json")
    assert stringify_io("hi") == ("hi", "text/plain")
    assert stringify_io(0) == ('{"json":0}', "application/super+json")
    assert stringify_io([1, {"a": None}]) == ('{"json":[1,{"a":null}]}',
                                              "application/super+json")


def test_superjson_meta_for_dates_and_sets() -> None:
    when = datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
    assert json.loads(superjson(when)) == {"json": "2026-01-01T00:00:00.123Z",
                                           "meta": {"values": ["Date"]}}
    doc = json.loads(superjson({"tags": {"a"}, "x": [when]}))
    assert doc == {"json": {"tags": ["a"], "x": ["2026-01-01T00:00:00.123Z"]},
                   "meta": {"values": {"tags": ["set"], "x.0": ["Date"]}}}
    with pytest.raises(TypeError, match="cannot carry object"):
        superjson({"x": object()})


def test_times() -> None:
    paris = timezone(timedelta(hours=1))
    assert js_iso(datetime(2026, 1, 1, 1, 0, tzinfo=paris)) == "2026-01-01T00:00:00.000Z"
    naive = datetime(2026, 1, 1)  # noqa: DTZ001 - a naive datetime is read as UTC
    assert js_iso(naive) == "2026-01-01T00:00:00.000Z"
    assert epoch_ms(1_767_225_600.5) == "1767225600500"
    assert epoch_ms(datetime(2026, 1, 1, tzinfo=UTC)) == "1767225600000"


def test_idempotency_keys_hash_like_the_sdk() -> None:
    hashed, options = idempotency_key("abc")
    assert hashed == hashlib.sha256(b"abc").hexdigest()
    assert options == {"key": "abc", "scope": "run"}
    assert idempotency_key(hashed) == (hashed, None)  # already a key: sent as it is


def test_outputs_decode_by_type() -> None:
    assert parse_io('{"a":1}', None, "GET /x", "output") == {"a": 1}
    assert parse_io('{"json":{"a":1},"meta":{}}', "application/super+json", "GET /x",
                    "output") == {"a": 1}
    assert parse_io("plain", "text/plain", "GET /x", "output") == "plain"
    assert parse_io(None, None, "GET /x", "output") is None
    with pytest.raises(SchemaError, match="GET /x: field `output`"):
        parse_io("{not json", "application/json", "GET /x", "output")
