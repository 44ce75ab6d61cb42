"""TRQL query results, the query schema and the built-in dashboards."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from trigger_tui.api.models.common import ApiModel


class QueryResult(ApiModel):
    """`{format: "json", results: [rows]}` or `{format: "csv", results: "text"}`."""

    format: str
    rows: list[dict[str, Any]] | None = None
    csv: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_results(cls, data: Any) -> Any:
        if isinstance(data, dict) and "results" in data:
            data = dict(data)
            results = data.pop("results")
            if data.get("format") == "csv":
                data["csv"] = results
            else:
                data["rows"] = results
        return data


class QueryColumn(ApiModel):
    name: str
    type: str = ""
    description: str | None = None
    example: Any = None
    allowed_values: list[str] | None = None
    core_column: bool | None = None


class QueryTable(ApiModel):
    name: str
    description: str | None = None
    time_column: str | None = None
    columns: list[QueryColumn] = Field(default_factory=list)


class QuerySchema(ApiModel):
    tables: list[QueryTable] = Field(default_factory=list)


class DashboardWidget(ApiModel):
    id: str
    title: str = ""
    query: str = ""
    type: str = "table"  # bignumber | chart | table | title


class Dashboard(ApiModel):
    key: str
    title: str = ""
    type: str | None = None
    description: str | None = None
    widgets: list[DashboardWidget] = Field(default_factory=list)
