"""Payload decoding: the SDK sends payloads as serialised strings tagged with a payloadType."""

from __future__ import annotations

import json
from typing import Any

from trigger_tui.emulator.http import HttpError


def decode_payload(payload: Any, payload_type: str | None) -> tuple[Any, str]:
    """Return the JSON value to store and the type to remember.

    `application/super+json` carries `{"json": …, "meta": …}` (dates stay ISO strings in JSON
    form); `text/plain` is the string itself; `application/json` may be a value or its text.
    """
    kind = payload_type or "application/json"
    if payload is None:
        return None, kind
    if kind == "application/super+json":
        if isinstance(payload, str):
            try:
                decoded = json.loads(payload)
            except ValueError:
                raise HttpError(400, "Invalid payload: not valid SuperJSON") from None
        else:
            decoded = payload
        if isinstance(decoded, dict) and "json" in decoded:
            return decoded["json"], kind
        return decoded, kind
    if kind == "text/plain":
        return payload if isinstance(payload, str) else json.dumps(payload), kind
    if kind == "application/json" and isinstance(payload, str):
        try:
            return json.loads(payload), kind
        except ValueError:
            return payload, kind
    if kind == "application/store":
        if not isinstance(payload, str) or not payload:
            raise HttpError(400, "Payload must be a non-empty string for application/store")
        return {"$storePath": payload}, kind
    return payload, kind
