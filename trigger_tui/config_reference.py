"""The configuration reference (docs/configuration.md), written from the settings models.

Run `python -m trigger_tui.config_reference > docs/configuration.md`. The tables come from the
pydantic models themselves (type, default, limits, and the field's description or attribute
docstring), so a new setting appears in the reference without anyone remembering to add it, and
`tests/test_docs.py` fails when the committed file no longer matches. No Textual here: the
reference is about the file, not the screens.
"""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from trigger_tui.config import (
    DEFAULT_ENVIRONMENT,
    DEFAULT_THEME,
    KEY_ENV_VARS,
    EnvironmentSettings,
    PollIntervals,
    Profile,
    SavedQuery,
    Settings,
    WallSettings,
)
from trigger_tui.keys import DEFAULT_BASE_URL, KEY_ENVIRONMENTS
from trigger_tui.rules import RULE_KINDS, Alerting, Rule


@dataclass(frozen=True, slots=True)
class Section:
    """One model and where its table sits in the file."""

    title: str
    where: str
    model: type[BaseModel]


SECTIONS: tuple[Section, ...] = (
    Section("Top level", "", Settings),
    Section("Profiles", "[profiles.NAME]", Profile),
    Section("Per-environment settings", "[profiles.NAME.environments.ENV]", EnvironmentSettings),
    Section("Poll intervals", "[profiles.NAME.poll]",
            PollIntervals),
    Section("Saved queries", '[queries."NAME"]', SavedQuery),
    Section("Wall monitor", "[wall]", WallSettings),
    Section("Alert rules", "[[alerts]]", Rule),
    Section("Alert delivery", "[alerting]", Alerting),
)

EXAMPLE = """\
# ~/.config/trigger-tui/config.toml
default_profile = "acme"          # used when --profile is not given

[profiles.acme]
project_ref = "proj_abc123"       # needed for env vars and with a personal access token
environment = "prod"              # the environment when --env is not given
poll = { runs_s = 2, queues_s = 5, background_s = 30 }

[profiles.acme.environments.prod]
key_env = "ACME_PROD_KEY"         # the NAME of a variable holding tr_prod_… (the key stays out)
read_only = true                  # nothing that changes anything is sent to prod

[profiles.acme.environments.dev]
key_env = "ACME_DEV_KEY"

[profiles.selfhost]
api_url = "https://trigger.internal.example.com"
project_ref = "proj_xyz"
key_env = "SELFHOST_KEY"

[queries."failures by task"]
text = "SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier"
period = "1d"

[keymap]
"run.cancel" = "x"                # ids: docs/keymap.md

[wall]
window_min = 60
rotate_s = 20

[alerting]
bell = true
webhook = "https://hooks.example.com/oncall"

[[alerts]]
name = "checkout failing"
when = "failure_rate"
task = "checkout"
above = "5%"
over = "10m"

[[alerts]]
name = "queue stuck"
when = "queue_wait"
above = "5m"
"""


# --------------------------------------------------------------------------- reading the models
def attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Docstrings written under fields (`x: int = 1` then `\"\"\"…\"\"\"`), base classes first.

    Read from the source rather than through pydantic's `use_attribute_docstrings`, so the
    models' behaviour does not change for the sake of their documentation."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or cls is BaseModel:
            continue
        try:
            source = textwrap.dedent(inspect.getsource(cls))
        except (OSError, TypeError):
            continue
        tree = ast.parse(source)
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for first, second in zip(body, body[1:], strict=False):
            if (isinstance(first, ast.AnnAssign) and isinstance(first.target, ast.Name)
                    and isinstance(second, ast.Expr) and isinstance(second.value, ast.Constant)
                    and isinstance(second.value.value, str)):
                docs[first.target.id] = inspect.cleandoc(second.value.value)
    return docs


def type_text(annotation: Any) -> str:
    """A field's type in the words of a TOML file."""
    if annotation is None or annotation is type(None):
        return "none"
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        return " or ".join(type_text(a) for a in kept)
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin is dict:
        inner = args[1]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "tables by name"
        return f"table of {type_text(inner)}s"
    if origin in (list, tuple):
        inner = args[0] if args else Any
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return "array of tables"
        return f"array of {type_text(inner)}s"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    names = {str: "string", int: "integer", float: "number", bool: "boolean"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation))


def default_text(info: FieldInfo) -> str:
    """The default as it would be written in the file; `required` or `not set` otherwise."""
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(its defaults)"
        return "empty" if not value else f"`{json.dumps(value)}`"
    if info.default is PydanticUndefined:
        return "required"
    if info.default is None:
        return "not set"
    value = info.default
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return "empty" if not value else f"`{json.dumps(list(value))}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{json.dumps(value)}`"


