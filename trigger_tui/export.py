"""Rows as text for files and pipes: CSV as the API's own CSV writes it, JSON as the API spells it.

Shared by the query console's export and the headless commands (it imports neither).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel


def jsonable(value: Any) -> Any:
    """A value as the API spells it (camelCase models, ISO times, unset fields left out)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def csv_cell(value: Any) -> str:
    """As the API's own CSV does: null → empty, objects and arrays → JSON text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return str(jsonable(value))
    if isinstance(value, dict | list | tuple | BaseModel):
        return json.dumps(jsonable(value), separators=(",", ":"), ensure_ascii=False)
    return str(value)


def render_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buf.getvalue()
