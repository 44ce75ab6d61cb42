"""From command-line options to a running console: the one factory the CLI and the tests share.

`build_app(options)` resolves the connection exactly as the headless commands do (flags >
environment variables > profile > defaults, `trigger_tui.config`) and returns a `TriggerApp`:
over the in-process emulator for `--demo`, over the API with the resolved key otherwise, and on
the welcome screen when no key can be found. `run_console(options)` runs it and returns the exit
code; a broken config file or an unknown profile or environment is one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from trigger_tui import config
from trigger_tui.api.client import ClientOptions, TriggerClient
from trigger_tui.config import ConfigError, Flags, Resolved
from trigger_tui.rules import demo_rules
from trigger_tui.state.last_view import ViewMemory
from trigger_tui.state.session import Session
from trigger_tui.ui import themes
from trigger_tui.ui.app import ConnectionLabel, Connector, TriggerApp, WelcomeInfo
from trigger_tui.ui.keymap import apply_user_keymap

if TYPE_CHECKING:
    from trigger_tui.ui.wall.app import WallApp

DEMO_SPEED = 5.0  # simulated seconds per real second: a demo that visibly moves
DEMO_SEED = 7
USAGE = 2


@dataclass(frozen=True, slots=True)
class LaunchOptions:
    """What `trigger-tui [--demo] [--profile P] [--env E] [--read-only] …` asks for."""

    demo: bool = False
    profile: str | None = None
    env: str | None = None
    read_only: bool = False
    api_url: str | None = None
    branch: str | None = None
    project_ref: str | None = None
    demo_speed: float = DEMO_SPEED
    demo_seed: int = DEMO_SEED
    columns: Sequence[str] | None = None
    keymap: Mapping[str, str] = field(default_factory=dict)
    wall: bool = False
    envs: tuple[str, ...] = ()  # wall mode: every --env given (the console takes one)
    profiles: tuple[str, ...] = ()  # wall mode: every --profile given
    dashboards: tuple[str, ...] = ()  # wall mode: query dashboards shown as pages
    fresh: bool = False  # ignore the remembered view (pane, filters, sort) for this launch
    theme: str | None = None  # a shipped theme or one in <config folder>/themes/

    @classmethod
    def from_args(cls, args: Any) -> LaunchOptions:
        """From an argparse namespace with any of the fields above (missing ones default).
        `--env` and `--profile` may repeat (lists): the wall shows each; the console refuses
        more than one."""
        names = [f for f in cls.__dataclass_fields__ if hasattr(args, f)]
        values = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
        if isinstance(values.get("dashboards"), list):
            if not values.get("wall"):
                raise ValueError("--dashboard is a wall page: add --wall (in the console, "
                                 "the query pane's F10 opens dashboards)")
            values["dashboards"] = tuple(values["dashboards"])
        for single, many in (("env", "envs"), ("profile", "profiles")):
            given = values.pop(single, None)
            if isinstance(given, list | tuple):
                values[many] = tuple(given)
                if len(given) > 1 and not values.get("wall"):
                    raise ValueError(f"the console shows one {single} at a time: give --{single} "
                                     f"once, or add --wall to watch several side by side")
                given = given[0] if given else None
            if given is not None:
                values[single] = given
        return cls(**values)

    def flags(self) -> Flags:
        return Flags(profile=self.profile, env=self.env, api_url=self.api_url,
                     read_only=self.read_only, branch=self.branch,
                     project_ref=self.project_ref, theme=self.theme)


def build_app(options: LaunchOptions, *, environ: Mapping[str, str] | None = None,
              config_file: Path | None = None) -> TriggerApp:
    """The console for `options` (raises ConfigError / ValueError for unusable settings)."""
    env = os.environ if environ is None else environ
    path = config_file or config.config_path(env)
    loaded = config.load(path)

    def demo() -> tuple[Session, ConnectionLabel]:
        session, label = demo_session(options)
        enable_alerts(session, loaded.settings, demo=True)
        return session, label

    connector = Connector(demo=demo,
                          profile=lambda name: profile_session(options, name, env, path))
    keymap = {**loaded.settings.keymap, **options.keymap}
    catalog = themes.load_catalog(themes.user_dir(path))
    memory = ViewMemory(fresh=options.fresh)  # the state folder, from this process's XDG_*
    if options.demo:
        session, label = demo()
        return TriggerApp(session, read_only=options.read_only, label=label,
                          columns=options.columns, keymap=keymap, connector=connector,
                          theme=options.theme or loaded.settings.theme, theme_catalog=catalog,
                          memory=memory)
    resolved = config.resolve(loaded.settings, options.flags(), env)
    if not resolved.key.value:
        welcome = WelcomeInfo(config_path=str(path), notes=tuple(loaded.warnings)
                              + resolved.notes, profiles=tuple(loaded.settings.profiles))
        return TriggerApp(None, read_only=options.read_only, welcome=welcome,
                          connector=connector, keymap=keymap, theme=resolved.theme.value,
                          theme_catalog=catalog, memory=memory)
    session, label = connect(resolved)
    enable_alerts(session, loaded.settings)
    return TriggerApp(session, read_only=resolved.read_only.value, label=label,
                      theme=resolved.theme.value, columns=options.columns,
                      keymap=keymap, connector=connector, theme_catalog=catalog,
                      memory=memory)


def enable_alerts(session: Session, settings: config.Settings, *, demo: bool = False) -> None:
    """The config's alert rules run in the console too (the header shows a badge); the demo
    shows its own rules when the file has none."""
    rules = tuple(settings.alerts) or (demo_rules() if demo else ())
    session.enable_alerts(rules, settings.alerting)


def demo_session(options: LaunchOptions) -> tuple[Session, ConnectionLabel]:
    """A session on the built-in emulator (its production environment), lively speed."""
    if options.env and config.normalise_environment(options.env) != "prod":
        raise ValueError("the demo console shows the demo project's prod environment: "
                         "drop --env (the demo-server command serves dev and stg too)")
    session = Session.for_demo(speed=options.demo_speed, seed=options.demo_seed,
                               read_only=options.read_only, batches=True)
    return session, demo_label(session)


def demo_label(session: Session) -> ConnectionLabel:
    return ConnectionLabel(profile=None, project=session.project_ref,
                           environment=session.environment or "prod", demo=True)


def connect(resolved: Resolved, *, runs: bool = True,
            query_slots: asyncio.Semaphore | None = None) -> tuple[Session, ConnectionLabel]:
    """A session over the API with a resolved key (the caller checked there is one)."""
    key = resolved.key.value
    assert key is not None
    options = ClientOptions(
        base_url=resolved.api_url.value, key=key, project_ref=resolved.project_ref.value,
        branch=resolved.branch.value, read_only=resolved.read_only.value)
    if query_slots is not None:
        options.query_slots = query_slots
    client = TriggerClient(options)
    session = Session.connect(client, intervals=resolved.poll.value, runs=runs)
    label = ConnectionLabel(profile=resolved.profile.value, project=resolved.project_ref.value,
                            environment=resolved.environment.value,
                            branch=resolved.branch.value)
    return session, label


def profile_session(options: LaunchOptions, name: str, environ: Mapping[str, str],
                    path: Path) -> tuple[Session, ConnectionLabel]:
    """Connect with a profile just saved from the welcome screen."""
    loaded = config.load(path)
    flags = Flags(profile=name, env=options.env, read_only=options.read_only)
    resolved = config.resolve(loaded.settings, flags, environ)
    if not resolved.key.value:
        notes = "; ".join(resolved.notes) or "the profile has no key"
        raise ConfigError(f"profile {name!r} was saved but has no usable key: {notes}")
    return connect(resolved)


def build_wall_app(options: LaunchOptions, *, environ: Mapping[str, str] | None = None,
                   config_file: Path | None = None) -> WallApp:
    """The wall monitor: one read-only panel per environment (and profile) asked for, each
    with its metrics poller and the config's alert rules (the demo's own rules when the file
    has none and `--demo` is given)."""
    from trigger_tui.ui.wall.app import WallApp
    from trigger_tui.ui.wall.panel import WallOptions, WallPanel

    env = os.environ if environ is None else environ
    path = config_file or config.config_path(env)
    settings = config.load(path).settings
    rules = tuple(settings.alerts) or (demo_rules() if options.demo else ())
    wall = settings.wall
    envs = options.envs or ((options.env,) if options.env else ())
    panels: list[WallPanel] = []
    theme: str | None = None  # the first panel's (flag > profile > top-level > default)
    if options.demo:
        theme = options.theme or settings.theme  # the demo wall resolves no profile
        if options.profiles or options.profile:
            raise ValueError("--demo shows the demo project: drop --profile")
        first: Session | None = None
        for name in envs or ("prod",):
            slug = config.normalise_environment(name)
            session = Session.for_demo(speed=options.demo_speed, seed=options.demo_seed,
                                       environment=slug, beside=first, read_only=True,
                                       runs=False, batches=True)
            first = first or session
            panels.append(WallPanel(session, ConnectionLabel(
                project=session.project_ref, environment=slug, demo=True)))
    else:
        slots: dict[tuple[str, str | None], asyncio.Semaphore] = {}
        profiles = options.profiles or ((options.profile,) if options.profile else (None,))
        for profile in profiles:
            for env_name in envs or (None,):
                flags = Flags(profile=profile, env=env_name, api_url=options.api_url,
                              read_only=True, branch=options.branch,
                              project_ref=options.project_ref, theme=options.theme)
                resolved = config.resolve(settings, flags, env)
                theme = theme or resolved.theme.value
                if not resolved.key.value:
                    parts = (f"profile {profile}" if profile else "",
                             f"environment {env_name}" if env_name else "")
                    where = " ".join(p for p in parts if p)
                    raise ConfigError(f"no API key for {where or 'the wall'}: "
                                      + ("; ".join(resolved.notes) or "set TRIGGER_SECRET_KEY "
                                         "or add a profile with `trigger-tui config add-profile`"))
                project = (resolved.api_url.value, resolved.project_ref.value)
                session, label = connect(resolved, runs=False,
                                         query_slots=slots.setdefault(project,
                                                                      asyncio.Semaphore(2)))
                panels.append(WallPanel(session, label))
    for panel in panels:
        panel.session.enable_metrics(window_s=wall.window_min * 60.0, interval_s=wall.poll_s)
        panel.session.enable_alerts(rules, settings.alerting)
    app = WallApp(panels, WallOptions(
        window_s=wall.window_min * 60.0, rotate_s=wall.rotate_s, bell=settings.alerting.bell,
        dashboards=tuple(options.dashboards) or tuple(wall.dashboards),
        dashboard_period=wall.dashboard_period), theme=theme,
        theme_catalog=themes.load_catalog(themes.user_dir(path)))
    keymap = {**settings.keymap, **options.keymap}
    if keymap:  # the warning waits in the app's queue until it runs
        apply_user_keymap(app, keymap, wall=True)
    return app


def run_console(options: LaunchOptions) -> int:
    """Run the console (or the wall) in this terminal; the process exit code."""
    from trigger_tui.ui.hangup import needs_terminal

    try:
        app: App[int] = build_wall_app(options) if options.wall else build_app(options)
    except (ConfigError, ValueError) as exc:
        print(f"trigger-tui: {exc}", file=sys.stderr)
        return USAGE
    why = needs_terminal()  # after the settings: a broken file is the first thing to fix
    if why is not None:
        print(f"trigger-tui: {why}", file=sys.stderr)
        return USAGE
    _quiet_logging()
    code = app.run()
    return int(code or 0) if app.return_code is None else int(app.return_code)


def _quiet_logging() -> None:
    """While the screen is the console's, a log record must not be printed over it: with no
    handler configured, Python's last-resort handler writes warnings to stderr (the embedded
    emulator logs its own failures, e.g. a query cut short by quitting). The console reports
    what matters as notices; the records go nowhere unless a handler was set up."""
    import logging

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
