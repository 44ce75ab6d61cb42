"""The detail screen's two widgets on their own: the folding JSON view and the trace waterfall."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from trigger_tui.api.models.runs import Trace
from trigger_tui.ui.format import printable
from trigger_tui.ui.widgets.json_view import CHUNK, JsonView, summary
from trigger_tui.ui.widgets.waterfall import Waterfall


class JsonApp(App[None]):
    def compose(self) -> ComposeResult:
        yield JsonView(id="json")


class WaterfallApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Waterfall(id="waterfall")


def labels(view: JsonView) -> list[str]:
    """Every visible line's label as plain text (what a reader sees, minus the guides)."""
    lines = []
    for i in range(view.last_line + 1):
        node = view.get_node_at_line(i)
        if node is not None:
            lines.append(view.render_label(node, view.rich_style, view.rich_style).plain)
    return lines


# ---------------------------------------------------------------------------- JSON view
def test_printable_makes_control_codes_visible() -> None:
    hostile = "ok\x1b[31mred\x07\x9b\r\nnext\tcol"
    assert printable(hostile) == "ok\\x1b[31mred\\x07\\x9b\\x0d\\nnext\\tcol"
    assert printable(hostile, multiline=True) == "ok\\x1b[31mred\\x07\\x9b\\x0d\nnext    col"


def test_summary_reads_containers_by_size_and_cuts_long_strings() -> None:
    assert summary({"a": 1, "b": 2}) == "{…} 2 keys"
    assert summary([1]) == "[…] 1 item"
    assert summary([]) == "[]"
    assert summary(None) == "null"
    assert summary(True) == "true"
    long = summary("x" * 5000)
    assert long.startswith('"xxx') and long.endswith('…" (5,000 chars)') and len(long) < 200


async def test_sections_open_one_level_and_expand_lazily() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        view.set_section("payload", {"user": {"email": "a@b.c", "tags": ["x"]}, "n": 3})
        view.set_section("metadata", {})
        await pilot.pause()
        assert labels(view) == ["▼ payload: {…} 2 keys", '▶ "user": {…} 2 keys', '"n": 3',
                                "metadata: {}"]
        user = view.root.children[0].children[0]
        assert len(user.children) == 0  # nothing built until it is opened
        view.move_cursor(user)
        await pilot.press("right")
        await pilot.pause()
        assert [c.data.key for c in user.children if c.data] == ["email", "tags"]
        await pilot.press("left")
        await pilot.pause()
        assert not user.is_expanded


async def test_a_huge_array_is_shown_a_chunk_at_a_time() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        view.set_section("payload", list(range(1000)))
        await pilot.pause()
        section = view.root.children[0]
        assert len(section.children) == CHUNK + 1
        more = section.children[-1]
        assert labels(view)[-1] == f"… {1000 - CHUNK:,} more (enter)"
        view.move_cursor(more)
        await pilot.press("enter")
        await pilot.pause()
        assert len(section.children) == 2 * CHUNK + 1
        first_new = section.children[CHUNK].data
        assert first_new is not None and first_new.key == CHUNK


async def test_a_huge_object_is_shown_a_chunk_at_a_time_too() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        view.set_section("payload", {f"k{i}": i for i in range(CHUNK + 5)})
        await pilot.pause()
        section = view.root.children[0]
        view.move_cursor(section.children[-1])
        await pilot.press("right")  # right on a "more" marker loads the rest as well
        await pilot.pause()
        keys = [c.data.key for c in section.children if c.data is not None]
        assert keys == [f"k{i}" for i in range(CHUNK + 5)]


async def test_an_unchanged_section_is_not_rebuilt() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        value = {"a": [1, 2, 3]}
        view.set_section("output", value)
        node = view.root.children[0]
        view.set_section("output", {"a": [1, 2, 3]})  # equal value from the next poll
        assert view.root.children[0] is node
        view.set_section("output", {"a": [1, 2]})
        await pilot.pause()
        assert view.root.children[0] is not node
        assert view.section_value("output") == {"a": [1, 2]}


async def test_json_strings_cannot_inject_markup_or_escapes() -> None:
    app = JsonApp()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(JsonView)
        view.set_section("payload", {"[bold]k[/bold]": "\x1b]52;c;ZXZpbA==\x07[red]v"})
        await pilot.pause()
        line = labels(view)[1]
        assert "[bold]k[/bold]" in line and "\x1b" not in line and "\\u001b]52" in line


# ---------------------------------------------------------------------------- waterfall
def span(span_id: str, message: str, start_s: float, dur_s: float,
         children: tuple[Any, ...] | list[Any] = (), **flags: Any) -> dict[str, Any]:
    return {"id": span_id, "runId": "run_1", "data": {
        "message": message, "startTime": f"2026-01-01T00:00:{start_s:06.3f}Z",
        "duration": int(dur_s * 1e9), "level": flags.pop("level", "TRACE"), **flags},
        "children": list(children)}


