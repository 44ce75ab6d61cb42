"""Environment variables: the poller, the mutations, `.env` import previews and env diffs.

Values are secrets in all but name, so this module never logs a value and never puts one in
an `ActionResult` message: messages name variables, never what they hold. Values the API marks
secret come back as "<redacted>" and can be neither revealed nor compared.

Reading another environment's variables needs a personal access token (any environment of
the project) or that environment's own key. `reader_for` picks the session's client when it
can, a PAT client in the demo (the emulator accepts its demo PAT), and None otherwise, so the
diff says what it needs instead of failing with a 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trigger_tui.api import errors as E
from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.keys import redact
from trigger_tui.state.actions import ActionResult, failed_result, read_only_result
from trigger_tui.state.pollers import Poller
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

KIND = "envvars"
SUPPORT = "unsupported"  # collection: poller name -> True when the server lacks the routes
REDACTED = "<redacted>"
MASK = "••••••••"  # fixed width: a mask must not leak the value's length
ENV_SLUGS = ("dev", "stg", "prod")
NEEDS_CREDENTIALS = "needs a PAT or that environment's key"
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def mask(var: EnvVar) -> str:
    """What a hidden value looks like; a secret stays "<redacted>" (there is nothing else)."""
    return REDACTED if var.value == REDACTED else MASK


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


class EnvVarsPoller(Poller):
    """The variables of the session's environment into `store.collection("envvars")`,
    keyed by name. Without a project ref nothing is read (the pane explains how to set one);
    a server without the routes is recorded in `store.collection("unsupported")`."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 15.0,
                 name: str = "envvars", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)

    async def _poll(self) -> None:
        ref, env = self.client.options.project_ref, self.client.environment
        if ref is None or env is None:
            return
        try:
            variables = await self.client.envvars.list(ref, env)
        except E.NotSupportedError:
            self.store.put(SUPPORT, self.name, True)
            return
        self.store.upsert(KIND, variables, key="name", replace_all=True)


# --------------------------------------------------------------------------- .env files
class DotenvError(ValueError):
    """A line of a `.env` file that is not `NAME=value` (the message never holds a value)."""


def parse_dotenv(text: str) -> dict[str, str]:
    """`NAME=value` lines: `export ` prefixes, comments, blank lines, single or double quotes
    (double-quoted values get `\\n` escapes), inline ` #` comments on unquoted values."""
    out: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not valid_name(name):
            raise DotenvError(f"line {number}: expected NAME=value")
        out[name] = _unquote(value.strip(), number)
    return out


def read_dotenv(path: str) -> dict[str, str]:
    """A local `.env` file, parsed (small and local: read at once, not streamed)."""
    return parse_dotenv(Path(path).expanduser().read_text(encoding="utf-8"))


def _unquote(value: str, number: int) -> str:
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        if end < 0:
            raise DotenvError(f"line {number}: unterminated quote")
        inner = value[1:end]
        return inner.replace("\\n", "\n") if quote == '"' else inner
    comment = value.find(" #")
    return (value[:comment] if comment >= 0 else value).strip()


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    state: str  # new | changed | unchanged | secret (a redacted value cannot be compared)


def import_preview(current: Iterable[EnvVar], incoming: dict[str, str]) -> list[Change]:
    """What importing `incoming` would do to the environment, by name."""
    have = {v.name: v for v in current}
    out = []
    for name in sorted(incoming):
        old = have.get(name)
        if old is None:
            state = "new"
        elif old.value == REDACTED:
            state = "secret"
        else:
            state = "unchanged" if old.value == incoming[name] else "changed"
        out.append(Change(name, state))
    return out


def to_send(preview: list[Change], incoming: dict[str, str], *,
            override: bool) -> dict[str, str]:
    """Without override only new names are sent (the API refuses an import that touches an
    existing one); with it, everything that may differ. Unchanged values are never sent."""
    states = ("new", "changed", "secret") if override else ("new",)
    return {c.name: incoming[c.name] for c in preview if c.state in states}


# --------------------------------------------------------------------------- diff
@dataclass(frozen=True, slots=True)
class DiffRow:
    name: str
    left: EnvVar | None
    right: EnvVar | None
    state: str  # missing-left | missing-right | different | same | secret


def diff(left: Iterable[EnvVar], right: Iterable[EnvVar]) -> list[DiffRow]:
    """Names of both environments, side by side; missing and different ones first."""
    a = {v.name: v for v in left}
    b = {v.name: v for v in right}
    rows = []
    for name in sorted(a.keys() | b.keys()):
        x, y = a.get(name), b.get(name)
        if x is None:
            state = "missing-left"
        elif y is None:
            state = "missing-right"
        elif REDACTED in (x.value, y.value):
            state = "secret"
        else:
            state = "same" if x.value == y.value else "different"
        rows.append(DiffRow(name, x, y, state))
    order = {"missing-left": 0, "missing-right": 0, "different": 1, "secret": 2, "same": 3}
    return sorted(rows, key=lambda r: (order[r.state], r.name))


