"""The keymap: every binding has an id, lists move the vim way, a user's remapping is checked,
and docs/keymap.md is the table the bindings generate."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.app import App
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable

from tests.ui.conftest import make_app, make_harness, settle
from tests.ui.test_detail_widgets import JsonApp, WaterfallApp, sample_trace
from tests.ui.test_query_widgets import TableApp as ResultsApp
from tests.ui.test_query_widgets import rows as result_rows
from tests.ui.test_runs_table import TableApp as RunsApp
from tests.ui.test_runs_table import filled
from trigger_tui.ui import keymap
from trigger_tui.ui.screens.alerts import AlertsScreen
from trigger_tui.ui.screens.help import HelpScreen
from trigger_tui.ui.screens.pane import TablePane
from trigger_tui.ui.widgets.json_view import JsonView
from trigger_tui.ui.widgets.results_table import ResultsTable
from trigger_tui.ui.widgets.runs_table import RunsTable
from trigger_tui.ui.widgets.waterfall import Waterfall

DOCS = Path(__file__).resolve().parents[2] / "docs" / "keymap.md"
CLASSES = keymap._classes()


# ------------------------------------------------------------------ the table of bindings
def test_every_binding_has_an_id_and_a_description() -> None:
    missing = [f"{cls.__name__}: {b.key} → {b.action}" for cls in CLASSES
               for b in keymap.declared(cls) if not b.system and not (b.id and b.description)]
    assert not missing, "bindings without an id or a description: " + "; ".join(missing)
    # Declared as tuples or strings they could not carry an id: only Binding objects.
    loose = [cls.__name__ for cls in CLASSES
             if any(not isinstance(b, Binding) for b in vars(cls)["BINDINGS"])]
    assert not loose


def test_keymap_collects_every_binding_with_an_id() -> None:
    entries = keymap.all_bindings()
    ids = [e.id for e in entries]
    keys_of: dict[str, str] = {}
    for e in entries:  # one id, one key: a remap must not split a shared id
        assert keys_of.setdefault(e.id, e.keys) == e.keys, e.id
    for wanted in ("app.quit", "app.help", "app.jump", "app.palette", "app.back",
                   "runs.filter", "runs.cancel", "runs.select", "list.down", "confirm.yes"):
        assert wanted in ids
    assert ids.count("list.down") == 1  # the shared moves come once, under Lists
    assert [e.scope for e in entries][:1] == ["Global"]
    lists = [e for e in entries if e.scope == keymap.LIST_SCOPE]
    assert [e.id for e in lists] == list(keymap.LIST_IDS)
    remapped = {e.id: e.keys for e in keymap.all_bindings({"runs.cancel": "x"})}
    assert remapped["runs.cancel"] == "x"
    md = keymap.markdown()
    assert "| `c` | Cancel | `runs.cancel` |" in md and "## Runs table" in md
    assert "| `G, End` | Go to the bottom | `list.bottom` |" in md


def test_keys_are_written_as_typed() -> None:
    assert keymap.display_keys("G,end") == "G, End"
    assert keymap.display_keys("slash,question_mark,exclamation_mark") == "/, ?, !"
    assert keymap.display_keys("ctrl+home,f5,j,down") == "ctrl+Home, f5, j, ↓"


def test_docs_keymap_is_not_stale() -> None:
    assert DOCS.read_text(encoding="utf-8") == keymap.markdown(), (
        "docs/keymap.md is stale: run `python -m trigger_tui.ui.keymap > docs/keymap.md`")


def test_every_list_shares_the_vim_moves_and_g_is_free() -> None:
    lists = [TablePane, AlertsScreen, HelpScreen, RunsTable, ResultsTable, Waterfall, JsonView]
    panes = [c for c in CLASSES if issubclass(c, TablePane) and c is not TablePane]
    assert len(panes) >= 8
    for cls in lists + panes:
        assert keymap.has_list_keys(cls), cls.__name__
    for cls in panes:  # no pane moves with keys (or ids) of its own any more
        own = [b for b in keymap.declared(cls)
               if {"j", "k", "g", "G"} & set(b.key.split(",")) or b.id in keymap.LIST_IDS]
        assert not own, (cls.__name__, own)
    # The shipped keys do not clash with the moves anywhere.
    assert keymap.check_keymap({}).findings == []


# ------------------------------------------------------------------ checking a user's keymap
def test_check_finds_a_typo_and_suggests_the_id() -> None:
    check = keymap.check_keymap({"runs.cancle": "x", "runs.replay": "X"})
    assert check.findings == ["`runs.cancle` is not a binding id; did you mean `runs.cancel`?"]
    assert check.usable == {"runs.replay": "X"}


@pytest.mark.parametrize(("keys", "why"), [
    ("ctrl+qq", "`ctrl+qq` is not a key name"),
    ("hyperr+x", "`hyperr` in `hyperr+x` is not a modifier"),
    ("shift+g", "terminals send `G` for `shift+g`: write `G`"),
    ("ctrl+", "has no key after the modifier"),
    ("x,,y", "an empty key"),
    ("pgdown", "did you mean `pagedown`?"),
])
def test_check_refuses_keys_textual_cannot_name(keys: str, why: str) -> None:
    check = keymap.check_keymap({"runs.cancel": keys})
    assert len(check.findings) == 1 and why in check.findings[0], check.findings
    assert "keeps its usual key" in check.findings[0] and check.usable == {}


def test_check_accepts_names_textual_knows() -> None:
    for key in ("?", "ctrl+shift+x", "f12", "pagedown", "slash", "question_mark", "G", "é",
                "ctrl+home", "escape", "space"):
        assert keymap.key_problem(key) is None, key
    assert keymap.check_keymap({"runs.cancel": "ctrl+shift+x, f12"}).findings == []


def test_a_screen_key_shadows_a_remapped_app_key() -> None:
    findings = keymap.check_keymap({"app.help": "c"}).findings
    assert ("`c` is both Cancel (runs.cancel) and Help (app.help) in Runs: Cancel wins there"
            in findings)
    assert any("Complete (tokens.complete)" in f for f in findings)


def test_a_remap_onto_a_key_of_the_same_screen_is_reported_once_per_pair() -> None:
    findings = keymap.check_keymap({"list.top": "P"}).findings
    promote = [f for f in findings if "deployments.promote" in f]
    assert promote == ["`P` is both Go to the top (list.top) and Promote (deployments.promote) "
                       "in Deployments: Go to the top wins there"]
    # a widget against the screen it sits in: the focused trace takes P from "open parent"
    assert any("run.parent" in f and "Trace waterfall" in f for f in findings)


def test_a_priority_app_binding_wins_over_the_screen() -> None:
    findings = keymap.check_keymap({"app.palette": "c"}).findings
    assert any(f.startswith("`c` is both Cancel (runs.cancel) and Palette (app.palette)")
               and f.endswith("Palette wins there") for f in findings)


def test_unchanged_or_moved_away_keys_are_no_conflict() -> None:
    # moving a key to a free one, or re-stating the shipped key, is fine
    assert keymap.check_keymap({"runs.cancel": "ctrl+k", "app.help": "question_mark",
                                "list.down": "j,down"}).findings == []
    # the key a remapped binding leaves is free again for another remap
    findings = keymap.check_keymap({"runs.cancel": "ctrl+k", "app.help": "c"}).findings
    assert not [f for f in findings if "runs.cancel" in f]
    assert [f for f in findings if "tokens.complete" in f]  # other panes still use `c`


def test_check_works_on_any_classes_without_an_app() -> None:
    class Pane(Screen[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("a", "x", "Archive", id="p.archive"),
                                                 Binding("b", "y", "Bury", id="p.bury")]

        def compose(self) -> Any:
            return iter(())

    class Console(App[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("h", "help", "Help", id="c.help")]

    check = keymap.check_keymap({"p.bury": "a", "c.help": "b"}, classes=[Console, Pane])
    assert check.findings == [
        "`a` is both Archive (p.archive) and Bury (p.bury) in Pane: Bury wins there"]
    assert check.usable == {"p.bury": "a", "c.help": "b"}


def test_the_wall_checks_its_own_bindings() -> None:
    assert keymap.check_keymap({"wall.help": "n"}, wall=True).findings == [
        "`n` is both Help (wall.help) and Next panel (wall.next) in Wall: Help wins there"]
    assert keymap.check_keymap({"wall.help": "n"}).findings == []


async def test_problems_are_one_lasting_warning_at_start_and_the_rest_applies() -> None:
    app = make_app(make_harness(), keymap={"app.help": "f1", "runs.cancle": "x",
                                           "app.jump": "ctrl+"})
    async with app.run_test() as pilot:
        await settle(pilot)
        notes = [n for n in app._notifications if n.title == "Key map problems"]
        assert len(notes) == 1 and notes[0].severity == "warning" and notes[0].timeout >= 60
        assert "`runs.cancle`" in notes[0].message and "`app.jump`" in notes[0].message
        assert app.user_keymap == {"app.help": "f1"}
        await pilot.press("colon")  # app.jump kept its key
        await pilot.pause()
        assert type(app.screen).__name__ == "PromptScreen"
        await pilot.press("escape", "f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_user_keymap_remaps_a_binding() -> None:
    app = make_app(make_harness(), keymap={"app.help": "f1"})
    async with app.run_test() as pilot:
        await settle(pilot)
        assert not [n for n in app._notifications if n.title == "Key map problems"]
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


def test_config_check_prints_the_findings_and_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trigger_tui.cli import main

    folder = tmp_path / "trigger-tui"
    folder.mkdir()
    (folder / "config.toml").write_text('[keymap]\n"app.help" = "c"\n')
    (folder / "config.toml").chmod(0o600)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["config", "check"]) == 2
    out = capsys.readouterr().out
    assert "`c` is both Cancel (runs.cancel) and Help (app.help) in Runs" in out
    (folder / "config.toml").write_text('[keymap]\n"app.help" = "f1"\n')
    assert main(["config", "check"]) == 0


# ------------------------------------------------------------------ j/k/g/G on every list
def _cursor(table: DataTable[Any]) -> int:
    return table.cursor_row


async def test_table_panes_and_alerts_move_with_j_k_g_G_home_end() -> None:
    h = make_harness()
    app = make_app(h)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for number in "2345678":
            await pilot.press(number)
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, TablePane)
            table = screen.table
            while table.row_count < 3:  # a pane the seed leaves empty: rows to move over
                table.add_row(*("·" for _ in table.columns))
            table.focus()
            last = table.row_count - 1
            seen = []
            # Home/End are the same priority bindings on every pane: checked on the first
            keys = ("G", "g", "j", "k") + (("end", "home") if number == "2" else ())
            for key in keys:
                await pilot.press(key)
                seen.append(_cursor(table))
            assert seen == [last, 0, 1, 0, last, 0][:len(keys)], type(screen).__name__
        await pilot.press("1")
        await pilot.pause()
        app.push_screen(AlertsScreen())
        await pilot.pause()
        watches = app.screen.query_one("#watches", DataTable)
        for i in range(3):
            watches.add_row(f"w{i}", "now", "-")
        seen = []
        for key in ("G", "g", "j", "k", "end", "home"):
            await pilot.press(key)
            seen.append(_cursor(watches))
        assert seen == [2, 0, 1, 0, 2, 0]


async def test_help_goes_to_the_top_and_bottom() -> None:
    app = make_app(make_harness())
    async with app.run_test(size=(100, 20)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert keymap.LIST_SCOPE in app.screen.here  # the runs table moves the vim way
        scroller = app.screen.query_one(VerticalScroll)
        await pilot.press("G")
        await pilot.pause()
        assert scroller.scroll_y == scroller.max_scroll_y > 0
        await pilot.press("k", "g")
        await pilot.pause()
        assert scroller.scroll_y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert scroller.scroll_y == 2


async def test_runs_table_moves_with_j_k_g_G() -> None:
    app = RunsApp(filled(50))
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(RunsTable)
        table.focus()
        seen = []
        for key in ("G", "k", "g", "j", "j", "end", "home"):
            await pilot.press(key)
            seen.append(table.cursor_row)
        assert seen == [49, 48, 0, 1, 2, 49, 0]


async def test_query_results_move_with_j_k_g_G() -> None:
    app = ResultsApp()
    async with app.run_test(size=(80, 20)) as pilot:
        table = app.query_one(ResultsTable)
        table.focus()
        table.set_result(("run_id", "n", "cost"), result_rows(30))
        await pilot.pause()
        seen = []
        for key in ("G", "k", "g", "j", "end", "home"):
            await pilot.press(key)
            seen.append(table.cursor_row)
        assert seen == [29, 28, 0, 1, 29, 0]


async def test_waterfall_moves_with_j_k_g_G() -> None:
    app = WaterfallApp()
    async with app.run_test(size=(100, 12)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(sample_trace())
        w.focus()
        await pilot.pause()
        last = len(w.rows) - 1
        seen = []
        for key in ("G", "k", "g", "j", "end", "home"):
            await pilot.press(key)
            seen.append(w.cursor)
        assert seen == [last, last - 1, 0, 1, last, 0]


async def test_json_view_moves_with_j_k_g_G() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        view.set_section("payload", {"a": 1, "b": 2, "c": 3})
        view.focus()
        await pilot.pause()
        last = view.last_line
        seen = []
        for key in ("G", "k", "g", "j", "end", "home"):
            await pilot.press(key)
            seen.append(view.cursor_line)
        assert last >= 3 and seen == [last, last - 1, 0, 1, last, 0]


async def test_the_wall_reports_its_keymap_problems_too(tmp_path: Path) -> None:
    from tests.ui.test_wall_launch import _close, _options
    from trigger_tui.ui.launch import build_wall_app

    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"wall.help" = "n"\n"wall.refresh" = "F5"\n')
    config.chmod(0o600)
    app = build_wall_app(_options("--demo", "--wall"), environ={}, config_file=config)
    try:
        async with app.run_test() as pilot:
            await pilot.pause()
            notes = [n for n in app._notifications if n.title == "Key map problems"]
            assert len(notes) == 1 and notes[0].severity == "warning"
            assert "Next panel (wall.next)" in notes[0].message
            assert "`F5` is not a key name (did you mean `f5`?)" in notes[0].message
    finally:
        await _close(app)
