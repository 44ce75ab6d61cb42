"""From flags, environment and profile to an open client, and from any failure to an exit code.

Every headless command runs through `run`: one `asyncio.run` per invocation, the client closed
at the end whatever happens, and every error turned into one line on stderr
(`trigger-tui: …`) and a documented exit code. No traceback, and never a key: any occurrence of
the key in a message is masked before it is printed.

`hooks` is the seam for tests (and nothing else): an in-process emulator app for `--demo`
built once and shared, and the sleep used while polling, so a test can move a fake clock.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

import httpx
from pydantic import ValidationError

from trigger_tui import config
from trigger_tui.api import errors as E
from trigger_tui.api.client import ClientOptions, TriggerClient
from trigger_tui.api.trql import TrqlFilterError
from trigger_tui.commands.output import FORMATS, Output
from trigger_tui.config import ConfigError, Flags, Resolved, Sourced
from trigger_tui.keys import mask


class ExitCode(IntEnum):
    OK = 0
    API_ERROR = 1
    USAGE = 2
    AUTH = 3


EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  the API failed or refused the request (not found, invalid, rate limited, server error,
     unreachable)
  2  usage: bad arguments or input, a broken config file, or a change refused locally
     because the connection is read-only
  3  authentication: no key configured, or the key was rejected (401) or lacks access (403)

Data goes to stdout; progress, confirmations and errors go to stderr."""


class UsageError(Exception):
    """Arguments that parse but cannot be used (bad JSON payload, unknown status, …)."""


class NotAuthenticated(Exception):
    """No key could be found for the connection."""


@dataclass
class Hooks:
    """Test seams. `demo_app` builds the ASGI app `--demo` talks to (default: a fresh demo
    world on the real clock); `transport` replaces the network for connections made from
    settings (so profile and key resolution can be tested end to end in-process); `sleep` is
    what polling loops wait with; `now` is the time relative times are shown against."""

    demo_app: Callable[[], Any] | None = None
    transport: Callable[[], httpx.AsyncBaseTransport] | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Callable[[], datetime] | None = None


hooks = Hooks()

Handler = Callable[["Context"], Awaitable[int | None]]


# --------------------------------------------------------------------------- common flags
def add_common(parser: argparse.ArgumentParser) -> None:
    """The connection and output flags every command takes."""
    g = parser.add_argument_group("connection")
    g.add_argument("--profile", help="profile from the config file (default: default_profile)")
    g.add_argument("--env", help="environment: dev, stg, prod or preview (picks the key)")
    g.add_argument("--api-url", help="API base URL (default https://api.trigger.dev)")
    g.add_argument("--branch", help="preview branch (x-trigger-branch)")
    g.add_argument("--project-ref", help="project ref, proj_… (env vars, project runs)")
    g.add_argument("--read-only", action="store_true",
                   help="refuse every change before it leaves this machine")
    g.add_argument("--demo", action="store_true",
                   help="run against the built-in emulator with its demo world (no account)")
    o = parser.add_argument_group("output")
    o.add_argument("--json", dest="format", action="store_const", const="json", default="table",
                   help="JSON for machines (the API's field names)")
    o.add_argument("--format", dest="format", choices=FORMATS, default="table",
                   help="table (default), json or csv")


