"""`client.query`: TRQL queries (a read sent as POST), the schema and the dashboards."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from trigger_tui.api.client import RetryPolicy
from trigger_tui.api.models.common import member, validate, validate_list
from trigger_tui.api.models.query import Dashboard, QueryResult, QuerySchema
from trigger_tui.api.resources._base import Resource
from trigger_tui.api.resources._wire import iso_time, put

PATH = "/api/v1/query"


class Query(Resource):
    async def execute(self, trql: str, *, period: str | None = None,
                      from_: datetime | float | None = None, to: datetime | float | None = None,
                      scope: Literal["environment", "project", "organization"] = "environment",
                      format: Literal["json", "csv"] = "json",
                      retry: RetryPolicy | None = None) -> QueryResult:
        """Run a query. It is a POST but reads only, so a read-only connection may run it and
        a failure may be retried. Pollers pass `retry=NO_RETRY` and back off themselves.
        Queries wait for one of the client's `query_slots`, so this console never trips the
        project's query concurrency limit on its own."""
        body: dict[str, Any] = {"query": trql, "scope": scope}
        put(body, "period", period)
        if from_ is not None:
            body["from"] = iso_time(from_)
        if to is not None:
            body["to"] = iso_time(to)
        body["format"] = format
        async with self._client.options.query_slots:
            data = await self._json("POST", PATH, body=body, mutating=False, idempotent=True,
                                    retry=retry)
        return validate(QueryResult, data, f"POST {PATH}")

    async def schema(self) -> QuerySchema:
        return await self._get(f"{PATH}/schema", QuerySchema)

    async def dashboards(self) -> list[Dashboard]:
        path = f"{PATH}/dashboards"
        body = await self._json("GET", path)
        return validate_list(Dashboard, member(body, "dashboards", f"GET {path}"), f"GET {path}")
