"""What every response model shares: lenient parsing, UTC datetimes, readable schema errors.

The console talks to servers older and newer than the reference it was written from, so the
models are permissive where a strict schema would only turn a harmless difference into a crash:
unknown fields are kept (`model_extra`), enumerations are plain strings (a status this code has
never heard of is shown, not rejected), and optional fields may be missing or null. What is left
to fail is a body whose shape is plainly wrong; that becomes a `SchemaError` naming the endpoint
and the field, never a pydantic traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.alias_generators import to_camel

from trigger_tui.api.errors import SchemaError

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def _as_utc(value: datetime) -> datetime:
    # A server that omits the offset means UTC (the API always speaks UTC).
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
"""An ISO-8601 string or an epoch number, always timezone-aware UTC once parsed."""


class ApiModel(BaseModel):
    """Base of every response model: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        alias_generator=to_camel,
        protected_namespaces=(),
    )


@dataclass(slots=True)
class Page(Generic[T]):
    """One cursor page: its items and the opaque cursors to its neighbours."""

    data: list[T] = field(default_factory=list)
    next: str | None = None
    previous: str | None = None


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(the whole body)"


def _snippet(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_validation(endpoint: str, exc: ValidationError) -> str:
    """The first problems of a failed validation, worded for a person."""
    problems = []
    for err in exc.errors()[:3]:
        where = _field_path(tuple(err["loc"]))
        got = "missing" if err["type"] == "missing" else f"got {_snippet(err.get('input'))}"
        problems.append(f"field `{where}`: {err['msg'].lower()} ({got})")
    more = exc.error_count() - len(problems)
    tail = f"; and {more} more" if more > 0 else ""
    return (f"{endpoint}: the response is not what the API promises: "
            + "; ".join(problems) + tail)


def validate(model: type[M], data: Any, endpoint: str) -> M:
    """`data` as `model`, or a SchemaError that names the endpoint and the field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SchemaError(describe_validation(endpoint, exc), raw=_snippet(data)) from None


_LIST_ADAPTERS: dict[type[BaseModel], TypeAdapter[Any]] = {}


def validate_list(model: type[M], data: Any, endpoint: str) -> list[M]:
    """A JSON array of `model`, with the same error wording as `validate`."""
    adapter = _LIST_ADAPTERS.get(model)
    if adapter is None:
        adapter = _LIST_ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    try:
        return list(adapter.validate_python(data))
    except ValidationError as exc:
        raise SchemaError(describe_validation(endpoint, exc), raw=_snippet(data)) from None


def member(body: Any, key: str, endpoint: str) -> Any:
    """`body[key]` of a wrapper object (`{"events": [...]}`), or a SchemaError."""
    if not isinstance(body, Mapping) or key not in body:
        raise SchemaError(f"{endpoint}: the response is not what the API promises: "
                          f"field `{key}`: missing", raw=_snippet(body))
    return body[key]
