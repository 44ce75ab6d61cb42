"""Every benchmark runs at tiny sizes and reports well-formed figures, so none can rot.

Timings are never asserted (a shared CI machine makes them noise): only that each line names
its figure, carries a finite value with a unit beside a reference, and that the ratio and the
goal verdict are consistent with them.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks import (
    client_floor,
    idle_cpu,
    incremental_polling,
    memory,
    query_results,
    runs_view,
    startup,
    trql_grouped,
)
from benchmarks.__main__ import REGISTRY
from benchmarks.figures import JSON_KEYS, Figure

ROOT = Path(__file__).resolve().parents[2]


def well_formed(figures: list[Figure]) -> None:
    assert figures
    for f in figures:
        assert f.name and f.unit, f
        assert f.value is not None and math.isfinite(f.value) and f.value >= 0, f
        assert f.reference is not None and math.isfinite(f.reference) and f.reference >= 0, f
        if f.reference > 0:
            assert f.ratio is not None and f.ratio == pytest.approx(f.value / f.reference), f
        assert (f.goal is None) == (f.met is None), f
        assert set(f.as_json()) == set(JSON_KEYS)
    names = [f.name for f in figures]
    assert len(set(names)) == len(names), names


@pytest.mark.parametrize("figures", [
    runs_view.figures, client_floor.figures, incremental_polling.figures, idle_cpu.figures,
    memory.figures, startup.figures, query_results.figures, trql_grouped.figures,
], ids=lambda f: f.__module__.rsplit(".", 1)[-1])
def test_benchmark_quick_figures(figures: Callable[[bool], list[Figure]]) -> None:
    well_formed(figures(True))


def test_every_benchmark_is_registered() -> None:
    modules = {m for _, m, _ in REGISTRY}
    assert modules == {f"benchmarks.{p.stem}" for p in (ROOT / "benchmarks").glob("*.py")
                       if hasattr(__import__(f"benchmarks.{p.stem}", fromlist=["_"]),
                                  "figures")}


def test_main_prints_the_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    printed = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only",
                              "client_floor,trql_grouped", "--json", str(out)], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, check=True).stdout
    for head in ("figure", "value", "unit", "reference", "ratio", "goal", "met"):
        assert head in printed.splitlines()[1]
    data = json.loads(out.read_text())
    assert isinstance(data, list) and len(data) == 2
    for item in data:
        assert tuple(item) == JSON_KEYS
        assert isinstance(item["name"], str) and isinstance(item["unit"], str)
        for key in ("value", "reference", "ratio"):
            assert isinstance(item[key], int | float)
        assert item["met"] in (True, False, None)
        assert item["name"] in printed


def test_wall_runs_as_a_script() -> None:
    """`python benchmarks/wall.py` (not only `-m`): the path the wall issue documents."""
    printed = subprocess.run([sys.executable, "benchmarks/wall.py", "--quick"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, check=True).stdout
    assert "% of one core" in printed and "RSS" in printed and " MB" in printed
