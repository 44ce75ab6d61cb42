"""How values go on the wire, exactly as the official SDK 4.8.3 puts them there.

Payloads are serialised strings tagged with a type (SuperJSON for structured values, the text
itself for strings); idempotency keys are SHA-256 hex digests of the caller's key; task ids and
queue names are percent-encoded the way `encodeURIComponent` does it (queue names twice);
list filters are comma-joined; run and token times are epoch milliseconds, query times ISO.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from trigger_tui.api.errors import SchemaError

SUPERJSON = "application/super+json"
JSON = "application/json"
TEXT = "text/plain"

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
# What encodeURIComponent leaves alone besides letters, digits and `-_.~`.
_JS_SAFE = "!*'()"


# ---------------------------------------------------------------------- paths and params
def component(value: str) -> str:
    """`encodeURIComponent(value)` (task ids)."""
    return quote(value, safe=_JS_SAFE)


def queue_segment(name: str) -> str:
    """The SDK's queue path segment: `/` pre-encoded, then the whole name encoded again."""
    return component(name.replace("/", "%2F"))


def comma(value: str | Iterable[str]) -> str:
    return value if isinstance(value, str) else ",".join(value)


def js_iso(when: datetime) -> str:
    """`Date.toISOString()`: UTC, milliseconds, `Z`."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.astimezone(UTC).microsecond // 1000:03d}Z"


def _as_datetime(when: datetime | float) -> datetime:
    """A datetime, or epoch seconds (the Python convention) as one."""
    if isinstance(when, datetime):
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(when), tz=UTC)


def epoch_ms(when: datetime | float) -> str:
    """A time as the SDK sends run and token filters: `Date.getTime()`."""
    return str(int(round(_as_datetime(when).timestamp() * 1000)))


def iso_time(when: datetime | float) -> str:
    return js_iso(_as_datetime(when))


def duration_or_date(value: str | datetime) -> str:
    """`delay`/`timeout`: a duration string as given, a date as ISO."""
    return js_iso(value) if isinstance(value, datetime) else value


def put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` only when there is a value: the SDK leaves undefined options out."""
    if value is not None:
        target[key] = value


# ---------------------------------------------------------------------- payloads
def _escape_key(key: str) -> str:
    return key.replace("\\", "\\\\").replace(".", "\\.")


def _walk(value: Any, path: tuple[str, ...], meta: dict[tuple[str, ...], list[str]]) -> Any:
    """The JSON part of SuperJSON, recording the types JSON cannot carry."""
    if isinstance(value, datetime):
        meta[path] = ["Date"]
        return js_iso(value)
    if isinstance(value, dict):
        return {str(k): _walk(v, (*path, _escape_key(str(k))), meta) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        meta[path] = ["set"]
        return [_walk(v, (*path, str(i)), meta) for i, v in enumerate(value)]
    if isinstance(value, list | tuple):
        return [_walk(v, (*path, str(i)), meta) for i, v in enumerate(value)]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a payload cannot carry {type(value).__name__} values")


def superjson(value: Any) -> str:
    """`superjson.stringify(value)`: `{"json": …}` plus `meta` only when it is needed."""
    meta: dict[tuple[str, ...], list[str]] = {}
    doc: dict[str, Any] = {"json": _walk(value, (), meta)}
    if meta:
        root = meta.pop((), None)
        doc["meta"] = {"values": root if root is not None and not meta else
                       {".".join(p): t for p, t in meta.items()}}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def stringify_io(value: Any) -> tuple[str | None, str]:
    """The SDK's `stringifyIO`: (serialised data or None, its type)."""
    if value is None:
        return None, JSON
    if isinstance(value, str):
        return value, TEXT
    return superjson(value), SUPERJSON


def byte_size(text: str) -> int:
    return len(text.encode("utf-8"))


def parse_io(data: Any, data_type: str | None, endpoint: str, field: str) -> Any:
    """A serialised output back to its value, per its type (JSON unless told otherwise)."""
    if not isinstance(data, str):
        return data
    kind = data_type or JSON
    if kind == TEXT or kind == "application/store":
        return data
    try:
        decoded = json.loads(data)
    except ValueError:
        raise SchemaError(f"{endpoint}: field `{field}` should be serialised {kind} but is "
                          f"not valid JSON", raw=data) from None
    if kind == SUPERJSON and isinstance(decoded, dict) and "json" in decoded:
        return decoded["json"]
    return decoded


# ---------------------------------------------------------------------- idempotency keys
def idempotency_key(key: str) -> tuple[str, dict[str, str] | None]:
    """(the key to send, its `idempotencyKeyOptions`).

    Outside a task the SDK sends the SHA-256 hex digest of the key and the original in
    `idempotencyKeyOptions` (scope "run"); a key that already is a 64-character digest is sent
    as it is.
    """
    if _HEX64.match(key):
        return key, None
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return digest, {"key": key, "scope": "run"}
