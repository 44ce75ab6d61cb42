"""Environment variables: per-env CRUD and import under a project ref, plus the resolved map.

These are the older hand-written routes: their error bodies are `{"error": "Invalid request
body", "issues": [...]}` and they take a secret key (which must belong to the project and env in
the path) or a personal access token (any env of the project).
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message
from email.policy import HTTP
from typing import Any

from trigger_tui.emulator.http import Api, Ctx, HttpError, invalid_body, js_type
from trigger_tui.emulator.world.env import EnvWorld
from trigger_tui.emulator.world.envvars import EnvVar, known_in_project, usable

api = Api()

REDACTED = "<redacted>"
SLUG_ALIASES = {"staging": "stg"}
BAD_PROJECT = ("Invalid project ref for this API key. Make sure you are using an API key "
               "associated with that project.")
BAD_SLUG = ("Invalid environment slug for this API key. Make sure you are using an API key "
            "associated with that environment.")
CONFLICT = ("Some of the variables are already set for these environments. Set override to "
            "true to override them.")
NOTHING_VALID = "You must set at least one valid variable."
NOT_FOUND = "Environment variable not found"
MISSING_KEY = "Invalid or Missing API key"

BASE = "/api/v1/projects/{projectRef}/envvars/{env}"


def target_env(ctx: Ctx) -> EnvWorld:
    """The environment the path names, checked against the caller's credentials."""
    ref = ctx.raw_path("projectRef")
    slug = ctx.raw_path("env")
    slug = SLUG_ALIASES.get(slug, slug)
    if not ctx.pat:
        if ref != ctx.world.project_ref:
            raise HttpError(400, BAD_PROJECT)
        if slug != ctx.e.slug:
            raise HttpError(400, BAD_SLUG)
        return ctx.e
    if ref != ctx.world.project_ref:
        raise HttpError(404, "Project not found")
    env = ctx.world.envs.get(slug)
    if env is None:
        raise HttpError(404, "Environment not found")
    return env


def var_json(var: EnvVar) -> dict[str, Any]:
    return {"name": var.name, "value": REDACTED if var.is_secret else var.value,
            "isSecret": var.is_secret}


_MISSING = object()


def _issue(path: str, expected: str, received: Any) -> dict[str, Any]:
    got = "undefined" if received is _MISSING else js_type(received)
    return {"code": "invalid_type", "expected": expected, "received": got, "path": [path],
            "message": "Required" if received is _MISSING else
            f"Expected {expected}, received {got}"}


def _check(body: dict[str, Any], fields: dict[str, tuple[type, bool]]) -> None:
    """A zod-like check of flat bodies: (type, required) per field, all issues at once."""
    issues = []
    for name, (kind, required) in fields.items():
        value = body.get(name, _MISSING)
        if value is _MISSING and not required:
            continue
        if not isinstance(value, kind):
            issues.append(_issue(name, "boolean" if kind is bool else "string", value))
    if issues:
        raise invalid_body(issues)


async def _legacy_object(ctx: Ctx) -> dict[str, Any]:
    body = await ctx.json(required=False, legacy=True)
    if not isinstance(body, dict):
        raise invalid_body([{"code": "invalid_type", "expected": "object",
                             "received": js_type(body), "path": [],
                             "message": f"Expected object, received {js_type(body)}"}])
    return body


# ---------------------------------------------------------------------- list and create
@api.route(BASE, ["GET"], auth="key_or_pat")
async def list_vars(ctx: Ctx) -> Any:
    env = target_env(ctx)
    return [var_json(v) for v in env.envvars.sorted()]


@api.route(BASE, ["POST"], auth="key_or_pat")
async def create_var(ctx: Ctx) -> Any:
    env = target_env(ctx)
    body = await _legacy_object(ctx)
    _check(body, {"name": (str, True), "value": (str, True), "isSecret": (bool, False)})
    if not usable({body["name"]: body["value"]}):
        raise HttpError(400, NOTHING_VALID)
    env.envvars.set(body["name"], body["value"], secret=bool(body.get("isSecret")))
    return {"success": True}


# ---------------------------------------------------------------------- import
@api.route(BASE + "/import", ["POST"], auth="key_or_pat")
async def import_vars(ctx: Ctx) -> Any:
    env = target_env(ctx)
    content_type = ctx.request.headers.get("content-type", "application/json")
    if "multipart/form-data" in content_type:
        variables, secrets, override, all_secret = _form_body(content_type, await ctx.raw_body())
    else:
        variables, secrets, override, all_secret = _json_body(await _any_json(ctx))
    chosen = usable(variables)
    if not chosen:
        raise HttpError(400, NOTHING_VALID)
    book = env.envvars
    taken = [] if override else book.conflicts(list(chosen))
    if taken:
        where = f"Variable already set in {book.title}."
        raise HttpError(400, body={"error": CONFLICT, "variableErrors": [
            {"key": k, "error": where} for k in taken]})
    for name, value in chosen.items():
        book.set(name, value, secret=all_secret or secrets.get(name, False))
    return {"success": True}


