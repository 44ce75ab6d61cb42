"""`trigger-tui --wall …`: from the command line to the wall's panels, rules and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigger_tui import config
from trigger_tui.cli import _build_parser
from trigger_tui.config import ConfigError
from trigger_tui.rules import Rule, demo_rules
from trigger_tui.ui.launch import LaunchOptions, build_app, build_wall_app, run_console

STG_KEY = "tr_stg_0123456789abcdefghij"
PROD_KEY = "tr_prod_0123456789abcdefghij"


async def _close(app: object) -> None:
    for panel in getattr(app, "panels", ()):
        await panel.session.client.aclose()


def _options(*argv: str) -> LaunchOptions:
    return LaunchOptions.from_args(_build_parser().parse_args(list(argv)))


async def test_three_demo_environments_share_one_world_and_one_query_budget(
        tmp_path: Path) -> None:
    app = build_wall_app(_options("--demo", "--wall", "--env", "prod", "--env", "staging",
                                  "--env", "dev"), environ={},
                         config_file=tmp_path / "config.toml")
    sessions = [p.session for p in app.panels]
    assert [p.title for p in app.panels] == ["prod", "stg", "dev"]
    assert len({id(s.world) for s in sessions}) == 1
    assert len({id(s.client.options.query_slots) for s in sessions}) == 1
    assert all(s.read_only and "runs" not in s.pollers for s in sessions)
    assert all("metrics" in s.pollers and s.alerts is not None for s in sessions)
    alerts = sessions[0].alerts
    assert alerts is not None
    assert [r.name for r in alerts.rules] == [r.name for r in demo_rules()]
    dev_alerts = sessions[2].alerts
    assert dev_alerts is not None
    assert "platform failures" not in [r.name for r in dev_alerts.rules]  # prod only
    await _close(app)


async def test_profiles_rules_and_wall_settings_come_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(config.Settings(
        profiles={"acme": config.Profile(environments={
            "prod": config.EnvironmentSettings(key_env="ACME_PROD"),
            "stg": config.EnvironmentSettings(key_env="ACME_STG")})},
        alerts=[Rule(name="stuck", when="queue_wait", above="2m")],
        wall=config.WallSettings(window_min=30, rotate_s=10, dashboards=["overview"])), path)
    app = build_wall_app(_options("--wall", "--profile", "acme", "--env", "prod", "--env", "stg"),
                         environ={"ACME_PROD": PROD_KEY, "ACME_STG": STG_KEY}, config_file=path)
    assert [p.label.environment for p in app.panels] == ["prod", "stg"]
    assert all(p.session.client.read_only for p in app.panels)
    assert app.options.rotate_s == 10 and app.options.window_s == 1800
    assert app.options.dashboards == ("overview",)
    alerts = app.panels[0].session.alerts
    assert alerts is not None and [r.name for r in alerts.rules] == ["stuck"]
    metrics = app.panels[0].session.pollers["metrics"]
    assert getattr(metrics, "window_s", None) == 1800
    await _close(app)


def test_a_missing_key_names_the_profile_and_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(config.Settings(profiles={"acme": config.Profile(environments={
        "prod": config.EnvironmentSettings(key_env="ACME_PROD")})}), path)
    with pytest.raises(ConfigError, match="no API key for profile acme environment stg"):
        build_wall_app(_options("--wall", "--profile", "acme", "--env", "stg"),
                       environ={"ACME_PROD": PROD_KEY}, config_file=path)


def test_several_environments_need_the_wall() -> None:
    with pytest.raises(ValueError, match="add --wall"):
        _options("--demo", "--env", "prod", "--env", "stg")
    with pytest.raises(ValueError, match="--dashboard is a wall page"):
        _options("--demo", "--dashboard", "overview")


def test_cli_refuses_several_environments_without_the_wall(
        capsys: pytest.CaptureFixture[str]) -> None:
    from trigger_tui.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--demo", "--env", "prod", "--env", "stg"])
    assert exc.value.code == 2
    assert "add --wall" in capsys.readouterr().err


def test_a_bad_rule_stops_the_start_with_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "trigger-tui").mkdir()
    (tmp_path / "trigger-tui" / "config.toml").write_text(
        '[[alerts]]\nname = "x"\nwhen = "failure_rate"\nover = "10m"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run_console(LaunchOptions(demo=True, wall=True)) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "needs `above`" in err and "Traceback" not in err


async def test_the_console_runs_the_config_rules_too(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config.save(config.Settings(alerts=[Rule(name="stuck", when="queue_wait", above="2m")]),
                path)
    app = build_app(LaunchOptions(), environ={"TRIGGER_SECRET_KEY": PROD_KEY},
                    config_file=path)
    assert app.session is not None and app.session.alerts is not None
    assert [r.name for r in app.session.alerts.rules] == ["stuck"]
    assert "metrics" not in app.session.pollers  # a queue rule needs no TRQL figures
    await app.session.client.aclose()
