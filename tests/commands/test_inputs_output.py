"""What people type (lists, JSON, durations, .env files) and how results are written."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from trigger_tui.commands.context import UsageError
from trigger_tui.commands.inputs import duration_ms, key_values, parse_dotenv, split_list
from trigger_tui.commands.output import Column, Output, relative, render_csv
from trigger_tui.humanize import duration


def test_split_list() -> None:
    assert split_list(["a,b", " c ", ",", "d"]) == ["a", "b", "c", "d"]
    assert split_list(None) is None and split_list([" , "]) is None


@pytest.mark.parametrize(("text", "ms"), [("90s", 90_000), ("15m", 900_000), ("2h", 7_200_000),
                                          ("1.5d", 129_600_000), ("250ms", 250)])
def test_durations(text: str, ms: int) -> None:
    assert duration_ms(text, "--for") == ms


def test_bad_inputs_name_the_argument() -> None:
    with pytest.raises(UsageError, match="--for: 'soon' is not a duration"):
        duration_ms("soon", "--for")
    with pytest.raises(UsageError, match="--filter: expected KEY=VALUE"):
        key_values(["status"], "--filter")


def test_dotenv() -> None:
    text = "\n".join([
        "# a comment", "", "export A=1", "B = two words  # trailing comment", "C='lit#eral $X'",
        'D="line\\nbreak \\"q\\""', 'E="multi', 'line"', "F=", "G=a#b",
    ])
    assert parse_dotenv(text, ".env") == {
        "A": "1", "B": "two words", "C": "lit#eral $X", "D": 'line\nbreak "q"',
        "E": "multi\nline", "F": "", "G": "a#b"}


@pytest.mark.parametrize(("text", "words"), [
    ("A=1\n=2\n", "line 2: expected KEY=VALUE"),
    ('A="open\n', "line 1: unterminated \" quote"),
    ("A='x' y\n", "line 1: unexpected text after the quoted value"),
])
def test_dotenv_errors(text: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        parse_dotenv(text, "f.env")


def test_relative_times_and_durations() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert relative(now - timedelta(seconds=2), now) == "just now"
    assert relative(now - timedelta(minutes=3, seconds=5), now) == "3m ago"
    assert relative(now + timedelta(hours=2), now) == "in 2h"
    assert relative(now - timedelta(days=3), now) == "3d ago"
    assert relative(None, now) == "-"
    assert [duration(x) for x in (None, 12, 3400, 302_000, 7_500_000)] == \
        ["—", "12ms", "3.4s", "5m02s", "2h05m"]


def _column(key: str) -> Column:
    return Column(key.upper(), lambda row: row[key], 10)


def test_tables_clip_and_flatten_cells(capsys: pytest.CaptureFixture[str]) -> None:
    out = Output("table", now=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    rows = [{"a": "x" * 100, "b": "two\nlines", "c": None, "d": True, "e": ["p", "q"]}]
    out.items(rows, [_column(k) for k in "abcde"])
    table = capsys.readouterr().out.splitlines()
    assert table[1].split() == ["xxxxxxxxx…", "two", "lines", "-", "yes", "p,", "q"]


def test_csv_quotes_and_encodes_like_the_api() -> None:
    when = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
    text = render_csv(["a", "b", "c", "d"], [["x,y", None, ["t"], when]])
    assert text == 'a,b,c,d\n"x,y",,"[""t""]",2026-01-01T09:30:00Z\n'


def test_json_output_is_the_api_shape(capsys: pytest.CaptureFixture[str]) -> None:
    from trigger_tui.api.models.runs import RunListItem

    run = RunListItem.model_validate({"id": "run_1", "status": "COMPLETED",
                                      "taskIdentifier": "t", "createdAt": "2026-01-01T00:00:00Z"})
    Output("json").items([run], [])
    data = json.loads(capsys.readouterr().out)
    assert data[0]["taskIdentifier"] == "t" and "finishedAt" not in data[0]


PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'trigger_tui'))))
"""


@pytest.mark.parametrize("module", ["trigger_tui.commands", "trigger_tui.config",
                                    "trigger_tui.api.trql", "trigger_tui.cli"])
def test_layers(module: str) -> None:
    """No Textual, console state or UI; the emulator only when --demo asks for it."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], check=True,
                         capture_output=True, text=True).stdout
    loaded = json.loads(out)
    forbidden = ("textual", "trigger_tui.state", "trigger_tui.ui", "trigger_tui.emulator")
    assert not [m for m in loaded if m.startswith(forbidden)], module


def test_counts_read_without_a_parenthesised_plural() -> None:
    from trigger_tui.humanize import count

    assert count(1, "batch", "batches") == "1 batch"
    assert count(0, "batch", "batches") == "0 batches"
    assert count(1204, "run") == "1,204 runs"
    assert count(1, "run") == "1 run"


def test_the_statuses_a_person_types_become_the_apis_spelling() -> None:
    from trigger_tui.commands.inputs import statuses

    assert statuses(["failed,system failure", "Crashed"]) == ["FAILED", "SYSTEM_FAILURE",
                                                               "CRASHED"]
    assert statuses(["UNRESOLVED"], upper=False) == ["unresolved"]
    assert statuses(None) is None
