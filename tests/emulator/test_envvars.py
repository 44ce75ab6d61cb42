"""Environment variables through HTTP: key/PAT scoping, CRUD, import (JSON and .env upload)."""

from __future__ import annotations

from typing import Any

from tests.emulator.conftest import PROD, Emu
from trigger_tui.emulator.routes.envvars import BAD_PROJECT, BAD_SLUG, CONFLICT, parse_dotenv
from trigger_tui.emulator.world import DEMO_KEYS, DEMO_PAT

STG = DEMO_KEYS["stg"]
DEV = DEMO_KEYS["dev"]
BASE = "/api/v1/projects/proj_demo/envvars"


async def _vars(emu: Emu, env: str, key: str = DEMO_PAT) -> dict[str, dict[str, Any]]:
    r = await emu.get(f"{BASE}/{env}", key=key)
    assert r.status_code == 200
    assert isinstance(r.json(), list)
    return {v["name"]: v for v in r.json()}


async def test_list_is_a_bare_array_with_secrets_redacted(quiet: Emu) -> None:
    items = await _vars(quiet, "prod", PROD)
    assert items["DATABASE_URL"] == {"name": "DATABASE_URL", "value": "<redacted>",
                                     "isSecret": True}
    assert items["LOG_LEVEL"] == {"name": "LOG_LEVEL", "value": "warn", "isSecret": False}
    assert list(items) == sorted(items)


async def test_environments_differ_so_a_diff_has_something_to_show(quiet: Emu) -> None:
    dev, stg, prod = [await _vars(quiet, s) for s in ("dev", "staging", "prod")]
    assert "DEBUG_SQL" in dev and "DEBUG_SQL" not in prod
    assert "SENTRY_DSN" in prod and "SENTRY_DSN" not in dev
    assert dev["LOG_LEVEL"]["value"] != prod["LOG_LEVEL"]["value"]
    assert stg["FEATURE_NEW_CHECKOUT"]["value"] != prod["FEATURE_NEW_CHECKOUT"]["value"]


async def test_secret_key_must_match_project_and_env(quiet: Emu) -> None:
    r = await quiet.get(f"{BASE}/stg", key=PROD)
    assert r.status_code == 400 and r.json() == {"error": BAD_SLUG}
    r = await quiet.get("/api/v1/projects/proj_other/envvars/prod", key=PROD)
    assert r.status_code == 400 and r.json() == {"error": BAD_PROJECT}
    r = await quiet.get(f"{BASE}/staging", key=STG)
    assert r.status_code == 200
    r = await quiet.get(f"{BASE}/prod", key="tr_prod_nope")
    assert r.status_code == 401 and r.json() == {"error": "Invalid or Missing API key"}


async def test_pat_reaches_every_env_but_not_preview_or_other_projects(quiet: Emu) -> None:
    for slug in ("dev", "stg", "staging", "prod"):
        assert (await quiet.get(f"{BASE}/{slug}", key=DEMO_PAT)).status_code == 200
    r = await quiet.get(f"{BASE}/preview", key=DEMO_PAT)
    assert r.status_code == 404 and r.json() == {"error": "Environment not found"}
    r = await quiet.get("/api/v1/projects/proj_other/envvars/dev", key=DEMO_PAT)
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}


async def test_create_overwrites_and_secrets_stay_secret(quiet: Emu) -> None:
    r = await quiet.post(f"{BASE}/prod", {"name": "NEW_FLAG", "value": "on"})
    assert r.status_code == 200 and r.json() == {"success": True}
    r = await quiet.post(f"{BASE}/prod", {"name": "NEW_FLAG", "value": "off", "isSecret": True})
    assert r.json() == {"success": True}
    r = await quiet.post(f"{BASE}/prod", {"name": "NEW_FLAG", "value": "again"})
    items = await _vars(quiet, "prod")
    assert items["NEW_FLAG"]["isSecret"] is True and items["NEW_FLAG"]["value"] == "<redacted>"
    assert quiet.world.envs["prod"].envvars.get("NEW_FLAG").value == "again"  # type: ignore[union-attr]
    assert "NEW_FLAG" not in await _vars(quiet, "dev")


