"""The world's data as TRQL tables: an in-memory DuckDB database that mirrors the runs.

The runs of every environment live in two physical tables:

* `runs_cold` holds finished runs. A finished run rarely changes again, so it is written once
  and rewritten only when its `updated_at` moved (tags added) or deleted when the world pruned it.
* `runs_hot_<env>` holds the unfinished runs of one environment. They change all the time
  (status, usage, cost grow while executing), so the table is rebuilt whenever one of them
  changed or the clock moved; it is small (what is queued or running right now), and replacing
  it whole leaves no dead rows behind.

A refresh therefore costs one pass over the env's runs comparing two attributes (about 10 ms for
100k runs) plus the rows that really changed; it happens before every query, so answers are
always exact, with no "at most once per second" staleness. The contract this relies on: every
mutation of a finished run bumps `Run.updated_at` (the tags route does; any future route that
mutates finished runs, e.g. recording bulk action ids, must too).

The other tables (`metrics`, `llm_metrics`, `llm_models`, queue and env metrics) are DuckDB views
derived from the runs, so they cost nothing until queried and never drift from the runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.render import serialized_error
from trigger_tui.emulator.trql.schema import FINISHED_DB_STATUSES, FRIENDLY_STATUS
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.world import ORG_ID, PROJECT_ID, World

SDK_VERSION = "4.8.3"
CLI_VERSION = "4.8.3"
MEMORY_LIMIT = "1GB"
# When more cold rows were deleted than remain, the table is rewritten to give the memory back.
COMPACT_MIN_DEAD = 20_000

# Physical columns (name, DuckDB type); the first six are constant per environment.
_PHYSICAL: tuple[tuple[str, str], ...] = (
    ("environment", "VARCHAR"), ("project", "VARCHAR"), ("environment_type", "VARCHAR"),
    ("organization_id", "VARCHAR"), ("project_id", "VARCHAR"), ("environment_id", "VARCHAR"),
    ("seq", "BIGINT"), ("run_id", "VARCHAR"), ("status", "VARCHAR"), ("is_finished", "UTINYINT"),
    ("attempt_count", "UTINYINT"), ("task_identifier", "VARCHAR"), ("queue", "VARCHAR"),
    ("batch_id", "VARCHAR"), ("root_run_id", "VARCHAR"), ("parent_run_id", "VARCHAR"),
    ("depth", "UTINYINT"), ("idempotency_key", "VARCHAR"), ("idempotency_key_scope", "VARCHAR"),
    ("region", "VARCHAR"), ("triggered_at", "TIMESTAMP"), ("queued_at", "TIMESTAMP"),
    ("dequeued_at", "TIMESTAMP"), ("executed_at", "TIMESTAMP"), ("completed_at", "TIMESTAMP"),
    ("delay_until", "TIMESTAMP"), ("expired_at", "TIMESTAMP"), ("ttl", "VARCHAR"),
    ("usage_duration", "UINTEGER"), ("compute_cost", "DOUBLE"), ("invocation_cost", "DOUBLE"),
    ("output", "JSON"), ("error", "JSON"), ("tags", "VARCHAR[]"), ("task_version", "VARCHAR"),
    ("sdk_version", "VARCHAR"), ("cli_version", "VARCHAR"), ("machine", "VARCHAR"),
    ("is_test", "UTINYINT"), ("is_warm_start", "UTINYINT"), ("concurrency_key", "VARCHAR"),
    ("max_duration", "UINTEGER"), ("bulk_action_group_ids", "VARCHAR[]"),
    ("metric_until", "TIMESTAMP"),
)
_CONSTANT = ("environment", "project", "environment_type", "organization_id", "project_id",
             "environment_id")
_TIMESTAMPS = frozenset({"triggered_at", "queued_at", "dequeued_at", "executed_at",
                         "completed_at", "delay_until", "expired_at", "metric_until"})
_VARYING = [name for name, _ in _PHYSICAL if name not in _CONSTANT]
_TYPES = dict(_PHYSICAL)
_TEXT_TYPES = frozenset({"VARCHAR", "JSON", "VARCHAR[]"})
_COLUMNS_DDL = ", ".join(f"{name} {type_}" for name, type_ in _PHYSICAL)


_SEP = "\x1e"  # between the values of one packed column
_NULL = "\x02"  # a NULL inside a packed column
_TAG_SEP = "\x1f"  # between the items of one packed list value


def _pack(values: list[Any], type_: str) -> str | None:
    """A column as one string DuckDB splits itself: converting a Python list element by element
    costs ~0.6 µs a value, which made a cold 100k-run load take seconds; one string per column
    takes milliseconds. None when a text value holds a marker character (only free text such
    as tags can): that column then goes as a plain list, slower but exact."""
    if type_ not in _TEXT_TYPES:
        return _SEP.join(map(str, values)).replace("None", _NULL)
    if type_ == "VARCHAR[]":
        flat = [item for items in values for item in items]
        if _NULL in flat or any(_SEP in t or _TAG_SEP in t for t in flat):
            return None
        values = [_TAG_SEP.join(items) for items in values]
    elif _NULL in values:
        return None
    text = _SEP.join([_NULL if v is None else v for v in values])
    return text if text.count(_SEP) == len(values) - 1 else None


def _insert(writer: duckdb.DuckDBPyConnection, table: str, constants: list[str],
            columns: list[list[Any]]) -> None:
    """INSERT … SELECT of unnested column parameters: far faster than executemany.

    The parameters are bound once in an inner SELECT; used directly inside `unnest(…)` DuckDB
    re-materialises each one per use, which was ten times slower.
    """
    params: list[Any] = list(constants)
    bound = [f"${i + 1} AS k{i}" for i in range(len(constants))]
    unnested = [f"k{i}" for i in range(len(constants))]
    parts = [f"k{i}" for i in range(len(constants))]
    for name, values in zip(_VARYING, columns, strict=True):
        type_ = _TYPES[name]
        packed = _pack(values, type_)
        params.append(values if packed is None else packed)
        n = len(params)
        if packed is None:
            bound.append(f"${n} AS p{n}")
            unnested.append(f"unnest(p{n}) AS u{n}")
        else:
            bound.append(f"${n}::VARCHAR AS p{n}")
            unnested.append(f"nullif(unnest(string_split(p{n}, chr(30))), chr(2)) AS u{n}")
        if name in _TIMESTAMPS:
            value = f"epoch_ms(CAST(u{n} AS BIGINT))"
        elif type_ == "VARCHAR[]" and packed is not None:
            value = f"CASE WHEN u{n} = '' THEN []::VARCHAR[] ELSE string_split(u{n}, chr(31)) END"
        else:
            value = f"CAST(u{n} AS {type_})"
        parts.append(value)
    writer.execute(f"INSERT INTO {table} SELECT {', '.join(parts)} FROM (SELECT "
                   f"{', '.join(unnested)} FROM (SELECT {', '.join(bound)}))", params)


def _dequeued_at(run: Run) -> float | None:
    """The world does not record the dequeue instant; the run starts 0.15–0.9 s after it.

    We subtract a gap derived from the run's trace seed (so it is stable and believable), or
    use the last status change for a run that is dequeued but not started yet.
    """
    if run.started_at is not None:
        return run.started_at - (0.15 + (run.trace_seed % 750) / 1000.0)
    if run.status == S.DEQUEUED:
        return run.updated_at
    return None


def _metric_until(env: EnvWorld, run: Run) -> float | None:
    """Until when the run produced host metrics: its end, or now while it still executes."""
    if run.started_at is None:
        return None
    if run.finished_at is not None:
        return run.finished_at
    if run.status in (S.EXECUTING, S.DEQUEUED, S.RETRYING_AFTER_FAILURE):
        return env.now
    return run.updated_at


def _stamps(values: Iterable[float | None]) -> list[int | None]:
    return [None if v is None else int(v * 1000) for v in values]


_ENCODE = json.JSONEncoder().encode  # json.dumps without its per-call keyword handling


def _json_text(value: Any) -> str:
    return "{}" if value is None else _ENCODE(value)


def run_columns(env: EnvWorld, runs: list[Run]) -> list[list[Any]]:
    """The column lists of `_VARYING` for these runs, one comprehension per column (several
    times faster than one loop appending to 38 lists)."""
    cents_to_dollars = 0.0 if env.type == "DEVELOPMENT" else 0.01
    versions = [r.version or "" for r in runs]
    return [
        [r.seq for r in runs],
        [r.id for r in runs],
        [FRIENDLY_STATUS.get(r.status, r.status) for r in runs],
        [int(r.status in FINISHED_DB_STATUSES) for r in runs],
        [max(1, len(r.attempts)) for r in runs],
        [r.task for r in runs],
        [r.queue for r in runs],
        [r.batch_id for r in runs],
        [r.root_id for r in runs],
        [r.parent_id for r in runs],
        [r.depth for r in runs],
        [r.idempotency_key_user or "" for r in runs],
        ["global" if r.idempotency_key_user else "" for r in runs],
        [r.region for r in runs],
        _stamps(r.created_at for r in runs),
        _stamps(r.queued_at for r in runs),
        _stamps(_dequeued_at(r) for r in runs),
        _stamps(r.started_at for r in runs),
        _stamps(r.finished_at for r in runs),
        _stamps(r.delayed_until for r in runs),
        _stamps(r.expired_at for r in runs),
        [r.ttl or "" for r in runs],
        [env.usage_ms(r) for r in runs],
        [env.cost_cents(r) * cents_to_dollars for r in runs],
        [r.base_cost_cents / 100.0 for r in runs],
        [_json_text(r.output) for r in runs],
        [_json_text(serialized_error(r.error)) for r in runs],
        [r.tags for r in runs],
        versions,
        [SDK_VERSION if v else "" for v in versions],
        [CLI_VERSION if v else "" for v in versions],
        [r.machine for r in runs],
        [int(r.is_test) for r in runs],
        [None if r.started_at is None else int((r.trace_seed >> 8) % 10 < 7) for r in runs],
        [r.concurrency_key or "" for r in runs],
        [r.max_duration for r in runs],
        [r.bulk_ids for r in runs],
        _stamps(_metric_until(env, r) for r in runs),
    ]


HOT_TICK_S = 1.0


@dataclass
class _EnvSync:
    """What the database holds of one environment, to find what changed since."""

    synced_at: float | None = None
    cold_ids: set[str] = field(default_factory=set)
    hot_signature: int = 0
    hot_built_at: float | None = None


class Store:
    """One DuckDB database per world, kept in step with it by `refresh` before each query."""

    def __init__(self, world: World) -> None:
        # One thread: result order of unordered queries is then stable for a given world.
        self.con = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT,
                                                      "threads": "1"})
        self._writer = self.con.cursor()
        self._slugs = list(world.envs)
        self._sync = {slug: _EnvSync() for slug in self._slugs}
        self._dead_cold = 0
        self._limits: tuple[Any, ...] = ()
        self._create(world)

    # ------------------------------------------------------------------ schema
    def _create(self, world: World) -> None:
        w = self._writer
        w.execute("SET TimeZone = 'UTC'")
        w.execute(f"CREATE TABLE runs_cold ({_COLUMNS_DDL})")
        for slug in self._slugs:
            w.execute(f"CREATE TABLE runs_hot_{slug} ({_COLUMNS_DDL})")
        self._refresh_limits(world)
        hot = " UNION ALL ".join(f"SELECT * FROM runs_hot_{s}" for s in self._slugs)
        w.execute(f"CREATE VIEW runs_all AS SELECT * FROM runs_cold UNION ALL {hot}")
        for sql in VIEWS:
            w.execute(sql)

    # ------------------------------------------------------------------ refresh
    def refresh(self, world: World, envs: Iterable[EnvWorld]) -> None:
        """Bring the tables of these environments up to their current state."""
        for env in envs:
            self._refresh_env(env)
        self._refresh_limits(world)

    def _refresh_env(self, env: EnvWorld) -> None:
        state = self._sync[env.slug]
        since = state.synced_at
        hot: list[Run] = []
        changed: list[Run] = []
        final = S.FINAL
        for run in env.runs.values():
            if run.status not in final:
                hot.append(run)
            elif since is None or run.updated_at >= since:
                changed.append(run)
        consts = self._constants(env)
        w = self._writer
        gone = [r.id for r in changed if r.id in state.cold_ids]
        if len(state.cold_ids) - len(gone) + len(changed) != len(env.runs) - len(hot):
            gone.extend(state.cold_ids - env.runs.keys())  # the world pruned some runs
        if gone:
            w.execute("DELETE FROM runs_cold WHERE environment = $1 AND "
                      "run_id IN (SELECT unnest($2))", [env.slug, gone])
            state.cold_ids.difference_update(gone)
            self._dead_cold += len(gone)
        if changed:
            _insert(w, "runs_cold", consts, run_columns(env, changed))
            state.cold_ids.update(r.id for r in changed)
        # Unfinished runs change through a status/updated_at change, or with time (their
        # running durations): rebuilt on a change, and for time alone at most every
        # HOT_TICK_S simulated seconds — three queries of one poll share one rebuild.
        signature = hash(tuple((r.id, r.status, r.updated_at) for r in hot))
        timed_out = state.hot_built_at is None or env.now - state.hot_built_at >= HOT_TICK_S
        if signature != state.hot_signature or timed_out:
            state.hot_signature = signature
            state.hot_built_at = env.now
            # Replaced whole, not emptied: DuckDB frees a dropped table but keeps deleted rows.
            w.execute(f"CREATE OR REPLACE TABLE runs_hot_{env.slug} ({_COLUMNS_DDL})")
            if hot:
                _insert(w, f"runs_hot_{env.slug}", consts, run_columns(env, hot))
        state.synced_at = env.now
        self._compact_if_needed()

    def _constants(self, env: EnvWorld) -> list[str]:
        return [env.slug, env.world.project_ref, env.type, ORG_ID, PROJECT_ID, env.internal_id]

    def _refresh_limits(self, world: World) -> None:
        """Concurrency limits for the queue tables; rewritten only when one changed."""
        queues = [(e.slug, q.name, q.limit(e.max_concurrency))
                  for e in world.envs.values() for q in e.queues.values()]
        envs = [(e.slug, e.max_concurrency) for e in world.envs.values()]
        signature = (tuple(queues), tuple(envs))
        if signature == self._limits:
            return
        self._limits = signature
        w = self._writer
        w.execute("CREATE OR REPLACE TABLE trql_queues (environment VARCHAR, queue VARCHAR, "
                  "concurrency_limit UBIGINT)")
        if queues:
            w.execute("INSERT INTO trql_queues SELECT unnest($1), unnest($2), unnest($3)",
                      [list(c) for c in zip(*queues, strict=True)])
        w.execute("CREATE OR REPLACE TABLE trql_envs (environment VARCHAR, "
                  "concurrency_limit UBIGINT)")
        w.execute("INSERT INTO trql_envs SELECT unnest($1), unnest($2)",
                  [list(c) for c in zip(*envs, strict=True)])

    def _compact_if_needed(self) -> None:
        """DuckDB keeps deleted rows until the table is rewritten; rewrite when they dominate."""
        if self._dead_cold >= max(COMPACT_MIN_DEAD, self.cold_rows):
            self.compact()

    def compact(self) -> None:
        self._writer.execute("CREATE OR REPLACE TABLE runs_cold AS SELECT * FROM runs_cold")
        self._dead_cold = 0

    @property
    def cold_rows(self) -> int:
        return sum(len(s.cold_ids) for s in self._sync.values())

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one query (DuckDB connections are per thread)."""
        return self.con.cursor()

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------------- views
_RUNS_VIEW = """
CREATE VIEW trql_runs AS SELECT
  environment, project, environment_type, organization_id, project_id, environment_id,
  run_id, attempt_count, status, is_finished, task_identifier, queue, batch_id, root_run_id,
  parent_run_id, depth, CAST(depth = 0 AS UTINYINT) AS is_root_run,
  CAST(depth > 0 AS UTINYINT) AS is_child_run, idempotency_key, idempotency_key_scope, region,
  triggered_at, queued_at, dequeued_at, executed_at, completed_at, delay_until,
  CAST(delay_until IS NOT NULL AS UTINYINT) AS has_delay, expired_at, ttl,
  date_diff('millisecond', executed_at, completed_at) AS execution_duration,
  date_diff('millisecond', triggered_at, completed_at) AS total_duration,
  date_diff('millisecond', queued_at, dequeued_at) AS queued_duration,
  usage_duration, compute_cost, invocation_cost, compute_cost + invocation_cost AS total_cost,
  output, error, tags, task_version, sdk_version, cli_version, machine, is_test, is_warm_start,
  concurrency_key, max_duration, bulk_action_group_ids, metric_until
FROM runs_all
"""