async def _any_json(ctx: Ctx) -> Any:
    try:
        return await ctx.json(required=False)
    except HttpError:
        return None


def _json_body(body: Any) -> tuple[dict[str, str], dict[str, bool], bool, bool]:
    """`{variables: {NAME: value}, secrets?, override?, isSecret?, parentVariables?, source?}`.

    `parentVariables` only matter for branch environments, which the demo project has none of.
    """
    if not isinstance(body, dict):
        raise HttpError(400, "Invalid body")
    variables = body.get("variables")
    secrets = body.get("secrets", {})
    override = body.get("override", False)
    all_secret = body.get("isSecret", False)
    valid = (isinstance(variables, dict) and all(isinstance(v, str) for v in variables.values())
             and isinstance(secrets, dict)
             and all(isinstance(v, bool) for v in secrets.values())
             and isinstance(override, bool) and isinstance(all_secret, bool))
    if not valid:
        raise HttpError(400, "Invalid body")
    assert isinstance(variables, dict) and isinstance(secrets, dict)
    return variables, secrets, override, all_secret


def _form_body(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, bool], bool,
                                                      bool]:
    """The CLI's upload: a `variables` .env file part and an `override` text part."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = message_from_bytes(head + raw, policy=HTTP)
    parts: dict[str, Message] = {}
    if message.is_multipart():
        for part in message.get_payload():
            assert isinstance(part, Message)
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                parts[name] = part
    file = parts.get("variables")
    if file is None or file.get_filename() is None:
        raise HttpError(400, "Invalid file")
    data = file.get_payload(decode=True)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
    override_part = parts.get("override")
    override = override_part is not None and _part_text(override_part) == "true"
    return parse_dotenv(text), {}, override, False


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    return data.decode("utf-8", "replace").strip() if isinstance(data, bytes) else ""


_LINE = re.compile(r"^\s*(?:export\s+)?([\w.-]+)\s*[=:]\s*(.*?)\s*$")


def parse_dotenv(text: str) -> dict[str, str]:
    """The `dotenv` package's rules: quotes, `\\n` in double quotes, `#` comments."""
    out: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        m = _LINE.match(lines[i])
        i += 1
        if not m:
            continue
        key, value = m.group(1), m.group(2)
        quote = value[:1]
        if quote in ("'", '"', "`"):
            # A quoted value may span lines until its closing quote.
            while not (len(value) > 1 and value.rstrip().endswith(quote)) and i < len(lines):
                value += "\n" + lines[i]
                i += 1
            value = value.rstrip()
            end = value.rfind(quote)
            value = value[1:end] if end > 0 else value[1:]
            if quote == '"':
                value = value.replace("\\n", "\n").replace("\\r", "\r")
        else:
            value = value.split(" #", 1)[0].strip()
            if value.startswith("#"):
                value = ""
        out[key] = value
    return out


# ---------------------------------------------------------------------- one variable
@api.route(BASE + "/{name}", ["GET"], auth="key_or_pat")
async def retrieve_var(ctx: Ctx) -> Any:
    env = target_env(ctx)
    var = env.envvars.get(ctx.raw_path("name"))
    if var is None:
        raise HttpError(404, NOT_FOUND)
    return var_json(var)


@api.route(BASE + "/{name}", ["PUT", "POST"], auth="key_or_pat")
async def update_var(ctx: Ctx) -> Any:
    env = target_env(ctx)
    name = ctx.raw_path("name")
    # The variable is looked up in the whole project; the value is written for this env.
    if not known_in_project([e.envvars for e in ctx.world.envs.values()], name):
        raise HttpError(404, NOT_FOUND)
    body = await _legacy_object(ctx)
    _check(body, {"value": (str, True)})
    old = env.envvars.get(name)
    env.envvars.set(name, body["value"], secret=old is not None and old.is_secret)
    return {"success": True}


@api.route(BASE + "/{name}", ["DELETE"], auth="key_or_pat")
async def delete_var(ctx: Ctx) -> Any:
    env = target_env(ctx)
    if not env.envvars.delete(ctx.raw_path("name")):
        raise HttpError(404, NOT_FOUND)
    return {"success": True}


# ---------------------------------------------------------------------- resolved map
@api.route("/api/v1/projects/{projectRef}/envvars", ["GET"], auth="key_or_pat")
async def resolved_vars(ctx: Ctx) -> Any:
    """What the worker loads at run start: the key's env, real values (secrets included)."""
    if ctx.pat:
        raise HttpError(401, MISSING_KEY)
    if ctx.raw_path("projectRef") != ctx.world.project_ref:
        raise HttpError(404, "Project not found")
    return {"variables": ctx.e.envvars.resolved()}
