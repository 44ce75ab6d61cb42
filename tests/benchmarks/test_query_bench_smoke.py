"""`python -m benchmarks.query_results --quick` shows a result in both tables (no timing
asserted: the ratio is for people to read)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_query_results_benchmark_quick() -> None:
    out = subprocess.run([sys.executable, "-m", "benchmarks.query_results", "--quick"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.count("DataTable takes") == 2 and "x the virtual table's time to frame" in out
