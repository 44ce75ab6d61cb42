"""`trigger-tui runs …` and `trigger-tui trigger …` end to end against the demo world."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.commands.conftest import Demo


def _delayed_run(cli: Any, *extra: str) -> str:
    """A fresh run that waits an hour (so it can be canceled or rescheduled)."""
    r = cli("trigger", "send-email", "--payload", '{"to": "ada@example.com"}', "--delay", "1h",
            "--demo", *extra)
    assert r.code == 0, r.err
    return str(r.out.strip())


def test_list_prints_a_table_newest_first(cli: Any) -> None:
    r = cli("runs", "list", "--demo", "--limit", "5")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "TASK", "VERSION", "CREATED", "DURATION", "TAGS"]
    assert len(lines) == 6 and all(line.startswith("run_") for line in lines[1:])
    assert r.err == ""


def test_list_filters_and_json(cli: Any) -> None:
    r = cli("runs", "list", "--demo", "--status", "FAILED,CRASHED", "--limit", "10", "--json")
    assert r.code == 0, r.err
    runs = r.json()
    assert runs and {x["status"] for x in runs} <= {"FAILED", "CRASHED"}
    assert {"id", "taskIdentifier", "createdAt"} <= set(runs[0])
    task = runs[0]["taskIdentifier"]
    r = cli("runs", "list", "--demo", "--task", task, "--period", "2h", "--json", "--limit", "3")
    assert {x["taskIdentifier"] for x in r.json()} == {task}


def test_list_csv_has_machine_values(cli: Any) -> None:
    r = cli("runs", "list", "--demo", "--status", "COMPLETED", "--limit", "3", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.out)))
    assert len(rows) == 3 and rows[0]["STATUS"] == "COMPLETED"
    assert rows[0]["CREATED"].endswith("Z") and float(rows[0]["DURATION"]) > 0


def test_list_nothing_found_says_so_on_stderr(cli: Any) -> None:
    r = cli("runs", "list", "--demo", "--tag", "no-such-tag-anywhere")
    assert (r.code, r.out, r.err.strip()) == (0, "", "no runs match")
    assert cli("runs", "list", "--demo", "--tag", "no-such-tag", "--json").json() == []


def test_list_rejects_a_bad_time_as_usage(cli: Any) -> None:
    r = cli("runs", "list", "--demo", "--from", "yesterday")
    assert r.code == 2 and "--from: 'yesterday' is not an ISO-8601 time" in r.err


def test_get_shows_payload_and_relations(cli: Any) -> None:
    run_id = _delayed_run(cli, "--tag", "cli-test")
    r = cli("runs", "get", run_id, "--demo")
    assert r.code == 0, r.err
    assert f"ID               {run_id}" in r.out
    assert "DELAYED" in r.out and '"to": "ada@example.com"' in r.out and "cli-test" in r.out
    data = cli("runs", "get", run_id, "--demo", "--json").json()
    assert data["id"] == run_id and data["payload"] == {"to": "ada@example.com"}


def test_get_unknown_run_is_an_api_error(cli: Any) -> None:
    r = cli("runs", "get", "run_doesnotexist000000000", "--demo")
    assert r.code == 1 and r.out == ""
    assert r.err.startswith("trigger-tui: ") and "(HTTP 404)" in r.err
    assert len(r.err.strip().splitlines()) == 1


def test_cancel_replay_reschedule_tag(cli: Any, demo: Demo) -> None:
    run_id = _delayed_run(cli)
    r = cli("runs", "reschedule", run_id, "2h", "--demo", "--json")
    assert r.code == 0 and r.json()["id"] == run_id and "rescheduled" in r.err
    r = cli("runs", "tag", run_id, "vip", "--demo")
    assert (r.code, r.out.strip()) == (0, run_id)
    assert "vip" in demo.world.envs["prod"].runs[run_id].tags
    r = cli("runs", "replay", run_id, "--demo", "--payload", '{"to": "bob@example.com"}',
            "--json")
    assert r.code == 0, r.err
    new_id = r.json()["id"]
    assert r.json()["replayOf"] == run_id and new_id != run_id
    assert f"replayed {run_id} as {new_id}" in r.err
    r = cli("runs", "cancel", run_id, "--demo")
    assert (r.code, r.out.strip(), r.err.strip()) == (0, run_id, f"canceled {run_id}")
    assert demo.world.envs["prod"].runs[run_id].status == "CANCELED"


def test_reschedule_refusal_is_exit_1(cli: Any) -> None:
    run_id = _delayed_run(cli)
    cli("runs", "cancel", run_id, "--demo")
    r = cli("runs", "reschedule", run_id, "1h", "--demo")
    assert r.code == 1 and "HTTP 400" in r.err


def test_changes_on_a_read_only_connection_are_refused_locally(cli: Any, demo: Demo) -> None:
    run_id = _delayed_run(cli)
    r = cli("runs", "cancel", run_id, "--demo", "--read-only")
    assert r.code == 2 and "read-only" in r.err
    assert demo.world.envs["prod"].runs[run_id].status == "DELAYED"
    assert cli("runs", "get", run_id, "--demo", "--read-only").code == 0


def test_trigger_with_payload_file_options_and_env(cli: Any, demo: Demo,
                                                   tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"to": "eve@example.com", "n": 3}')
    r = cli("trigger", "send-email", "--payload", f"@{payload}", "--tag", "a,b", "--ttl", "5m",
            "--idempotency-key", "order-1", "--demo", "--env", "stg", "--json")
    assert r.code == 0, r.err
    first = r.json()
    assert first["isCached"] is False
    run = demo.world.envs["stg"].runs[first["id"]]
    assert run.tags == ["a", "b"] and run.ttl == "5m"
    again = cli("trigger", "send-email", "--payload", f"@{payload}", "--idempotency-key",
                "order-1", "--demo", "--env", "stg", "--json")
    assert again.json() == {"id": first["id"], "isCached": True}
    assert "existing run" in again.err


def test_trigger_rejects_bad_payloads_as_usage(cli: Any, tmp_path: Path) -> None:
    r = cli("trigger", "send-email", "--payload", "{bad", "--demo")
    assert r.code == 2 and "--payload is not valid JSON" in r.err
    r = cli("trigger", "send-email", "--payload", f"@{tmp_path / 'missing.json'}", "--demo")
    assert r.code == 2 and "cannot read" in r.err
    r = cli("trigger", "send-email", "--metadata", "[1]", "--demo")
    assert r.code == 2 and "--metadata must be a JSON object" in r.err


def test_usage_errors_from_argparse_exit_2(cli: Any) -> None:
    assert cli("runs").code == 2
    r = cli("runs", "list", "--limit", "many")
    assert r.code == 2 and "invalid int value" in r.err
    r = cli("runs", "list", "--format", "xml")
    assert r.code == 2


def test_help_documents_exit_codes(cli: Any) -> None:
    for argv in (["--help"], ["runs", "list", "--help"], ["bulk", "cancel", "--help"]):
        r = cli(*argv)
        assert r.code == 0
        assert "exit codes:" in r.out and "3  authentication" in r.out