def command(actions: Any, name: str, handler: Handler, *, help: str,
            description: str | None = None) -> argparse.ArgumentParser:
    """A leaf command: its parser with the common flags, the exit codes and its handler."""
    parser: argparse.ArgumentParser = actions.add_parser(
        name, help=help, description=description or help[:1].upper() + help[1:] + ".",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(parser)
    parser.set_defaults(handler=handler)
    return parser


def group(sub: Any, name: str, *, help: str) -> Any:
    """A command group (`runs`, `queues`…) whose actions are required."""
    parser = sub.add_parser(name, help=help, description=help[:1].upper() + help[1:] + ".",
                            epilog=EXIT_CODES_HELP,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser.add_subparsers(dest="action", required=True, metavar="ACTION")


def flags_of(args: argparse.Namespace) -> Flags:
    return Flags(profile=args.profile, env=args.env, api_url=args.api_url,
                 read_only=bool(args.read_only), branch=args.branch,
                 project_ref=args.project_ref)


# --------------------------------------------------------------------------- the context
@dataclass
class Context:
    """What a command handler works with."""

    args: argparse.Namespace
    client: TriggerClient
    out: Output
    resolved: Resolved
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    @property
    def environment(self) -> str:
        return self.resolved.environment.value

    def project_ref(self) -> str:
        ref = self.resolved.project_ref.value
        if not ref:
            raise UsageError("this command needs the project ref (proj_…): pass --project-ref "
                             "or set project_ref in the profile")
        return ref


def resolve_settings(args: argparse.Namespace, out: Output) -> Resolved:
    """The file, the environment and the flags, merged (warnings about the file to stderr)."""
    loaded = config.load(config.config_path())
    for warning in loaded.warnings:
        out.message(f"trigger-tui: warning: {warning}")
    try:
        return config.resolve(loaded.settings, flags_of(args), os.environ)
    except ValueError as exc:  # an unknown --env
        raise UsageError(str(exc)) from None


def demo_resolved(args: argparse.Namespace) -> Resolved:
    from trigger_tui.emulator.world.world import DEMO_KEYS, PROJECT_REF

    try:
        env = config.normalise_environment(args.env) if args.env else "prod"
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if env not in DEMO_KEYS:
        raise UsageError(f"the demo has no {env} environment: use dev, stg or prod")
    demo = "--demo"
    return Resolved(
        profile=Sourced(None, demo), api_url=Sourced("http://demo.invalid", demo),
        key=Sourced(DEMO_KEYS[env], demo), environment=Sourced(env, demo),
        project_ref=Sourced(PROJECT_REF, demo), branch=Sourced(args.branch, demo),
        read_only=Sourced(bool(args.read_only), demo),
        theme=Sourced(config.DEFAULT_THEME, demo), poll=Sourced(config.PollIntervals(), demo))


def _demo_transport() -> httpx.AsyncBaseTransport:
    if hooks.demo_app is not None:
        app = hooks.demo_app()
    else:
        from trigger_tui.emulator.app import create_app
        from trigger_tui.emulator.clock import RealClock
        from trigger_tui.emulator.world import World

        app = create_app(World(RealClock()))
    return httpx.ASGITransport(app=app)


def open_client(args: argparse.Namespace, out: Output) -> tuple[TriggerClient, Resolved]:
    """The client for this invocation (in-process emulator with `--demo`)."""
    if args.demo:
        resolved = demo_resolved(args)
        transport: httpx.AsyncBaseTransport | None = _demo_transport()
    else:
        resolved = resolve_settings(args, out)
        transport = hooks.transport() if hooks.transport is not None else None
    key = resolved.key.value
    if not key:
        raise NotAuthenticated(
            "no API key: set TRIGGER_SECRET_KEY, pass --profile, or add a profile with "
            "`trigger-tui config add-profile` (or try --demo)"
            + "".join(f"; {note}" for note in resolved.notes))
    options = ClientOptions(base_url=resolved.api_url.value, key=key,
                            project_ref=resolved.project_ref.value,
                            branch=resolved.branch.value, read_only=resolved.read_only.value,
                            transport=transport, sleep=hooks.sleep)
    return TriggerClient(options), resolved


# --------------------------------------------------------------------------- running
def run(args: argparse.Namespace, handler: Handler) -> int:
    """Run one command: parse-time flags → client → handler → exit code."""
    out = Output(args.format, now=hooks.now)
    secrets: list[str] = []

    async def main() -> int:
        client, resolved = open_client(args, out)
        if resolved.key.value:
            secrets.append(resolved.key.value)
        try:
            code = await handler(Context(args, client, out, resolved, hooks.sleep))
            return int(code or ExitCode.OK)
        finally:
            await client.aclose()

    return guard(lambda: asyncio.run(main()), out, secrets)


def guard(body: Callable[[], int], out: Output, secrets: list[str] | None = None) -> int:
    """Turn every failure into one stderr line and an exit code."""
    try:
        return body()
    except KeyboardInterrupt:
        out.message("trigger-tui: interrupted")
        return 130
    except Exception as exc:  # the one place that turns errors into exit codes
        code, message = describe(exc)
        message = _one_line(message)
        for secret in secrets or ():
            message = message.replace(secret, mask(secret))
        out.message(f"trigger-tui: {message}")
        return code


def describe(exc: BaseException) -> tuple[int, str]:
    """(exit code, one readable line) for anything a command can raise."""
    if isinstance(exc, NotAuthenticated):
        return ExitCode.AUTH, str(exc)
    if isinstance(exc, E.AuthenticationError | E.PermissionDeniedError):
        return ExitCode.AUTH, str(exc)
    if isinstance(exc, E.ReadOnlyError):
        return ExitCode.USAGE, f"{exc} (drop --read-only or use a profile that allows changes)"
    if isinstance(exc, ValidationError):  # its text repeats the input, which may be a key
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return ExitCode.USAGE, f"{where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(exc, ConfigError | UsageError | TrqlFilterError | ValueError):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, E.NotSupportedError):
        return ExitCode.API_ERROR, str(exc)
    if isinstance(exc, E.ApiError) and exc.status < 500 and exc.status not in (401, 403, 429):
        return ExitCode.API_ERROR, f"{_one_line(str(exc))} (HTTP {exc.status})"
    if isinstance(exc, E.TriggerError):
        return ExitCode.API_ERROR, _one_line(str(exc))
    return ExitCode.API_ERROR, f"unexpected {type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"
