"""The TRQL console's state: running over the emulator, errors, history, saved queries, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import make_harness
from trigger_tui.api.models.query import QuerySchema
from trigger_tui.state import query as q


def test_state_dir_follows_xdg(tmp_path: Path) -> None:
    assert q.state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "trigger-tui"
    assert q.state_dir({"XDG_STATE_HOME": "relative"}).parts[-3:] == (
        ".local", "state", "trigger-tui")


async def test_run_query_returns_rows_in_select_order() -> None:
    h = make_harness()
    out = await q.run_query(h.session.client, q.QueryRequest(
        "SELECT task_identifier, count() AS runs FROM runs GROUP BY task_identifier", "1h"))
    assert out.ok and out.columns == ("task_identifier", "runs")
    assert sum(r["runs"] for r in out.rows) > 0
    sent = [r for r in h.log if r.path == "/api/v1/query"][-1]
    assert sent.method == "POST"


async def test_server_error_is_kept_in_its_words_with_position() -> None:
    h = make_harness()
    out = await q.run_query(h.session.client, q.QueryRequest("SELECT task_identifier FORM runs"))
    assert not out.ok and out.error is not None
    assert out.error.startswith("Syntax error at line 1:28")
    assert out.position == (1, 29)  # ANTLR columns count from 0, the editor's from 1
    out = await q.run_query(h.session.client, q.QueryRequest("SELECT nope FROM runs"))
    assert out.error is not None and out.error.startswith('Unknown column "nope"')
    assert out.position is None


async def test_from_to_window_is_applied_by_the_server() -> None:
    h = make_harness()

    async def count(window: str) -> int:
        req = q.QueryRequest("SELECT count() AS n FROM runs", *q.parse_window(window))
        out = await q.run_query(h.session.client, req)
        assert out.ok, out.error
        return int(out.rows[0]["n"])

    assert q.parse_window("2025-12-31T23:00..")[0] is None
    assert await count("2025-12-31T23:00..2026-01-01T00:00Z") > 0
    assert await count("2025-12-30..2025-12-31") == 0  # before the world's history


@pytest.mark.parametrize("text", ["", "7", "yesterday", "..", "2026-13-01..2026-01-02"])
def test_parse_window_refuses_what_is_not_a_window(text: str) -> None:
    with pytest.raises(ValueError):
        q.parse_window(text)


def test_history_is_bounded_persisted_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "state" / "query_history.jsonl"
    history = q.QueryHistory(path, limit=3)
    for i in range(5):
        history.add(q.QueryOutcome(q.QueryRequest(f"SELECT {i} FROM runs"), rows=[{}]), at=i)
    history.add(q.QueryOutcome(q.QueryRequest("SELECT 4 FROM runs"), error="boom"), at=9)
    reread = q.QueryHistory(path, limit=3)
    assert [e.text for e in reread.entries] == ["SELECT 2 FROM runs", "SELECT 3 FROM runs",
                                                "SELECT 4 FROM runs"]
    assert reread.entries[-1].error == "boom" and reread.entries[-1].rows is None
    assert [e.text for e in reread.search("3 runs")] == ["SELECT 3 FROM runs"]
    assert len(path.read_text().splitlines()) == 3


def test_history_survives_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"text": "SELECT 1", "at": 1}\n{"text": "SEL')
    assert [e.text for e in q.QueryHistory(path).entries] == ["SELECT 1"]


def test_saved_queries_round_trip_in_the_config_file(tmp_path: Path) -> None:
    from trigger_tui import config

    path = tmp_path / "config.toml"
    config.save(config.Settings(profiles={"acme": config.Profile(project_ref="proj_acme")}),
                path)
    saved = q.SavedQueries(path)
    saved.save("failures", "SELECT 'a \"quoted\"\nline' FROM runs", "6h")
    saved.save("plain", "SELECT 1")
    again = q.SavedQueries(path)
    assert again.items["failures"] == q.NamedQuery("failures",
                                                   "SELECT 'a \"quoted\"\nline' FROM runs", "6h")
    assert again.items["plain"].period is None
    assert again.delete("plain") and "plain" not in q.SavedQueries(path).items
    with pytest.raises(ValueError):
        saved.save("  ", "SELECT 1")
    kept = config.load(path).settings
    assert kept.profiles["acme"].project_ref == "proj_acme"  # the profiles survive
    assert kept.queries["failures"].period == "6h"
    assert path.stat().st_mode & 0o777 == 0o600


async def test_stock_queries_all_run_on_the_emulator() -> None:
    h = make_harness()
    for stock in q.STOCK_QUERIES:
        out = await q.run_query(h.session.client, q.QueryRequest(stock.text, stock.period or "1d"))
        assert out.ok, (stock.name, out.error)
        assert out.rows, stock.name


def test_csv_export_round_trips(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"task": 'a,"b"', "n": 3, "cost": 0.25, "err": {"name": "E", "m": "x,y"}, "ok": True},
        {"task": "multi\nline", "n": None, "cost": 1e-7, "err": None, "ok": False},
    ]
    columns = ("task", "n", "cost", "err", "ok")
    path = tmp_path / "out" / "r.csv"
    assert q.export_to_file(path, columns, rows) == "csv"
    back = list(csv.DictReader(io.StringIO(path.read_text())))
    assert [r["task"] for r in back] == ['a,"b"', "multi\nline"]
    assert back[0]["n"] == "3" and back[1]["n"] == ""
    assert float(back[1]["cost"]) == 1e-7
    assert json.loads(back[0]["err"]) == {"name": "E", "m": "x,y"}
    assert [r["ok"] for r in back] == ["true", "false"]


def test_json_export_is_the_rows(tmp_path: Path) -> None:
    rows = [{"a": 1, "b": None}]
    path = tmp_path / "r.json"
    assert q.export_to_file(path, ("a", "b"), rows) == "json"
    assert json.loads(path.read_text()) == rows


def test_sort_rows_keeps_nulls_last_both_ways() -> None:
    rows: list[dict[str, Any]] = [{"v": 2}, {"v": None}, {"v": 10}, {"v": 1}]
    assert [r["v"] for r in q.sort_rows(rows, "v", False)] == [1, 2, 10, None]
    assert [r["v"] for r in q.sort_rows(rows, "v", True)] == [10, 2, 1, None]


def test_vocabulary_from_schema_and_fallback() -> None:
    schema = QuerySchema.model_validate({"tables": [{"name": "runs", "columns": [
        {"name": "status", "type": "String", "allowedValues": ["Completed", "Failed"]},
        {"name": "task_identifier", "type": "String"}]}]})
    v = q.Vocabulary.from_schema(schema)
    assert v.from_server and v.candidates("task") == ["task_identifier"]
    assert v.candidates("F", quoted=True) == ["Failed"]
    fallback = q.Vocabulary.from_schema(QuerySchema())
    assert not fallback.from_server and "queued_duration" in fallback.candidates("queued_d")
    assert "countIf" in fallback.candidates("counti")


async def test_vocabulary_cache_asks_once_and_falls_back() -> None:
    h = make_harness()
    cache = q.VocabularyCache()
    first = await cache.get(h.session.client)
    await cache.get(h.session.client)
    assert first.from_server
    assert len([r for r in h.log if r.path == "/api/v1/query/schema"]) == 1


def test_word_before_cursor() -> None:
    text = "SELECT task_id\nFROM runs WHERE status = 'Fai"
    assert q.word_before(text, 0, 14) == ("task_id", False)
    assert q.word_before(text, 1, len("FROM runs WHERE status = 'Fai")) == ("Fai", True)
    assert q.word_before(text, 1, 0) == ("", False)
