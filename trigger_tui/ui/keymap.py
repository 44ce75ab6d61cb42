"""The one table of key bindings, collected from the classes that declare them.

Each screen and widget declares its keys in its own `BINDINGS`, every one with an `id`
(`runs.cancel`, `list.down` …). This module gathers them, so the help overlay, `docs/keymap.md`
and a user's remapping (the `[keymap]` table of the config file, binding id → keys, handed to
Textual's `App.set_keymap`) all speak of the same bindings. `check_keymap` says, before the
console starts, which entries of a user's table cannot work as written.

`python -m trigger_tui.ui.keymap` prints the Markdown for `docs/keymap.md`.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.keys import (
    KEY_NAME_REPLACEMENTS,
    Keys,
    _character_to_key,
    format_key,
    key_to_character,
)

# Where bindings are declared: the app first, then every screen and widget module. Modules are
# discovered rather than listed, so a screen another engineer adds shows up in help by itself;
# a module that fails to import is skipped (help must never break the console).
PACKAGES = ("trigger_tui.ui.screens", "trigger_tui.ui.widgets", "trigger_tui.ui.wall")
WALL_PACKAGE = "trigger_tui.ui.wall"

# Moving through a list is the same everywhere, so it is one set of ids: remapping `list.down`
# moves every table, the trace and the help overlay at once, and the docs list it once.
LIST_SCOPE = "Lists"
LIST_IDS = ("list.down", "list.up", "list.top", "list.bottom")

# Widgets and the screens they live in: a focused widget's binding shadows its screen's one for
# the same key, which only this map tells `check_keymap` (the DOM is built at run time).
HOSTS: dict[str, tuple[str, ...]] = {
    "RunsTable": ("RunsScreen",),
    "ResultsTable": ("QueryScreen", "DashboardScreen"),
    "Waterfall": ("RunDetailScreen",),
    "JsonView": ("RunDetailScreen",),
}

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
KEY_NAMES = frozenset(k.value for k in Keys if "+" not in k.value and not k.value.startswith("<"))


def list_bindings(down: str, up: str, top: str, bottom: str, *,
                  priority_ends: bool = False) -> list[Binding]:
    """The vim-style moves (`j`/`k`/`g`/`G`, arrows, Home/End) bound to a list's own actions.

    `priority_ends` lets a screen's Home/End win over a focused DataTable, whose own Home/End
    scroll sideways rather than to the first and last row."""
    return [
        Binding("j,down", down, "Move down", show=False, id="list.down"),
        Binding("k,up", up, "Move up", show=False, id="list.up"),
        Binding("g,home", top, "Go to the top", show=False, id="list.top", priority=priority_ends),
        Binding("G,end", bottom, "Go to the bottom", show=False, id="list.bottom",
                priority=priority_ends),
    ]


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One binding as the operator reads it."""

    scope: str
    keys: str  # comma-separated, as Textual writes them ("j,down")
    description: str
    id: str
    action: str
    shown: bool  # in the footer


def _classes() -> list[type]:
    """Classes declaring BINDINGS: the app, then screens and widgets by module name."""
    modules = ["trigger_tui.ui.app"]
    for package in PACKAGES:
        pkg = importlib.import_module(package)
        modules += sorted(m.name for m in pkgutil.iter_modules(pkg.__path__, package + "."))
    found: list[type] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a broken sibling module must not break help
            continue
        for value in vars(module).values():
            if (isinstance(value, type) and value.__module__ == name
                    and "BINDINGS" in vars(value)):
                found.append(value)
    return found


def scope_of(cls: type) -> str:
    """`HELP_SCOPE` if the class itself names one, else its name in words (`RunsTable` → Runs
    table). Not inherited: a pane's base class must not lend the pane its heading."""
    scope = vars(cls).get("HELP_SCOPE")
    if isinstance(scope, str):
        return scope
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__.removesuffix("Screen")).split()
    return " ".join([words[0], *(w.lower() for w in words[1:])]) if words else cls.__name__


def declared(cls: type) -> list[Binding]:
    """The bindings a class declares itself, one per declaration (keys still comma-joined)."""
    out: list[Binding] = []
    for item in vars(cls).get("BINDINGS", ()):
        if isinstance(item, Binding):
            out.append(item)
        else:
            out += Binding.make_bindings([item])
    return out


def has_list_keys(cls: type) -> bool:
    """Whether `cls` (or a class it inherits from) moves through a list with the shared ids."""
    return any(b.id in LIST_IDS for base in cls.__mro__ for b in declared(base))


