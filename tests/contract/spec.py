"""The official OpenAPI documents as jsonschema validators, with a short list of known-stale parts.

The two files in `shared/reference/openapi/` are the published contract. They lag the server and
the SDK in a few places; where they do, the SDK 4.8.3 (`sdk-4.8.3.md`) wins, then the server code
(`trigger-api.md`). Each such place is one `Override` below, applied to the loaded document before
any validator is built, so every other part of the schema still binds. An override whose location
no longer exists in the spec raises: a spec update that fixed (or moved) the part must be noticed.

Translation from OpenAPI to JSON Schema 2020-12: `nullable: true` becomes a null-allowing type
(OpenAPI 3.0 style, which the 3.1 file also uses), `example`/`x-*` keywords are dropped, and
`#/components/...` references resolve inside their own document through a `referencing` registry.
`format: date-time` is checked (RFC 3339, which is what `Date.toISOString()` produces).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared/reference/openapi"
V3 = "v3"  # v3-openapi.yaml: the management API
BATCHES = "batches"  # openapi.yml: the two-phase batch API (and the legacy v2 events route)
FILES = {V3: "v3-openapi.yaml", BATCHES: "openapi.yml"}
URIS = {V3: "urn:trigger-dev:openapi:v3", BATCHES: "urn:trigger-dev:openapi:batches"}

DELETE = object()  # an override value that removes the location

# The run status enum the SDK accepts (sdk-4.8.3.md §0.6; trigger-api.md §7.1 "current").
SDK_RUN_STATUSES = [
    "PENDING_VERSION", "QUEUED", "DEQUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED",
    "FAILED", "CRASHED", "SYSTEM_FAILURE", "DELAYED", "EXPIRED", "TIMED_OUT",
]


@dataclass(frozen=True)
class Override:
    """One stale part of the spec: where it is, what it says, what wins instead, and why."""

    spec: str
    pointer: str  # JSON pointer into the YAML document, e.g. /components/schemas/X/properties/y
    value: Any  # the replacement (DELETE removes the location)
    spec_says: str
    instead: str
    source: str
    must_exist: bool = True  # False: the location is added (the spec documents nothing there)


def _p(path: str, *rest: str) -> str:
    """A JSON pointer below `/paths/<path>`."""
    parts = ["paths", path, *rest]
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _error_text(*texts: str, patterns: tuple[str, ...] = ()) -> dict[str, Any]:
    """An `{error}` body whose text is one of `texts` or matches one of `patterns`."""
    alternatives: list[dict[str, Any]] = []
    if texts:
        alternatives.append({"enum": list(texts)})
    alternatives += [{"pattern": p} for p in patterns]
    return {"type": "object", "required": ["error"],
            "properties": {"error": {"type": "string", "anyOf": alternatives}}}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


RUN = "/api/v3/runs/{runId}"
REPLAY = "/api/v1/runs/{runId}/replay"
CANCEL = "/api/v2/runs/{runId}/cancel"
EVENTS = "/api/v1/runs/{runId}/events"
TRACE = "/api/v1/runs/{runId}/trace"
METADATA = "/api/v1/runs/{runId}/metadata"
RESCHEDULE = "/api/v1/runs/{runId}/reschedule"
SCHEDULE = "/api/v1/schedules/{schedule_id}"
IMPORT = "/api/v1/projects/{projectRef}/envvars/{env}/import"
BATCH_V2 = "/api/v1/tasks/batch"
DASHBOARDS = "/api/v1/query/dashboards"

_BAD_KEY = "trigger-api.md §2.3: route-builder routes answer a bad key with 'Invalid API key' " \
    "and an empty one with 'Invalid or Missing API key'"
_ROUTE_404 = "trigger-api.md §3 / §7.4-7.9: route-builder 404s say 'Not found' (loaders) or " \
    "'Resource not found' (actions)"

OVERRIDES: tuple[Override, ...] = (
    # ---- run objects: the status vocabulary and the payload/output types
    Override(V3, "/components/schemas/CommonRunObject/properties/status/enum", SDK_RUN_STATUSES,
             "an older enum with REATTEMPTING/FROZEN/INTERRUPTED, without DEQUEUED, WAITING, "
             "EXPIRED, TIMED_OUT",
             "the 13 statuses of RunStatus (the SDK always sends x-trigger-api-version "
             "2025-07-16 and rejects the legacy names)", "sdk-4.8.3.md §0.6, C10"),
    Override(V3, "/components/schemas/ListRunItem/properties/status/enum", SDK_RUN_STATUSES,
             "the same older enum (and no DELAYED)", "the 13 statuses of RunStatus",
             "sdk-4.8.3.md §0.6, C10; trigger-api.md §7.1"),
    Override(V3, "/components/schemas/RetrieveRunResponse/allOf/1/properties/payload", {},
             "type: object", "any JSON value, null allowed (a text/plain payload is a string, "
             "a run triggered without payload has none)", "sdk-4.8.3.md §1 runs.retrieve, A1"),
    # ---- run routes: the error texts the server code really sends
    *(Override(V3, _p(path, method, "responses", "401", "content"),
               _json(_error_text("Invalid or Missing API key", "Invalid API key")),
               "error enum ['Invalid or Missing API key']",
               "also 'Invalid API key' (a key that is present but unknown)", _BAD_KEY)
      for path, method in ((RUN, "get"), (REPLAY, "post"), (CANCEL, "post"), (EVENTS, "get"),
                           (TRACE, "get"), (METADATA, "put"))),
    Override(V3, _p(RESCHEDULE, "post", "responses", "401", "content"),
             _json(_error_text("Invalid or missing API Key")),
             "error enum ['Invalid or Missing API key']",
             "'Invalid or missing API Key' (the hand-written reschedule route)",
             "trigger-api.md §2.3"),
    Override(V3, _p(RUN, "get", "responses", "404", "content"),
             _json(_error_text("Not found", "Run not found")), "error enum ['Run not found']",
             "'Not found' (route builder, with x-should-retry: true) or 'Run not found'",
             "trigger-api.md §7.4; " + _ROUTE_404),
    Override(V3, _p(EVENTS, "get", "responses", "404", "content"),
             _json(_error_text("Not found", "Run not found")), "error enum ['Run not found']",
             "'Not found' as on retrieve", "trigger-api.md §7.6"),
    Override(V3, _p(TRACE, "get", "responses", "404", "content"),
             _json(_error_text("Not found", "Run not found", "Trace not found")),
             "error enum ['Run not found', 'Trace not found']",
             "also 'Not found' for an unknown run", "trigger-api.md §7.7"),
    *(Override(V3, _p(path, "post", "responses", "404", "content"),
               _json(_error_text("Resource not found", "Run not found")),
               "error enum ['Run not found']", "'Resource not found' (action route builder)",
               f"trigger-api.md §7.8/§7.9; {_ROUTE_404}")
      for path in (REPLAY, CANCEL)),
    Override(V3, _p(REPLAY, "post", "responses", "400", "content"),
             _json(_error_text(patterns=(".",))),
             "error enum ['Invalid or missing run ID', 'Failed to create new run']",
             "'Failed to create new run' or the failure's own message (a body that fails the "
             "SDK's strict replay schema is refused with a validation message)",
             "trigger-api.md §7.9; sdk-4.8.3.md A5"),
    Override(V3, _p(RESCHEDULE, "post", "responses", "400", "content"),
             _json(_error_text("Invalid request body",
                               "Cannot reschedule a run that is not delayed",
                               patterns=("^Invalid delay: ",))),
             "error enum ['Invalid or missing run ID', 'Failed to create new run']",
             "'Invalid request body', 'Invalid delay: <value>', 'Cannot reschedule a run that "
             "is not delayed'", "trigger-api.md §7.10"),
    Override(V3, _p(METADATA, "put", "responses", "400", "content"),
             _json(_error_text("Invalid or missing run ID", "Invalid metadata",
                               "Request body is empty", "Invalid JSON",
                               patterns=("^Validation error: ",))),
             "error enum ['Invalid or missing run ID', 'Invalid metadata']",
             "the route builder's body errors: 'Request body is empty', 'Invalid JSON', "
             "'Validation error: … at \"<path>\"'", "trigger-api.md §3 (error shapes)"),
    # ---- schedules
    Override(V3, _p(SCHEDULE, "delete", "responses", "200", "content"),
             _json({"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "string"}}}),
             "no body", "a JSON body {id} (an empty body fails the SDK's schema)",
             "sdk-4.8.3.md E23, §3; trigger-api.md §10", must_exist=False),
    Override(V3, "/components/schemas/ScheduleObject/properties/nextRun",
             {"type": "string", "format": "date-time", "nullable": True},
             "a date-time string", "a date-time or null", "sdk-4.8.3.md §3 (nullish); "
             "trigger-api.md §10 (nextRun: ISO|null)"),
    # ---- env vars: the import body is a name→value map
    Override(V3, _p(IMPORT, "post", "requestBody", "content", "application/json", "schema",
                    "properties", "variables"),
             {"type": "object", "additionalProperties": {"type": "string"}},
             "an array of {name, value}", "a map NAME → value (the array form is never sent)",
             "sdk-4.8.3.md F25, §4 envvars.upload; trigger-api.md §11"),
    # ---- /api/v1/tasks/batch answers 202 with the v2 batch shape
    # (these two go together: the 200 goes, a 202 comes)
    Override(V3, _p(BATCH_V2, "post", "responses", "200"), DELETE,
             "200 {batchId, runs: string[]}", "202 (see the next override)",
             "trigger-api.md §9.2"),
    Override(V3, _p(BATCH_V2, "post", "responses", "202"),
             {"description": "Batch created", "content": _json({
                 "type": "object", "required": ["id", "isCached", "runs"],
                 "properties": {
                     "id": {"type": "string"}, "isCached": {"type": "boolean"},
                     "idempotencyKey": {"type": "string"},
                     "runs": {"type": "array", "items": {
                         "type": "object", "required": ["id", "taskIdentifier", "isCached"],
                         "properties": {"id": {"type": "string"},
                                        "taskIdentifier": {"type": "string"},
                                        "isCached": {"type": "boolean"},
                                        "idempotencyKey": {"type": "string"}}}}}})},
             "(absent)", "202 {id, isCached, idempotencyKey?, runs: [{id, taskIdentifier, "
             "isCached, idempotencyKey?}]}", "trigger-api.md §9.2", must_exist=False),
)


# ---------------------------------------------------------------------- loading
def spec_dir_present() -> bool:
    return all((SPEC_DIR / f).is_file() for f in FILES.values())


def absent_reason() -> str:
    return f"the reference OpenAPI spec at {SPEC_DIR} is absent: contract tests need it"


def _segments(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]


def apply_override(doc: dict[str, Any], o: Override) -> None:
    *parents, leaf = _segments(o.pointer)
    node: Any = doc
    for seg in parents:
        if isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
            node = node[int(seg)]
        elif isinstance(node, dict) and seg in node:
            node = node[seg]
        else:
            raise LookupError(f"override {o.pointer} ({o.source}): {seg!r} is not in the spec")
    if o.must_exist and leaf not in node:
        raise LookupError(f"override {o.pointer} ({o.source}): the spec no longer has it")
    if o.value is DELETE:
        del node[leaf]
    else:
        node[leaf] = copy.deepcopy(o.value)


# Keywords whose value is one subschema, a list of them, or a name → subschema map.
_ONE = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then",
        "else", "unevaluatedItems", "unevaluatedProperties")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "dependentSchemas")
_DROP = ("example", "examples", "discriminator", "xml", "externalDocs", "deprecated")


def normalize(schema: Any) -> Any:
    """OpenAPI schema object → JSON Schema 2020-12 (see the module docstring)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key.startswith("x-") or key in _DROP or key == "nullable":
            continue
        if key in _ONE:
            out[key] = normalize(value)
        elif key in _MANY:
            out[key] = [normalize(v) for v in value]
        elif key in _MAP:
            out[key] = {k: normalize(v) for k, v in value.items()}
        else:
            out[key] = value
    if schema.get("nullable") is True:
        out = _allow_null(out)
    return out


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [schema, {"type": "null"}]}


