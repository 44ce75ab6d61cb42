"""The TRQL tables and columns: what a query may name, and what `GET /api/v1/query/schema` lists.

Names, types, descriptions and examples follow the real service's schema (trql.md §2), because
clients build their column pickers and autocompletion from this listing. `clickhouse_name` is the
physical name on the real service; it exists only so a query that uses it gets the real
`Did you mean "<trql name>"?` hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trigger_tui.emulator import statuses as S

# Internal (database) status → the friendly name TRQL shows and accepts (trql.md §3).
FRIENDLY_STATUS: dict[str, str] = {
    S.DELAYED: "Delayed",
    S.PENDING: "Queued",
    S.PENDING_VERSION: "Pending version",
    "WAITING_FOR_DEPLOY": "Pending version",
    S.DEQUEUED: "Dequeued",
    S.EXECUTING: "Executing",
    S.WAITING_TO_RESUME: "Waiting",
    S.RETRYING_AFTER_FAILURE: "Reattempting",
    "PAUSED": "Paused",
    S.CANCELED: "Canceled",
    S.INTERRUPTED: "Interrupted",
    S.COMPLETED_SUCCESSFULLY: "Completed",
    S.COMPLETED_WITH_ERRORS: "Failed",
    S.SYSTEM_FAILURE: "System failure",
    S.CRASHED: "Crashed",
    S.EXPIRED: "Expired",
    S.TIMED_OUT: "Timed out",
}
FRIENDLY_STATUSES: tuple[str, ...] = tuple(dict.fromkeys(FRIENDLY_STATUS.values()))
# `is_finished` is computed from the database status; INTERRUPTED is not in the real list.
FINISHED_DB_STATUSES = frozenset({
    S.COMPLETED_SUCCESSFULLY, S.COMPLETED_WITH_ERRORS, S.CANCELED, S.TIMED_OUT, S.CRASHED,
    S.SYSTEM_FAILURE, S.EXPIRED, "PAUSED",
})
_STATUS_LOOKUP = {**{k.lower(): v for k, v in FRIENDLY_STATUS.items()},
                  **{v.lower(): v for v in FRIENDLY_STATUS.values()}}


def friendly_status_value(text: str) -> str:
    """A status literal in a WHERE clause: friendly or raw names, any case; others unchanged."""
    return _STATUS_LOOKUP.get(text.lower(), text)


ENVIRONMENT_TYPES = ["PRODUCTION", "STAGING", "DEVELOPMENT", "PREVIEW"]
MACHINE_PRESETS = ["micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x",
                   "large-2x"]
TENANT_COLUMNS = ("organization_id", "project_id", "environment_id")

# timeBucket() thresholds: (maximum range in seconds, interval value, interval unit).
Thresholds = tuple[tuple[float, int, str], ...]
DEFAULT_THRESHOLDS: Thresholds = (
    (5 * 60, 5, "SECOND"), (30 * 60, 30, "SECOND"), (2 * 3600, 1, "MINUTE"),
    (6 * 3600, 5, "MINUTE"), (24 * 3600, 15, "MINUTE"), (3 * 86400, 1, "HOUR"),
    (14 * 86400, 6, "HOUR"), (60 * 86400, 1, "DAY"), (365 * 86400, 1, "WEEK"),
)
METRICS_THRESHOLDS: Thresholds = (
    (3 * 3600, 10, "SECOND"), (12 * 3600, 1, "MINUTE"), (2 * 86400, 5, "MINUTE"),
    (7 * 86400, 15, "MINUTE"), (30 * 86400, 1, "HOUR"), (90 * 86400, 6, "HOUR"),
    (180 * 86400, 1, "DAY"), (365 * 86400, 1, "WEEK"),
)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    description: str = ""
    example: str | None = None
    allowed_values: tuple[str, ...] = ()
    core: bool = False
    clickhouse_name: str | None = None

    @property
    def is_json(self) -> bool:
        return self.type == "JSON"

    @property
    def is_map(self) -> bool:
        return self.type.startswith("Map(")

    def to_json(self) -> dict[str, Any]:
        """Optional fields are left out, never null; `example` is always a string (SDK I32)."""
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.description:
            out["description"] = self.description
        if self.example is not None:
            out["example"] = self.example
        if self.allowed_values:
            out["allowedValues"] = list(self.allowed_values)
        if self.core:
            out["coreColumn"] = True
        return out


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    description: str
    time_column: str
    columns: tuple[Column, ...]
    listed: bool = True  # the queue-metric tables are queryable but hidden from the listing
    tenant_scoped: bool = True
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    by_name: dict[str, Column] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.by_name.update({c.name: c for c in self.columns})

    @property
    def core_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.core]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "timeColumn": self.time_column, "columns": [c.to_json() for c in self.columns]}


def _c(name: str, type_: str, description: str, example: str | None = None, *,
       core: bool = False, allowed: list[str] | None = None, ch: str | None = None) -> Column:
    return Column(name, type_, description, example, tuple(allowed or ()), core, ch)


_ENVIRONMENT = _c("environment", "String", "The environment slug", "prod", ch="environment_id")
_PROJECT = _c("project", "String", "The project reference, they always start with `proj_`.",
              "proj_howcnaxbfxdmwmxazktx", ch="project_id")
_DATETIME_EXAMPLE = "2024-01-15 09:30:00.000"

RUNS = Table("runs", "Task runs - stores all task execution records", "triggered_at", (
    _c("run_id", "String", "A unique ID for a run. They always start with `run_`, e.g., "
       "run_cm1a2b3c4d5e6f7g8h9i", "run_cm1a2b3c4d5e6f7g8h9i", core=True, ch="friendly_id"),
    _ENVIRONMENT,
    _PROJECT,
    _c("environment_type", "LowCardinality(String)", "Environment type", "PRODUCTION",
       allowed=ENVIRONMENT_TYPES),
    _c("attempt_count", "UInt8", "Number of attempts (starts at 1)", "1", ch="attempt"),
    _c("status", "LowCardinality(String)", "Run status", "Completed", core=True,
       allowed=list(FRIENDLY_STATUSES)),
    _c("is_finished", "UInt8", "Whether the run is finished. This includes failed and "
       "successful runs. (0 or 1)", "0"),
    _c("task_identifier", "String", "Task identifier/slug", "my-background-task", core=True),
    _c("queue", "String", "Queue name", "task/my-background-task"),
    _c("batch_id", "String", "Batch ID (if part of a batch)", "batch_5678efgh"),
    _c("root_run_id", "String", "Root run ID (for child runs)", "run_cm1a2b3c4d5e6f7g8h9i"),
    _c("parent_run_id", "String", "Parent run ID (for child runs)",
       "run_cm1a2b3c4d5e6f7g8h9i"),
    _c("depth", "UInt8", "Nesting depth (0 for root runs)", "0"),
    _c("is_root_run", "UInt8", "Whether this is a root run (0 or 1)", "0"),
    _c("is_child_run", "UInt8", "Whether this is a child run (0 or 1)", "0"),
    _c("idempotency_key", "String", "Idempotency key (available from 4.3.3)",
       "user-123-action-456", ch="idempotency_key_user"),
    _c("idempotency_key_scope", "String", "The idempotency key scope determines whether a task "
       "should be considered unique within a parent run, a specific attempt, or globally. An "
       "empty value means there's no idempotency key set (available from 4.3.3).", "run",
       allowed=["global", "run", "attempt"]),
    _c("region", "String", "Region", "us-east-1", ch="worker_queue"),
    _c("triggered_at", "DateTime64", "When the run was triggered.", _DATETIME_EXAMPLE,
       core=True, ch="created_at"),
    _c("queued_at", "Nullable(DateTime64)", "When the run was added to the queue. This is "
       "normally the same time as the triggered_at time, unless a delay is passed in or it's a "
       "scheduled run.", "2024-01-15 09:30:01.000"),
    _c("dequeued_at", "Nullable(DateTime64)", "When the run was dequeued for execution. This "
       "happens when there is available concurrency to execute your run.",
       "2024-01-15 09:30:01.000", ch="started_at"),
    _c("executed_at", "Nullable(DateTime64)", "When execution of the run began.",
       "2024-01-15 09:30:01.500"),
    _c("completed_at", "Nullable(DateTime64)", "When the run completed",
       "2024-01-15 09:30:05.000"),
    _c("delay_until", "Nullable(DateTime64)", "Delayed execution until this time",
       "2024-01-15 10:00:00.000"),
    _c("has_delay", "UInt8", "Whether the run had a delay passed in", "1"),
    _c("expired_at", "Nullable(DateTime64)", "If there was a TTL on the run, this is when the "
       "run \"expired\". By default dev runs have a TTL of 10 minutes.",
       "2024-01-15 09:35:00.000"),
    _c("ttl", "String", "The TTL string for expiration – by default dev runs have a TTL of "
       "'10m'.", "10m", ch="expiration_ttl"),
    _c("execution_duration", "Nullable(Int64)", "The time between starting to execute and "
       "completing. This includes any time spent waiting (it is not compute time, use "
       "`usage_duration` for that).", "4000"),
    _c("total_duration", "Nullable(Int64)", "The time between being triggered and completing "
       "(if it has). This includes any time spent waiting (it is not compute time, use "
       "`usage_duration` for that).", "4000"),
    _c("queued_duration", "Nullable(Int64)", "The time between being queued and dequeued. "
       "Remember you need enough available concurrency for runs to be dequeued and start "
       "executing.", "4000"),
    _c("usage_duration", "UInt32", "Compute usage duration in milliseconds.", "3500",
       ch="usage_duration_ms"),
    _c("compute_cost", "Float64", "Compute cost in dollars", "0.000676"),
    _c("invocation_cost", "Float64", "Invocation cost in dollars – the cost to start a run.",
       "0.000025"),
    _c("total_cost", "Float64", "Total cost in dollars (compute_cost + invocation_cost)",
       "0.000701"),
    _c("output", "JSON", "The data you returned from the task.", '{"result": "success"}'),
    _c("error", "JSON", "If a run completely failed (after all attempts) then this error will "
       "be populated.", '{"message": "Task failed"}'),
    _c("tags", "Array(String)", "Tags you have added to the run.",
       '["user:123", "priority:high"]'),
    _c("task_version", "String", "The version of your code in reverse date format.",
       "20240115.1"),
    _c("sdk_version", "String", "The SDK package version for this run.", "3.3.0"),
    _c("cli_version", "String", "The CLI package version for this run.", "3.3.0"),
    _c("machine", "LowCardinality(String)", "The machine that the run executed on.", "small-1x",
       allowed=MACHINE_PRESETS, ch="machine_preset"),
    _c("is_test", "UInt8", "Whether this is a test run (0 or 1)", "0"),
    _c("is_warm_start", "Nullable(UInt8)", "Whether the run started on a warm machine (0 or 1)",
       "1"),
    _c("concurrency_key", "String", "The concurrency key you passed in when triggering the run.",
       "user:1234567"),
    _c("max_duration", "Nullable(UInt32)", "The maximum allowed compute duration for this run "
       "in seconds. If the run exceeds this duration, the run will fail with an error. Can be "
       "set on an individual task, in the trigger.config, or per-run when triggering.", "300",
       ch="max_duration_in_seconds"),
    _c("bulk_action_group_ids", "Array(String)", "Any bulk actions that operated on this run.",
       '["bulk_12345678", "bulk_34567890"]'),
))

METRICS = Table("metrics", "Host and runtime metrics collected during task execution",
                "bucket_start", (
    _ENVIRONMENT,
    _PROJECT,
    _c("metric_name", "LowCardinality(String)", "The name of the metric (e.g. "
       "process.cpu.utilization, system.memory.usage)", "process.cpu.utilization", core=True),
    _c("metric_type", "LowCardinality(String)", "The type of metric", "gauge",
       allowed=["gauge", "sum", "histogram"]),
    _c("machine_id", "String", "The machine ID that produced this metric", "machine-abc123",
       ch="metric_subject"),
    _c("bucket_start", "DateTime", "The start of the 10-second aggregation bucket",
       "2024-01-15 09:30:00", core=True),
    _c("metric_value", "Float64", "The metric value", "0.75", core=True, ch="value"),
    _c("attributes", "JSON", "JSON attributes attached to the metric data point.",
       '{"region": "us-east-1"}'),
    _c("run_id", "String", "The run ID associated with this metric",
       "run_cm1a2b3c4d5e6f7g8h9i", core=True),
    _c("task_identifier", "String", "Task identifier/slug", "my-background-task", core=True),
    _c("attempt_number", "UInt64", "The attempt number for this metric", "1"),
    _c("machine_name", "String", "The machine preset used for execution", "small-1x",
       allowed=MACHINE_PRESETS),
    _c("environment_type", "String", "Environment type", "PRODUCTION",
       allowed=ENVIRONMENT_TYPES),
    _c("worker_id", "String", "The worker ID that produced this metric",
       "deployment_cm1a2b3c4d5e"),
    _c("worker_version", "String", "The worker version that produced this metric",
       "20240115.1"),
), thresholds=METRICS_THRESHOLDS)

_COST = "costInDollars"
LLM_METRICS = Table("llm_metrics", "LLM metrics: token usage, cost, performance, and behavior "
                    "from GenAI spans", "start_time", (
    _ENVIRONMENT,
    _PROJECT,
    _c("run_id", "String", "The run ID", core=True),
    _c("trace_id", "String", "The trace ID of the span"),
    _c("span_id", "String", "The span ID"),
    _c("task_identifier", "LowCardinality(String)", "The task identifier", "my-task", core=True),
    _c("gen_ai_system", "LowCardinality(String)", "AI provider (e.g. openai, anthropic)",
       "openai", core=True),
    _c("request_model", "String", "The model name requested", "gpt-4o"),
    _c("response_model", "String", "The model name returned by the provider",
       "gpt-4o-2024-08-06", core=True),
    _c("operation_id", "LowCardinality(String)", "Operation type (e.g. ai.streamText.doStream, "
       "ai.generateText.doGenerate)", "ai.streamText.doStream"),
    _c("finish_reason", "LowCardinality(String)", "Why the LLM stopped generating (e.g. stop, "
       "tool-calls, length)", "stop", core=True),
    _c("cost_source", "LowCardinality(String)", "Where cost data came from (registry, gateway, "
       "openrouter)", "registry"),
    _c("input_tokens", "UInt64", "Number of input tokens", "702"),
    _c("output_tokens", "UInt64", "Number of output tokens", "22"),
    _c("total_tokens", "UInt64", "Total token count", "724"),
    _c("cached_read_tokens", "UInt64", "Input tokens served from the provider's prompt cache "
       "(cheaper than regular input tokens). Supported by Anthropic and OpenAI.", "8200"),
    _c("cache_creation_tokens", "UInt64", "Input tokens written to create a new prompt cache "
       "entry. Supported by Anthropic.", "1751"),
    _c("reasoning_tokens", "UInt64", "Tokens used for chain-of-thought reasoning (e.g. OpenAI "
       "o-series, DeepSeek R1). These count toward output but are not visible in the "
       "response.", "512"),
    _c("input_cost", "Decimal64(12)", "Input cost in USD (from pricing registry)"),
    _c("output_cost", "Decimal64(12)", "Output cost in USD (from pricing registry)"),
    _c("total_cost", "Decimal64(12)", "Total cost in USD", core=True),
    _c("cached_read_cost", "Decimal64(12)", "Cost of cached input tokens (discounted vs regular "
       "input). Only present when the pricing tier has a separate cached input price."),
    _c("cache_creation_cost", "Decimal64(12)", "Cost of tokens written to create a prompt cache "
       "entry."),
    _c("provider_cost", "Decimal64(12)", "Provider-reported cost in USD (from gateway or "
       "openrouter)"),
    _c("ms_to_first_chunk", "Float64", "Time to first chunk in milliseconds (TTFC)", "245.3",
       core=True),
    _c("tokens_per_second", "Float64", "Average output tokens per second", "72.5"),
    _c("pricing_tier_name", "LowCardinality(String)", "The matched pricing tier name",
       "Standard"),
    _c("start_time", "DateTime64(9)", "When the LLM call started", core=True),
    _c("duration", "UInt64", "Span duration in nanoseconds"),
    _c("prompt_slug", "String", "The slug of the managed prompt used for the call", core=True),
    _c("prompt_version", "UInt32", "The version of the managed prompt used for the call"),
    _c("metadata", "Map(LowCardinality(String), String)", "Key-value metadata from run tags "
       "(key:value format) and AI SDK telemetry metadata. Access keys with dot notation "
       "(metadata.userId) or bracket syntax (metadata['userId']).",
       "{'userId':'user_123','org':'acme'}"),
))

LLM_MODELS = Table("llm_models", "Global, anonymised per-minute aggregates of LLM calls by "
                   "model", "minute", (
    _c("response_model", "String", "The model name returned by the provider",
       "gpt-4o-2024-08-06", core=True),
    _c("base_response_model", "String", "The response model without its date suffix", "gpt-4o",
       core=True),
    _c("gen_ai_system", "LowCardinality(String)", "AI provider (e.g. openai, anthropic)",
       "openai", core=True),
    _c("minute", "DateTime", "The minute of the aggregate", "2024-01-15 09:30:00", core=True),
    _c("call_count", "UInt64", "Number of calls", "42", core=True),
    _c("total_input_tokens", "UInt64", "Input tokens of all calls", "29484"),
    _c("total_output_tokens", "UInt64", "Output tokens of all calls", "924"),
    _c("total_cost", "Float64", "Total cost in USD", "0.0123", core=True),
    _c("ttfc_quantiles", "AggregateFunction(quantiles(0.5, 0.9, 0.95, 0.99), Float64)",
       "Time-to-first-chunk quantile state; read with quantilesMerge(0.5)(ttfc_quantiles)[1]"),
    _c("tps_quantiles", "AggregateFunction(quantiles(0.5, 0.9, 0.95, 0.99), Float64)",
       "Tokens-per-second quantile state; read with quantilesMerge(0.5)(tps_quantiles)[1]"),
    _c("duration_quantiles", "AggregateFunction(quantiles(0.5, 0.9, 0.95, 0.99), Float64)",
       "Call duration (ms) quantile state; read with quantilesMerge(0.5)(duration_quantiles)[1]"),
), tenant_scoped=False)

_QUEUE_COMMON = (_ENVIRONMENT, _PROJECT)
_BUCKET = _c("bucket_start", "DateTime", "The start of the 10-second bucket",
             "2024-01-15 09:30:00", core=True)
QUEUE_METRICS = Table("queue_metrics", "Per-queue activity in 10-second buckets",
                      "bucket_start", (
    *_QUEUE_COMMON,
    _c("queue", "String", "Queue name", "task/my-background-task", core=True),
    _BUCKET,
    _c("enqueue_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs enqueued in the bucket; read with deltaSumTimestampMerge(enqueue_delta)"),
    _c("started_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs started in the bucket", core=True),
    _c("ack_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs that finished in the bucket"),
    _c("nack_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs returned to the queue in the bucket"),
    _c("dlq_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs dead-lettered in the bucket"),
    _c("throttled_count", "UInt64", "Dequeue attempts throttled by concurrency", core=True),
    _c("max_queued", "UInt64", "Most runs waiting in the queue", core=True),
    _c("max_running", "UInt64", "Most runs executing from the queue", core=True),
    _c("max_limit", "UInt64", "The queue's concurrency limit", core=True),
    _c("max_env_queued", "UInt64", "Most runs waiting in the environment"),
    _c("max_env_running", "UInt64", "Most runs executing in the environment"),
    _c("max_env_limit", "UInt64", "The environment's concurrency limit"),
    _c("max_ck_backlogged", "UInt64", "Most concurrency keys with a backlog"),
    _c("max_ck_wait_ms", "UInt64", "Longest wait of a concurrency key, in ms"),
    _c("wait_ms_sum", "UInt64", "Sum of queue waits of runs started in the bucket, in ms"),
    _c("wait_ms_count", "UInt64", "Number of queue waits summed in wait_ms_sum"),
    _c("wait_quantiles", "AggregateFunction(quantiles(0.5, 0.9, 0.99), Float64)",
       "Queue wait quantile state; read with quantilesMerge(0.5)(wait_quantiles)[1]"),
), listed=False)

ENV_METRICS = Table("env_metrics", "Per-environment concurrency in 10-second buckets",
                    "bucket_start", (
    *_QUEUE_COMMON,
    _BUCKET,
    _c("max_env_queued", "UInt64", "Most runs waiting in the environment", core=True),
    _c("max_env_running", "UInt64", "Most runs executing in the environment", core=True),
    _c("max_env_limit", "UInt64", "The environment's concurrency limit", core=True),
    _c("throttled_count", "UInt64", "Dequeue attempts throttled by concurrency", core=True),
    _c("wait_ms_sum", "UInt64", "Sum of queue waits of runs started in the bucket, in ms"),
    _c("wait_ms_count", "UInt64", "Number of queue waits summed in wait_ms_sum"),
    _c("wait_quantiles", "AggregateFunction(quantiles(0.5, 0.9, 0.99), Float64)",
       "Queue wait quantile state; read with quantilesMerge(0.5)(wait_quantiles)[1]"),
), listed=False)

QUEUE_METRICS_BY_KEY = Table("queue_metrics_by_key", "Per-queue, per-concurrency-key activity "
                             "in 10-second buckets", "bucket_start", (
    *_QUEUE_COMMON,
    _c("queue", "String", "Queue name", "task/my-background-task", core=True),
    _c("concurrency_key", "String", "The concurrency key", "user:1234567", core=True),
    _BUCKET,
    _c("enqueue_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs enqueued in the bucket"),
    _c("started_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs started in the bucket", core=True),
    _c("ack_delta", "AggregateFunction(deltaSumTimestamp, Int64, DateTime)",
       "Runs that finished in the bucket"),
    _c("max_queued", "UInt64", "Most runs waiting for the key", core=True),
    _c("max_running", "UInt64", "Most runs executing for the key"),
    _c("wait_ms_sum", "UInt64", "Sum of queue waits of runs started in the bucket, in ms"),
    _c("wait_ms_count", "UInt64", "Number of queue waits summed in wait_ms_sum"),
), listed=False)

TABLES: dict[str, Table] = {t.name: t for t in (
    RUNS, METRICS, LLM_METRICS, LLM_MODELS, QUEUE_METRICS, ENV_METRICS, QUEUE_METRICS_BY_KEY)}


def schema_json() -> dict[str, Any]:
    """`GET /api/v1/query/schema`: the listed tables only, as the real service does."""
    return {"tables": [t.to_json() for t in TABLES.values() if t.listed]}
