"""The TRQL benchmark still runs and prints its figures (no timing is asserted)."""

from __future__ import annotations

import pytest

from benchmarks import trql_grouped


def test_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    trql_grouped.main(["--quick"])
    out = capsys.readouterr().out
    for prefix in ("runs: ", "world build: ", "cold (first query", "results match the world: yes",
                   "warm (median of", "warm, clock advancing", "reference (plain Python",
                   "ratio warm / reference: "):
        assert any(line.startswith(prefix) for line in out.splitlines()), (prefix, out)
