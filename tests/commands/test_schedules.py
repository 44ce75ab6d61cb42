"""`trigger-tui schedules …`: the whole lifecycle of an imperative schedule."""

from __future__ import annotations

from typing import Any


def test_lifecycle(cli: Any) -> None:
    r = cli("schedules", "create", "--task", "nightly-report", "--cron", "0 5 * * *",
            "--dedup-key", "cli-test", "--timezone", "Europe/London", "--external-id", "u1",
            "--demo", "--json")
    assert r.code == 0, r.err
    created = r.json()
    sched_id = created["id"]
    assert created["generator"]["expression"] == "0 5 * * *" and created["active"] is True
    listed = cli("schedules", "list", "--demo", "--json").json()
    assert sched_id in {s["id"] for s in listed}
    r = cli("schedules", "get", sched_id, "--demo")
    assert r.code == 0 and "0 5 * * *" in r.out and "Europe/London" in r.out
    r = cli("schedules", "update", sched_id, "--cron", "30 6 * * *", "--demo", "--json")
    updated = r.json()
    assert updated["generator"]["expression"] == "30 6 * * *"
    assert updated["timezone"] == "Europe/London" and updated["externalId"] == "u1"
    r = cli("schedules", "deactivate", sched_id, "--demo", "--json")
    assert r.json()["active"] is False and "deactivated" in r.err
    assert cli("schedules", "activate", sched_id, "--demo", "--json").json()["active"] is True
    r = cli("schedules", "delete", sched_id, "--demo")
    assert (r.code, r.out.strip()) == (0, sched_id)
    r = cli("schedules", "get", sched_id, "--demo")
    assert r.code == 1 and "HTTP 404" in r.err


def test_invalid_cron_is_an_api_error(cli: Any) -> None:
    r = cli("schedules", "create", "--task", "nightly-report", "--cron", "every day",
            "--dedup-key", "bad", "--demo")
    assert r.code == 1 and "cron" in r.err.lower()
    assert cli("schedules", "create", "--task", "x", "--demo").code == 2  # --cron missing