# Three gauges per 10-second bucket while a run executes; values are hashed from the run id, so
# they are stable between queries and look like a real machine's (memory scales with preset).
_METRICS_VIEW = """
CREATE VIEW trql_metrics AS
WITH spans AS (
  SELECT *, time_bucket(INTERVAL '10 seconds', executed_at) AS first_bucket,
    CASE machine WHEN 'micro' THEN 268435456 WHEN 'small-1x' THEN 536870912
      WHEN 'small-2x' THEN 1073741824 WHEN 'medium-1x' THEN 2147483648
      WHEN 'medium-2x' THEN 4294967296 WHEN 'large-1x' THEN 8589934592
      ELSE 17179869184 END AS memory_bytes,
    'deployment_' || substr(md5(environment || task_version), 1, 21) AS worker_id
  FROM trql_runs WHERE executed_at IS NOT NULL AND metric_until IS NOT NULL
), buckets AS (
  SELECT *, CAST(first_bucket + to_seconds(10 * i) AS TIMESTAMP_S) AS bucket_start
  FROM spans, unnest(range(0, CAST(floor(epoch(metric_until - first_bucket) / 10) AS BIGINT)
                             + 1)) AS b(i)
)
SELECT environment, project, organization_id, project_id, environment_id, m.metric_name,
  m.metric_type, 'machine-' || substr(md5(run_id), 1, 12) AS machine_id, bucket_start,
  CASE m.metric_name
    WHEN 'process.cpu.utilization' THEN round(0.12 + (hash(run_id, i, 1) % 1000) / 1250.0, 4)
    WHEN 'process.memory.usage'
      THEN floor(memory_bytes * (0.18 + (hash(run_id, i, 2) % 1000) / 2500.0))
    ELSE floor(memory_bytes * (0.42 + (hash(run_id, i, 3) % 1000) / 2800.0))
  END AS metric_value,
  json_object('trigger', json_object('run_id', run_id, 'task_slug', task_identifier,
    'attempt_number', attempt_count, 'machine_name', machine, 'environment_type',
    environment_type, 'worker_id', worker_id, 'worker_version', task_version)) AS attributes,
  run_id, task_identifier, CAST(attempt_count AS UBIGINT) AS attempt_number,
  machine AS machine_name, environment_type, worker_id, task_version AS worker_version
FROM buckets, (VALUES ('process.cpu.utilization', 'gauge'), ('process.memory.usage', 'gauge'),
                      ('system.memory.usage', 'gauge')) AS m(metric_name, metric_type)
"""

