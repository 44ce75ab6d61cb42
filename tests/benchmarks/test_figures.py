"""The shared table and JSON: a missed goal, an unmeasured figure and an infinite ratio read
correctly."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.figures import JSON_KEYS, Figure, ratio, table, unmeasured, write_json


def test_ratio_is_value_over_reference() -> None:
    assert ratio(10.0, 40.0) == 0.25
    assert ratio(None, 1.0) is None and ratio(1.0, None) is None
    assert ratio(1.0, 0.0) == math.inf and ratio(0.0, 0.0) is None


def test_table_marks_met_missed_and_unmeasured() -> None:
    text = table([
        Figure("fast", 12.5, "ms", 100.0, 0.125, "< 20 ms", True),
        Figure("slow", 30.0, "ms", 100.0, 0.3, "< 20 ms", False),
        Figure("no goal", 1.0, "MB", 2.0, 0.5),
        unmeasured("wall", "%", "< 2 %", "the wall did not start"),
    ])
    lines = text.splitlines()
    assert lines[0].split() == ["figure", "value", "unit", "reference", "ratio", "goal", "met"]
    fast, slow, no_goal, wall = lines[2:6]
    assert fast.endswith("✓") and "0.12×" in fast
    assert slow.endswith("✗")
    assert no_goal.endswith("–")
    assert "n/a" in wall
    assert "wall: the wall did not start" in text


def test_json_has_the_issue_keys_and_no_infinity(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_json([Figure("idle", 1.5, "%", 0.0, math.inf, "< 2 %", True),
                unmeasured("wall", "%", None, "not running")], path)
    data = json.loads(path.read_text())
    assert [tuple(d) for d in data] == [JSON_KEYS, JSON_KEYS]
    assert data[0] == {"name": "idle", "value": 1.5, "unit": "%", "reference": 0.0,
                       "ratio": None, "goal": "< 2 %", "met": True}
    assert data[1]["value"] is None and data[1]["met"] is None