def _schema_slots(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Every place in the document that holds a schema object: (container, key)."""
    for name in list(doc.get("components", {}).get("schemas", {})):
        yield doc["components"]["schemas"], name
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            if not isinstance(op, dict):
                continue
            bodies = [op.get("requestBody", {})] + list(op.get("responses", {}).values())
            for part in bodies:
                for media in part.get("content", {}).values():
                    if "schema" in media:
                        yield media, "schema"


@cache
def load(spec: str) -> dict[str, Any]:
    """The document with overrides applied and every schema normalised."""
    doc: dict[str, Any] = yaml.safe_load((SPEC_DIR / FILES[spec]).read_text())
    for o in OVERRIDES:
        if o.spec == spec:
            apply_override(doc, o)
    for container, key in _schema_slots(doc):
        container[key] = normalize(container[key])
    return doc


@cache
def registry() -> Registry:
    resources = [(URIS[s], Resource.from_contents(load(s), default_specification=DRAFT202012))
                 for s in FILES]
    return Registry().with_resources(resources)


# ---------------------------------------------------------------------- formats
FORMATS = FormatChecker(formats=())
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


# ---------------------------------------------------------------------- lookups
@dataclass(frozen=True)
class Documented:
    """What the spec says about one response: its schema (None when it documents no body)."""

    spec: str
    path: str
    method: str
    status: int
    content_type: str | None
    schema_pointer: str | None


def operation(spec: str, path: str, method: str) -> dict[str, Any]:
    op: dict[str, Any] = load(spec)["paths"][path][method.lower()]
    return op


def response(spec: str, path: str, method: str, status: int) -> Documented:
    responses = operation(spec, path, method)["responses"]
    if str(status) not in responses:
        raise LookupError(f"{spec}: {method} {path} documents no {status} response "
                          f"(documented: {', '.join(responses)})")
    content = responses[str(status)].get("content") or {}
    if not content:
        return Documented(spec, path, method, status, None, None)
    content_type = "application/json" if "application/json" in content else next(iter(content))
    pointer = _p(path, method.lower(), "responses", str(status), "content", content_type,
                 "schema")
    return Documented(spec, path, method, status, content_type, pointer)


def request_pointer(spec: str, path: str, method: str) -> str | None:
    body = operation(spec, path, method).get("requestBody")
    if not body or "application/json" not in body.get("content", {}):
        return None
    return _p(path, method.lower(), "requestBody", "content", "application/json", "schema")


@cache
def validator(spec: str, pointer: str) -> Draft202012Validator:
    ref = URIS[spec] + "#" + quote(pointer, safe="/~")
    return Draft202012Validator({"$ref": ref}, registry=registry(), format_checker=FORMATS)


def errors(spec: str, pointer: str, instance: Any, limit: int = 8) -> list[str]:
    """Readable validation errors, deepest first: `at <json path>: <message>`."""
    found = sorted(validator(spec, pointer).iter_errors(instance),
                   key=lambda e: -len(list(e.absolute_path)))
    return [_describe(e) for e in found[:limit]]


def _describe(e: ValidationError) -> str:
    where = e.json_path
    best = e
    if e.context:  # anyOf/oneOf: the branch error that got furthest says most
        best = max(e.context, key=lambda c: len(list(c.absolute_path)))
        where = best.json_path
    message = best.message if len(best.message) < 300 else best.message[:300] + "…"
    return f"at {where}: {message}"


def all_operations() -> Iterator[tuple[str, str, str, list[int]]]:
    """(spec, METHOD, path, [documented statuses]) for every operation the emulator serves."""
    for spec in FILES:
        for path, ops in load(spec)["paths"].items():
            if "/sessions" in path or path == "/api/v1/events":
                continue  # sessions are not emulated; /api/v1/events is the retired v2 API
            for method, op in ops.items():
                if method in ("get", "post", "put", "delete", "patch"):
                    yield spec, method.upper(), path, sorted(int(s) for s in op["responses"])
