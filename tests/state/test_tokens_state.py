"""Waitpoint tokens in the state layer: the poller's filters, create, and complete with a
payload checked before anything is sent."""

from __future__ import annotations

from tests.state.test_envvars_state import Rig
from trigger_tui.state.tokens import KIND, TokenActions, TokensPoller, parse_payload, parse_tags


def rig(*, read_only: bool = False) -> tuple[Rig, TokensPoller, TokenActions]:
    r = Rig(read_only=read_only)
    return r, TokensPoller(r.client, r.store, clock=r.clock.now), TokenActions(r.client, r.store)


def test_parse_payload_reports_line_and_column() -> None:
    assert parse_payload("").ok and parse_payload("  ").value is None
    assert parse_payload('{"ok": true}').value == {"ok": True}
    bad = parse_payload('{\n  "ok": tru\n}')
    assert not bad.ok and bad.error.startswith("invalid JSON at line 2, column 9")
    assert parse_tags(" a, b ,,c ") == ["a", "b", "c"]


async def test_create_list_filter_and_complete() -> None:
    r, poller, actions = rig()
    made = await actions.create(timeout="1h", tags=["vendor", "refund:1"])
    other = await actions.create(timeout=None, tags=[])
    assert made.ok and other.ok
    await poller.poll_once()
    tokens = r.store.collection(KIND).items
    assert len(tokens) == 2
    tagged = next(t for t in tokens.values() if t.tags)
    assert tagged.timeout_at is not None and tagged.status == "WAITING"
    poller.set_filter(None, ("vendor",))
    await poller.poll_once()
    assert list(r.store.collection(KIND).items) == [tagged.id]
    done = await actions.complete(tagged.id, '{"approved": true}')
    assert done.ok
    poller.set_filter("COMPLETED", ())
    await poller.poll_once()
    assert list(r.store.collection(KIND).items) == [tagged.id]
    assert r.world.envs["prod"].tokens.items[tagged.id].status == "COMPLETED"


async def test_invalid_json_and_read_only_send_nothing() -> None:
    r, poller, actions = rig()
    made = await actions.create(timeout=None, tags=[])
    token_id = made.message.split()[1]
    before = r.mutations()
    result = await actions.complete(token_id, "{oops")
    assert not result.ok and "line 1, column 2" in result.message
    assert "nothing was sent" in result.message and r.mutations() == before
    ro, _, ro_actions = rig(read_only=True)
    assert not (await ro_actions.create(timeout=None, tags=[])).ok
    assert not (await ro_actions.complete("waitpoint_x", "{}")).ok
    assert not ro.mutations()


async def test_completing_an_unknown_token_is_a_named_failure() -> None:
    _, _, actions = rig()
    result = await actions.complete("waitpoint_nope", "{}")
    assert not result.ok and "waitpoint_nope" in result.message
