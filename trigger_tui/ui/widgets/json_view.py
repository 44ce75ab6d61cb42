"""Folding, highlighted JSON for payloads, outputs and metadata.

A payload can be megabytes. Nothing here walks the whole value: a container becomes tree nodes
only when it is expanded, and then at most `CHUNK` children at a time (a "… N more" node loads
the next chunk), so opening a 5 MB payload costs the same as opening a small one. Labels are
rendered on demand for the visible lines only (the Tree is a Line-API widget), and every string
from the value is made printable first: run data must never reach the terminal as control codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets._tree import TOGGLE_STYLE
from textual.widgets.tree import TreeNode

from trigger_tui.humanize import count
from trigger_tui.ui.format import printable
from trigger_tui.ui.keymap import list_bindings

CHUNK = 200
MAX_STRING = 160

# C0 controls (except newline and tab), DEL and C1 controls: shown as visible escapes.
@dataclass(slots=True)
class JsonNode:
    """What a tree node stands for: one member of a JSON value, or a "more" marker.

    `key` is the member's name (dict), index (list) or a section title (top level, `section`
    True). A `more` node stands for the children of `value` from index `start` on."""

    key: str | int | None
    value: Any
    section: bool = False
    more: bool = False
    start: int = 0
    populated: bool = False


def _expandable(value: Any) -> bool:
    """A non-empty object or array (an empty one has nothing to show when opened)."""
    return isinstance(value, dict | list) and len(value) > 0


def summary(value: Any) -> str:
    """How a value reads on one line: containers by size, long strings cut."""
    if isinstance(value, dict):
        n = len(value)
        return "{}" if n == 0 else f"{{…}} {count(n, 'key')}"
    if isinstance(value, list):
        n = len(value)
        return "[]" if n == 0 else f"[…] {count(n, 'item')}"
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            return printable(json.dumps(value[:MAX_STRING], ensure_ascii=False)[:-1]) + \
                f"…\" ({len(value):,} chars)"
        return printable(json.dumps(value, ensure_ascii=False))
    return printable(json.dumps(value, ensure_ascii=False, default=str))


def _tone(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "json--literal"
    if isinstance(value, int | float):
        return "json--number"
    if isinstance(value, str):
        return "json--string"
    return "json--meta"


class JsonView(Tree[JsonNode]):
    """Named JSON sections (e.g. payload, output, metadata) as one folding tree.

    `set_section(name, value)` replaces a section only when its value changed, keeping the
    reader's place in the others.
    """

    HELP_SCOPE = "JSON view"

    BINDINGS: ClassVar[list[BindingType]] = [
        *list_bindings("cursor_down", "cursor_up", "scroll_home", "scroll_end"),
        Binding("right", "expand", "Expand", show=False, id="json.expand"),
        Binding("left", "collapse", "Collapse", show=False, id="json.collapse"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "json--key", "json--index", "json--section", "json--string", "json--number",
        "json--literal", "json--meta",
    }

    DEFAULT_CSS = """
    JsonView {
        & > .json--key { color: $accent; }
        & > .json--index { color: $text-muted; }
        & > .json--section { text-style: bold; }
        & > .json--string { color: $success; }
        & > .json--number { color: $warning; }
        & > .json--literal { color: $secondary; text-style: italic; }
        & > .json--meta { color: $text-muted; }
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__("json", name=name, id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._sections: dict[str, TreeNode[JsonNode]] = {}
        self._values: dict[str, Any] = {}

    # ------------------------------------------------------------------ content
    def set_section(self, name: str, value: Any, *, note: str | None = None) -> None:
        """Show `value` under `name`; `note` replaces the value when there is none to show
        (e.g. "offloaded to object storage")."""
        shown = value if note is None else _Note(note)
        old = self._sections.get(name)
        if old is not None and _same(self._values.get(name), shown):
            return
        self._values[name] = shown
        data = JsonNode(name, shown, section=True)
        if old is None:
            node = self.root.add("", data, expand=False, allow_expand=_expandable(shown))
        else:
            index = self.root.children.index(old)
            old.remove()
            node = self.root.add("", data, before=index if index < len(self.root.children)
                                 else None, allow_expand=_expandable(shown))
        self._sections[name] = node
        if _expandable(shown):
            self._populate(node)
            node.expand()

    def section_value(self, name: str) -> Any:
        value = self._values.get(name)
        return None if isinstance(value, _Note) else value

    def _populate(self, node: TreeNode[JsonNode]) -> None:
        data = node.data
        if data is None or data.populated:
            return
        data.populated = True
        self._add_chunk(node, data.value, 0)

    def _add_chunk(self, parent: TreeNode[JsonNode], value: Any, start: int) -> None:
        """Children `start … start+CHUNK` of `value` under `parent`, then a "more" marker."""
        items: list[tuple[str | int, Any]]
        if isinstance(value, dict):
            # islice: no copy of the whole key list of a huge object.
            items = list(islice(value.items(), start, start + CHUNK))
            total = len(value)
        else:
            items = list(enumerate(value[start:start + CHUNK], start))
            total = len(value)
        for key, child in items:
            parent.add("", JsonNode(key, child), allow_expand=_expandable(child))
        end = start + len(items)
        if end < total:
            parent.add("", JsonNode(None, value, more=True, start=end), allow_expand=False)

    def _load_more(self, node: TreeNode[JsonNode]) -> None:
        data = node.data
        parent = node.parent
        if data is None or parent is None:
            return
        node.remove()
        self._add_chunk(parent, data.value, data.start)

    # ------------------------------------------------------------------ events and actions
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[JsonNode]) -> None:
        event.stop()
        self._populate(event.node)

    def on_tree_node_selected(self, event: Tree.NodeSelected[JsonNode]) -> None:
        if event.node.data is not None and event.node.data.more:
            event.stop()
            self._load_more(event.node)

    def action_expand(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.data is not None and node.data.more:
            self._load_more(node)
        elif node.allow_expand and not node.is_expanded:
            self._populate(node)
            node.expand()
        elif node.is_expanded and node.children:
            self.move_cursor(node.children[0])

    def action_collapse(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    # ------------------------------------------------------------------ rendering
    def render_label(self, node: TreeNode[JsonNode], base_style: Style, style: Style) -> Text:
        data = node.data
        if data is None:
            return Text()
        text = Text()
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            text.append(icon, base_style + TOGGLE_STYLE)
        if data.more:
            remaining = len(data.value) - data.start
            text.append(f"… {remaining:,} more (enter)", self._style("json--meta", style))
            return text
        if data.section:
            text.append(printable(str(data.key)), self._style("json--section", style))
        elif isinstance(data.key, int):
            text.append(f"[{data.key}]", self._style("json--index", style))
        else:
            text.append(printable(json.dumps(data.key, ensure_ascii=False)),
                        self._style("json--key", style))
        text.append(": ", style)
        value = data.value
        if isinstance(value, _Note):
            text.append(printable(value.text), self._style("json--meta", style))
        else:
            text.append(summary(value), self._style(_tone(value), style))
        return text

    def _style(self, component: str, style: Style) -> Style:
        return self.get_component_rich_style(component, partial=True) + style


@dataclass(frozen=True, slots=True)
class _Note:
    """A section shown as a remark instead of a value."""

    text: str


def _same(old: Any, new: Any) -> bool:
    """Unchanged? Identity first: comparing two big payloads costs a full walk."""
    if old is new:
        return True
    try:
        return bool(old == new) and type(old) is type(new)
    except Exception:  # exotic values that refuse comparison count as changed
        return False


