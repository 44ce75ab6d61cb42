"""`python -m benchmarks.runs_view --quick` runs and reports both tables (no timing asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_runs_view_benchmark_quick() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmarks.runs_view", "--quick"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "virtual" in out and "DataTable" in out
    assert out.count("DataTable takes") == 2 and "x the virtual table's time to frame" in out
