"""Hostile data from the server renders as text: no markup, no escape sequence, layout holds.

Task names, tags, error messages and payloads come from whoever deploys tasks and triggers runs;
the console shows them to an operator whose terminal obeys escape sequences (OSC 52 writes the
clipboard, `ESC[2J` clears the screen) and whose widgets speak Rich markup. Runs carrying every
such trick are planted in the emulator world; each screen that shows them is composited (what
Textual would write to the terminal) and checked character by character.
"""

from __future__ import annotations

import unicodedata

from tests.ui.conftest import Harness, make_app, make_harness, settle
from trigger_tui.rules import Alerting
from trigger_tui.state.alerts import Alert
from trigger_tui.state.metrics import metrics_of
from trigger_tui.ui.app import TriggerApp
from trigger_tui.ui.format import printable
from trigger_tui.ui.screens.alerts import AlertsScreen
from trigger_tui.ui.screens.errors import ErrorsScreen
from trigger_tui.ui.screens.run_detail import RunDetailScreen
from trigger_tui.ui.screens.runs import RunsScreen

SGR = "\x1b[31mRED"
OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # writes "rm -rf ~" into the clipboard
CLEAR = "\x1b[2J\x1b[H"
MARKUP = "[bold red]x[/]"
LINK = "[link=file:///etc/passwd]click[/link]"
RTL = "\u202etxt.exe مرحبا שלום"
EMOJI = "👩\u200d💻 deploy"
ZERO_WIDTH = "a\u200bb\u200cc\ufeffd"
LONG = "L" * 5000
HOSTILE_TASK = f"evil{SGR}{MARKUP}{RTL}"
HOSTILE_TAGS = [OSC52, LINK, EMOJI, ZERO_WIDTH]
HOSTILE_MESSAGE = f"boom {SGR} {OSC52} {CLEAR} {MARKUP} {LINK} {RTL} {EMOJI} {ZERO_WIDTH} {LONG}"
HOSTILE_PAYLOAD = {"note": HOSTILE_MESSAGE, MARKUP: [LINK, OSC52], "long": LONG}
SIZE = (150, 40)

# What must never reach the terminal from data: C0/C1 controls (ESC, BEL, CSI …) and the bidi
# controls that reorder what follows them.
BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"}


def forbidden(text: str) -> list[str]:
    return sorted({repr(c) for c in text
                   if (unicodedata.category(c) == "Cc" and c != "\n") or c in BIDI})


def plant(h: Harness) -> list[str]:
    """Make a few runs hostile: the newest failed ones (so they are on the first screen)."""
    env = h.world.envs["prod"]
    ended = [r for r in env.runs.values() if r.status == "COMPLETED_SUCCESSFULLY"]
    ended.sort(key=lambda r: -r.created_at)
    chosen = ended[:3]
    for run in chosen:
        run.status = "COMPLETED_WITH_ERRORS"
        run.task = HOSTILE_TASK
        run.tags = list(HOSTILE_TAGS)
        run.payload = HOSTILE_PAYLOAD
        run.output = {"out": HOSTILE_MESSAGE}
        run.metadata = {"m": MARKUP + OSC52}
        run.error = {"type": "BUILT_IN_ERROR", "name": f"Error{SGR}", "message": HOSTILE_MESSAGE,
                     "stackTrace": f"Error: {HOSTILE_MESSAGE}\n    at {MARKUP} ({LINK}:1:1)"}
        for attempt in run.attempts:
            attempt.error = run.error
        run.updated_at = env.now
        env.errors.record(run)
    return [r.id for r in chosen]


def composite(app: TriggerApp) -> tuple[list[str], list[int]]:
    """The screen as Textual would write it: each line's text and its width in cells."""
    strips = app.screen._compositor.render_strips()
    return ["".join(s.text for s in strip) for strip in strips], \
        [strip.cell_length for strip in strips]


def check_screen(app: TriggerApp, where: str) -> str:
    lines, widths = composite(app)
    width, height = SIZE
    assert len(lines) == height, f"{where}: {len(lines)} lines on a {height}-line terminal"
    assert all(w == width for w in widths), f"{where}: a line is not {width} cells wide"
    text = "\n".join(lines)
    bad = forbidden(text)
    assert not bad, f"{where} writes control characters to the terminal: {bad}"
    return text


def check_svg(app: TriggerApp, where: str) -> None:
    svg = app.export_screenshot()
    assert "\x1b" not in svg and "\x07" not in svg, where
    assert "file:///etc/passwd" not in svg.split("</style>")[-1].split("<text")[0], where


