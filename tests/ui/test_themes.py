"""Themes: the shipped files, validation with file and line, the fallback, user files, choosing
one (`--theme` > profile > top-level `theme` > default), and no literal colors in the UI code."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest
from rich.color import ANSI_COLOR_NAMES
from textual._color_constants import COLOR_NAME_TO_RGB
from textual.app import App
from textual.theme import BUILTIN_THEMES

from tests.ui.test_app_launch import close
from tests.ui.test_wall_launch import _close as close_wall
from trigger_tui import config
from trigger_tui.cli import _build_parser
from trigger_tui.ui import themes
from trigger_tui.ui.launch import LaunchOptions, build_app, build_wall_app

UI = Path(themes.__file__).resolve().parent
PROD_KEY = "tr_prod_0123456789abcdefghij"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem_of(path: Path) -> str:
    with pytest.raises(themes.ThemeError) as caught:
        themes.load_theme(path)
    return str(caught.value)


class Bare(App[None]):
    """The smallest app that takes themes the way the console and the wall do."""

    def __init__(self, wanted: str | None, catalog: themes.Catalog | None = None) -> None:
        super().__init__()
        self.wanted, self.catalog, self.problems = wanted, catalog, list[str]()

    def on_mount(self) -> None:
        self.problems = themes.apply(self, self.wanted, self.catalog)


# --------------------------------------------------------------------------- shipped themes
def test_the_shipped_files_are_the_shipped_themes_and_load_cleanly() -> None:
    catalog = themes.load_catalog()
    assert catalog.problems == ()
    assert sorted(catalog.themes) == sorted(themes.SHIPPED)
    assert sorted(p.stem for p in themes.shipped_dir().glob("*.toml")) == sorted(themes.SHIPPED)
    assert themes.DEFAULT_THEME == config.DEFAULT_THEME == "dark"


def test_dark_is_textual_dark_so_the_console_looks_as_it_always_did() -> None:
    ours, theirs = themes.load_catalog().themes["dark"], BUILTIN_THEMES["textual-dark"]
    for f in fields(theirs):
        if f.name != "name":
            assert getattr(ours, f.name) == getattr(theirs, f.name), f.name


def test_the_ansi_theme_uses_only_the_16_terminal_colors() -> None:
    theme = themes.load_catalog().themes["ansi"]
    assert theme.ansi
    sixteen = {f"ansi_{n}" for n in list(ANSI_COLOR_NAMES)[:16]} | {"ansi_default"}
    used = [getattr(theme, f) for f in themes.COLOR_FIELDS if getattr(theme, f)]
    used += [v.split()[0] for k, v in theme.variables.items() if not k.endswith("text-style")]
    assert used and set(used) <= sixteen, set(used) - sixteen


@pytest.mark.parametrize("name", themes.SHIPPED)
async def test_every_shipped_theme_registers_and_applies(name: str) -> None:
    app = Bare(name)
    async with app.run_test(size=(40, 10)):
        assert app.theme == name and app.problems == []
        variables = app.get_css_variables()
        for tone in ("success", "error", "warning", "accent", "text-muted"):
            assert variables[tone]  # every status tone resolves in this theme


async def test_rich_renderables_get_the_theme_colors_too() -> None:
    app = Bare("ansi")
    async with app.run_test(size=(40, 10)):
        assert themes.tone(app, "error", bold=True) == "bold red"
        assert themes.tone(app, "success") == "green"
        assert themes.tone(app, "text") in ("", "default")  # never an unparsable style
    app = Bare("dark")
    async with app.run_test(size=(40, 10)):
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", themes.tone(app, "error"))  # truecolor


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(("text", "words"), [
    ('primary = "#0178D4"\nsucess = "#00ff00"\n', ["line 2", "sucess: unknown key"]),
    ('primary = "#0178D4"\nerror = "redd"\n', ["line 2", "error:", "'redd'", "did you mean"]),
    ('primary = "#0178D4"\ndark = "yes"\n', ["line 2", "dark: must be true or false"]),
    ('primary = "#0178D4"\ntext_alpha = 3\n', ["line 2", "text_alpha: must be a number"]),
    ('primary = "#0178D4"\n\n[variables]\nborder = "#12345"\n',
     ["line 4", "border:", "'#12345' as a color"]),
    ('primary = "#0178D4"\n[variables]\nblock-cursor-text-style = "shiny"\n',
     ["line 3", "not a text style"]),
    ('accent = "#ffa62b"\n', ["primary: missing"]),
    ('primary = "#0178D4"\nerror = 12\n', ["line 2", "a color is a string"]),
    ('primary = "#0178D4\n', ["line 1, column", "illegal character"]),  # TOML syntax
], ids=["unknown-key", "bad-color", "bad-bool", "bad-ratio", "bad-variable", "bad-style",
        "no-primary", "not-a-string", "toml-syntax"])
def test_a_broken_theme_file_says_file_line_and_what(tmp_path: Path, text: str,
                                                     words: list[str]) -> None:
    path = write(tmp_path, "mine", text)
    message = problem_of(path)
    assert message.startswith(f"theme file {path}")
    for word in words:
        assert word in message, message
    assert "\n" not in message.split(": ", 1)[0]


def test_a_theme_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_bytes(b'primary = "\xff"\n')
    assert "not UTF-8" in problem_of(path)


def test_an_ansi_user_theme_gets_what_textual_needs_for_it(tmp_path: Path) -> None:
    theme = themes.load_theme(write(tmp_path, "old", 'ansi = true\nprimary = "ansi_blue"\n'))
    assert {"ansi-background", "ansi-foreground"} <= set(theme.variables)


# --------------------------------------------------------------------------- user files, fallback
def test_a_user_theme_is_loaded_beside_the_shipped_ones_and_may_replace_one(
        tmp_path: Path) -> None:
    folder = themes.user_dir(tmp_path / "config.toml")
    write(folder, "solar", 'primary = "#268bd2"\nbackground = "#002b36"\n')
    write(folder, "light", 'primary = "#123456"\ndark = false\n')
    catalog = themes.load_catalog(folder)
    assert catalog.problems == () and set(catalog.user) == {"solar", "light"}
    assert catalog.themes["solar"].background == "#002b36"
    assert catalog.themes["light"].primary == "#123456"
    assert set(themes.SHIPPED) <= set(catalog.themes)


async def test_a_broken_user_file_falls_back_to_the_default_with_one_notice(
        tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    bad = write(folder, "broken", 'primary = "#0178D4"\nwarning = "orangey"\n')
    catalog = themes.load_catalog(folder)
    app = Bare("broken", catalog)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == "dark"
        shown = [str(n.message) for n in app._notifications]
        assert any(str(bad) in m and "line 2" in m and "warning" in m for m in shown), shown
        assert any("unknown theme 'broken'" in m for m in shown), shown


async def test_an_unknown_name_says_which_names_exist() -> None:
    app = Bare("solarised")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert app.theme == themes.DEFAULT_THEME
        [message] = app.problems
        assert "unknown theme 'solarised'" in message
        for name in themes.SHIPPED:
            assert name in message
        assert "nord" in message  # Textual's own themes are accepted too


def test_textual_builtin_names_still_work() -> None:
    assert themes.choose(themes.load_catalog(), "nord", BUILTIN_THEMES) == ("nord", "")
    assert themes.choose(themes.load_catalog(), None, BUILTIN_THEMES) == ("dark", "")


def test_an_unreadable_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "dir.toml").mkdir()  # a folder where a file is expected
    catalog = themes.load_catalog(folder)
    assert len(catalog.problems) == 1 and "dir.toml" in catalog.problems[0]
    assert set(catalog.themes) == set(themes.SHIPPED)


# --------------------------------------------------------------------------- choosing one
def _settings(top: str | None, profile: str | None) -> config.Settings:
    return config.Settings(theme=top, default_profile="acme", profiles={
        "acme": config.Profile(key=PROD_KEY, theme=profile)})


@pytest.mark.parametrize(("flag", "profile", "top", "value", "source"), [
    ("ansi", "light", "high-contrast", "ansi", "flag --theme"),
    (None, "light", "high-contrast", "light", "profile 'acme'"),
    (None, None, "high-contrast", "high-contrast", "theme in the config file"),
    (None, None, None, "dark", "default"),
])
def test_flag_beats_profile_beats_top_level_beats_default(
        flag: str | None, profile: str | None, top: str | None, value: str,
        source: str) -> None:
    resolved = config.resolve(_settings(top, profile), config.Flags(theme=flag), {})
    assert (resolved.theme.value, resolved.theme.source) == (value, source)
    assert ("theme", value, source) in resolved.rows()


def test_the_theme_flag_reaches_the_launch_options() -> None:
    args = _build_parser().parse_args(["--demo", "--theme", "high-contrast"])
    options = LaunchOptions.from_args(args)
    assert options.theme == "high-contrast" and options.flags().theme == "high-contrast"


async def test_build_app_passes_the_chosen_theme_and_the_user_themes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(_settings("light", None), path)
    write(themes.user_dir(path), "mine", 'primary = "#aa5500"\n')
    app = build_app(LaunchOptions(), environ={}, config_file=path)
    assert app.wanted_theme == "light"
    assert app.theme_catalog is not None and "mine" in app.theme_catalog.themes
    await close(app)
    app = build_app(LaunchOptions(theme="mine"), environ={}, config_file=path)
    assert app.wanted_theme == "mine"
    await close(app)
    demo = build_app(LaunchOptions(demo=True), environ={}, config_file=path)
    assert demo.wanted_theme == "light"  # the top-level theme, in the demo too
    await close(demo)


async def test_the_wall_honours_the_theme(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(_settings("light", "high-contrast"), path)
    demo = build_wall_app(LaunchOptions(demo=True, wall=True, theme="ansi"), environ={},
                          config_file=path)
    assert demo.wanted_theme == "ansi"
    await close_wall(demo)
    wall = build_wall_app(LaunchOptions(wall=True, api_url="http://127.0.0.1:9"), environ={},
                          config_file=path)
    assert wall.wanted_theme == "high-contrast"  # the profile's beats the top-level one
    await close_wall(wall)


def test_config_show_names_where_the_theme_came_from(tmp_path: Path) -> None:
    loaded = config.Settings.model_validate({"theme": "light"})
    resolved = config.resolve(loaded, config.Flags(), {})
    assert resolved.theme.source == "theme in the config file"


# --------------------------------------------------------------------------- no literal colors
_STYLE_WORDS = frozenset(("bold", "dim", "italic", "underline", "reverse", "strike", "not",
                          "on", "b", "i", "u", "r", "s", "d", "blink", "none", "default"))
_COLOR_WORDS = frozenset(ANSI_COLOR_NAMES) | (frozenset(COLOR_NAME_TO_RGB) - {"transparent"})
_LITERAL = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|\bansi_[a-z_]+\b")
_CSS_COLOR_RULE = re.compile(
    r"\b(?:color|background|tint|border(?:-[a-z]+)*|outline(?:-[a-z]+)*|scrollbar-[a-z-]+"
    r"|link-[a-z-]+|text-[a-z]+-color|border-(?:title|subtitle)-color)\s*:\s*([^;{}]*)")


def _css_literals(css: str) -> list[str]:
    found = []
    for m in _CSS_COLOR_RULE.finditer(css):
        value = m[1].strip()
        words = [w for w in re.split(r"\s+", value) if w and not w.startswith("$")]
        if _LITERAL.search(value) or any(w.lower() in _COLOR_WORDS for w in words):
            found.append(f"{m[0].strip()}")
    return found


def _style_literal(text: str) -> bool:
    words = text.lower().replace(",", " ").split()
    if not words or len(words) > 6:
        return False
    colors = [w for w in words if w in _COLOR_WORDS or _LITERAL.fullmatch(w)]
    return bool(colors) and all(w in _STYLE_WORDS or w in colors for w in words)


def literal_colors(root: Path) -> list[str]:
    """Every place in the UI code that names a color instead of a theme variable."""
    found: list[str] = []
    for path in sorted(root.rglob("*.tcss")):
        found += [f"{path.name}: {hit}" for hit in _css_literals(path.read_text())]
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if _style_literal(node.value) or _LITERAL.search(node.value) and \
                        len(node.value) < 40:
                    found.append(f"{where}: {node.value!r}")
                found += [f"{where}: {hit}" for hit in _css_literals(node.value)]
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                owner = getattr(getattr(node.func, "value", None), "id", None)
                if name == "Color" or owner == "Color" or name in ("from_rgb", "parse_rgb_hex"):
                    found.append(f"{where}: a Color(...) literal")
    return [f for f in found if "themes.py" not in f]


def test_the_ui_names_no_literal_colors() -> None:
    assert literal_colors(UI) == []


def test_the_literal_color_check_finds_what_it_should(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        'X = Text("✗", style="bold red")\nCSS = "A { color: #ff0000; background: $panel; }"\n'
        'Y = ("ok", "green")\nZ = Color(1, 2, 3)\nW = "$error bold"\nV = "Completed"\n')
    (tmp_path / "b.tcss").write_text("A { border: round yellow; color: $text-muted; }\n")
    hits = literal_colors(tmp_path)
    assert len(hits) == 5, hits
    assert not any("$error bold" in h or "Completed" in h for h in hits)
