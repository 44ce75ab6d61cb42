"""Env vars in the state layer: the poller, the mutations, `.env` previews and env diffs,
against the emulator in-process (no workload, a fake clock)."""

from __future__ import annotations

import logging
import random
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state.envvars import (
    KIND,
    MASK,
    NEEDS_CREDENTIALS,
    REDACTED,
    DotenvError,
    EnvVarActions,
    EnvVarsPoller,
    diff,
    import_preview,
    load_diff,
    mask,
    parse_dotenv,
    reader_for,
    to_send,
)
from trigger_tui.state.store import Store


class Rig:
    def __init__(self, *, read_only: bool = False, project_ref: bool = True) -> None:
        self.clock = FakeClock()
        self.world = World(self.clock, workload=False, history_s=0.0)
        self.app: Any = create_app(self.world)
        self.client = TriggerClient(ClientOptions(
            base_url=self.world.api_origin, key=DEMO_KEYS["prod"],
            project_ref=self.world.project_ref if project_ref else None, read_only=read_only,
            retry=NO_RETRY, transport=httpx.ASGITransport(app=self.app), now=self.clock.now,
            rng=random.Random(1)))
        self.store = Store()
        self.poller = EnvVarsPoller(self.client, self.store, clock=self.clock.now)
        self.actions = EnvVarActions(self.client, self.store)

    @property
    def prod(self) -> Any:
        return self.world.envs["prod"].envvars

    def session(self, *, demo: bool = True) -> Any:
        return SimpleNamespace(client=self.client, project_ref=self.client.options.project_ref,
                               world=self.world if demo else None)

    def mutations(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.app.state.log if r.method != "GET"]


async def test_poller_reads_the_environment_with_secrets_redacted() -> None:
    rig = Rig()
    assert await rig.poller.poll_once()
    items = rig.store.collection(KIND).items
    assert items["LOG_LEVEL"].value == "warn"
    assert items["DATABASE_URL"].value == REDACTED and items["DATABASE_URL"].is_secret
    assert "DEBUG_SQL" not in items  # dev only


async def test_poller_without_project_ref_reads_nothing() -> None:
    rig = Rig(project_ref=False)
    assert await rig.poller.poll_once()
    assert not rig.app.state.log and not rig.store.collection(KIND).items


async def test_set_update_delete_round_trip() -> None:
    rig = Rig()
    await rig.poller.poll_once()
    created = await rig.actions.set("NEW_FLAG", "on")
    assert created.ok and "on" not in created.message
    assert rig.prod.get("NEW_FLAG").value == "on"
    updated = await rig.actions.set("LOG_LEVEL", "error")
    assert updated.ok and rig.prod.get("LOG_LEVEL").value == "error"
    assert "PUT /api/v1/projects/proj_demo/envvars/prod/LOG_LEVEL" in rig.mutations()
    secret = await rig.actions.set("TOKEN", "s3cr3t-value", secret=True)
    assert secret.ok and rig.store.collection(KIND).items["TOKEN"].value == REDACTED
    deleted = await rig.actions.delete("NEW_FLAG")
    assert deleted.ok and rig.prod.get("NEW_FLAG") is None
    assert rig.store.collection(KIND).get("NEW_FLAG") is None


async def test_failures_and_read_only_never_leak_the_value(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rig = Rig()
    missing = await rig.actions.delete("NOPE")
    assert not missing.ok and "NOPE" in missing.message
    bad = await rig.actions.set("1BAD", "hunter2")
    assert not bad.ok and "hunter2" not in bad.message
    ro = Rig(read_only=True)
    result = await ro.actions.set("X", "hunter2")
    assert not result.ok and "read-only" in result.message and "hunter2" not in result.message
    assert not ro.mutations()
    assert "hunter2" not in caplog.text


def test_parse_dotenv() -> None:
    text = ('# comment\nexport A=1\nB="two words"\nC=\'x # y\'\nD=plain # note\n\n'
            'E="line\\nbreak"\n')
    assert parse_dotenv(text) == {"A": "1", "B": "two words", "C": "x # y", "D": "plain",
                                  "E": "line\nbreak"}
    with pytest.raises(DotenvError) as err:
        parse_dotenv("A=1\nsecret-value-without-equals\n")
    assert str(err.value) == "line 2: expected NAME=value"
    with pytest.raises(DotenvError, match="line 1: unterminated quote"):
        parse_dotenv('A="hunter2')


def test_import_preview_and_override_choice() -> None:
    current = [EnvVar(name="A", value="1"), EnvVar(name="B", value="2"),
               EnvVar(name="S", value=REDACTED, is_secret=True)]
    incoming = {"A": "1", "B": "3", "C": "4", "S": "x"}
    preview = import_preview(current, incoming)
    assert [(c.name, c.state) for c in preview] == [
        ("A", "unchanged"), ("B", "changed"), ("C", "new"), ("S", "secret")]
    assert to_send(preview, incoming, override=False) == {"C": "4"}
    assert to_send(preview, incoming, override=True) == {"B": "3", "C": "4", "S": "x"}


async def test_import_sends_what_the_choice_says() -> None:
    rig = Rig()
    await rig.poller.poll_once()
    incoming = {"LOG_LEVEL": "debug", "BRAND_NEW": "1"}
    preview = import_preview(rig.store.collection(KIND).values(), incoming)
    result = await rig.actions.import_vars(to_send(preview, incoming, override=False),
                                           override=False)
    assert result.ok and rig.prod.get("BRAND_NEW").value == "1"
    assert rig.prod.get("LOG_LEVEL").value == "warn"
    result = await rig.actions.import_vars({"LOG_LEVEL": "debug"}, override=False)
    assert not result.ok and "already set" in result.message  # the API's 400, named
    result = await rig.actions.import_vars({"LOG_LEVEL": "debug"}, override=True)
    assert result.ok and rig.prod.get("LOG_LEVEL").value == "debug"


def test_diff_orders_missing_and_different_first() -> None:
    left = [EnvVar(name="A", value="1"), EnvVar(name="B", value="x"),
            EnvVar(name="S", value=REDACTED, is_secret=True)]
    right = [EnvVar(name="B", value="y"), EnvVar(name="C", value="1"),
             EnvVar(name="S", value=REDACTED, is_secret=True)]
    rows = diff(left, right)
    assert [(r.name, r.state) for r in rows] == [
        ("A", "missing-right"), ("C", "missing-left"), ("B", "different"), ("S", "secret")]
    assert mask(left[0]) == MASK and mask(left[2]) == REDACTED


async def test_diff_in_the_demo_reads_the_other_env_with_the_pat() -> None:
    rig = Rig()
    result = await load_diff(rig.session(), "prod", "dev")
    states = {r.name: r.state for r in result.rows}
    assert not result.message
    assert states["DEBUG_SQL"] == "missing-left" and states["SENTRY_DSN"] == "missing-right"
    assert states["LOG_LEVEL"] == "different" and states["OPENAI_MODEL"] == "same"
    assert states["DATABASE_URL"] == "secret"


async def test_diff_without_a_pat_says_what_it_needs() -> None:
    rig = Rig()
    assert reader_for(rig.session(demo=False), "dev") is None
    assert reader_for(rig.session(demo=False), "prod") is rig.client
    result = await load_diff(rig.session(demo=False), "prod", "dev")
    assert not result.rows and NEEDS_CREDENTIALS in result.message
