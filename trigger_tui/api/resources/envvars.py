"""`client.envvars`: one environment's variables, addressed by project ref and env slug.

Works with the environment's secret key (the path must name its own project and environment)
or with a personal access token (any environment of the project).
"""

from __future__ import annotations

import builtins

from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.api.resources._base import Resource
from trigger_tui.api.resources._wire import component


def _base(project_ref: str, env: str) -> str:
    return f"/api/v1/projects/{component(project_ref)}/envvars/{component(env)}"


class EnvVars(Resource):
    async def list(self, project_ref: str, env: str) -> builtins.list[EnvVar]:
        return await self._get_list(_base(project_ref, env), EnvVar)

    async def retrieve(self, project_ref: str, env: str, name: str) -> EnvVar:
        return await self._get(f"{_base(project_ref, env)}/{name}", EnvVar)

    async def create(self, project_ref: str, env: str, name: str, value: str, *,
                     is_secret: bool = False) -> bool:
        """Set a variable (an existing one is overwritten, so repeating is harmless)."""
        body: dict[str, object] = {"name": name, "value": value}
        if is_secret:
            body["isSecret"] = True
        return bool(await self._send_for("POST", _base(project_ref, env), "success",
                                         body=body, idempotent=True, kind=bool))

    async def update(self, project_ref: str, env: str, name: str, value: str) -> bool:
        return bool(await self._send_for("PUT", f"{_base(project_ref, env)}/{name}",
                                         "success", body={"value": value}, idempotent=True,
                                         kind=bool))

    async def delete(self, project_ref: str, env: str, name: str) -> bool:
        return bool(await self._send_for("DELETE", f"{_base(project_ref, env)}/{name}",
                                         "success", idempotent=True, kind=bool))

    async def upload(self, project_ref: str, env: str, variables: dict[str, str], *,
                     override: bool = False) -> bool:
        """Import many variables. Without `override` an existing name is a 400, so only an
        overriding import is repeated after it may have reached the server."""
        body = {"variables": dict(variables), "override": override}
        return bool(await self._send_for("POST", f"{_base(project_ref, env)}/import",
                                         "success", body=body, idempotent=override,
                                         kind=bool))
