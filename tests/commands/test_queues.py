"""`trigger-tui queues …`: addressing by id, task or name; pause, override and reset."""

from __future__ import annotations

from typing import Any


def _queues(cli: Any) -> list[dict[str, Any]]:
    r = cli("queues", "list", "--demo", "--json")
    assert r.code == 0, r.err
    return list(r.json())


def test_list_table_and_json(cli: Any) -> None:
    r = cli("queues", "list", "--demo")
    assert r.code == 0 and r.out.splitlines()[0].split()[:3] == ["NAME", "TYPE", "RUNNING"]
    queues = _queues(cli)
    assert {"task", "custom"} <= {q["type"] for q in queues}


def test_get_by_name_id_and_task(cli: Any) -> None:
    queues = _queues(cli)
    custom = next(q for q in queues if q["type"] == "custom")
    task = next(q for q in queues if q["type"] == "task")
    assert cli("queues", "get", custom["name"], "--demo", "--json").json()["id"] == custom["id"]
    assert cli("queues", "get", custom["id"], "--demo", "--json").json()["name"] == \
        custom["name"]
    by_task = cli("queues", "get", f"task/{task['name']}", "--demo", "--json").json()
    assert by_task["id"] == task["id"]
    r = cli("queues", "get", task["name"], "--type", "custom", "--demo")
    assert r.code == 1


def test_unknown_queue_says_what_was_tried(cli: Any) -> None:
    r = cli("queues", "get", "no-such-queue", "--demo")
    assert r.code == 1
    assert "no queue 'no-such-queue': neither a task's queue nor a custom queue" in r.err


def test_pause_resume_override_reset(cli: Any) -> None:
    name = next(q["name"] for q in _queues(cli) if q["type"] == "custom")
    r = cli("queues", "pause", name, "--demo", "--json")
    assert r.code == 0 and r.json()["paused"] is True and f"paused {name}" in r.err
    assert cli("queues", "resume", name, "--demo", "--json").json()["paused"] is False
    r = cli("queues", "override", name, "2", "--demo")
    assert r.code == 0 and "2 (override, base" in r.out
    assert cli("queues", "get", name, "--demo", "--json").json()["concurrency"]["override"] == 2
    r = cli("queues", "reset", name, "--demo", "--json")
    assert r.code == 0 and r.json()["concurrency"].get("override") is None
    r = cli("queues", "reset", name, "--demo")
    assert r.code == 1 and "Queue is not overridden" in r.err
    assert cli("queues", "override", name, "-1", "--demo").code == 2
