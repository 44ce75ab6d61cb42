"""`trigger-tui query …`: table, JSON and the server's own CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

COUNT_BY_TASK = ("SELECT task_identifier, count() AS runs FROM runs "
                 "GROUP BY task_identifier ORDER BY runs DESC")


def test_table_json_and_csv(cli: Any) -> None:
    r = cli("query", COUNT_BY_TASK, "--demo", "--period", "1d")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0].split() == ["task_identifier", "runs"]
    rows = cli("query", COUNT_BY_TASK, "--demo", "--json").json()
    assert rows and {"task_identifier", "runs"} == set(rows[0])
    assert rows == sorted(rows, key=lambda row: -row["runs"])
    r = cli("query", COUNT_BY_TASK, "--demo", "--format", "csv")
    parsed = list(csv.DictReader(io.StringIO(r.out)))
    assert [(p["task_identifier"], int(p["runs"])) for p in parsed] == \
        [(row["task_identifier"], row["runs"]) for row in rows]


def test_query_from_a_file_and_an_empty_result(cli: Any, tmp_path: Path) -> None:
    query = tmp_path / "q.sql"
    query.write_text("SELECT run_id FROM runs WHERE task_identifier = 'no-such-task'\n")
    r = cli("query", f"@{query}", "--demo")
    assert (r.code, r.out, r.err.strip()) == (0, "", "no rows")
    assert cli("query", f"@{query}", "--demo", "--json").json() == []


def test_bad_queries_and_windows(cli: Any) -> None:
    r = cli("query", "SELECT nope FROM runs", "--demo")
    assert r.code == 1 and "nope" in r.err and "HTTP 400" in r.err
    r = cli("query", "SELECT 1", "--demo", "--period", "1d", "--from", "2026-01-01T00:00:00Z")
    assert r.code == 2 and "not both" in r.err
    assert cli("query", "  ", "--demo").code == 2


def test_query_is_allowed_on_a_read_only_connection(cli: Any) -> None:
    r = cli("query", "SELECT count() AS n FROM runs", "--demo", "--read-only", "--json")
    assert r.code == 0 and r.json()[0]["n"] > 0