def all_bindings(keymap: Mapping[str, str] | None = None) -> list[KeyEntry]:
    """Every binding with an id, keys as remapped by `keymap` (binding id → keys).

    The shared list moves come once, in their own scope right after the app's keys."""
    remap = keymap or {}
    entries: list[KeyEntry] = []
    lists: dict[str, KeyEntry] = {}
    for cls in _classes():
        scope = scope_of(cls)
        seen: dict[str, KeyEntry] = {}
        for b in declared(cls):
            if not b.id or b.system or b.id in seen:
                continue
            entry = KeyEntry(scope, remap.get(b.id, b.key), b.description, b.id, b.action,
                             b.show)
            if b.id in LIST_IDS:
                lists.setdefault(b.id, KeyEntry(LIST_SCOPE, entry.keys, b.description, b.id,
                                                "", False))
                continue
            seen[b.id] = entry
        entries.extend(seen.values())
    shared = [lists[i] for i in LIST_IDS if i in lists]
    cut = next((n for n, e in enumerate(entries) if e.scope != entries[0].scope), len(entries))
    return entries[:cut] + shared + entries[cut:]


_NAMES = {"down": "↓", "up": "↑", "left": "←", "right": "→", "escape": "esc",
          "space": "space", "enter": "enter", "pagedown": "PgDn", "pageup": "PgUp",
          "home": "Home", "end": "End", "tab": "tab", "delete": "Del", "backspace": "⌫"}


def display_key(key: str) -> str:
    """`question_mark` → `?`, `ctrl+home` → `ctrl+Home`. Shift with a letter is how Textual
    names the capital (`G`), so `G` is written `G`, never `shift+g`."""
    *mods, base = key.strip().split("+")
    shown = _NAMES.get(base, base)
    if shown == base and len(base) > 1 and len(format_key(base)) == 1:
        shown = format_key(base)  # question_mark → ?, slash → /
    return "+".join([*mods, shown])


def display_keys(keys: str) -> str:
    """`j,down` → `j, ↓`: how the help overlay and the docs write keys (not `/`, a key too)."""
    return ", ".join(display_key(k) for k in keys.split(","))


def markdown(keymap: Mapping[str, str] | None = None) -> str:
    """`docs/keymap.md`: one table per scope."""
    lines = ["# Keys", "",
             "Generated by `python -m trigger_tui.ui.keymap > docs/keymap.md` from the bindings "
             "the screens declare; a test fails when this file is stale.", "",
             "Remap any key by its id in the `[keymap]` table of the config file, for "
             'example `"runs.cancel" = "x"` or `"list.down" = "j,down,ctrl+down"` (several '
             "keys are separated by commas). The moves under *Lists* work in every table, "
             "the trace waterfall, the JSON view and this help. Problems with a remapping (an "
             "unknown id, a key name Textual does not know, two actions on one key) are "
             "reported when the console starts and by `trigger-tui config check`.", ""]
    scope = None
    for e in all_bindings(keymap):
        if e.scope != scope:
            scope = e.scope
            lines += ["", f"## {scope}", "", "| Keys | Does | Id |", "| --- | --- | --- |"]
        keys = display_keys(e.keys).replace("|", "\\|")
        lines.append(f"| `{keys}` | {e.description} | `{e.id}` |")
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


# ---------------------------------------------------------------------- checking a user keymap
def key_problem(key: str) -> str | None:
    """Why `key` (one key, as in a binding) can never fire, or None when Textual knows it."""
    if not key:
        return "an empty key"
    *mods, base = key.split("+")
    if not base:
        return f"`{key}` has no key after the modifier"
    unknown = [m for m in mods if m not in MODIFIERS]
    if unknown:
        return f"`{unknown[0]}` in `{key}` is not a modifier (ctrl, shift, alt, meta)"
    if mods == ["shift"] and len(base) == 1 and base.isalpha():
        return f"terminals send `{base.upper()}` for `{key}`: write `{base.upper()}`"
    if len(base) == 1 and base.isprintable():
        return None
    if (base in KEY_NAMES or base in KEY_NAME_REPLACEMENTS.values()
            or key_to_character(base) is not None):
        return None
    close = ([base.lower()] if base.lower() in KEY_NAMES
             else difflib.get_close_matches(base, sorted(KEY_NAMES), n=1))
    hint = f" (did you mean `{'+'.join([*mods, close[0]])}`?)" if close else ""
    return f"`{key}` is not a key name{hint}"


def _normalise(keys: str) -> list[str]:
    """Keys as Textual will read them: `?` is `question_mark`, spaces around commas go."""
    out = []
    for key in keys.split(","):
        key = key.strip()
        out.append(_character_to_key(key) if len(key) == 1 else key)
    return out


@dataclass(frozen=True, slots=True)
class _Bound:
    """One binding of one key in one class, after the user's remapping."""

    key: str
    id: str | None
    description: str
    priority: bool
    remapped: bool

    @property
    def name(self) -> str:
        return f"{self.description} ({self.id})" if self.id else self.description


