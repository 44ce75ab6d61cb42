"""What the console showed last, per profile and environment, for the next launch.

The operator who left the runs pane filtered on failures of one task, sorted by duration, finds
it that way again. Only view settings are kept, never data or secrets: the open pane, the runs
filter, sort and columns, the waitpoint tokens pane's status and tags filter. Keys, env var
values and payloads never reach this file; a filter text or tag that looks like an API key is
not written either (someone pasted the wrong thing into `/`).

The file is `$XDG_STATE_HOME/trigger-tui/last_view.json` (the state folder, not the config
file: it changes as the console is used and nobody edits it), written whole to a temporary file
and moved into place, mode 0600. Several consoles may run at once (one per profile): each save
re-reads the file and replaces only its own entry.

Reading is forgiving: a missing file is the defaults; a corrupt, unreadable or foreign file is
the defaults and one warning; a field of the wrong type is dropped with a warning; a pane,
column or sort name this version does not know (an older or newer release wrote it) is dropped
quietly. Writing never raises: a read-only home or a full disk is reported once and then the
console carries on without memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from trigger_tui.api.models.tokens import TOKEN_STATUSES
from trigger_tui.state.filters import RunFilter, TrqlFilterError
from trigger_tui.state.query import state_dir

__all__ = ["FILE_NAME", "MAX_ENTRIES", "Names", "RunsView", "TokensView", "View", "ViewMemory",
           "ViewKey", "memory_key", "state_dir"]

FILE_NAME = "last_view.json"
VERSION = 1
MAX_ENTRIES = 32  # profiles × environments one person uses; the oldest are forgotten
_SECRET = re.compile(r"tr_(?:dev|stg|prod|preview|pat)_[A-Za-z0-9]{8,}")

ViewKey = tuple[str, str]  # (profile, environment)


def memory_key(profile: str | None, environment: str, *, demo: bool = False) -> ViewKey:
    """The demo is the profile "demo"; a key from the environment (no profile) is ""."""
    return ("demo" if demo else (profile or ""), environment or "")


@dataclass(frozen=True, slots=True)
class RunsView:
    filter: RunFilter = field(default_factory=RunFilter)
    sort: str = "created"
    descending: bool = True
    columns: tuple[str, ...] | None = None  # None: the table's default set


@dataclass(frozen=True, slots=True)
class TokensView:
    status: str | None = None  # None: every status
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class View:
    pane: str | None = None  # None: the first pane
    runs: RunsView = field(default_factory=RunsView)
    tokens: TokensView = field(default_factory=TokensView)


@dataclass(frozen=True, slots=True)
class Names:
    """The names this version knows; anything else read from the file is dropped."""

    panes: Collection[str] = ()
    columns: Collection[str] = ()
    sorts: Collection[str] = ()


# --------------------------------------------------------------------------- to and from JSON
def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d is not None else None


def _secret(text: str) -> bool:
    return bool(_SECRET.search(text))


def view_to_json(view: View) -> dict[str, Any]:
    f = view.runs.filter
    text = "" if _secret(f.text) else f.text
    runs: dict[str, Any] = {
        "filter": {"text": text, "statuses": sorted(f.statuses), "tasks": sorted(f.tasks),
                   "tags": sorted(t for t in f.tags if not _secret(t)), "period": f.period,
                   "from": _iso(f.from_), "to": _iso(f.to), "queue": f.queue,
                   "version": f.version, "root_only": f.root_only},
        "sort": view.runs.sort, "descending": view.runs.descending,
        "columns": list(view.runs.columns) if view.runs.columns is not None else None}
    tokens = {"status": view.tokens.status,
              "tags": [t for t in view.tokens.tags if not _secret(t)]}
    return {"pane": view.pane, "runs": runs, "tokens": tokens}


class _Reader:
    """Reads one entry field by field; a bad field is dropped and noted, never fatal."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self.problems: list[str] = []

    def bad(self, what: str) -> None:
        self.problems.append(what)

    def strings(self, value: Any, what: str) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad(what)
            return None
        return tuple(value)

    def view(self, raw: Mapping[str, Any]) -> View:
        pane = raw.get("pane")
        if pane is not None and not isinstance(pane, str):
            self.bad("pane")
            pane = None
        if pane is not None and pane not in self.names.panes:
            pane = None  # a pane this version does not have
        runs = raw.get("runs")
        tokens = raw.get("tokens")
        return View(pane=pane,
                    runs=self.runs(runs) if isinstance(runs, dict) else self._absent(runs, "runs",
                                                                                    RunsView()),
                    tokens=(self.tokens(tokens) if isinstance(tokens, dict)
                            else self._absent(tokens, "tokens", TokensView())))

    def _absent(self, value: Any, what: str, default: Any) -> Any:
        if value is not None:
            self.bad(what)
        return default

    def runs(self, raw: Mapping[str, Any]) -> RunsView:
        out = RunsView()
        sort, descending = raw.get("sort"), raw.get("descending")
        if isinstance(sort, str) and isinstance(descending, bool):
            if sort in self.names.sorts:
                out = replace(out, sort=sort, descending=descending)
        elif sort is not None or descending is not None:
            self.bad("runs sort")
        columns = raw.get("columns")
        if columns is not None:
            names = self.strings(columns, "runs columns")
            known = tuple(c for c in names or () if c in self.names.columns)
            if known:
                out = replace(out, columns=known)
        f = raw.get("filter")
        if isinstance(f, dict):
            out = replace(out, filter=self.run_filter(f))
        elif f is not None:
            self.bad("runs filter")
        return out

    def run_filter(self, raw: Mapping[str, Any]) -> RunFilter:
        try:
            text, period, queue, version = (raw.get(k) for k in ("text", "period", "queue",
                                                                 "version"))
            for v in (text, period, queue, version):
                if v is not None and not isinstance(v, str):
                    raise TypeError
            lists = {k: self.strings(raw.get(k, []), f"runs filter {k}")
                     for k in ("statuses", "tasks", "tags")}
            if any(v is None for v in lists.values()):
                raise TypeError
            root_only = raw.get("root_only", False)
            if not isinstance(root_only, bool):
                raise TypeError
            when = {k: (datetime.fromisoformat(v) if isinstance(v, str) else None)
                    for k, v in (("from_", raw.get("from")), ("to", raw.get("to")))}
            return RunFilter(text=text or "", statuses=frozenset(lists["statuses"] or ()),
                             tasks=frozenset(lists["tasks"] or ()),
                             tags=frozenset(lists["tags"] or ()), period=period,
                             queue=queue, version=version, root_only=root_only, **when)
        except (TypeError, ValueError, TrqlFilterError):
            # An unknown status (a newer release), a bad period or date: the whole filter
            # goes, since half of it could show a misleading view.
            self.bad("runs filter")
            return RunFilter()

    def tokens(self, raw: Mapping[str, Any]) -> TokensView:
        status = raw.get("status")
        if status is not None and (not isinstance(status, str) or status not in TOKEN_STATUSES):
            if not isinstance(status, str):
                self.bad("tokens status")
            status = None
        tags = self.strings(raw.get("tags", []), "tokens tags") or ()
        return TokensView(status=status, tags=tags)


