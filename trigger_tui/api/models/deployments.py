"""Deployments: the list/current item, the detailed retrieve, `latest` and promote."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from trigger_tui.api.models.common import ApiModel, UtcDateTime

DEPLOYMENT_STATUSES = ("PENDING", "INSTALLING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED",
                       "CANCELED", "TIMED_OUT")


class DeploymentError(ApiModel):
    name: str = ""
    message: str = ""
    stack: str | None = None
    stderr: str | None = None


class Deployment(ApiModel):
    """A list item (also `current`)."""

    id: str
    status: str
    version: str
    short_code: str = ""
    created_at: UtcDateTime | None = None
    deployed_at: UtcDateTime | None = None
    runtime: str | None = None
    runtime_version: str | None = None
    git: dict[str, Any] | None = None
    error: DeploymentError | None = None
    external_id: str | None = None


class DeployedTask(ApiModel):
    id: str
    slug: str
    file_path: str | None = None
    export_name: str | None = None


class DeploymentWorker(ApiModel):
    id: str
    version: str
    tasks: list[DeployedTask] = Field(default_factory=list)


class DeploymentDetail(ApiModel):
    """`GET /api/v1/deployments/{id}` and, with fewer fields, `/latest`."""

    id: str
    status: str
    version: str
    short_code: str = ""
    content_hash: str | None = None
    image_reference: str | None = None
    image_platform: str | None = None
    commit_sha: str | None = Field(default=None, alias="commitSHA")
    error_data: DeploymentError | None = None
    canceled_reason: str | None = None
    worker: DeploymentWorker | None = None


class PromoteResult(ApiModel):
    id: str
    version: str
    short_code: str = ""