# One LLM call per finished attempt of the two LLM tasks; token counts come from the run's
# output where the task reports them, prices from the public price list of the models.
_LLM_VIEW = """
CREATE VIEW trql_llm_metrics AS
WITH calls AS (
  SELECT *, task_identifier = 'summarize-document' AS is_chat, hash(run_id, 'llm') AS h,
    greatest(date_diff('millisecond', executed_at, completed_at), 20) AS run_ms
  FROM trql_runs
  WHERE task_identifier IN ('summarize-document', 'embed-chunks')
    AND executed_at IS NOT NULL AND completed_at IS NOT NULL
    AND status IN ('Completed', 'Failed', 'Timed out')
), tokens AS (
  SELECT *,
    CAST(CASE WHEN is_chat THEN coalesce(TRY_CAST(json_extract_string(output, '$.tokens.prompt')
              AS UBIGINT), 800 + h % 5200)
         ELSE coalesce(TRY_CAST(json_extract_string(output, '$.vectors') AS UBIGINT), 4 + h % 36)
              * 380 END AS UBIGINT) AS input_tokens,
    CAST(CASE WHEN NOT is_chat THEN 0 WHEN status <> 'Completed' THEN h % 40
         ELSE coalesce(TRY_CAST(json_extract_string(output, '$.tokens.completion')
              AS UBIGINT), 80 + h % 320) END AS UBIGINT) AS output_tokens,
    CAST(least(run_ms * 0.6, 600000) * 1000000 AS UBIGINT) AS duration
  FROM calls
), priced AS (
  SELECT *,
    CAST(input_tokens * CASE WHEN is_chat THEN 0.00000015 ELSE 0.00000002 END
         AS DECIMAL(18, 12)) AS input_cost,
    CAST(output_tokens * 0.0000006 AS DECIMAL(18, 12)) AS output_cost
  FROM tokens
)
SELECT environment, project, organization_id, project_id, environment_id, run_id,
  md5(run_id) AS trace_id, substr(md5(run_id || ':llm'), 1, 16) AS span_id, task_identifier,
  'openai' AS gen_ai_system,
  CASE WHEN is_chat THEN 'gpt-4o-mini' ELSE 'text-embedding-3-small' END AS request_model,
  CASE WHEN is_chat THEN 'gpt-4o-mini-2024-07-18' ELSE 'text-embedding-3-small' END
    AS response_model,
  CASE WHEN is_chat THEN 'ai.generateText.doGenerate' ELSE 'ai.embedMany.doEmbed' END
    AS operation_id,
  CASE WHEN status = 'Completed' THEN 'stop' ELSE 'error' END AS finish_reason,
  'registry' AS cost_source, input_tokens, output_tokens,
  input_tokens + output_tokens AS total_tokens,
  CAST(CASE WHEN is_chat THEN (h % 3) * 512 ELSE 0 END AS UBIGINT) AS cached_read_tokens,
  CAST(0 AS UBIGINT) AS cache_creation_tokens, CAST(0 AS UBIGINT) AS reasoning_tokens,
  input_cost, output_cost, CAST(input_cost + output_cost AS DECIMAL(18, 12)) AS total_cost,
  CAST(0 AS DECIMAL(18, 12)) AS cached_read_cost, CAST(0 AS DECIMAL(18, 12))
    AS cache_creation_cost, CAST(0 AS DECIMAL(18, 12)) AS provider_cost,
  CAST(CASE WHEN is_chat THEN 180 + h % 700 ELSE 40 + h % 160 END AS DOUBLE)
    AS ms_to_first_chunk,
  round(output_tokens / greatest(duration / 1e9, 0.001), 2) AS tokens_per_second,
  'Standard' AS pricing_tier_name,
  executed_at + to_milliseconds(CAST(run_ms * 0.3 AS BIGINT)) AS start_time, duration,
  CASE WHEN is_chat THEN 'summarize-document' ELSE '' END AS prompt_slug,
  CAST(CASE WHEN is_chat THEN 3 ELSE 0 END AS UINTEGER) AS prompt_version,
  map_from_entries(list_transform(list_filter(tags, lambda t: contains(t, ':')),
    lambda t: {'k': split_part(t, ':', 1), 'v': substr(t, strpos(t, ':') + 1)})) AS metadata
FROM priced
"""

