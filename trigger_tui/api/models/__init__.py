"""Pydantic models of every Management API response (one module per resource group)."""

from trigger_tui.api.models.batches import Batch, BatchItemError, BatchProcessing
from trigger_tui.api.models.bulk import BulkAction, BulkCounts
from trigger_tui.api.models.common import ApiModel, Page, UtcDateTime
from trigger_tui.api.models.deployments import (
    Deployment,
    DeploymentDetail,
    DeploymentError,
    DeploymentWorker,
    PromoteResult,
)
from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.api.models.error_groups import ErrorGroup
from trigger_tui.api.models.query import (
    Dashboard,
    DashboardWidget,
    QueryColumn,
    QueryResult,
    QuerySchema,
    QueryTable,
)
from trigger_tui.api.models.queues import Queue, QueueConcurrency
from trigger_tui.api.models.runs import (
    RelatedRun,
    RelatedRuns,
    Run,
    RunBase,
    RunEnv,
    RunEvent,
    RunListItem,
    RunResult,
    RunSchedule,
    SerializedError,
    Span,
    SpanData,
    Trace,
)
from trigger_tui.api.models.schedules import Schedule, ScheduleEnvironment
from trigger_tui.api.models.tasks import BatchHandle, BatchItem, BatchItemsResult, TriggeredRun
from trigger_tui.api.models.tokens import CreatedToken, Token

__all__ = [
    "ApiModel", "Batch", "BatchHandle", "BatchItem", "BatchItemError", "BatchItemsResult",
    "BatchProcessing", "BulkAction", "BulkCounts", "CreatedToken", "Dashboard", "DashboardWidget",
    "Deployment", "DeploymentDetail", "DeploymentError", "DeploymentWorker", "EnvVar",
    "ErrorGroup", "Page", "PromoteResult", "QueryColumn", "QueryResult", "QuerySchema",
    "QueryTable", "Queue", "QueueConcurrency", "RelatedRun", "RelatedRuns", "Run", "RunBase",
    "RunEnv", "RunEvent", "RunListItem", "RunResult", "RunSchedule", "Schedule",
    "ScheduleEnvironment", "SerializedError", "Span", "SpanData", "Token", "Trace",
    "TriggeredRun", "UtcDateTime",
]
