"""Themes as data: the shipped TOML files and the user's own, validated, with a fallback.

A theme file maps to Textual's `Theme` fields plus a `[variables]` table. The shipped ones live
in `trigger_tui/themes/` inside the wheel (the repository's top-level `themes/` in an editable
install); a user adds `<config folder>/themes/NAME.toml`. A broken file never stops the console:
it is skipped, the default theme is used, and one line at start names the file, the line and
what is wrong. Status colors on screen come only from theme variables ($success, $error,
$warning, $accent, $text-muted), so every theme, the 16-color one included, paints them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from rich.color import Color as RichColor
from rich.color import ColorParseError as ColorParseFailed
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "dark"
SHIPPED = ("dark", "light", "high-contrast", "ansi")
COLOR_FIELDS = ("primary", "secondary", "accent", "warning", "error", "success", "foreground",
                "background", "surface", "panel", "boost")
_FLAGS = ("dark", "ansi")
_RATIOS = ("luminosity_spread", "text_alpha")
KNOWN_KEYS = frozenset(("name", *COLOR_FIELDS, *_FLAGS, *_RATIOS, "variables"))
_TEXT_STYLES = frozenset(("none", "not", "bold", "b", "dim", "d", "italic", "i", "underline",
                          "u", "reverse", "r", "strike", "s", "blink", "overline", "o"))
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9-]*$")
_ALPHA = re.compile(r"^\d{1,3}%$")
_AT = re.compile(r"^(?P<msg>.*?) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")
_ANSI_NEEDS = {"ansi-background": "ansi_black", "ansi-foreground": "ansi_white"}


class ThemeError(ValueError):
    """A theme file cannot be used; the message names the file, the line and why."""


@dataclass(frozen=True)
class Catalog:
    """The themes a console can use, and the problems met while loading them."""

    themes: dict[str, Theme]
    problems: tuple[str, ...] = ()
    user: tuple[str, ...] = field(default=())  # names that came from the user's folder


def shipped_dir() -> Path:
    """`trigger_tui/themes/` in an installed wheel, else the repository's `themes/`."""
    package = Path(__file__).resolve().parent.parent
    inside = package / "themes"
    return inside if inside.is_dir() else package.parent / "themes"


def user_dir(config_file: Path) -> Path:
    """Where a user's own theme files go: `themes/` beside the config file."""
    return config_file.parent / "themes"


def load_theme(path: Path) -> Theme:
    """One theme file as a Textual `Theme` (raises ThemeError with file and line)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as exc:
        raise ThemeError(f"theme file {path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ThemeError(f"theme file {path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        m = _AT.match(str(exc))
        where = f", line {m['line']}, column {m['col']}" if m else ""
        why = m["msg"] if m else str(exc)
        raise ThemeError(f"theme file {path}{where}: {why[:1].lower()}{why[1:]}") from None
    return theme_from_data(data, path=path, text=text)


def theme_from_data(data: Mapping[str, Any], *, path: Path, text: str = "") -> Theme:
    """Validate the parsed file: known keys only, colors Textual can parse, sane ratios."""

    def fail(key: str, why: str, table: str | None = None) -> ThemeError:
        line = _line_of(text, key, table)
        where = f", line {line}" if line else ""
        return ThemeError(f"theme file {path}{where}: {key}: {why}")

    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key (a typo?); known keys: "
                   + ", ".join(sorted(KNOWN_KEYS)))
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not _NAME.match(name):
        raise fail("name", "a theme name is lower-case letters, digits, - and _")
    if "primary" not in data:
        raise ThemeError(f"theme file {path}: primary: missing (every theme needs a primary "
                         "color)")
    colors: dict[str, str] = {}
    for key in COLOR_FIELDS:
        if key in data:
            colors[key] = _color(data[key], partial(fail, key))
    flags: dict[str, bool] = {}
    for key in _FLAGS:
        if key in data:
            if not isinstance(data[key], bool):
                raise fail(key, "must be true or false")
            flags[key] = data[key]
    ratios: dict[str, float] = {}
    for key in _RATIOS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0.0 <= value <= 1.0:
                raise fail(key, "must be a number from 0 to 1")
            ratios[key] = float(value)
    raw_vars = data.get("variables", {})
    if not isinstance(raw_vars, dict):
        raise fail("variables", "must be a table ([variables])")
    variables: dict[str, str] = {}
    for key, value in raw_vars.items():
        if not _VARIABLE.match(key):
            raise fail(key, "a variable name is lower-case words joined by -", "variables")
        if not isinstance(value, str):
            raise fail(key, "must be a string", "variables")
        variables[key] = _variable(key, value, partial(fail, key, table="variables"))
    if flags.get("ansi"):  # Textual's own screens need these under an ANSI theme
        variables = {**_ANSI_NEEDS, **variables}
    fields: dict[str, Any] = {**colors, **flags, **ratios}
    theme = Theme(name=name, variables=variables, **fields)
    try:
        theme.to_color_system().generate()
    except (ColorParseError, ValueError, TypeError) as exc:  # a combination Textual refuses
        raise ThemeError(f"theme file {path}: {exc}") from None
    return theme


Fail = Callable[[str], ThemeError]


def _color(value: Any, fail: Fail) -> str:
    if not isinstance(value, str):
        raise fail("a color is a string such as \"#0178D4\", \"red\" or \"ansi_red\"")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise fail(str(exc)) from None
    return value


def _variable(key: str, value: str, fail: Fail) -> str:
    words = value.split()
    if key.endswith("text-style"):
        bad = [w for w in words if w.lower() not in _TEXT_STYLES]
        if bad or not words:
            raise fail(f"{value!r} is not a text style (bold, italic, reverse, underline, "
                       "none …)")
        return value
    if not words or len(words) > 2 or (len(words) == 2 and not _ALPHA.match(words[1])):
        raise fail(f"{value!r} is not a color (a color, optionally followed by an opacity "
                   "such as 50%)")
    _color(words[0], fail)
    return value


def _line_of(text: str, key: str, table: str | None) -> int | None:
    """The line where `key` is set (inside `[table]` when given), to point the user at it."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            current = stripped.strip("[] ")
            if table is None and current == key:
                return number
            continue
        name = stripped.partition("=")[0].strip().strip("\"'")
        if "=" in stripped and name == key and current == table:
            return number
    return None


