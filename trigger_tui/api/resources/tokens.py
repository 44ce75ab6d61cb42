"""`client.tokens`: waitpoint tokens that runs wait on, and completing them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from trigger_tui.api.models.common import validate
from trigger_tui.api.models.tokens import CreatedToken, Token
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import Resource, item_parser
from trigger_tui.api.resources._wire import (
    comma,
    component,
    duration_or_date,
    epoch_ms,
    parse_io,
    put,
)

PATH = "/api/v1/waitpoints/tokens"


class Tokens(Resource):
    async def create(self, *, timeout: str | datetime | None = None,  # noqa: ASYNC109
                     tags: str | list[str] | None = None, idempotency_key: str | None = None,
                     idempotency_key_ttl: str | None = None) -> CreatedToken:
        """A new token (or, for a live idempotency key, the existing one: `is_cached`).

        `timeout` is the token's own (a duration or a date after which it times out), not
        this call's.

        The key is sent raw, as the SDK does for tokens. Only a keyed create is repeated after
        it may have reached the server: without a key a repeat makes a second token.
        """
        body: dict[str, Any] = {}
        put(body, "idempotencyKey", idempotency_key)
        put(body, "idempotencyKeyTTL", idempotency_key_ttl)
        if timeout is not None:
            body["timeout"] = duration_or_date(timeout)
        put(body, "tags", tags)
        return await self._send("POST", PATH, CreatedToken, body=body,
                                idempotent=idempotency_key is not None)

    def list(self, *, status: str | Iterable[str] | None = None,
             tags: str | Iterable[str] | None = None, idempotency_key: str | None = None,
             period: str | None = None, from_: datetime | float | None = None,
             to: datetime | float | None = None, limit: int | None = None
             ) -> AsyncIterator[Token]:
        params: dict[str, str] = {}
        if status is not None:
            params["filter[status]"] = comma(status)
        put(params, "filter[idempotencyKey]", idempotency_key)
        if tags is not None:
            params["filter[tags]"] = comma(tags)
        put(params, "filter[createdAt][period]", period)
        if from_ is not None:
            params["filter[createdAt][from]"] = epoch_ms(from_)
        if to is not None:
            params["filter[createdAt][to]"] = epoch_ms(to)
        return cursor_items(self._client, PATH, params, item_parser(Token, f"GET {PATH}"),
                            limit=limit)

    async def retrieve(self, token_id: str) -> Token:
        """The token with its output decoded (a timed-out token's output is the error)."""
        path = f"{PATH}/{component(token_id)}"
        body = await self._json("GET", path)
        if isinstance(body, dict) and "output" in body:
            body = {**body, "output": parse_io(body["output"], body.get("outputType"),
                                               f"GET {path}", "output")}
        return validate(Token, body, f"GET {path}")

    async def complete(self, token_id: str, data: Any = None) -> None:
        """Complete the token with `data` (completing twice is a harmless no-op)."""
        body = {"data": data} if data is not None else {}
        await self._send_for("POST", f"{PATH}/{component(token_id)}/complete", "success", body=body,
                             idempotent=True, kind=bool)
