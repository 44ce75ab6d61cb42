"""The view memory file: round trip, one entry per (profile, environment), forgiving reads,
safe writes (atomic, 0600, never a secret, a failure said once)."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trigger_tui.state.filters import RunFilter
from trigger_tui.state.last_view import (
    FILE_NAME,
    MAX_ENTRIES,
    Names,
    RunsView,
    TokensView,
    View,
    ViewMemory,
    memory_key,
    state_dir,
)

NAMES = Names(panes={"runs", "queues", "tokens"}, columns={"status", "id", "task", "cost"},
              sorts={"created", "duration", "task"})
KEY = ("acme", "prod")
VIEW = View(pane="queues",
            runs=RunsView(filter=RunFilter(text="invoice", statuses=frozenset({"FAILED"}),
                                           tasks=frozenset({"send-email"}), tags=frozenset({"vip"}),
                                           period=None,
                                           from_=datetime(2026, 1, 1, tzinfo=UTC),
                                           queue="task/send-email", root_only=True),
                          sort="duration", descending=False, columns=("status", "task")),
            tokens=TokensView(status="WAITING", tags=("billing",)))


def test_the_state_folder_follows_xdg_state_home(tmp_path: Path) -> None:
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "trigger-tui"
    assert state_dir({"XDG_STATE_HOME": "relative"}) == \
        Path.home() / ".local" / "state" / "trigger-tui"
    # The suite's own fixture: no test touches the real one.
    assert ViewMemory().folder == Path(os.environ["XDG_STATE_HOME"]) / "trigger-tui"


def test_a_view_comes_back_as_it_was_saved(tmp_path: Path) -> None:
    assert ViewMemory(tmp_path).save(KEY, VIEW) is None
    view, warning = ViewMemory(tmp_path).load(KEY, NAMES)
    assert view == VIEW and warning is None


def test_nothing_saved_is_the_defaults_without_a_warning(tmp_path: Path) -> None:
    assert ViewMemory(tmp_path / "never").load(KEY, NAMES) == (View(), None)


def test_each_profile_and_environment_has_its_own_entry(tmp_path: Path) -> None:
    other = View(pane="tokens")
    ViewMemory(tmp_path).save(KEY, VIEW)
    ViewMemory(tmp_path).save(("acme", "stg"), other)  # a second console, same file
    ViewMemory(tmp_path).save(memory_key(None, "prod", demo=True), View(pane="runs"))
    memory = ViewMemory(tmp_path)
    assert memory.load(KEY, NAMES)[0] == VIEW
    assert memory.load(("acme", "stg"), NAMES)[0] == other
    assert memory.load(("demo", "prod"), NAMES)[0] == View(pane="runs")
    assert memory.load(("", "prod"), NAMES)[0] == View()  # a key from the environment


def test_the_file_keeps_the_newest_entries_only(tmp_path: Path) -> None:
    memory = ViewMemory(tmp_path)
    for i in range(MAX_ENTRIES + 5):
        memory.save((f"p{i}", "prod"), View(pane="queues"))
    views = json.loads((tmp_path / FILE_NAME).read_text())["views"]
    assert len(views) == MAX_ENTRIES and views[0]["profile"] == f"p{MAX_ENTRIES + 4}"


def test_an_unchanged_view_is_not_written_again(tmp_path: Path) -> None:
    memory = ViewMemory(tmp_path)
    memory.load(KEY, NAMES)
    memory.save(KEY, View())  # the defaults, as loaded: nothing to write
    assert not (tmp_path / FILE_NAME).exists()
    memory.save(KEY, VIEW)
    first = (tmp_path / FILE_NAME).stat().st_mtime_ns
    (tmp_path / FILE_NAME).write_text("tampered")
    memory.save(KEY, VIEW)
    assert (tmp_path / FILE_NAME).read_text() == "tampered"
    assert first


def test_fresh_reads_nothing_but_saves_changes(tmp_path: Path) -> None:
    ViewMemory(tmp_path).save(KEY, VIEW)
    fresh = ViewMemory(tmp_path, fresh=True)
    assert fresh.load(KEY, NAMES) == (View(), None)
    fresh.save(KEY, View())  # unchanged: the old memory stays
    assert ViewMemory(tmp_path).load(KEY, NAMES)[0] == VIEW
    fresh.save(KEY, View(pane="tokens"))  # a change is the newest state
    assert ViewMemory(tmp_path).load(KEY, NAMES)[0] == View(pane="tokens")


def test_the_file_is_private_and_written_atomically(tmp_path: Path) -> None:
    folder = tmp_path / "state" / "trigger-tui"
    ViewMemory(folder).save(KEY, VIEW)
    path = folder / FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [p.name for p in folder.iterdir()] == [FILE_NAME]  # no temporary file left


@pytest.mark.parametrize("text", ["{not json", "[]", '{"views": 3}', "\udcff",
                                  '{"version": 99, "views": []}'])
def test_a_corrupt_or_foreign_file_is_the_defaults_and_one_warning(tmp_path: Path,
                                                                   text: str) -> None:
    (tmp_path / FILE_NAME).write_bytes(text.encode("utf-8", "surrogateescape"))
    view, warning = ViewMemory(tmp_path).load(KEY, NAMES)
    assert view == View()
    assert warning is not None and str(tmp_path / FILE_NAME) in warning
    assert "default view" in warning


def test_a_corrupt_file_is_replaced_by_the_next_save(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text("{oops")
    ViewMemory(tmp_path).save(KEY, VIEW)
    assert ViewMemory(tmp_path).load(KEY, NAMES) == (VIEW, None)


def entry(**fields: object) -> str:
    return json.dumps({"version": 1, "views": [{"profile": "acme", "environment": "prod",
                                                **fields}]})


def test_unknown_names_are_dropped_quietly(tmp_path: Path) -> None:
    """A newer or older release knew other panes, columns, sorts or token statuses."""
    (tmp_path / FILE_NAME).write_text(entry(
        pane="gantt", runs={"sort": "flamegraph", "descending": False,
                            "columns": ["status", "heat", "task"]},
        tokens={"status": "EXPIRED", "tags": ["x"]}, future_field=[1, 2]))
    view, warning = ViewMemory(tmp_path).load(KEY, NAMES)
    assert warning is None
    assert view == View(pane=None, runs=RunsView(columns=("status", "task")),
                        tokens=TokensView(tags=("x",)))


def test_fields_of_the_wrong_type_are_dropped_with_one_warning(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(entry(
        pane=7, runs={"sort": "task", "descending": "yes", "columns": "status",
                      "filter": {"statuses": ["NOT_A_STATUS"]}},
        tokens={"status": 3, "tags": "billing"}))
    view, warning = ViewMemory(tmp_path).load(KEY, NAMES)
    assert view == View()
    assert warning is not None
    for field in ("pane", "runs sort", "runs columns", "runs filter", "tokens status",
                  "tokens tags"):
        assert field in warning


def test_a_filter_that_no_longer_parses_is_dropped_whole(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(entry(runs={
        "sort": "task", "descending": False,
        "filter": {"text": "abc", "period": "a fortnight", "statuses": ["FAILED"]}}))
    view, warning = ViewMemory(tmp_path).load(KEY, NAMES)
    assert view.runs.filter == RunFilter() and view.runs.sort == "task"
    assert warning is not None and "runs filter" in warning


def test_no_secret_reaches_the_file(tmp_path: Path) -> None:
    key = "tr_prod_0123456789abcdefghij"
    view = View(runs=RunsView(filter=RunFilter(text=key, tags=frozenset({key, "ok"}))),
                tokens=TokensView(tags=("tr_pat_abcdefghijkl0123", "billing")))
    ViewMemory(tmp_path).save(KEY, view)
    text = (tmp_path / FILE_NAME).read_text()
    assert "tr_prod_" not in text and "tr_pat_" not in text
    kept = ViewMemory(tmp_path).load(KEY, NAMES)[0]
    assert kept.runs.filter.tags == {"ok"} and kept.tokens.tags == ("billing",)


def test_a_folder_that_cannot_be_made_is_reported_once_never_raised(tmp_path: Path) -> None:
    """A read-only home, or a file where the folder should be: a notice, not a crash."""
    (tmp_path / "state").write_text("a file, not a folder")
    memory = ViewMemory(tmp_path / "state" / "trigger-tui")
    error = memory.save(KEY, VIEW)
    assert error is not None and error.startswith("Could not save the view for next time")
    assert memory.save(KEY, View(pane="tokens")) is None  # said once, then quiet
    assert memory.load(KEY, NAMES)[0] == View()


def test_a_full_disk_is_reported_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(src: str, dst: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    memory = ViewMemory(tmp_path)
    monkeypatch.setattr(os, "replace", full)
    error = memory.save(KEY, VIEW)
    monkeypatch.undo()
    assert error is not None and "No space left on device" in error
    assert list(tmp_path.iterdir()) == []  # the temporary file went too
    assert memory.save(KEY, View()) is None


def test_the_module_loads_no_textual() -> None:
    probe = ("import sys, trigger_tui.state.last_view; "
             "print(any(m.split('.')[0] == 'textual' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "False"