async def test_create_rejects_bad_bodies_and_reserved_names(quiet: Emu) -> None:
    r = await quiet.post(f"{BASE}/prod", {"name": "X"})
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "Invalid request body"
    assert body["issues"][0]["path"] == ["value"] and body["issues"][0]["message"] == "Required"
    r = await quiet.post(f"{BASE}/prod", {"name": "X", "value": 3, "isSecret": "yes"})
    assert [i["path"] for i in r.json()["issues"]] == [["value"], ["isSecret"]]
    r = await quiet.post(f"{BASE}/prod", {"name": "TRIGGER_SECRET_KEY", "value": "tr_x"})
    assert r.status_code == 400
    assert r.json() == {"error": "You must set at least one valid variable."}


async def test_retrieve_update_delete_one_variable(quiet: Emu) -> None:
    r = await quiet.get(f"{BASE}/prod/LOG_LEVEL")
    assert r.json() == {"name": "LOG_LEVEL", "value": "warn", "isSecret": False}
    r = await quiet.client.put(f"{BASE}/prod/LOG_LEVEL", json={"value": "error"},
                               headers=quiet.headers())
    assert r.status_code == 200 and r.json() == {"success": True}
    assert (await quiet.get(f"{BASE}/prod/LOG_LEVEL")).json()["value"] == "error"
    r = await quiet.post(f"{BASE}/prod/LOG_LEVEL", {"value": "info"})
    assert r.json() == {"success": True}
    assert (await quiet.get(f"{BASE}/prod/LOG_LEVEL")).json()["value"] == "info"
    r = await quiet.client.delete(f"{BASE}/prod/LOG_LEVEL", headers=quiet.headers())
    assert r.status_code == 200 and r.json() == {"success": True}
    r = await quiet.get(f"{BASE}/prod/LOG_LEVEL")
    assert r.status_code == 404 and r.json() == {"error": "Environment variable not found"}
    r = await quiet.client.delete(f"{BASE}/prod/LOG_LEVEL", headers=quiet.headers())
    assert r.status_code == 404


async def test_update_finds_the_name_project_wide_and_keeps_secrecy(quiet: Emu) -> None:
    r = await quiet.client.put(f"{BASE}/prod/DEBUG_SQL", json={"value": "0"},
                               headers=quiet.headers())
    assert r.status_code == 200  # only set in dev so far: the name exists in the project
    assert (await quiet.get(f"{BASE}/prod/DEBUG_SQL")).json()["value"] == "0"
    r = await quiet.client.put(f"{BASE}/prod/NOPE", json={"value": "0"},
                               headers=quiet.headers())
    assert r.status_code == 404 and r.json() == {"error": "Environment variable not found"}
    await quiet.client.put(f"{BASE}/prod/OPENAI_API_KEY", json={"value": "sk-new"},
                           headers=quiet.headers())
    assert (await quiet.get(f"{BASE}/prod/OPENAI_API_KEY")).json()["value"] == "<redacted>"
    r = await quiet.client.put(f"{BASE}/prod/LOG_LEVEL", json={"value": None},
                               headers=quiet.headers())
    assert r.status_code == 400 and r.json()["error"] == "Invalid request body"


async def test_import_map_drops_reserved_and_blank_entries(quiet: Emu) -> None:
    body = {"variables": {"A_ONE": "1", "TRIGGER_API_URL": "http://x", "BLANK": "  ", "": "v",
                          "B_TWO": "2"}, "override": False, "source": "user"}
    r = await quiet.post(f"{BASE}/dev/import", body, key=DEV)
    assert r.status_code == 200 and r.json() == {"success": True}
    items = await _vars(quiet, "dev")
    assert items["A_ONE"]["value"] == "1" and items["B_TWO"]["value"] == "2"
    assert not {"TRIGGER_API_URL", "BLANK", ""} & set(items)
    r = await quiet.post(f"{BASE}/dev/import", {"variables": {"TRIGGER_SECRET_KEY": "x"}},
                         key=DEV)
    assert r.status_code == 400
    assert r.json() == {"error": "You must set at least one valid variable."}


