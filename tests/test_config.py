"""Settings: the file (mode 0600, broken-file messages with lines) and precedence with sources."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from trigger_tui import config
from trigger_tui.config import (
    ConfigError,
    EnvironmentSettings,
    Flags,
    PollIntervals,
    Profile,
    Settings,
    resolve,
)

DEV, STG, PROD = "tr_dev_" + "a" * 24, "tr_stg_" + "b" * 24, "tr_prod_" + "c" * 24


def _write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "trigger-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


# --------------------------------------------------------------------------- the file
def test_path_follows_xdg(tmp_path: Path) -> None:
    assert config.config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == \
        tmp_path / "trigger-tui" / "config.toml"
    default = config.config_path({"XDG_CONFIG_HOME": "relative/ignored"})
    assert default == Path.home() / ".config" / "trigger-tui" / "config.toml"


def test_save_is_private_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "new" / "trigger-tui" / "config.toml"
    settings = Settings(default_profile="cloud", profiles={
        "cloud": Profile(key_env="PROD_KEY", project_ref="proj_abc", environment="staging",
                         poll=PollIntervals(runs_s=5),
                         environments={"dev": EnvironmentSettings(key=DEV, read_only=False)}),
    })
    config.save(settings, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = config.load(path)
    assert loaded.warnings == [] and loaded.settings == settings
    assert loaded.settings.profiles["cloud"].environment == "stg"
    text = path.read_text()
    assert "run_detail_s" not in text  # defaults are not written out


def test_save_tightens_an_existing_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "", mode=0o644)
    config.save(Settings(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_readable_file_gets_a_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, "[profiles.a]\nkey_env = 'X'\n", mode=0o644)
    warnings = config.load(path).warnings
    assert len(warnings) == 1 and "mode 0644" in warnings[0] and f"chmod 600 {path}" in warnings[0]


def test_a_missing_file_is_empty_settings(tmp_path: Path) -> None:
    assert config.load(tmp_path / "none.toml").settings == Settings()


@pytest.mark.parametrize(("text", "words"), [
    ("[profiles.a]\napi_url = \n", "line 2, column 11: invalid value"),
    ("[profiles.a]\nkey = 'x'\n[profiles.a]\n", "line 3"),
    ("[profiles.cloud]\nproject_ref = 'p'\nread_only = 'maybe'\n",
     "line 3: profiles.cloud.read_only: input should be a valid boolean"),
    ("[profiles.cloud]\n\nreadonly = true\n", "line 3: profiles.cloud.readonly: unknown setting"),
    ("[profiles.cloud]\nkey = 'tr_prod_x'\nkey_env = 'K'\n",
     "line 1: profiles.cloud: set either key or key_env, not both"),
    ("[profiles.c.environments.prod]\nkey_env = 'tr_prod_abc-def'\n",
     "line 2: profiles.c.environments.prod.key_env: key_env is the NAME"),
    ("[profiles.c]\nenvironment = 'qa'\n", "line 2: profiles.c.environment: unknown environment"),
    ("default_profile = 'nope'\n[profiles.a]\n", "default_profile 'nope' is not one of"),
    ("[profiles.a]\npoll = { runs_s = 0.01 }\n", "line 2: profiles.a.poll.runs_s"),
])
def test_a_broken_file_names_file_and_line(tmp_path: Path, text: str, words: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        config.load(path)
    message = str(exc.value)
    assert message.startswith(f"broken config file {path}")
    assert words.lower() in message.lower(), message


# --------------------------------------------------------------------------- precedence
def _settings() -> Settings:
    return Settings(default_profile="work", profiles={
        "work": Profile(api_url="https://trigger.example.com/", key_env="WORK_KEY",
                        project_ref="proj_work", environment="stg", branch="main",
                        theme="nord", environments={
                            "dev": EnvironmentSettings(key=DEV),
                            "prod": EnvironmentSettings(key_env="WORK_PROD", read_only=True)}),
        "other": Profile(key=PROD, read_only=True),
    })


def test_defaults_with_nothing_configured() -> None:
    r = resolve(Settings(), Flags(), {})
    assert (r.api_url.value, r.api_url.source) == ("https://api.trigger.dev", "default")
    assert (r.key.value, r.environment.value, r.read_only.value) == (None, "prod", False)
    assert r.theme.source == "default" and r.poll.value == PollIntervals()


def test_profile_values_and_their_sources() -> None:
    r = resolve(_settings(), Flags(), {"WORK_KEY": STG})
    assert r.profile.value == "work" and r.profile.source == "default_profile in the config file"
    assert (r.api_url.value, r.api_url.source) == ("https://trigger.example.com",
                                                   "profile 'work'")
    assert (r.key.value, r.key.source) == (STG, "profile 'work' via $WORK_KEY")
    assert r.environment.value == "stg" and "key's prefix" in r.environment.source
    assert (r.branch.value, r.project_ref.value, r.theme.value) == ("main", "proj_work", "nord")


def test_environment_variables_beat_the_profile() -> None:
    env = {"WORK_KEY": STG, "TRIGGER_SECRET_KEY": DEV, "TRIGGER_API_URL": "http://localhost:3030/",
           "TRIGGER_PREVIEW_BRANCH": "feature-x"}
    r = resolve(_settings(), Flags(), env)
    assert (r.key.value, r.key.source) == (DEV, "environment TRIGGER_SECRET_KEY")
    assert (r.api_url.value, r.api_url.source) == ("http://localhost:3030",
                                                   "environment TRIGGER_API_URL")
    assert (r.branch.value, r.branch.source) == ("feature-x", "environment TRIGGER_PREVIEW_BRANCH")
    assert r.environment.value == "dev"
    r = resolve(Settings(), Flags(), {"TRIGGER_ACCESS_TOKEN": "tr_pat_" + "d" * 24})
    assert r.key.source == "environment TRIGGER_ACCESS_TOKEN"


def test_flags_beat_everything() -> None:
    env = {"TRIGGER_API_URL": "http://env", "TRIGGER_PREVIEW_BRANCH": "b", "WORK_KEY": STG}
    r = resolve(_settings(), Flags(profile="other", api_url="http://flag", branch="f",
                                   project_ref="proj_flag", read_only=True), env)
    assert (r.profile.value, r.profile.source) == ("other", "flag --profile")
    assert (r.api_url.value, r.branch.value, r.project_ref.value) == ("http://flag", "f",
                                                                      "proj_flag")
    assert (r.read_only.value, r.read_only.source) == (True, "flag --read-only")
    assert (r.key.value, r.environment.value) == (PROD, "prod")


def test_env_flag_picks_the_environment_key_and_skips_others() -> None:
    r = resolve(_settings(), Flags(env="dev"), {"TRIGGER_SECRET_KEY": PROD, "WORK_KEY": STG})
    assert (r.key.value, r.key.source) == (DEV, "profile 'work' (environment dev)")
    assert (r.environment.value, r.environment.source) == ("dev", "flag --env")
    assert any("skipped the prod key from environment TRIGGER_SECRET_KEY" in n for n in r.notes)


def test_per_environment_read_only_and_a_missing_key_variable() -> None:
    r = resolve(_settings(), Flags(env="production"), {"WORK_PROD": PROD})
    assert (r.key.value, r.read_only.value) == (PROD, True)
    assert r.read_only.source == "profile 'work' (environment prod)"
    r = resolve(_settings(), Flags(env="prod"), {})
    assert r.key.value is None
    assert any("$WORK_PROD, which is not set" in n for n in r.notes)


def test_unknown_profile_and_environment() -> None:
    with pytest.raises(ConfigError, match="no profile named 'x' \\(profiles: other, work\\)"):
        resolve(_settings(), Flags(profile="x"), {})
    with pytest.raises(ValueError, match="unknown environment 'qa'"):
        resolve(_settings(), Flags(env="qa"), {})


def test_a_profile_without_a_default_environment_offers_its_keys() -> None:
    only_dev = Settings(profiles={"p": Profile(environments={"dev": EnvironmentSettings(key=DEV)})})
    r = resolve(only_dev, Flags(profile="p"), {})
    assert (r.key.value, r.environment.value) == (DEV, "dev")
    both = Settings(profiles={"p": Profile(environments={
        "dev": EnvironmentSettings(key=DEV), "prod": EnvironmentSettings(key=PROD)})})
    assert resolve(both, Flags(profile="p"), {}).key.value == PROD
    assert resolve(both, Flags(profile="p", env="dev"), {}).key.value == DEV
    pat = "tr_pat_" + "e" * 24
    with_pat = Settings(profiles={"p": Profile(environments={"stg": EnvironmentSettings(
        key=pat)})})
    r = resolve(with_pat, Flags(profile="p"), {})
    assert (r.key.value, r.environment.value) == (pat, "stg")
    assert r.environment.source == "profile 'p' (its only environment)"
