"""`build_app` / `run_console`: the demo, a key from the environment or a profile, welcome."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from trigger_tui import config
from trigger_tui.config import ConfigError
from trigger_tui.ui.launch import LaunchOptions, build_app, run_console
from trigger_tui.ui.screens.runs import RunsScreen
from trigger_tui.ui.screens.welcome import ProfileScreen, WelcomeScreen

STG_KEY = "tr_stg_0123456789abcdefghij"
PROD_KEY = "tr_prod_0123456789abcdefghij"


async def close(app: object) -> None:
    session = getattr(app, "session", None)
    if session is not None:
        await session.client.aclose()


async def test_demo_builds_a_console_on_the_emulator() -> None:
    app = build_app(LaunchOptions(demo=True, read_only=True), environ={})
    assert app.session is not None and app.session.world is not None
    assert app.label.demo and app.label.project == "proj_demo"
    assert app.label.environment == "prod" and app.read_only
    await close(app)


def test_demo_only_has_the_prod_environment() -> None:
    with pytest.raises(ValueError, match="prod environment"):
        build_app(LaunchOptions(demo=True, env="stg"), environ={})


async def test_key_from_the_environment_and_flags(tmp_path: Path) -> None:
    app = build_app(LaunchOptions(read_only=True, api_url="http://127.0.0.1:9/"),
                    environ={"TRIGGER_SECRET_KEY": STG_KEY},
                    config_file=tmp_path / "config.toml")
    assert app.session is not None
    assert app.label.environment == "stg" and app.read_only
    assert app.session.client.options.base_url == "http://127.0.0.1:9"
    assert app.session.client.read_only
    await close(app)


async def test_profile_with_a_key_variable_and_its_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(config.Settings(default_profile="acme", profiles={"acme": config.Profile(
        key_env="ACME_KEY", project_ref="proj_acme", theme="nord",
        poll=config.PollIntervals(runs_s=4.0))}), path)
    app = build_app(LaunchOptions(), environ={"ACME_KEY": PROD_KEY}, config_file=path)
    assert app.session is not None
    assert app.label.profile == "acme" and app.label.project == "proj_acme"
    assert app.session.runs.interval_s == 4.0
    await close(app)


def test_unknown_profile_and_broken_file_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        build_app(LaunchOptions(profile="nope"), environ={}, config_file=path)
    path.write_text("[profiles.x\n")
    with pytest.raises(ConfigError, match="broken config file"):
        build_app(LaunchOptions(), environ={}, config_file=path)


def test_run_console_turns_a_broken_config_into_exit_code_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "trigger-tui").mkdir()
    (tmp_path / "trigger-tui" / "config.toml").write_text("default_profile = 3\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run_console(LaunchOptions()) == 2
    err = capsys.readouterr().err
    assert err.startswith("trigger-tui: broken config file") and "Traceback" not in err


def test_options_from_argparse() -> None:
    args = argparse.Namespace(demo=True, profile=None, env="prod", read_only=True, json=False)
    options = LaunchOptions.from_args(args)
    assert options == LaunchOptions(demo=True, env="prod", read_only=True)
    assert options.flags().read_only


async def test_no_key_opens_the_welcome_screen_and_d_starts_the_demo(tmp_path: Path) -> None:
    app = build_app(LaunchOptions(demo_speed=1.0), environ={},
                    config_file=tmp_path / "config.toml")
    assert app.session is None
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert str(tmp_path / "config.toml") in str(app.screen.query_one("#welcome-where")
                                                      .render())
        await pilot.press("d")
        for _ in range(100):
            await pilot.pause()
            if isinstance(app.screen, RunsScreen):
                break
        assert isinstance(app.screen, RunsScreen)
        assert app.session is not None and app.label.demo


async def test_welcome_creates_a_profile_and_connects(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = build_app(LaunchOptions(), environ={"MY_KEY": STG_KEY}, config_file=path)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ProfileScreen)
        await pilot.press("ctrl+s")  # nothing filled in: said so, nothing saved
        await pilot.pause()
        assert "give the key" in str(form.query_one("#profile-error").render())
        assert not path.exists()
        form.query_one("#p-key-env").value = "MY_KEY"  # type: ignore[attr-defined]
        form.query_one("#p-url").value = "http://127.0.0.1:9"  # type: ignore[attr-defined]
        form.query_one("#p-ro").value = True  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause()
            if isinstance(app.screen, RunsScreen):
                break
        assert isinstance(app.screen, RunsScreen)
        assert app.label.profile == "default" and app.label.environment == "stg"
        assert app.read_only
    saved = config.load(path).settings
    assert saved.default_profile == "default"
    assert saved.profiles["default"].key_env == "MY_KEY" and saved.profiles["default"].key is None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_welcome_q_quits() -> None:
    app = build_app(LaunchOptions(), environ={}, config_file=Path("/nonexistent/config.toml"))
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


async def test_keys_are_remapped_by_id_from_the_config_file(tmp_path: Path) -> None:
    from trigger_tui.ui.screens.help import HelpScreen

    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"app.help" = "h"\n')
    app = build_app(LaunchOptions(demo=True), environ={}, config_file=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
    await close(app)


def test_no_log_record_is_printed_over_the_console(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """With no handler configured, Python prints warnings to stderr (its last resort): over
    the console's screen. The console installs a handler that drops them."""
    import logging

    from trigger_tui.ui.launch import _quiet_logging

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    _quiet_logging()
    logging.getLogger("trigger_tui.emulator.routes.query").error("TRQL query failed")
    assert capsys.readouterr().err == ""
    assert len(root.handlers) == 1