def reader_for(session: Any, env: str) -> TriggerClient | None:
    """A client that may read `env`'s variables: the session's own for its environment or a
    PAT session; in the demo, a PAT client over the same in-process emulator. The caller
    closes a client that is not `session.client`."""
    client: TriggerClient = session.client
    if env == client.environment or client.is_pat:
        return client
    if session.world is None:
        return None
    from dataclasses import replace

    from trigger_tui.api.client import TriggerClient as Client
    from trigger_tui.emulator.world import DEMO_PAT

    return Client(replace(client.options, key=DEMO_PAT, read_only=True))


@dataclass(frozen=True, slots=True)
class DiffResult:
    rows: list[DiffRow]
    message: str = ""  # why there are no rows (unsupported, needs credentials, an error)


async def load_diff(session: Any, env: str, other: str) -> DiffResult:
    """Both environments' variables, compared. Never raises."""
    ref = session.project_ref
    if ref is None:
        return DiffResult([], "no project ref: set one in the profile (project_ref)")
    sides: list[list[EnvVar]] = []
    for slug in (env, other):
        client = reader_for(session, slug)
        if client is None:
            return DiffResult([], f"reading {slug} {NEEDS_CREDENTIALS}")
        try:
            sides.append(await client.envvars.list(ref, slug))
        except E.NotSupportedError:
            return DiffResult([], "not supported by this server")
        except E.TriggerError as exc:
            return DiffResult([], f"reading {slug} failed: {exc}")
        finally:
            if client is not session.client:
                await client.aclose()
    return DiffResult(diff(sides[0], sides[1]))


# --------------------------------------------------------------------------- actions
class EnvVarActions:
    """Create, update, delete and import for the session's environment. Results name the
    variables only; after a success the variable is written to the Store at once (masked
    the same way the API would show it) and the poller's next read confirms it."""

    def __init__(self, client: TriggerClient, store: Store) -> None:
        self.client = client
        self.store = store

    @property
    def where(self) -> tuple[str | None, str | None]:
        return self.client.options.project_ref, self.client.environment

    async def set(self, name: str, value: str, *, secret: bool = False) -> ActionResult:
        """Create or overwrite `name` (create overwrites on this API, so one call serves)."""
        what = f"set {name}"
        if not valid_name(name):
            return ActionResult(False, f"{what}: not a valid variable name")
        ref, env = self.where
        if ref is None or env is None:
            return ActionResult(False, f"{what}: no project ref or environment")
        if self.client.read_only:
            return read_only_result(what)
        existing = self.store.collection(KIND).get(name)
        try:
            if existing is not None and not secret:
                await self.client.envvars.update(ref, env, name, value)
            else:
                await self.client.envvars.create(ref, env, name, value, is_secret=secret)
        except Exception as exc:  # a server may echo the body: the value stays out of it
            failed = failed_result(what, exc, repeatable=True)
            return ActionResult(False, redact(failed.message, value))
        self.store.upsert(KIND, [self._shown(name, value, secret=secret)], key="name")
        return ActionResult(True, f"{name} set in {env}")

    def _shown(self, name: str, value: str, *, secret: bool = False) -> EnvVar:
        """The variable as the API will list it: a secret (new or already) is redacted."""
        old = self.store.collection(KIND).get(name)
        secret = secret or (old is not None and old.is_secret)
        return EnvVar(name=name, value=REDACTED if secret else value, is_secret=secret)

    async def delete(self, name: str) -> ActionResult:
        what = f"delete {name}"
        ref, env = self.where
        if ref is None or env is None:
            return ActionResult(False, f"{what}: no project ref or environment")
        if self.client.read_only:
            return read_only_result(what)
        try:
            await self.client.envvars.delete(ref, env, name)
        except Exception as exc:
            return failed_result(what, exc, repeatable=True)
        self.store.remove(KIND, [name])
        return ActionResult(True, f"{name} deleted from {env}")

    async def import_vars(self, variables: dict[str, str], *, override: bool) -> ActionResult:
        what = f"import {len(variables)} variables"
        ref, env = self.where
        if ref is None or env is None:
            return ActionResult(False, f"{what}: no project ref or environment")
        if not variables:
            return ActionResult(True, "nothing to import: every variable is unchanged")
        if self.client.read_only:
            return read_only_result(what)
        try:
            await self.client.envvars.upload(ref, env, variables, override=override)
        except Exception as exc:  # a server may echo the body: the values stay out of it
            message = failed_result(what, exc, repeatable=override).message
            for value in variables.values():
                message = redact(message, value)
            return ActionResult(False, message)
        self.store.upsert(KIND, [self._shown(n, v) for n, v in variables.items()], key="name")
        return ActionResult(True, f"{len(variables)} variables imported into {env}")