_LLM_MODELS_VIEW = """
CREATE VIEW trql_llm_models AS
SELECT response_model,
  regexp_replace(response_model, '-[0-9]{4}-[0-9]{2}-[0-9]{2}$', '') AS base_response_model,
  gen_ai_system, CAST(time_bucket(INTERVAL '1 minute', start_time) AS TIMESTAMP_S) AS minute,
  CAST(count(*) AS UBIGINT) AS call_count,
  CAST(sum(input_tokens) AS UBIGINT) AS total_input_tokens,
  CAST(sum(output_tokens) AS UBIGINT) AS total_output_tokens,
  CAST(sum(total_cost) AS DOUBLE) AS total_cost,
  list(ms_to_first_chunk) AS ttfc_quantiles, list(tokens_per_second) AS tps_quantiles,
  list(duration / 1e6) AS duration_quantiles
FROM trql_llm_metrics GROUP BY ALL
"""

# Queue activity reconstructed from run timestamps: +1 queued when enqueued, -1 queued / +1
# running when dequeued (or -1 queued when it expired or was canceled in the queue), -1 running
# when it finished. Running sums over time give the queue depth and concurrency per bucket.
_QUEUE_EVENTS_VIEW = """
CREATE VIEW trql_queue_events AS
SELECT environment, project, organization_id, project_id, environment_id, queue,
  concurrency_key, queued_at AS ts, 1 AS d_queued, 0 AS d_running, 1 AS enq, 0 AS st, 0 AS ack,
  CAST(NULL AS BIGINT) AS wait_ms
FROM trql_runs WHERE queued_at IS NOT NULL
UNION ALL
SELECT environment, project, organization_id, project_id, environment_id, queue,
  concurrency_key, dequeued_at, -1, 1, 0, 1, 0, greatest(queued_duration, 0)
FROM trql_runs WHERE queued_at IS NOT NULL AND dequeued_at IS NOT NULL
UNION ALL
SELECT environment, project, organization_id, project_id, environment_id, queue,
  concurrency_key, coalesce(expired_at, completed_at), -1, 0, 0, 0, 0, NULL
FROM trql_runs WHERE queued_at IS NOT NULL AND dequeued_at IS NULL
  AND coalesce(expired_at, completed_at) IS NOT NULL
UNION ALL
SELECT environment, project, organization_id, project_id, environment_id, queue,
  concurrency_key, completed_at, 0, -1, 0, 0, 1, NULL
FROM trql_runs WHERE dequeued_at IS NOT NULL AND completed_at IS NOT NULL
"""