@lru_cache(maxsize=4)
def _shipped(directory: Path) -> tuple[tuple[Theme, ...], tuple[str, ...]]:
    return _load_dir(directory)


def _load_dir(directory: Path) -> tuple[tuple[Theme, ...], tuple[str, ...]]:
    themes: list[Theme] = []
    problems: list[str] = []
    try:
        files = sorted(directory.glob("*.toml"))
    except OSError as exc:
        return (), (f"theme folder {directory}: cannot be read ({exc.strerror})",)
    for path in files:
        try:
            themes.append(load_theme(path))
        except ThemeError as exc:
            problems.append(str(exc))
    return tuple(themes), tuple(problems)


def load_catalog(user: Path | None = None, *, shipped: Path | None = None) -> Catalog:
    """The shipped themes, then the user's (a user file may replace a shipped theme)."""
    base, problems = _shipped(shipped or shipped_dir())
    themes = {t.name: t for t in base}
    found: list[str] = []
    extra: tuple[str, ...] = ()
    if user is not None and user.is_dir():
        mine, extra = _load_dir(user)
        for theme in mine:
            themes[theme.name] = theme
            found.append(theme.name)
    return Catalog(themes, problems + extra, tuple(found))


def choose(catalog: Catalog, wanted: str | None, builtin: Iterable[str] = ()) -> tuple[str, str]:
    """(the theme to use, a problem to show or ""): an unknown name falls back to the default
    and says which names exist. Textual's own themes (`builtin`) are accepted too."""
    available = set(catalog.themes) | set(builtin)
    fallback = DEFAULT_THEME if DEFAULT_THEME in available else "textual-dark"
    if not wanted or wanted in available:
        return (wanted or fallback), ""
    ours = sorted(catalog.themes)
    others = sorted(set(builtin) - set(catalog.themes))
    names = ", ".join(ours) + (f" (and Textual's {', '.join(others)})" if others else "")
    return fallback, f"unknown theme {wanted!r}; using {fallback!r}. Themes: {names}"


def apply(app: App[Any], wanted: str | None, catalog: Catalog | None = None) -> list[str]:
    """Register the catalog's themes with `app`, set the chosen one, and show each problem
    once as a notification. Returns the problems (for tests and logs)."""
    catalog = catalog or load_catalog()
    builtin = tuple(app.available_themes)
    for theme in catalog.themes.values():
        app.register_theme(theme)
    name, problem = choose(catalog, wanted, builtin)
    app.theme = name
    problems = [*catalog.problems, *([problem] if problem else [])]
    for message in problems:
        app.notify(message, title="Theme", severity="warning", timeout=12, markup=False)
    return problems


def tone(app: App[Any], name: str, *, bold: bool = False) -> str:
    """A Rich style string for a theme color (`error`, `success` …), for the few renderables
    (Rich tables and logs) that cannot use `$variables` themselves."""
    value = app.theme_variables.get(name) or app.get_css_variables().get(name, "")
    color = value.split()[0] if value else ""
    if color.startswith("ansi_"):
        color = "default" if color == "ansi_default" else color.removeprefix("ansi_")
    try:
        RichColor.parse(color)
    except ColorParseFailed:  # "auto" and friends: keep the emphasis, drop the color
        color = ""
    return f"{'bold ' if bold else ''}{color}".strip()