# --------------------------------------------------------------------------- the file
class ViewMemory:
    """The memory file of one console. `load` once at start, `save` on every change (it
    writes only when the view differs from the last one written).

    With `fresh` nothing is read (the console starts on its defaults) but saves still happen:
    what the operator does in a fresh launch is the newest state to come back to.
    """

    def __init__(self, folder: Path | None = None, *, fresh: bool = False,
                 clock: Any = time.time) -> None:
        self.folder = folder if folder is not None else state_dir()
        self.fresh = fresh
        self.clock = clock
        self.failed = False  # a write failed: the console said so once, and stops trying
        self._written: dict[ViewKey, View] = {}

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    # ------------------------------------------------------------------ reading
    def load(self, key: ViewKey, names: Names) -> tuple[View, str | None]:
        """The view remembered for `key` (defaults when none) and at most one warning.
        It is also the baseline: nothing is written until the view differs from it, so a
        launch that changes nothing (`--fresh` included) leaves the file as it was."""
        self._written[key] = View()
        if self.fresh:
            return View(), None
        entries, problem = self._read()
        warning = f"{self.path}: {problem}; starting with the default view" if problem else None
        for raw in entries:
            if (raw.get("profile"), raw.get("environment")) == key:
                reader = _Reader(names)
                view = reader.view(raw)
                if reader.problems and warning is None:
                    warning = (f"{self.path}: ignored {', '.join(dict.fromkeys(reader.problems))}"
                               " (not understood)")
                self._written[key] = view
                return view, warning
        return View(), warning

    def _read(self) -> tuple[list[dict[str, Any]], str | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], None
        except (OSError, UnicodeDecodeError) as exc:
            return [], f"could not read it ({type(exc).__name__})"
        try:
            data = json.loads(text)
        except ValueError:
            return [], "not valid JSON"
        if not isinstance(data, dict) or not isinstance(data.get("views"), list):
            return [], "not a view memory file"
        if data.get("version") != VERSION:
            return [], f"written by another version (format {data.get('version')!r})"
        return [e for e in data["views"] if isinstance(e, dict)], None

    # ------------------------------------------------------------------ writing
    def save(self, key: ViewKey, view: View) -> str | None:
        """Write `view` for `key` if it changed. Returns an error message the first time a
        write fails (then never again, and nothing more is written)."""
        if self.failed or self._written.get(key) == view:
            return None
        entries, _ = self._read()  # another console's entries stay; a broken file is replaced
        mine = {"profile": key[0], "environment": key[1], "saved_at": round(self.clock(), 3),
                **view_to_json(view)}
        others = [e for e in entries if (e.get("profile"), e.get("environment")) != key]
        doc = {"version": VERSION, "views": [mine, *others][:MAX_ENTRIES]}
        try:
            self._write(json.dumps(doc, indent=1, sort_keys=True) + "\n")
        except OSError as exc:
            self.failed = True
            reason = exc.strerror or type(exc).__name__
            return f"Could not save the view for next time ({self.path}: {reason})"
        self._written[key] = view
        return None

    def _write(self, text: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{FILE_NAME}-", dir=self.folder)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
            raise