_ENV_METRICS_VIEW = """
CREATE VIEW trql_env_metrics AS
WITH ev AS (
  SELECT *, sum(d_queued) OVER w AS queued_now, sum(d_running) OVER w AS running_now
  FROM trql_queue_events
  WINDOW w AS (PARTITION BY environment ORDER BY ts ROWS UNBOUNDED PRECEDING)
)
SELECT ev.environment, any_value(project) AS project,
  any_value(organization_id) AS organization_id, any_value(project_id) AS project_id,
  any_value(environment_id) AS environment_id,
  CAST(time_bucket(INTERVAL '10 seconds', ts) AS TIMESTAMP_S) AS bucket_start,
  CAST(greatest(max(queued_now), 0) AS UBIGINT) AS max_env_queued,
  CAST(greatest(max(running_now), 0) AS UBIGINT) AS max_env_running,
  any_value(e.concurrency_limit) AS max_env_limit, CAST(0 AS UBIGINT) AS throttled_count,
  CAST(coalesce(sum(wait_ms), 0) AS UBIGINT) AS wait_ms_sum,
  CAST(count(wait_ms) AS UBIGINT) AS wait_ms_count,
  coalesce(list(CAST(wait_ms AS DOUBLE)) FILTER (WHERE wait_ms IS NOT NULL), [])
    AS wait_quantiles
FROM ev LEFT JOIN trql_envs e ON e.environment = ev.environment
GROUP BY ev.environment, bucket_start
"""