async def test_hostile_runs_render_as_text_in_the_runs_pane_and_the_detail() -> None:
    h = make_harness()
    ids = plant(h)
    app = make_app(h)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, RunsScreen)
        rows = runs.table.row_count
        text = check_screen(app, "the runs pane")
        check_svg(app, "the runs pane")
        assert "evil\\x1b[31mRED[bold red]x[/]" in text  # markup shown literally
        assert rows == runs.table.row_count
        assert all(runs.table.select_run(run_id) for run_id in ids)
        # Every tab of the detail.
        await app.push_screen(RunDetailScreen(ids[0]))
        await settle(pilot)
        seen = ""
        for tab in ("o", "t", "l", "d"):
            await pilot.press(tab)
            await pilot.pause()
            seen += check_screen(app, f"the run detail, tab {tab}")
            check_svg(app, f"the run detail, tab {tab}")
        assert MARKUP in seen and "\\x1b]52;c;" in seen


# Fixed by `fmt.printable` on the group's task and message in ui/screens/errors.py (owned
# elsewhere; the diff is in the reliability notes).
async def test_hostile_error_groups_render_as_text() -> None:
    h = make_harness()
    plant(h)
    app = make_app(h)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert isinstance(app.screen, ErrorsScreen)
        text = check_screen(app, "the errors pane")
        assert "boom" in text and MARKUP in text


# Fixed by `fmt.printable` on `Text(record.rule)`, `Text(record.message)` and
# `Text(watch.label)` in ui/screens/alerts.py (owned elsewhere; diff in the notes).
async def test_hostile_alerts_render_as_text() -> None:
    h = make_harness()
    h.session.enable_alerts([], Alerting(bell=False))
    app = make_app(h)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        alerts = h.session.alerts
        assert alerts is not None
        alerts.watch_task(HOSTILE_TASK)
        h.session.store.put("alerts", "1", Alert(seq=1, rule=f"failures {MARKUP}",
                                                 environment="prod",
                                                 message=HOSTILE_MESSAGE, since=h.clock.now(),
                                                 subject=HOSTILE_TASK))
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AlertsScreen)
        text = check_screen(app, "the alerts list")
        assert MARKUP in text


# Fixed by `printable(message, multiline=True)` (and the title) in TriggerApp.notify
# (ui/app.py, owned elsewhere; diff in the notes): every toast goes through it.
async def test_a_toast_carrying_server_text_is_printable() -> None:
    h = make_harness()
    h.session.enable_alerts([], Alerting(bell=False))
    app = make_app(h)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        h.session.store.put("alerts", "1", Alert(seq=1, rule=f"r{SGR}", environment="prod",
                                                 message=HOSTILE_MESSAGE, since=h.clock.now()))
        h.session.store.notify("alerts", ("1",))
        await pilot.pause()
        told = [n for n in app._notifications if "boom" in n.message]
        assert told and MARKUP in told[0].message
        assert not forbidden(told[0].message + told[0].title)


async def test_every_pane_holds_with_hostile_runs_in_the_world() -> None:
    h = make_harness()
    plant(h)
    app = make_app(h)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in "234589":
            await pilot.press(key)
            await settle(pilot)
            check_screen(app, f"pane {key}")


async def test_the_wall_ticker_shows_hostile_failures_as_text() -> None:
    from tests.ui.test_wall import make_wall, settle_wall
    from trigger_tui.ui.wall.figures import ticker

    app = make_wall()
    async with app.run_test(size=SIZE) as pilot:
        await settle_wall(pilot)
        session = app.panels[0].session
        metrics = metrics_of(session.store)
        assert metrics is not None and metrics.failures
        evil = metrics.failures[0].__class__(run_id="run_x", task=HOSTILE_TASK, status="FAILED",
                                             message=HOSTILE_MESSAGE, at=metrics.at)
        text = ticker(metrics.__class__(
            at=metrics.at, window_s=metrics.window_s, minutes=metrics.minutes,
            gauges=metrics.gauges, counts=metrics.counts, failures=(evil,),
            queues=metrics.queues), metrics.at)
        assert MARKUP in text.plain and not forbidden(text.plain)
        lines, widths = composite(app)  # type: ignore[arg-type]
        assert all(w == SIZE[0] for w in widths) and not forbidden("\n".join(lines))


def test_printable_makes_every_control_visible_and_neutralises_bidi() -> None:
    shown = printable(f"{SGR}{OSC52}{CLEAR}{RTL}\u2066x\u2069\u200f\u2028\u2029\x85\x9b")
    assert not forbidden(shown)
    assert "\\x1b[31mRED" in shown and "\\x07" in shown
    assert "\\u202e" in shown and "\\u2066" in shown and "\\u2028" in shown
    assert "\u2028" not in shown and "\u2029" not in shown
    # Text that was fine stays as it was: emoji sequences, RTL script, markup brackets.
    for fine in (EMOJI, "مرحبا שלום", MARKUP, "tab\tnew"):
        assert printable(fine, multiline=True).replace("    ", "\t") == fine
    assert printable("a\nb") == "a\\nb" and printable("a\nb", multiline=True) == "a\nb"
