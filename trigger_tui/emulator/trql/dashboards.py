"""The built-in dashboards `GET /api/v1/query/dashboards` lists.

"overview" is the real service's built-in metrics dashboard, widget for widget (ids, titles and
queries as it ships them, CRLF line breaks included); title-only widgets are left out, as the
real route does. "llm" is the emulator's own take on the real "llm" dashboard (its source was not
available): every query runs against the emulated `llm_metrics` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Widget:
    id: str
    title: str
    query: str
    type: str  # bignumber | chart | table (title widgets are never listed)


@dataclass(frozen=True, slots=True)
class Dashboard:
    key: str
    title: str
    description: str
    widgets: tuple[Widget, ...]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "type": "builtIn",
                "description": self.description,
                "widgets": [{"id": w.id, "title": w.title, "query": w.query, "type": w.type}
                            for w in self.widgets]}


def _q(*lines: str) -> str:
    return "\r\n".join(lines)


_FAILED = "('Failed', 'Crashed', 'System failure')"
_FAILURE_RATE = (f"  concat(round((countIf (status IN {_FAILED}) / count()) * 100, 2), '%') "
                 "AS failure_rate,")

OVERVIEW = Dashboard("overview", "Metrics", "Runs, failures, errors, cost and versions at a glance",
                     (
    Widget("9lDDdebQ", "Total runs",
           _q("SELECT", "  count() AS total_runs", "FROM", "  runs", "LIMIT", "  100"),
           "bignumber"),
    Widget("VhAgNlB0", "Success %",
           _q("SELECT", "  round(countIf (status = 'Completed') * 100.0 / countIf (is_finished = "
              "1), 2) AS success_percentage", "FROM", "  runs", "LIMIT", "  100"),
           "bignumber"),
    Widget("iI5EnhJW", "Failed runs",
           _q("SELECT", "  count() AS total_runs", "FROM", "  runs",
              f"WHERE status IN {_FAILED}", "LIMIT", "  100"), "bignumber"),
    Widget("rRbzv-Aq", "Runs by status",
           _q("SELECT", "  timeBucket (),", "  status,", "  count() AS run_count", "FROM",
              "  runs", "GROUP BY", "  timeBucket,", "  status", "ORDER BY", "  timeBucket",
              "LIMIT", "  100"), "chart"),
    Widget("j3yFSxLM", "Top failing tasks",
           _q("SELECT", "  task_identifier AS task,", "  count() AS runs,",
              f"  countIf (status IN {_FAILED}) AS failures,", _FAILURE_RATE,
              "  avg(attempt_count - 1) AS avg_retries", "FROM", "  runs", "GROUP BY",
              "  task_identifier", "ORDER BY", f"  (countIf (status IN {_FAILED}) / count()) DESC",
              "LIMIT", "  100;"), "table"),
    Widget("IKB8cENo", "Top failing tags",
           _q("SELECT", "  arrayJoin(tags) AS tag,", "  count() AS runs,",
              f"  countIf (status IN {_FAILED}) AS failures,", _FAILURE_RATE,
              "  avg(attempt_count - 1) AS avg_retries", "FROM", "  runs", "GROUP BY", "  tag",
              "ORDER BY", f"  (countIf (status IN {_FAILED}) / count()) DESC", "LIMIT",
              "  100;"), "table"),
    Widget("hnKsN482", "Cost by task",
           _q("SELECT", "  timeBucket() as time_period,", "  task_identifier,",
              "  sum(total_cost) AS total_cost", "FROM", "  runs", "GROUP BY", "  time_period,",
              "  task_identifier", "ORDER BY", "  time_period", "LIMIT", "  100"), "chart"),
    Widget("if6dds8T", "Failed runs by task",
           _q("SELECT", "  timeBucket () as time_period,", "  task_identifier,",
              "  count() AS run_count", "FROM", "  runs", f"WHERE status IN {_FAILED}",
              "GROUP BY", "  time_period,", "  task_identifier", "ORDER BY", "  time_period",
              "LIMIT", "  100"), "chart"),
    Widget("i3q1Awfz", "Run success",
           _q("SELECT", "  timeBucket (),", "  count() as total,",
              "  countIf (status = 'Completed') / total * 100 AS completed,",
              f"  countIf (status IN {_FAILED}) / total * 100 AS failed,", "FROM", "  runs",
              "GROUP BY", "  timeBucket", "ORDER BY", "  timeBucket"), "chart"),
    Widget("Kh0w0fjy", "Top errors",
           _q("SELECT", "  concat(error.name, '(\"', error.message, '\")') AS error,",
              "  count() AS count", "FROM", "  runs", "WHERE", "  runs.error != NULL",
              "  AND runs.error.name != NULL", "GROUP BY", "  error", "ORDER BY", "  count DESC",
              "LIMIT", "  100"), "table"),
    Widget("zybRTAdz", "Top errors over time",
           _q("SELECT", "  timeBucket(),",
              "  concat(error.name, '(\"', error.message, '\")') AS error,",
              "  count() AS count", "FROM", "  runs", "WHERE", "  runs.error != NULL",
              "  AND runs.error.name != NULL", "GROUP BY", "  timeBucket,", "  error",
              "ORDER BY", "  count DESC", "LIMIT", "  100"), "chart"),
    Widget("ff2nVxxt", "Cost by machine",
           _q("SELECT", "  timeBucket() as time_period,", "  machine,",
              "  sum(total_cost) AS total_cost", "FROM", "  runs", "WHERE machine != ''",
              "GROUP BY", "  time_period,", "  machine", "ORDER BY", "  time_period", "LIMIT",
              "  100"), "chart"),
    Widget("YsWiQENd", "Runs by version",
           _q("SELECT", "  timeBucket (),", "  task_version,", "  count() as runs", "FROM",
              "  runs", "WHERE task_version != ''", "GROUP BY", "  timeBucket,",
              "  task_version", "ORDER BY", "  timeBucket"), "chart"),
    Widget("lc-guCvo", "Version success %",
           _q("SELECT", "  timeBucket (),", "  task_version,", "  count() as total,",
              "  countIf (status = 'Completed') / total * 100 AS success", "FROM", "  runs",
              "WHERE task_version != ''", "GROUP BY", "  timeBucket,", "  task_version",
              "ORDER BY", "  timeBucket"), "chart"),
    Widget("xyQl3FAd", "Queued",
           _q("SELECT", "  count() AS queued", "FROM", "  runs",
              "WHERE status IN ('Dequeued', 'Queued')", "LIMIT", "  100"), "bignumber"),
))

LLM = Dashboard("llm", "AI", "LLM calls: spend, tokens, latency and models", (
    Widget("Lm7cT0tl", "Total LLM cost",
           _q("SELECT", "  SUM(total_cost) AS total_cost", "FROM", "  llm_metrics"),
           "bignumber"),
    Widget("Lm7cA11s", "Total calls",
           _q("SELECT", "  count() AS total_calls", "FROM", "  llm_metrics"), "bignumber"),
    Widget("Lm7tOk3n", "Total tokens",
           _q("SELECT", "  sum(total_tokens) AS total_tokens", "FROM", "  llm_metrics"),
           "bignumber"),
    Widget("Lm7cOstM", "Cost by model",
           _q("SELECT", "  timeBucket() AS time_period,", "  response_model,",
              "  sum(total_cost) AS total_cost", "FROM", "  llm_metrics", "GROUP BY",
              "  time_period,", "  response_model", "ORDER BY", "  time_period", "LIMIT",
              "  1000"), "chart"),
    Widget("Lm7tTfcQ", "Time to first chunk (p50 / p95)",
           _q("SELECT", "  timeBucket() AS time_period,",
              "  quantile(0.5)(ms_to_first_chunk) AS p50_ttfc,",
              "  quantile(0.95)(ms_to_first_chunk) AS p95_ttfc", "FROM", "  llm_metrics",
              "GROUP BY", "  time_period", "ORDER BY", "  time_period", "LIMIT", "  1000"),
           "chart"),
    Widget("Lm7mOdLs", "Models",
           _q("SELECT", "  response_model,", "  gen_ai_system,", "  count() AS calls,",
              "  sum(input_tokens) AS input_tokens,", "  sum(output_tokens) AS output_tokens,",
              "  sum(total_cost) AS total_cost,",
              "  round(avg(tokens_per_second), 1) AS avg_tokens_per_second", "FROM",
              "  llm_metrics", "GROUP BY", "  response_model,", "  gen_ai_system", "ORDER BY",
              "  total_cost DESC", "LIMIT", "  100"), "table"),
    Widget("Lm7tAsKs", "Cost by task",
           _q("SELECT", "  task_identifier,", "  count() AS calls,",
              "  sum(total_cost) AS total_cost", "FROM", "  llm_metrics", "GROUP BY",
              "  task_identifier", "ORDER BY", "  total_cost DESC", "LIMIT", "  100"), "table"),
    Widget("Lm7fInRs", "Finish reasons",
           _q("SELECT", "  finish_reason,", "  count() AS calls", "FROM", "  llm_metrics",
              "GROUP BY", "  finish_reason", "ORDER BY", "  calls DESC", "LIMIT", "  100"),
           "table"),
))

DASHBOARDS = (OVERVIEW, LLM)


def dashboards_json() -> dict[str, Any]:
    return {"dashboards": [d.to_json() for d in DASHBOARDS]}
