"""`trigger-tui bulk cancel|replay`: by ids and by filter, progress on stderr until done."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.commands.conftest import Demo


def _delayed(cli: Any, tag: str, n: int) -> list[str]:
    ids = []
    for _ in range(n):
        r = cli("trigger", "send-email", "--payload", "{}", "--delay", "2h", "--tag", tag,
                "--demo")
        assert r.code == 0, r.err
        ids.append(r.out.strip())
    return ids


def test_cancel_by_ids_polls_until_done(cli: Any, demo: Demo) -> None:
    ids = _delayed(cli, "bulk-ids", 3)
    r = cli("bulk", "cancel", "--ids", ",".join(ids), "--name", "cli test", "--demo", "--json")
    assert r.code == 0, r.err
    action = r.json()
    assert action["status"] == "COMPLETED" and action["type"] == "CANCEL"
    assert action["counts"] == {"total": 3, "success": 3, "failure": 0}
    progress = r.err.splitlines()
    assert progress[0].startswith("started bulk cancel bulk_")
    assert progress[-1].endswith("completed, 3/3 runs (3 ok, 0 failed)")
    assert {demo.world.envs["prod"].runs[i].status for i in ids} == {"CANCELED"}


def test_cancel_by_filter_and_ids_from_stdin(cli: Any, demo: Demo,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _delayed(cli, "bulk-filter", 2)
    r = cli("bulk", "cancel", "--filter", "tag=bulk-filter", "--filter", "status=DELAYED",
            "--demo")
    assert r.code == 0, r.err
    assert "TOTAL      2" in r.out
    assert {demo.world.envs["prod"].runs[i].status for i in ids} == {"CANCELED"}
    replay_ids = _delayed(cli, "bulk-stdin", 2)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(replay_ids) + "\n"))
    r = cli("bulk", "replay", "--ids", "-", "--demo", "--json")
    assert r.code == 0 and r.json()["type"] == "REPLAY" and r.json()["counts"]["total"] == 2


def test_no_wait_and_usage_errors(cli: Any) -> None:
    ids = _delayed(cli, "bulk-nowait", 1)
    r = cli("bulk", "cancel", "--ids", ids[0], "--no-wait", "--demo")
    assert r.code == 0 and r.out.strip().startswith("bulk_")
    assert cli("bulk", "cancel", "--demo").code == 2  # neither --ids nor --filter
    r = cli("bulk", "cancel", "--filter", "colour=red", "--demo")
    assert r.code == 2 and "unknown key 'colour'" in r.err
    r = cli("bulk", "cancel", "--filter", "nonsense", "--demo")
    assert r.code == 2 and "expected KEY=VALUE" in r.err
    assert cli("bulk", "cancel", "--ids", ids[0], "--demo", "--read-only").code == 2


def test_a_bulk_action_that_could_not_change_every_run_exits_1(cli: Any, demo: Demo) -> None:
    ids = _delayed(cli, "bulk-partial", 2)
    assert cli("runs", "cancel", ids[0], "--demo").code == 0  # already canceled: cannot be
    r = cli("bulk", "cancel", "--ids", ",".join(ids), "--demo", "--json")
    assert r.code == 1, r.err
    assert r.json()["counts"] == {"total": 2, "success": 1, "failure": 1}
    assert "1 of 2 runs could not be canceled" in r.err
