"""`client.envvars` against the emulator, with a secret key and with a PAT."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import Harness, make_harness, quiet_world
from trigger_tui.api import errors as E
from trigger_tui.emulator.world import DEMO_PAT

REF = "proj_demo"


async def test_create_list_retrieve_update_delete(api: Harness) -> None:
    envvars = api.client.envvars
    assert await envvars.create(REF, "prod", "API_URL", "https://x") is True
    assert json.loads(api.sent[-1].content) == {"name": "API_URL", "value": "https://x"}
    assert await envvars.create(REF, "prod", "TOKEN", "s3cret", is_secret=True)
    names = {v.name: v for v in await envvars.list(REF, "prod")}
    assert names["API_URL"].value == "https://x" and not names["API_URL"].is_secret
    assert names["TOKEN"].is_secret and names["TOKEN"].value != "s3cret"
    assert (await envvars.retrieve(REF, "prod", "API_URL")).value == "https://x"
    assert await envvars.update(REF, "prod", "API_URL", "https://y")
    assert json.loads(api.sent[-1].content) == {"value": "https://y"}
    assert (await envvars.retrieve(REF, "prod", "API_URL")).value == "https://y"
    assert await envvars.delete(REF, "prod", "API_URL")
    with pytest.raises(E.NotFoundError, match="Environment variable not found"):
        await envvars.retrieve(REF, "prod", "API_URL")
    with pytest.raises(E.NotFoundError):
        await envvars.update(REF, "prod", "NEVER_SET", "x")
    with pytest.raises(E.NotFoundError):
        await envvars.delete(REF, "prod", "API_URL")
    with pytest.raises(E.BadRequestError, match="at least one valid variable"):
        await envvars.create(REF, "prod", "EMPTY", "  ")


async def test_upload_and_its_conflicts(api: Harness) -> None:
    envvars = api.client.envvars
    assert await envvars.upload(REF, "prod", {"A": "1", "B": "2"})
    assert json.loads(api.sent[-1].content) == {"variables": {"A": "1", "B": "2"},
                                                "override": False}
    with pytest.raises(E.BadRequestError) as info:
        await envvars.upload(REF, "prod", {"A": "3"})
    assert "Set override to true" in str(info.value) and "A: Variable already set" in str(
        info.value)
    assert await envvars.upload(REF, "prod", {"A": "3"}, override=True)
    assert (await envvars.retrieve(REF, "prod", "A")).value == "3"


async def test_a_key_may_only_touch_its_own_environment(api: Harness) -> None:
    with pytest.raises(E.BadRequestError, match="Invalid environment slug for this API key"):
        await api.client.envvars.list(REF, "stg")
    with pytest.raises(E.BadRequestError, match="Invalid project ref"):
        await api.client.envvars.list("proj_other", "prod")


async def test_a_pat_reaches_every_environment_of_the_project() -> None:
    h = make_harness(DEMO_PAT, **quiet_world())
    assert await h.client.envvars.create(REF, "stg", "ONLY_STG", "1")
    assert "ONLY_STG" in [v.name for v in await h.client.envvars.list(REF, "stg")]
    assert "ONLY_STG" not in [v.name for v in await h.client.envvars.list(REF, "dev")]
    with pytest.raises(E.NotFoundError, match="Environment not found"):
        await h.client.envvars.list(REF, "qa")
