"""`trigger-tui serve`: the console in a browser, through textual-serve.

textual-serve runs a web page with a terminal (xterm.js) and, for every browser tab that
connects, starts a fresh console process and relays its screen and keys over a websocket. The
served command is `python -m trigger_tui <console args>`, so each tab gets the same console the
terminal would, with the same flags.

Whoever can reach the page drives a console that holds the API key of the profile or environment
it was started with. Hence: loopback by default, a warning on stderr before serving on any other
address, and no key ever on the served command line (textual-serve prints that command and shows
it to the page): keys reach the console only through the environment or the config file, which
the console process inherits.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import shlex
import socket
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from trigger_tui.keys import KEY_ENVIRONMENTS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
USAGE = 2
FAILED = 1
TITLE = "trigger-tui"
KEY_PREFIXES = (*KEY_ENVIRONMENTS, "tr_pat_")
READ_ONLY_FLAGS = frozenset({"--read-only", "--wall"})  # the wall monitor is read-only too

DESCRIPTION = """\
Serve the console to a web browser (one console process per browser tab).

Everything after `--`, and any option `serve` does not know, goes to the served console:
  trigger-tui serve -- --demo
  trigger-tui serve --port 8080 --profile prod --read-only

Keys are never taken from the command line: set TRIGGER_SECRET_KEY (or a profile) before
starting; the served console inherits the environment.
"""


class _ServeParser(argparse.ArgumentParser):
    """Hands the arguments after `--`, and the options `serve` does not know, to the console.

    A REMAINDER positional would not do: argparse rejects an unknown option before any positional
    sees it, so `trigger-tui serve --demo` would fail.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        argv = list(sys.argv[1:] if args is None else args)
        tail: list[str] = []
        if "--" in argv:
            cut = argv.index("--")
            argv, tail = argv[:cut], argv[cut + 1:]
        parsed, unknown = super().parse_known_args(argv, namespace)
        parsed.console_args = [*unknown, *tail]
        return parsed, []


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    """Register `serve` on the top-level subcommands (sets `command="serve"` when chosen)."""
    # add_parser builds its parser from the action's class; swap in ours for this one only.
    previous = sub._parser_class
    sub._parser_class = _ServeParser
    try:
        parser = sub.add_parser(
            "serve",
            help="serve the console to a web browser",
            description=DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            usage="%(prog)s [--host HOST] [--port PORT] [--public-url URL] [-- CONSOLE ARGS …]",
            allow_abbrev=False,  # `--p…` belongs to the console, never guessed as --port
        )
    finally:
        sub._parser_class = previous
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--public-url", metavar="URL",
                        help="the URL browsers use to reach the server (behind a proxy, or when "
                        "listening on 0.0.0.0); default http://HOST:PORT")
    parser.set_defaults(console_args=[])


def is_loopback(host: str) -> bool:
    """True when only this machine can reach `host` (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def is_wildcard(host: str) -> bool:
    name = host.strip().strip("[]")
    try:
        return ipaddress.ip_address(name).is_unspecified
    except ValueError:
        return False


def console_command(console_args: Sequence[str]) -> str:
    """The shell command textual-serve runs for each browser tab."""
    return shlex.join([sys.executable, "-m", "trigger_tui", *console_args])


def default_public_url(host: str, port: int) -> str:
    """Where the page tells the browser to open its websocket.

    textual-serve's own default writes an IPv6 address without brackets (a broken URL) and
    sends browsers to 0.0.0.0 when listening everywhere; this machine's name is the better guess.
    """
    name = host.strip().strip("[]")
    if is_wildcard(name):
        name = socket.gethostname()
    elif ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def exposure_warning(host: str, port: int, console_args: Sequence[str], public_url: str) -> str:
    """The warning printed before serving on an address other machines can reach."""
    access = ("read access to everything it shows (read-only: no change is sent)"
              if READ_ONLY_FLAGS & set(console_args)
              else "its write access: cancel, replay, pause queues, edit environment variables… "
              "(add --read-only to refuse every change)")
    return (
        f"trigger-tui serve: WARNING: listening on {host}:{port}, reachable from other machines. "
        "There is no login: anyone who can reach this address gets a console holding the API "
        f"key of this environment, with {access}. Browsers will connect to {public_url} "
        "(set --public-url if that is not how they reach this machine)."
    )


def _key_on_command_line(console_args: Sequence[str]) -> bool:
    return any(prefix in arg for arg in console_args for prefix in KEY_PREFIXES)


def _check_port_free(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None if it can.

    Checked before textual-serve starts, so a busy port is one line rather than its banner
    followed by a traceback. The probe binds as aiohttp does (SO_REUSEADDR on POSIX).
    """
    name = host.strip().strip("[]")
    family = socket.AF_INET6 if ":" in name else socket.AF_INET
    try:
        socket.getaddrinfo(name, port, family, socket.SOCK_STREAM)
        probe = socket.create_server((name, port), family=family)
    except OSError as exc:
        return _describe_bind_error(host, port, exc)
    probe.close()
    return None


def _describe_bind_error(host: str, port: int, exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return f"cannot listen on {host}:{port}: unknown host"
    if exc.errno == errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: the port is already in use"
    reason = (exc.strerror or str(exc)).split(" (while attempting", 1)[0]
    return f"cannot listen on {host}:{port}: {reason}"


def run(args: argparse.Namespace, *, stderr: TextIO | None = None) -> int:
    """Serve until interrupted; the exit code (2 for bad arguments, 1 when it cannot listen)."""
    err = sys.stderr if stderr is None else stderr
    console_args: list[str] = list(getattr(args, "console_args", []) or [])
    host: str = args.host
    port: int = args.port
    if not 1 <= port <= 65535:
        print(f"trigger-tui serve: --port must be between 1 and 65535, not {port}", file=err)
        return USAGE
    if _key_on_command_line(console_args):
        print("trigger-tui serve: a key must not be on the command line (textual-serve shows "
              "it); set TRIGGER_SECRET_KEY or use a profile", file=err)
        return USAGE
    public_url: str = args.public_url or default_public_url(host, port)
    if not is_loopback(host):
        print(exposure_warning(host, port, console_args, public_url), file=err, flush=True)
    problem = _check_port_free(host, port)
    if problem is not None:
        print(f"trigger-tui serve: {problem}", file=err)
        return FAILED

    try:
        from textual_serve.server import Server
    except ImportError:
        print("trigger-tui serve: needs the textual-serve package (pip install textual-serve)",
              file=err)
        return FAILED

    server = Server(console_command(console_args), host=host.strip("[]"), port=port,
                    title=TITLE, public_url=public_url)
    try:
        server.serve()
    except OSError as exc:  # lost the port between the probe and the bind
        print(f"trigger-tui serve: {_describe_bind_error(host, port, exc)}", file=err)
        return FAILED
    except KeyboardInterrupt:
        pass
    return 0
