"""Settings and profiles: a TOML file, environment variables and flags, resolved with provenance.

Precedence is flags > environment variables > profile > defaults, and every resolved value keeps
where it came from so `trigger-tui config show` (and a confused operator) can tell why a key or a
URL was chosen. The file holds keys, so it is written with mode 0600 and an existing file that
others can read gets a warning. A broken file is reported with its path and line, never a trace.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from trigger_tui.keys import DEFAULT_BASE_URL, environment_of_key
from trigger_tui.rules import Alerting, Rule, check_unique

T = TypeVar("T")

ENVIRONMENTS = ("dev", "stg", "prod", "preview")
_ENV_ALIASES = {"development": "dev", "staging": "stg", "production": "prod"}
DEFAULT_ENVIRONMENT = "prod"
DEFAULT_THEME = "dark"  # the shipped themes/dark.toml (Textual's dark colors)
KEY_ENV_VARS = ("TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN")  # the SDK reads them in this order
_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """The settings cannot be used as they are; the message says which file, line and why."""


def normalise_environment(value: str) -> str:
    """`staging` → `stg` and so on; refuses anything that is not an environment slug."""
    slug = _ENV_ALIASES.get(value.strip().lower(), value.strip().lower())
    if slug not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {value!r}: use one of {', '.join(ENVIRONMENTS)}")
    return slug


# --------------------------------------------------------------------------- the file's shape
class _Strict(BaseModel):
    # A typo in the file should be an error with a line number, not a silently ignored key.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class PollIntervals(_Strict):
    """How often the console refreshes each view, in seconds.

    The floor of one second protects the environment's API rate limit (shared with the
    application's own SDK calls) from a typo such as `0.01`; the pollers enforce it too.
    """

    runs_s: float = Field(default=2.0, ge=1.0,
                          description="runs list (one incremental TRQL query per poll)")
    run_detail_s: float = Field(default=2.0, ge=1.0, description="an open run, its trace and logs")
    queues_s: float = Field(default=5.0, ge=1.0, description="queues and concurrency")
    background_s: float = Field(default=30.0, ge=1.0,
                                description="schedules, deployments, tokens, env vars")


class _KeySource(_Strict):
    key: str | None = None
    """The key itself (`tr_prod_…`, or a personal access token `tr_pat_…`), kept in this file."""
    key_env: str | None = None
    """The NAME of an environment variable holding the key (preferred: the key stays out)."""

    @field_validator("key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        looks_like_key = value is not None and value.lower().startswith("tr_")
        if value is not None and (looks_like_key or not _ENV_VAR_NAME.match(value)):
            raise ValueError("key_env is the NAME of an environment variable, e.g. "
                             "TRIGGER_PROD_KEY (not the key itself)")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> _KeySource:
        if self.key and self.key_env:
            raise ValueError("set either key or key_env, not both")
        return self


class EnvironmentSettings(_KeySource):
    """What differs per environment inside one profile: its own key and read-only switch.

    A secret key opens exactly one environment, so a profile that works with dev, stg and prod
    holds one key per environment here; `--env` picks which.
    """

    read_only: bool | None = None
    """Refuse every change in this environment (overrides the profile's `read_only`)."""


class Profile(_KeySource):
    """One Trigger.dev project on one server (Cloud or self-hosted).

    `key` stores a secret key or PAT in the file; `key_env` stores only the NAME of an environment
    variable holding it, which keeps the secret out of the file (preferred).
    """

    api_url: str | None = None
    """The API origin: `https://api.trigger.dev` unless self-hosted (`http://` or `https://`)."""
    project_ref: str | None = None
    """The project ref (`proj_…`): env vars and personal access tokens need it."""
    environment: str | None = None
    """The environment when `--env` is not given and the key's prefix says nothing."""
    branch: str | None = None
    """A preview branch, sent as `x-trigger-branch`."""
    read_only: bool | None = None
    """Refuse every change, in every environment of the profile."""
    theme: str | None = None
    """The color theme for this profile (a `--theme` flag wins)."""
    poll: PollIntervals | None = None
    """How often each view refreshes (see Poll intervals)."""
    environments: dict[str, EnvironmentSettings] = Field(default_factory=dict)
    """One table per environment (dev, stg, prod, preview): its key and read-only switch."""

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("api_url must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("environment")
    @classmethod
    def _default_environment(cls, value: str | None) -> str | None:
        return normalise_environment(value) if value is not None else None

    @field_validator("environments")
    @classmethod
    def _environment_names(
        cls, value: dict[str, EnvironmentSettings]
    ) -> dict[str, EnvironmentSettings]:
        return {normalise_environment(k): v for k, v in value.items()}


class SavedQuery(_Strict):
    """A TRQL query saved from the query console under a name."""

    text: str
    """The TRQL query."""
    period: str | None = None
    """The period it runs over, e.g. `1d` (the console's current one when unset)."""


class WallSettings(_Strict):
    """`[wall]`: the unattended wall-monitor view (`trigger-tui --wall`)."""

    window_min: int = Field(default=60, ge=5, le=720,
                            description="minutes of history each sparkline shows")
    rotate_s: float = Field(default=0.0, ge=0.0,
                            description="show one environment at a time, switching every this "
                            "many seconds (0: side by side)")
    poll_s: float = Field(default=2.0, ge=1.0, description="how often the figures are read")
    dashboards: list[str] = Field(default_factory=list,
                                  description="query dashboards (by key) shown as extra pages")
    dashboard_period: str = Field(default="24h", pattern=r"^\d+[smhdwy]$",
                                  description="the period the dashboard pages cover, e.g. 24h")


class Settings(_Strict):
    """The whole file: named profiles and the one used when `--profile` is not given."""

    default_profile: str | None = None
    """The profile used when `--profile` is not given; it must exist in `profiles`."""
    theme: str | None = None
    """The color theme when neither `--theme` nor the profile names one: dark, light,
    high-contrast, ansi (16 colors) or a file of your own in `<config folder>/themes/`."""
    profiles: dict[str, Profile] = Field(default_factory=dict)
    """Named profiles (`[profiles.NAME]`), one per project and server."""
    queries: dict[str, SavedQuery] = Field(default_factory=dict)
    """Saved TRQL queries by name (`[queries."failures by task"] text = "SELECT …"`)."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Remapped keys by binding id, e.g. `"run.cancel" = "x"` (several keys: `"x,ctrl+x"`).
    The ids are listed in docs/keymap.md and in the help overlay."""
    alerts: list[Rule] = Field(default_factory=list)
    """Alert rules (`[[alerts]]` tables), evaluated in the console and in wall mode."""
    alerting: Alerting = Field(default_factory=Alerting)
    """Where firing alerts are announced besides the screen: bell, desktop, webhook."""
    wall: WallSettings = Field(default_factory=WallSettings)
    """The wall monitor (`trigger-tui --wall`)."""

    @model_validator(mode="after")
    def _default_exists(self) -> Settings:
        if self.default_profile is not None and self.default_profile not in self.profiles:
            raise ValueError(f"default_profile {self.default_profile!r} is not one of the "
                             "profiles in this file")
        check_unique(self.alerts)
        return self


# --------------------------------------------------------------------------- reading and writing
def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/trigger-tui/config.toml`, `~/.config/…` when unset (or relative)."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "trigger-tui" / "config.toml"


@dataclass
class Loaded:
    settings: Settings
    path: Path
    warnings: list[str] = field(default_factory=list)


def load(path: Path) -> Loaded:
    """The settings in `path` (empty when the file does not exist yet)."""
    if not path.exists():
        return Loaded(Settings(), path)
    warnings = []
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        warnings.append(f"{path} can be read by other users (mode {mode:04o}) and may hold keys: "
                        f"run `chmod 600 {path}`")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"broken config file {path}: not UTF-8 text ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_toml_message(path, str(exc))) from None
    try:
        return Loaded(Settings.model_validate(data), path, warnings)
    except ValidationError as exc:
        raise ConfigError(_validation_message(path, text, exc)) from None


def save(settings: Settings, path: Path) -> None:
    """Write atomically with mode 0600 (directory 0700): the file may hold keys."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = settings.model_dump(exclude_none=True, exclude_defaults=True)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(tomli_w.dumps(data).encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


_AT = re.compile(r"^(?P<msg>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def _toml_message(path: Path, raw: str) -> str:
    m = _AT.match(raw)
    if m is None:
        return f"broken config file {path}: {raw}"
    return (f"broken config file {path}, line {m['line']}, column {m['col']}: "
            f"{m['msg'][:1].lower()}{m['msg'][1:]}")


def _validation_message(path: Path, text: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = tuple(str(p) for p in first["loc"])
    line = _line_of(text, loc)
    where = f", line {line}" if line else ""
    dotted = _where(loc, text) or "(top level)"
    message = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting (a typo?)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"broken config file {path}{where}: {dotted}: {message}{more}"


def _where(loc: tuple[str, ...], text: str) -> str:
    """`alerts.0.when` → `alerts[1] ('checkout failing').when`: the table as the file's
    reader counts it (from 1), named when it has a name."""
    if len(loc) < 2 or loc[0] != "alerts" or not loc[1].isdigit():
        return ".".join(loc)
    index = int(loc[1])
    try:
        name = tomllib.loads(text)["alerts"][index].get("name")
    except (tomllib.TOMLDecodeError, KeyError, IndexError, TypeError, AttributeError):
        name = None
    label = f"alerts[{index + 1}]" + (f" ({name!r})" if isinstance(name, str) else "")
    return ".".join((label, *loc[2:]))


_HEADER = re.compile(r"^\s*\[\[?\s*(?P<path>[^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_.\-\"' ]+?)\s*=")


def _split_dotted(raw: str) -> tuple[str, ...]:
    parts = re.findall(r'"([^"]*)"|\'([^\']*)\'|([^.\s]+)', raw)
    return tuple(next((p for p in group if p), "") for group in parts)


def _line_of(text: str, loc: tuple[str, ...]) -> int | None:
    """Best effort: the line defining `loc` (or its table), to point the operator at it."""
    table: tuple[str, ...] = ()
    best: tuple[int, int] | None = None  # (matched depth, line)
    arrays: dict[tuple[str, ...], int] = {}  # [[name]] tables seen so far, by name
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _split_dotted(header["path"])
            if line.lstrip().startswith("[["):  # the n-th [[alerts]] is alerts.<n-1>
                arrays[table] = arrays.get(table, -1) + 1
                table = (*table, str(arrays[table]))
            here = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            here = table + _split_dotted(key["key"])
        if here == loc:
            return number
        if loc[:len(here)] == here and (best is None or len(here) > best[0]):
            best = (len(here), number)
    return best[1] if best else None


# --------------------------------------------------------------------------- resolution
@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    """A resolved value and where it came from ("flag --env", "environment TRIGGER_API_URL"…)."""

    value: T
    source: str


@dataclass(frozen=True, slots=True)
class Flags:
    """The command-line overrides (None = not given)."""

    profile: str | None = None
    env: str | None = None
    api_url: str | None = None
    read_only: bool = False
    branch: str | None = None
    project_ref: str | None = None
    theme: str | None = None


@dataclass(frozen=True)
class Resolved:
    """Everything needed to open a connection, each value with its provenance."""

    profile: Sourced[str | None]
    api_url: Sourced[str]
    key: Sourced[str | None]
    environment: Sourced[str]
    project_ref: Sourced[str | None]
    branch: Sourced[str | None]
    read_only: Sourced[bool]
    theme: Sourced[str]
    poll: Sourced[PollIntervals]
    notes: tuple[str, ...] = ()

    def rows(self) -> list[tuple[str, Any, str]]:
        """(setting, value, source) for display; the caller masks the key."""
        return [(name, getattr(self, name).value, getattr(self, name).source)
                for name in ("profile", "api_url", "key", "environment", "project_ref", "branch",
                             "read_only", "theme", "poll")]


def resolve(settings: Settings, flags: Flags, environ: Mapping[str, str]) -> Resolved:
    """Apply flags > environment variables > profile > defaults."""
    profile_name = _profile_name(settings, flags)
    profile = settings.profiles.get(profile_name.value) if profile_name.value else None
    label = f"profile {profile_name.value!r}"
    wanted_env = normalise_environment(flags.env) if flags.env else None
    env_default = wanted_env or _profile_environment(profile)
    notes: list[str] = []
    key = _key(profile, label, wanted_env, env_default, environ, notes)
    environment = _environment(flags, key, profile, label)
    per_env = profile.environments.get(environment.value) if profile else None
    return Resolved(
        profile=profile_name,
        api_url=_first(
            (flags.api_url and flags.api_url.rstrip("/"), "flag --api-url"),
            (environ.get("TRIGGER_API_URL", "").rstrip("/"), "environment TRIGGER_API_URL"),
            (profile and profile.api_url, label),
            default=(DEFAULT_BASE_URL, "default")),
        key=key,
        environment=environment,
        project_ref=_first((flags.project_ref, "flag --project-ref"),
                           (profile and profile.project_ref, label), default=(None, "not set")),
        branch=_first((flags.branch, "flag --branch"),
                      (environ.get("TRIGGER_PREVIEW_BRANCH"), "environment TRIGGER_PREVIEW_BRANCH"),
                      (profile and profile.branch, label), default=(None, "not set")),
        read_only=_read_only(flags, per_env, profile, label, environment.value),
        theme=_first((flags.theme, "flag --theme"), (profile and profile.theme, label),
                     (settings.theme, "theme in the config file"),
                     default=(DEFAULT_THEME, "default")),
        poll=_first((profile and profile.poll, label), default=(PollIntervals(), "default")),
        notes=tuple(notes),
    )


def _first(*candidates: tuple[Any, str], default: tuple[Any, str]) -> Sourced[Any]:
    for value, source in candidates:
        if value not in (None, "", False):
            return Sourced(value, source)
    return Sourced(*default)


def _profile_name(settings: Settings, flags: Flags) -> Sourced[str | None]:
    if flags.profile:
        if flags.profile not in settings.profiles:
            known = ", ".join(sorted(settings.profiles)) or "none yet"
            raise ConfigError(f"no profile named {flags.profile!r} (profiles: {known}); add one "
                              "with `trigger-tui config add-profile`")
        return Sourced(flags.profile, "flag --profile")
    if settings.default_profile:
        return Sourced(settings.default_profile, "default_profile in the config file")
    return Sourced(None, "no profile")


def _profile_environment(profile: Profile | None) -> str | None:
    """The environment whose key a profile offers when `--env` is not given: its default
    environment, else its only per-environment entry, else prod."""
    if profile is None:
        return None
    if profile.environment:
        return profile.environment
    if len(profile.environments) == 1:
        return next(iter(profile.environments))
    return DEFAULT_ENVIRONMENT


def _key(profile: Profile | None, label: str, wanted_env: str | None, env_default: str | None,
         environ: Mapping[str, str], notes: list[str]) -> Sourced[str | None]:
    """The first usable key; with an explicit `--env`, keys of another environment are skipped."""
    candidates: list[_KeySource | str] = list(KEY_ENV_VARS)
    labels = [f"environment {name}" for name in KEY_ENV_VARS]
    if profile is not None:
        specific = profile.environments.get(env_default) if env_default else None
        if specific is not None:
            candidates.append(specific)
            labels.append(f"{label} (environment {env_default})")
        candidates.append(profile)
        labels.append(label)
    for candidate, source in zip(candidates, labels, strict=True):
        if isinstance(candidate, str):
            value = environ.get(candidate)
        else:
            value, source = _from_source(candidate, source, environ, notes)
        if not value:
            continue
        key_env = environment_of_key(value)
        if wanted_env and key_env and key_env != wanted_env:
            notes.append(f"skipped the {key_env} key from {source}: --env asks for {wanted_env}")
            continue
        return Sourced(value, source)
    return Sourced(None, "not set")


def _from_source(src: _KeySource, label: str, environ: Mapping[str, str],
                 notes: list[str]) -> tuple[str | None, str]:
    if src.key_env:
        value = environ.get(src.key_env)
        if not value:
            notes.append(f"{label} reads its key from ${src.key_env}, which is not set")
        return value, f"{label} via ${src.key_env}"
    return src.key, label


def _environment(flags: Flags, key: Sourced[str | None], profile: Profile | None,
                 label: str) -> Sourced[str]:
    if flags.env:
        return Sourced(normalise_environment(flags.env), "flag --env")
    inferred = environment_of_key(key.value) if key.value else None
    if inferred:
        return Sourced(inferred, f"the key's prefix ({key.source})")
    if profile is not None and profile.environment:
        return Sourced(profile.environment, label)
    if profile is not None and len(profile.environments) == 1:
        return Sourced(next(iter(profile.environments)), f"{label} (its only environment)")
    return Sourced(DEFAULT_ENVIRONMENT, "default")


def _read_only(flags: Flags, per_env: EnvironmentSettings | None, profile: Profile | None,
               label: str, environment: str) -> Sourced[bool]:
    if flags.read_only:
        return Sourced(True, "flag --read-only")
    if per_env is not None and per_env.read_only is not None:
        return Sourced(per_env.read_only, f"{label} (environment {environment})")
    if profile is not None and profile.read_only is not None:
        return Sourced(profile.read_only, label)
    return Sourced(False, "default")
