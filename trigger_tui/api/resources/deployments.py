"""`client.deployments`: list, retrieve, latest, current, and promote a version."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from trigger_tui.api.models.deployments import Deployment, DeploymentDetail, PromoteResult
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import Resource, item_parser
from trigger_tui.api.resources._wire import component, iso_time, put

PATH = "/api/v1/deployments"


class Deployments(Resource):
    def list(self, *, status: str | None = None, period: str | None = None,
             from_: datetime | float | None = None, to: datetime | float | None = None,
             limit: int | None = None) -> AsyncIterator[Deployment]:
        """Newest first. The server uses `to` only together with `from_`."""
        params: dict[str, str] = {}
        put(params, "status", status)
        put(params, "period", period)
        if from_ is not None:
            params["from"] = iso_time(from_)
        if to is not None:
            params["to"] = iso_time(to)
        return cursor_items(self._client, PATH, params,
                            item_parser(Deployment, f"GET {PATH}"), limit=limit)

    async def retrieve(self, deployment_id: str) -> DeploymentDetail:
        return await self._get(f"{PATH}/{component(deployment_id)}", DeploymentDetail)

    async def latest(self) -> DeploymentDetail:
        """The environment's most recent deployment, whatever its status."""
        return await self._get(f"{PATH}/latest", DeploymentDetail)

    async def current(self) -> Deployment:
        """The deployment new runs execute on."""
        return await self._get(f"{PATH}/current", Deployment)

    async def promote(self, version: str, *, allow_rollbacks: bool = False) -> PromoteResult:
        """Make `version` current. Not repeated after it may have reached the server: a
        second promote of the same version is refused ("already the current deployment"),
        which would hide that the first one worked."""
        params = {"allowRollbacks": "true"} if allow_rollbacks else None
        return await self._send("POST", f"{PATH}/{component(version)}/promote", PromoteResult,
                                params=params, idempotent=False)
