"""What every namespace shares: one way to call the client and validate what comes back.

Each call states whether it mutates and whether repeating it is harmless, because that is what
decides read-only refusal and retries in `TriggerClient.request`; nothing here retries itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from trigger_tui.api.client import RetryPolicy, parse_json
from trigger_tui.api.errors import SchemaError
from trigger_tui.api.models.common import validate, validate_list

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

M = TypeVar("M", bound=BaseModel)


class Resource:
    """A namespace of the client (`client.runs`, `client.queues`, …)."""

    def __init__(self, client: TriggerClient) -> None:
        self._client = client

    async def _json(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        mutating: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> Any:
        """One call; the parsed JSON body (or SchemaError when it is not JSON)."""
        response = await self._client.request(
            method, path, params=params, json_body=body, idempotent=idempotent,
            mutating=mutating, retry=retry)
        return parse_json(response)

    async def _get(self, path: str, model: type[M], *, params: Mapping[str, str] | None = None,
                   retry: RetryPolicy | None = None) -> M:
        body = await self._json("GET", path, params=params, retry=retry)
        return validate(model, body, f"GET {path}")

    async def _get_list(self, path: str, model: type[M]) -> list[M]:
        body = await self._json("GET", path)
        return validate_list(model, body, f"GET {path}")

    async def _send(self, method: str, path: str, model: type[M], *, body: Any = None,
                    idempotent: bool, params: Mapping[str, str] | None = None) -> M:
        data = await self._json(method, path, body=body, params=params, idempotent=idempotent)
        return validate(model, data, f"{method} {path}")

    async def _send_for(self, method: str, path: str, key: str, *, body: Any = None,
                        idempotent: bool, kind: type = str) -> Any:
        """A mutation whose answer is one field (`{"id": …}`, `{"success": true}`)."""
        data = await self._json(method, path, body=body, idempotent=idempotent)
        return field(data, key, f"{method} {path}", kind)


def field(body: Any, key: str, endpoint: str, kind: type = str) -> Any:
    """`body[key]` checked against `kind`, or a SchemaError naming the endpoint and field."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, kind):
        got = "missing" if value is None else f"got {value!r:.60}"
        raise SchemaError(f"{endpoint}: the response is not what the API promises: field "
                          f"`{key}`: expected {kind.__name__} ({got})", raw=repr(body)[:2000])
    return value


def item_parser(model: type[M], endpoint: str) -> Callable[[Any], M]:
    """A `parse` callback for the pagination helpers."""

    def parse(raw: Any) -> M:
        return validate(model, raw, endpoint)

    return parse