def limits_text(info: FieldInfo) -> str:
    """Range and pattern constraints, e.g. `at least 1`, `5 to 720`."""
    low = high = None
    words: list[str] = []
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"{item.ge:g}" if isinstance(item.ge, float) else str(item.ge)
        elif isinstance(item, annotated_types.Gt):
            words.append(f"more than {item.gt}")
        elif isinstance(item, annotated_types.Le):
            high = f"{item.le:g}" if isinstance(item.le, float) else str(item.le)
        elif isinstance(item, annotated_types.MinLen) and item.min_length:
            words.append("not empty")
        elif getattr(item, "pattern", None):
            words.append(f"matches `{item.pattern}`")
    if low is not None and high is not None:
        words.insert(0, f"{low} to {high}")
    elif low is not None:
        words.insert(0, f"at least {low}")
    elif high is not None:
        words.insert(0, f"at most {high}")
    return "; ".join(words)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def field_rows(model: type[BaseModel]) -> list[tuple[str, str, str, str]]:
    """(setting, type, default, meaning) for each field of `model`, in declaration order."""
    docs = attribute_docs(model)
    rows = []
    for name, info in model.model_fields.items():
        doc = info.description or docs.get(name, "")
        limits = limits_text(info)
        if limits:
            doc = f"{doc} ({limits})" if doc else limits
        rows.append((f"`{name}`", type_text(info.annotation), default_text(info),
                     _cell(doc) or "—"))
    return rows


# --------------------------------------------------------------------------- the page
def render() -> str:
    """The whole of docs/configuration.md."""
    out = [
        "# Configuration reference",
        "",
        "Written from the settings models by `python -m trigger_tui.config_reference > "
        "docs/configuration.md`; a test fails when this page and the models disagree.",
        "",
        "## Where the file lives",
        "",
        "`$XDG_CONFIG_HOME/trigger-tui/config.toml`, or `~/.config/trigger-tui/config.toml` "
        "when `XDG_CONFIG_HOME` is unset or not an absolute path. "
        "`trigger-tui config path` prints it.",
        "",
        "- The console and `trigger-tui config add-profile` write it with mode `0600` (the "
        "folder `0700`): it may hold keys. A file other users can read gets a warning with the "
        "`chmod` to run.",
        "- Unknown settings are errors, not ignored: a typo stops the start with the file, the "
        "line and the setting (`broken config file …/config.toml, line 12: "
        "profiles.acme.projct_ref: unknown setting (a typo?)`).",
        "- Query history lives elsewhere, in the state folder (`$XDG_STATE_HOME/trigger-tui/`, "
        "`~/.local/state/trigger-tui/` when unset).",
        "",
        "## Where each value comes from",
        "",
        "Highest first; `trigger-tui config show` prints every resolved value and its source, "
        "keys masked.",
        "",
        "1. **Flags**: `--profile`, `--env`, `--api-url`, `--branch`, `--project-ref`, "
        "`--read-only`.",
        "2. **Environment variables**: " + ", ".join(f"`{v}`" for v in KEY_ENV_VARS)
        + " (the key, first one set wins), `TRIGGER_API_URL`, `TRIGGER_PREVIEW_BRANCH`.",
        "3. **The profile**: `--profile`, else `default_profile`. Inside it, the entry of the "
        "chosen environment (`[profiles.NAME.environments.ENV]`) comes before the profile's own "
        "`key` / `key_env` and `read_only`.",
        f"4. **Defaults**: API `{DEFAULT_BASE_URL}`, environment `{DEFAULT_ENVIRONMENT}`, "
        f"theme `{DEFAULT_THEME}`, read-write.",
        "",
        "Some rules that follow from the code:",
        "",
        "- A secret key opens one environment. With `--env`, a key of another environment is "
        "skipped (and `config show` says so) and the next source is tried.",
        "- Without `--env`, the environment is read from the key's prefix ("
        + ", ".join(f"`{prefix}`" for prefix in KEY_ENVIRONMENTS)
        + "), then the profile's `environment`, then its only `environments` entry, then "
        f"`{DEFAULT_ENVIRONMENT}`.",
        "- `--read-only` can only add protection: a profile's `read_only = false` never undoes "
        "the flag.",
        "- `TRIGGER_ACCESS_TOKEN` holds a personal access token (`tr_pat_…`); it needs a "
        "project ref (`--project-ref` or the profile's `project_ref`).",
        "- Environment names: `dev`, `stg`, `prod`, `preview`; `development`, `staging` and "
        "`production` are accepted and stored short.",
        "",
        "## Annotated example",
        "",
        "```toml",
        EXAMPLE.rstrip("\n"),
        "```",
        "",
    ]
    for section in SECTIONS:
        doc = inspect.cleandoc(section.model.__doc__ or "")
        where = f": `{section.where}`" if section.where else ""
        out += [f"## {section.title}{where}", ""]
        if doc:
            out += [" ".join(doc.split("\n\n")[0].split()), ""]
            rest = doc.split("\n\n")[1:]
            for para in rest:
                out += [" ".join(para.split()), ""]
        out += ["| Setting | Type | Default | Meaning |", "| --- | --- | --- | --- |"]
        out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in field_rows(section.model)]
        out.append("")
        if section.model is Rule:
            out += ["Kinds (`when`): " + ", ".join(f"`{k}`" for k in RULE_KINDS)
                    + ". Details and examples: [wall.md](wall.md#alert-rules).", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