def sample_trace() -> Trace:
    return Trace.model_validate({"traceId": "t1", "rootSpan": span(
        "root", "send-email", 0, 10, [
            span("a1", "Attempt 1", 1, 4, [
                span("log", "Rendering template", 1.5, 0, level="INFO"),
                span("smtp", "smtp.send", 2, 3, isError=True),
            ], isError=True),
            span("a2", "Attempt 2", 6, 4, [span("smtp2", "smtp.send", 6.5, 3.5,
                                                 isPartial=True)], isPartial=True),
        ], isPartial=True)})


def row_text(w: Waterfall, y: int) -> str:
    return w.render_line(y).text


async def test_waterfall_bars_share_one_axis() -> None:
    app = WaterfallApp()
    async with app.run_test(size=(100, 12)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(sample_trace())
        await pilot.pause()
        assert [r.span.id for r in w.rows] == ["root", "a1", "log", "smtp", "a2", "smtp2"]
        assert [r.depth for r in w.rows] == [0, 1, 2, 2, 1, 2]
        assert w.total_s == 10
        label_w = 50  # half of 100 columns
        bars = {r.span.id: row_text(w, i + 1)[label_w + 1:] for i, r in enumerate(w.rows)}
        bar_w = 100 - label_w - 1
        # The root covers the whole axis; attempt 2 starts at 60 % of it.
        assert bars["root"].startswith("░" * bar_w)
        assert bars["a2"].index("█" if "█" in bars["a2"] else "░") == int(0.6 * bar_w)
        assert bars["a1"].index("█") == int(0.1 * bar_w)
        assert bars["log"].index("◆") == int(0.15 * bar_w)
        axis = row_text(w, 0)
        assert axis[label_w + 1] == "0" and axis.rstrip().endswith("10.0s")


async def test_waterfall_marks_errors_and_running_spans() -> None:
    app = WaterfallApp()
    async with app.run_test(size=(100, 12)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(sample_trace())
        await pilot.pause()
        lines = {r.span.id: row_text(w, i + 1) for i, r in enumerate(w.rows)}
        assert "✗ smtp.send" in lines["smtp"]
        assert "◌ smtp.send" in lines["smtp2"] and "░" in lines["smtp2"]
        assert "· Rendering template" in lines["log"]
        smtp_i = next(i for i, r in enumerate(w.rows) if r.span.id == "smtp")
        strip = w.render_line(smtp_i + 1)
        error_color = w.get_component_rich_style("waterfall--bar-error").color
        assert any(seg.text.startswith("█") and seg.style is not None
                   and seg.style.color == error_color for seg in strip)


async def test_waterfall_folds_with_keys_and_keeps_the_cursor_across_polls() -> None:
    app = WaterfallApp()
    async with app.run_test(size=(100, 12)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(sample_trace())
        w.focus()
        await pilot.pause()
        await pilot.press("down")  # Attempt 1
        await pilot.press("left")  # fold it
        assert [r.span.id for r in w.rows] == ["root", "a1", "a2", "smtp2"]
        assert "▸" in row_text(w, 2)
        await pilot.press("left")  # folded already: go to the parent
        assert w.selected_span is not None and w.selected_span.id == "root"
        await pilot.press("down", "right")  # unfold attempt 1
        assert len(w.rows) == 6
        await pilot.press("enter")  # enter toggles
        assert len(w.rows) == 4
        await pilot.press("e")
        assert len(w.rows) == 6
        await pilot.press("z")
        assert [r.span.id for r in w.rows] == ["root", "a1", "a2"]
        await pilot.press("e", "end")
        assert w.selected_span is not None and w.selected_span.id == "smtp2"
        w.show_trace(sample_trace())  # the next poll: a new object, same spans
        assert w.selected_span is not None and w.selected_span.id == "smtp2"


async def test_waterfall_announces_the_selected_span() -> None:
    seen: list[str | None] = []

    class Listening(WaterfallApp):
        def on_waterfall_span_highlighted(self, message: Waterfall.SpanHighlighted) -> None:
            seen.append(message.span.id if message.span else None)

    app = Listening()
    async with app.run_test(size=(100, 12)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(sample_trace())
        w.focus()
        await pilot.pause()
        await pilot.press("down", "down")
        await pilot.pause()
        assert seen[0] == "root" and seen[-1] == "log"


async def test_waterfall_without_a_trace_says_so() -> None:
    app = WaterfallApp()
    async with app.run_test(size=(60, 6)) as pilot:
        w = app.query_one(Waterfall)
        w.show_trace(None)
        await pilot.pause()
        assert row_text(w, 0).startswith("No trace yet")
        assert w.selected_span is None