_QUEUE_METRICS_VIEW = """
CREATE VIEW trql_queue_metrics AS
WITH ev AS (
  SELECT *, sum(d_queued) OVER w AS queued_now, sum(d_running) OVER w AS running_now
  FROM trql_queue_events
  WINDOW w AS (PARTITION BY environment, queue ORDER BY ts ROWS UNBOUNDED PRECEDING)
), per_queue AS (
  SELECT environment, queue, any_value(project) AS project,
    any_value(organization_id) AS organization_id, any_value(project_id) AS project_id,
    any_value(environment_id) AS environment_id,
    CAST(time_bucket(INTERVAL '10 seconds', ts) AS TIMESTAMP_S) AS bucket_start,
    CAST(sum(enq) AS BIGINT) AS enqueue_delta, CAST(sum(st) AS BIGINT) AS started_delta,
    CAST(sum(ack) AS BIGINT) AS ack_delta,
    CAST(greatest(max(queued_now), 0) AS UBIGINT) AS max_queued,
    CAST(greatest(max(running_now), 0) AS UBIGINT) AS max_running,
    CAST(coalesce(sum(wait_ms), 0) AS UBIGINT) AS wait_ms_sum,
    CAST(count(wait_ms) AS UBIGINT) AS wait_ms_count,
    coalesce(list(CAST(wait_ms AS DOUBLE)) FILTER (WHERE wait_ms IS NOT NULL), [])
      AS wait_quantiles
  FROM ev GROUP BY environment, queue, bucket_start
)
SELECT q.environment, q.project, q.organization_id, q.project_id, q.environment_id, q.queue,
  q.bucket_start, q.enqueue_delta, q.started_delta, q.ack_delta, CAST(0 AS BIGINT) AS nack_delta,
  CAST(0 AS BIGINT) AS dlq_delta, CAST(0 AS UBIGINT) AS throttled_count, q.max_queued,
  q.max_running, coalesce(l.concurrency_limit, e.max_env_limit) AS max_limit,
  e.max_env_queued, e.max_env_running, e.max_env_limit, CAST(0 AS UBIGINT) AS max_ck_backlogged,
  CAST(0 AS UBIGINT) AS max_ck_wait_ms, q.wait_ms_sum, q.wait_ms_count, q.wait_quantiles
FROM per_queue q
LEFT JOIN trql_env_metrics e ON e.environment = q.environment AND e.bucket_start = q.bucket_start
LEFT JOIN trql_queues l ON l.environment = q.environment AND l.queue = q.queue
"""

