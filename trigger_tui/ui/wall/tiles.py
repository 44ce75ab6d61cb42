"""The wall's widgets: a figure tile, a panel of tiles and lists, and the short help.

Each widget keeps what it last showed and touches Textual only when that changes, so a wall
left on for days repaints a tile when its figure moves and nothing else. The panel takes a
whole `PanelView` (see `figures.py`) and lays itself out by CSS classes the app sets:
`-compact` (one line per tile, plain bold numbers) and `-wide` (four tiles a row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Digits, Static

from trigger_tui.ui.wall.figures import TILES, PanelView, TileView, spark

TONES = ("-ok", "-warn", "-bad")
# Beside every colored figure, so good and bad read on a monochrome screen or to a
# color-blind eye too (the same marks as the health pane).
TONE_MARK = {"ok": "✓", "warn": "!", "bad": "✗"}


def _key(content: Content | None) -> Any:
    return None if content is None else (content.plain, tuple(content.spans))


class Spark(Widget):
    """A text sparkline as wide as the widget, redrawn only when its series changes."""

    DEFAULT_CSS = "Spark { height: 1; }"

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.values: tuple[float | None, ...] = ()
        self.top: float | None = None

    def show(self, values: tuple[float | None, ...], top: float | None) -> None:
        if (values, top) != (self.values, self.top):
            self.values, self.top = values, top
            self.refresh()

    def render(self) -> Content:
        return Content(spark(self.values, self.size.width, self.top))


class TileLine(Widget):
    """The compact tile: `Runs/min   12  ▂▃▅▇▆  (45s old)` on one line."""

    DEFAULT_CSS = "TileLine { height: 1; }"
    LABEL_W = 13

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.view: TileView | None = None

    def show(self, view: TileView) -> None:
        if view != self.view:
            self.view = view
            self.refresh()

    def render(self) -> Content:
        v = self.view
        if v is None:
            return Content("")
        width = self.size.width
        note = f" {v.note}" if v.stale else ""
        head = f"{v.label:<{self.LABEL_W}}"
        value = f"{v.value:>7} {TONE_MARK.get(v.tone, ' ')} "
        room = max(0, width - len(head) - len(value) - len(note))
        tone = {"ok": "$success", "warn": "$warning", "bad": "$error"}.get(v.tone, "")
        value_style = "bold dim" if v.stale else f"bold {tone}".strip()
        return Content.assemble((head, "dim" if v.stale else ""), (value, value_style),
                                (spark(v.spark, min(room, 30), v.top), "dim"),
                                (note, "$warning"))


class Tile(Vertical):
    """One figure: a label, the big number and its sparkline; greys out when stale."""

    def __init__(self, key: str, label: str) -> None:
        super().__init__(classes=f"tile tile-{key}")
        self.key = key
        self.label = label
        self.border_title = label
        self.view: TileView | None = None

    def compose(self) -> ComposeResult:
        yield Digits("-", classes="tile-digits")
        yield Spark(classes="tile-spark")
        yield TileLine(classes="tile-line")

    def show(self, view: TileView, lit: bool) -> None:
        self.set_class(lit, "-alert")
        if not lit:
            self.remove_class("-flash")
        old, self.view = self.view, view
        if view == old:
            return
        if old is None or view.value != old.value:
            self.query_one(Digits).update(view.value)
        self.query_one(Spark).show(view.spark, view.top)
        self.query_one(TileLine).show(view)
        self.set_class(view.stale, "-stale")
        for tone in TONES:
            self.set_class(tone == f"-{view.tone}", tone)
        mark = TONE_MARK.get(view.tone)
        self.border_title = f"{self.label} {mark}" if mark else self.label
        subtitle = view.note if view.stale else ""
        if subtitle != (self.border_subtitle or ""):
            self.border_subtitle = subtitle


class Section(Static):
    """A list under the tiles; `show` skips identical content."""

    def __init__(self, *, classes: str) -> None:
        super().__init__("", classes=classes)
        self._shown: Any = object()

    def show(self, content: Content) -> None:
        key = _key(content)
        if key != self._shown:
            self._shown = key
            self.update(content)


class PanelWidget(Vertical):
    """One environment: title row, connection banner, tiles, then the lists."""

    def __init__(self, title: str, *, prod: bool) -> None:
        super().__init__(classes="wall-panel")
        self.title = title
        self.prod = prod
        self._banner: Any = object()
        self._freshness: Any = object()
        self._position = ""
        self._lit: frozenset[str] = frozenset()
        self._title_alert = False
        self.ready = False  # its parts are mounted: `apply` may run

    def on_mount(self) -> None:
        self.ready = True

    def compose(self) -> ComposeResult:
        with Horizontal(classes="wall-title"):
            yield Static(Content(self.title), classes="wall-env" + (" -prod" if self.prod else ""))
            yield Static("", classes="wall-fresh")
            yield Static("", classes="wall-pos")
        yield Static("", classes="wall-banner")
        with Container(classes="wall-tiles"):
            for d in TILES:
                yield Tile(d.key, d.label)
        with Container(classes="wall-lists"):
            with Horizontal(classes="wall-pair"):
                yield Section(classes="wall-list wall-failing")
                yield Section(classes="wall-list wall-queues")
            yield Section(classes="wall-list wall-alerts")
            yield Section(classes="wall-list wall-ticker")

    def apply(self, view: PanelView) -> None:
        if _key(view.freshness) != self._freshness:
            self._freshness = _key(view.freshness)
            self.query_one(".wall-fresh", Static).update(view.freshness)
        if _key(view.banner) != self._banner:
            self._banner = _key(view.banner)
            banner = self.query_one(".wall-banner", Static)
            banner.set_class(view.banner is not None, "-shown")
            banner.update(view.banner or "")
        self._title_alert = view.title_alert
        title = self.query_one(".wall-title")
        title.set_class(view.title_alert, "-alert")
        if not view.title_alert:
            title.remove_class("-flash")
        self._lit = view.lit
        for tile, tv in zip(self.query(Tile), view.tiles, strict=True):
            tile.show(tv, tv.key in view.lit)
        self.query_one(".wall-failing", Section).show(view.failing)
        self.query_one(".wall-queues", Section).show(view.queues)
        self.query_one(".wall-alerts", Section).show(view.alerts)
        self.query_one(".wall-ticker", Section).show(view.ticker)

    def set_position(self, text: str) -> None:
        if text != self._position:
            self._position = text
            self.query_one(".wall-pos", Static).update(Content(text))

    def blink(self, on: bool) -> None:
        """Flash what a firing alert lit (a class toggle: no animation involved)."""
        for tile in self.query(Tile):
            if tile.key in self._lit:
                tile.set_class(on, "-flash")
        if self._title_alert:
            self.query_one(".wall-title").set_class(on, "-flash")


class WallHelp(ModalScreen[None]):
    """The wall's few keys; any listed key closes it."""

    HELP_SCOPE = "Wall help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss", "Close", id="wall.help.close"),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        lines = [Content.styled("Wall monitor (read-only)", "bold"), Content("")]
        lines += [Content.assemble((f"{k:<10}", "bold"), d) for k, d in self.keys]
        lines += [Content(""), Content.styled("esc or ? closes this", "dim")]
        yield Static(Content("\n").join(lines), classes="wall-help")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