async def test_import_conflicts_reject_everything_unless_override(quiet: Emu) -> None:
    body = {"variables": {"LOG_LEVEL": "trace", "APP_URL": "x", "FRESH": "y"}}
    r = await quiet.post(f"{BASE}/staging/import", body, key=STG)
    assert r.status_code == 400
    assert r.json() == {"error": CONFLICT, "variableErrors": [
        {"key": "LOG_LEVEL", "error": "Variable already set in Staging."},
        {"key": "APP_URL", "error": "Variable already set in Staging."}]}
    assert "FRESH" not in await _vars(quiet, "stg")
    r = await quiet.post(f"{BASE}/staging/import", {**body, "override": True, "isSecret": True},
                         key=STG)
    assert r.json() == {"success": True}
    items = await _vars(quiet, "stg")
    assert items["FRESH"]["isSecret"] is True and items["LOG_LEVEL"]["value"] == "<redacted>"


async def test_import_bad_bodies(quiet: Emu) -> None:
    for body in ({"variables": ["A=1"]}, {"variables": {"A": 1}}, {"override": True},
                 {"variables": {"A": "1"}, "override": "yes"}):
        r = await quiet.post(f"{BASE}/prod/import", body)
        assert r.status_code == 400 and r.json() == {"error": "Invalid body"}, body


async def test_import_multipart_env_file(quiet: Emu) -> None:
    env_file = b'# comment\nexport FROM_FILE="line1\\nline2"\nPLAIN=abc # trailing\nEMPTY=\n'
    r = await quiet.client.post(
        f"{BASE}/prod/import", headers={"authorization": f"Bearer {DEMO_PAT}"},
        files={"variables": (".env", env_file, "text/plain")}, data={"override": "true"})
    assert r.status_code == 200 and r.json() == {"success": True}
    book = quiet.world.envs["prod"].envvars
    assert book.get("FROM_FILE").value == "line1\nline2"  # type: ignore[union-attr]
    assert book.get("PLAIN").value == "abc"  # type: ignore[union-attr]
    assert book.get("EMPTY") is None
    r = await quiet.client.post(
        f"{BASE}/prod/import", headers={"authorization": f"Bearer {DEMO_PAT}"},
        files={"variables": (".env", b"LOG_LEVEL=x\n", "text/plain")}, data={"override": "no"})
    assert r.status_code == 400 and r.json()["variableErrors"][0]["key"] == "LOG_LEVEL"
    r = await quiet.client.post(
        f"{BASE}/prod/import", headers={"authorization": f"Bearer {DEMO_PAT}"},
        data={"variables": "A=1"}, files={"other": ("x", b"", "text/plain")})
    assert r.status_code == 400 and r.json() == {"error": "Invalid file"}


def test_parse_dotenv_quotes_and_multiline() -> None:
    text = "A='single # not comment'\nB=\"multi\nline\"\nC = spaced \nbad line\nD=`tick`\n"
    assert parse_dotenv(text) == {"A": "single # not comment", "B": "multi\nline",
                                  "C": "spaced", "D": "tick"}


async def test_resolved_map_for_the_key_env(quiet: Emu) -> None:
    r = await quiet.get("/api/v1/projects/proj_demo/envvars", key=STG)
    assert r.status_code == 200
    variables = r.json()["variables"]
    assert variables["LOG_LEVEL"] == "info"
    assert variables["DATABASE_URL"].startswith("postgresql://")  # real value, not redacted
    r = await quiet.get("/api/v1/projects/proj_x/envvars", key=STG)
    assert r.status_code == 404 and r.json() == {"error": "Project not found"}
    r = await quiet.get("/api/v1/projects/proj_demo/envvars", key=DEMO_PAT)
    assert r.status_code == 401


async def test_sdk_style_get_with_json_content_type_and_no_body(quiet: Emu) -> None:
    r = await quiet.client.get(f"{BASE}/prod/APP_URL", headers={
        **quiet.headers(), "content-type": "application/json"})
    assert r.status_code == 200 and r.json()["value"] == "https://app.acme.dev"