_QUEUE_BY_KEY_VIEW = """
CREATE VIEW trql_queue_metrics_by_key AS
WITH ev AS (
  SELECT *, sum(d_queued) OVER w AS queued_now, sum(d_running) OVER w AS running_now
  FROM trql_queue_events WHERE concurrency_key <> ''
  WINDOW w AS (PARTITION BY environment, queue, concurrency_key ORDER BY ts
               ROWS UNBOUNDED PRECEDING)
)
SELECT environment, any_value(project) AS project,
  any_value(organization_id) AS organization_id, any_value(project_id) AS project_id,
  any_value(environment_id) AS environment_id, queue, concurrency_key,
  CAST(time_bucket(INTERVAL '10 seconds', ts) AS TIMESTAMP_S) AS bucket_start,
  CAST(sum(enq) AS BIGINT) AS enqueue_delta, CAST(sum(st) AS BIGINT) AS started_delta,
  CAST(sum(ack) AS BIGINT) AS ack_delta,
  CAST(greatest(max(queued_now), 0) AS UBIGINT) AS max_queued,
  CAST(greatest(max(running_now), 0) AS UBIGINT) AS max_running,
  CAST(coalesce(sum(wait_ms), 0) AS UBIGINT) AS wait_ms_sum,
  CAST(count(wait_ms) AS UBIGINT) AS wait_ms_count
FROM ev GROUP BY environment, queue, concurrency_key, bucket_start
"""

VIEWS = (_RUNS_VIEW, _METRICS_VIEW, _LLM_VIEW, _LLM_MODELS_VIEW, _QUEUE_EVENTS_VIEW,
         _ENV_METRICS_VIEW, _QUEUE_METRICS_VIEW, _QUEUE_BY_KEY_VIEW)