def _effective(cls: type, keymap: Mapping[str, list[str]]) -> dict[str, list[_Bound]]:
    """key → bindings of `cls` once Textual has merged its bases and applied `keymap`.

    Like Textual, a subclass's binding replaces an inherited one for the same key, and a
    remapped binding leaves its old keys."""
    merged: dict[str, list[Binding]] = {}
    for base in reversed(cls.__mro__):
        per_key: dict[str, list[Binding]] = {}
        for b in declared(base):
            for one in Binding.make_bindings([b]):
                per_key.setdefault(one.key, []).append(one)
        merged.update(per_key)
    out: dict[str, list[_Bound]] = {}
    moved: dict[str, Binding] = {}
    for key, bindings in merged.items():
        for b in bindings:
            if b.id and b.id in keymap:
                moved.setdefault(b.id, b)
            else:
                out.setdefault(key, []).append(_Bound(key, b.id, b.description, b.priority,
                                                      False))
    for binding_id, b in moved.items():
        for key in keymap[binding_id]:
            out.setdefault(key, []).append(_Bound(key, binding_id, b.description, b.priority,
                                                  True))
    return out


@dataclass(slots=True)
class KeymapCheck:
    """What a user's `[keymap]` table does: the findings to show, and the entries to apply."""

    findings: list[str] = field(default_factory=list)
    usable: dict[str, str] = field(default_factory=dict)


def _abstract(cls: type, classes: Sequence[type]) -> bool:
    """A base that is never shown itself (TablePane): its keys are checked in its panes."""
    return "compose" not in vars(cls) and any(c is not cls and issubclass(c, cls)
                                              for c in classes)


def check_keymap(keymap: Mapping[str, str], *, wall: bool = False,
                 classes: Sequence[type] | None = None) -> KeymapCheck:
    """Check a user's remapping against the bindings of the console (or of the wall).

    Finds ids no binding has (with the closest id), keys Textual cannot name, and keys that
    would do two things in one place: two bindings of one screen or widget, a widget and the
    screen it sits in, or a screen and the app (whose binding the screen shadows). Only
    conflicts a remapped binding takes part in are reported; the shipped keys shadow one
    another on purpose (`esc` closes a dialog rather than going back). Entries with an unknown
    id or an impossible key are left out of `usable`; the rest apply as the user wrote them."""
    found = list(classes) if classes is not None else _classes()
    known = {b.id for cls in found for b in declared(cls) if b.id}
    check = KeymapCheck()
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            check.findings.append(f"`{binding_id}` is not a binding id{hint}")
            continue
        problems = [p for k in _normalise(str(keys)) if (p := key_problem(k))]
        if problems:
            check.findings.append(f"`{binding_id}` = \"{keys}\": {problems[0]}; it keeps its "
                                  "usual key")
            continue
        check.usable[binding_id] = str(keys)
    shipped = {b.id: set(_normalise(b.key)) for cls in reversed(found) for b in declared(cls)}
    # A binding given its shipped keys again has not moved: it cannot start a conflict.
    remap = {i: moved for i, k in check.usable.items()
             if set(moved := _normalise(k)) != shipped.get(i)}
    mine = [c for c in found if c.__module__.startswith(WALL_PACKAGE) == wall]
    apps = [c for c in mine if issubclass(c, App)]
    places = [c for c in mine if not _abstract(c, mine)]
    by_name = {c.__name__: c for c in mine}
    effective = {c: _effective(c, remap) for c in mine}
    clashes: dict[tuple[str, str, str, str], list[str]] = {}

    def clash(inner: _Bound, outer: _Bound, where: str) -> None:
        if inner.id is not None and inner.id == outer.id:
            return
        if not (inner.remapped or outer.remapped):
            return
        winner = outer if outer.priority and not inner.priority else inner
        first, second = sorted((inner.name, outer.name))
        clashes.setdefault((inner.key, first, second, winner.description), []).append(where)

    for cls in places:
        where = scope_of(cls)
        own = effective[cls]
        for bound in own.values():  # two bindings of one class on one key
            for n, a in enumerate(bound):
                for b in bound[n + 1:]:
                    clash(a if a.remapped else b, b if a.remapped else a, where)
        outers = [effective[by_name[h]] for h in HOSTS.get(cls.__name__, ()) if h in by_name]
        outers += [effective[a] for a in apps if a is not cls]
        for key, bound in own.items():
            for outer in outers:
                for a in bound:
                    for b in outer.get(key, ()):
                        clash(a, b, where)
    for (key, first, second, winner), wheres in clashes.items():
        places_text = _join(sorted(set(wheres)))
        check.findings.append(f"`{display_key(key)}` is both {first} and {second} in "
                              f"{places_text}: {winner} wins there")
    return check


def _join(words: list[str]) -> str:
    if len(words) > 4:
        return ", ".join(words[:3]) + f" and {len(words) - 3} more"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def findings_text(findings: Iterable[str]) -> str:
    """The findings as one notification body (or `config check` output)."""
    return "\n".join(f"• {f}" for f in findings)


def apply_user_keymap(app: App[Any], keymap: Mapping[str, str], *,
                      wall: bool = False) -> dict[str, str]:
    """Check `keymap`, apply what can work, and say once (a lasting warning) what cannot."""
    check = check_keymap(keymap, wall=wall)
    app.set_keymap(check.usable)
    if check.findings:
        app.notify(findings_text(check.findings), title="Key map problems",
                   severity="warning", timeout=600, markup=False)
    return check.usable


def main() -> None:
    print(markdown(), end="")


if __name__ == "__main__":
    main()
