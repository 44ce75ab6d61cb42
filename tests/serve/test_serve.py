"""`trigger-tui serve`: what reaches the console, who gets warned, what is refused.

None of these tests serves anything: textual-serve's Server is replaced by a recorder, or the
run stops at a check that comes before serving (a busy port, an address this machine lacks).
"""

from __future__ import annotations

import argparse
import io
import json
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from trigger_tui import serve

KEY = "tr_dev_0123456789abcdefSECRET"


def parse(*argv: str) -> argparse.Namespace:
    """Through a top-level parser shaped like the CLI's, with a `--demo` of its own."""
    parser = argparse.ArgumentParser(prog="trigger-tui")
    parser.add_argument("--demo", action="store_true")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("runs")
    serve.add_parser(sub)
    return parser.parse_args(list(argv))


class FakeServer:
    """Stands in for textual_serve.server.Server: records what it was given and what stderr held
    when serving began."""

    made: list[FakeServer] = []
    stderr: io.StringIO | None = None
    fail: OSError | None = None

    def __init__(self, command: str, host: str = "localhost", port: int = 8000,
                 title: str | None = None, public_url: str | None = None) -> None:
        self.command, self.host, self.port = command, host, port
        self.title, self.public_url = title, public_url
        self.stderr_at_serve = ""
        FakeServer.made.append(self)

    def serve(self, debug: bool = False) -> None:
        self.stderr_at_serve = FakeServer.stderr.getvalue() if FakeServer.stderr else ""
        if FakeServer.fail is not None:
            raise FakeServer.fail


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeServer]]:
    import textual_serve.server

    FakeServer.made, FakeServer.stderr, FakeServer.fail = [], io.StringIO(), None
    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    yield FakeServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run(*argv: str) -> tuple[int, str]:
    err = FakeServer.stderr if FakeServer.stderr is not None else io.StringIO()
    code = serve.run(parse(*argv), stderr=err)
    return code, err.getvalue()


# --- arguments -----------------------------------------------------------------------------


def test_defaults_listen_on_loopback_port_8000_with_no_console_args() -> None:
    args = parse("serve")
    assert (args.command, args.host, args.port, args.public_url) == (
        "serve", "127.0.0.1", 8000, None)
    assert args.console_args == []


def test_everything_after_double_dash_goes_to_the_console() -> None:
    args = parse("serve", "--host", "0.0.0.0", "--port", "9001", "--", "--demo", "--port", "3")
    assert (args.host, args.port) == ("0.0.0.0", 9001)
    assert args.console_args == ["--demo", "--port", "3"]
    assert args.demo is False  # the top-level flag is not the console's


@pytest.mark.parametrize("argv, console, port", [
    (("serve", "--demo"), ["--demo"], 8000),
    (("serve", "--demo", "--port", "9"), ["--demo"], 9),
    (("serve", "--port", "9", "--profile", "prod", "--read-only"),
     ["--profile", "prod", "--read-only"], 9),
    (("serve", "--env=prod", "--", "--demo"), ["--env=prod", "--demo"], 8000),
])
def test_options_serve_does_not_know_go_to_the_console_in_order(
        argv: tuple[str, ...], console: list[str], port: int) -> None:
    args = parse(*argv)
    assert args.console_args == console
    assert args.port == port


def test_no_abbreviation_takes_a_console_option_for_a_serve_one() -> None:
    assert parse("serve", "--p", "x").console_args == ["--p", "x"]


def test_public_url_is_taken() -> None:
    assert parse("serve", "--public-url", "https://ops.example.com").public_url == (
        "https://ops.example.com")


def test_other_subcommands_are_untouched() -> None:
    assert parse("runs").command == "runs"
    with pytest.raises(SystemExit):
        parse("runs", "--demo-nope")


# --- the command served --------------------------------------------------------------------


def test_the_served_command_is_this_python_running_the_package_with_the_console_args() -> None:
    command = serve.console_command(["--demo", "--profile", "my team; rm -rf /"])
    assert shlex.split(command) == [sys.executable, "-m", "trigger_tui", "--demo", "--profile",
                                    "my team; rm -rf /"]


def test_run_hands_textual_serve_the_command_host_port_and_url(
        fake_server: type[FakeServer]) -> None:
    port = free_port()
    code, err = run("serve", "--port", str(port), "--demo", "--read-only")
    assert code == 0 and err == ""
    [server] = fake_server.made
    assert shlex.split(server.command) == [sys.executable, "-m", "trigger_tui", "--demo",
                                           "--read-only"]
    assert (server.host, server.port) == ("127.0.0.1", port)
    assert server.public_url == f"http://127.0.0.1:{port}"
    assert server.title == "trigger-tui"


def test_the_served_command_carries_no_key_from_the_environment(
        fake_server: type[FakeServer], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIGGER_SECRET_KEY", KEY)
    code, err = run("serve", "--port", str(free_port()))
    assert code == 0
    [server] = fake_server.made
    assert KEY not in server.command and KEY not in (server.title or "") and KEY not in err


def test_a_key_on_the_command_line_is_refused_without_echoing_it(
        fake_server: type[FakeServer]) -> None:
    code, err = run("serve", "--", "--api-key", KEY)
    assert code == 2
    assert fake_server.made == []
    assert KEY not in err and "TRIGGER_SECRET_KEY" in err


@pytest.mark.parametrize("host, url", [
    ("::1", "http://[::1]:8123"),
    ("localhost", "http://localhost:8123"),
    ("192.168.1.20", "http://192.168.1.20:8123"),
])
def test_default_public_url_is_a_valid_url(host: str, url: str) -> None:
    assert serve.default_public_url(host, 8123) == url


def test_listening_everywhere_points_browsers_at_this_machines_name() -> None:
    assert serve.default_public_url("0.0.0.0", 80) == f"http://{socket.gethostname()}:80"


# --- the exposure warning ------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost",
                                  "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert serve.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "ops.example.com",
                                  "fe80::1"])
def test_hosts_others_can_reach(host: str) -> None:
    assert not serve.is_loopback(host)


def test_no_warning_on_loopback(fake_server: type[FakeServer]) -> None:
    code, err = run("serve", "--port", str(free_port()))
    assert code == 0 and "WARNING" not in err


def test_warning_comes_before_serving_on_all_interfaces(fake_server: type[FakeServer]) -> None:
    code, _ = run("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert code == 0
    [server] = fake_server.made
    warning = server.stderr_at_serve
    assert "WARNING" in warning and "0.0.0.0" in warning
    assert "API key" in warning and "write access" in warning and "--read-only" in warning
    assert warning.count("\n") == 1


@pytest.mark.parametrize("flag", ["--read-only", "--wall"])
def test_the_warning_says_read_only_when_the_console_is_read_only(
        flag: str, fake_server: type[FakeServer]) -> None:
    run("serve", "--host", "0.0.0.0", "--port", str(free_port()), "--", "--demo", flag)
    warning = fake_server.made[0].stderr_at_serve
    assert "WARNING" in warning and "write access" not in warning and "read access" in warning


def test_warning_for_a_lan_address_even_when_it_cannot_listen_there(
        fake_server: type[FakeServer]) -> None:
    # TEST-NET-1: never this machine's, so the run stops at the bind, after the warning.
    code, err = run("serve", "--host", "192.0.2.10", "--port", str(free_port()))
    assert code == 1
    first, second = err.splitlines()
    assert "WARNING" in first and "192.0.2.10" in first
    assert second.startswith("trigger-tui serve: cannot listen on 192.0.2.10:")
    assert "while attempting" not in second
    assert fake_server.made == []


# --- ports ---------------------------------------------------------------------------------


@pytest.mark.parametrize("port", ["0", "65536", "-1"])
def test_a_port_out_of_range_is_one_line_and_exit_2(
        port: str, fake_server: type[FakeServer]) -> None:
    code, err = run("serve", "--port", port)
    assert code == 2
    assert err == f"trigger-tui serve: --port must be between 1 and 65535, not {port}\n"
    assert fake_server.made == []


def test_a_busy_port_is_one_line_and_exit_1(fake_server: type[FakeServer]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        code, err = run("serve", "--port", str(port))
    assert code == 1
    assert err == (f"trigger-tui serve: cannot listen on 127.0.0.1:{port}: "
                   "the port is already in use\n")
    assert fake_server.made == []


def test_losing_the_port_after_the_check_is_one_line_too(fake_server: type[FakeServer]) -> None:
    import errno

    fake_server.fail = OSError(errno.EADDRINUSE, "address already in use")
    port = free_port()
    code, err = run("serve", "--port", str(port))
    assert code == 1
    assert err.endswith(f"cannot listen on 127.0.0.1:{port}: the port is already in use\n")
    assert err.count("\n") == 1


def test_an_unknown_host_is_one_line_and_exit_1(fake_server: type[FakeServer]) -> None:
    port = free_port()
    code, err = run("serve", "--host", "no-such-host.invalid", "--port", str(port))
    assert code == 1
    assert err.splitlines()[-1] == (
        f"trigger-tui serve: cannot listen on no-such-host.invalid:{port}: unknown host")
    assert fake_server.made == []


def test_registering_serve_loads_neither_textual_nor_the_web_server() -> None:
    """The CLI imports this module for every command; headless ones must stay light."""
    probe = ("import json, sys; import trigger_tui.serve; print(json.dumps(sorted({m.split('.')[0] "
             "for m in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                       text=True, check=True).stdout)
    assert not {"textual", "textual_serve", "aiohttp"} & set(loaded)


def test_without_textual_serve_installed_it_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # import fails
    err = io.StringIO()
    code = serve.run(parse("serve", "--port", str(free_port())), stderr=err)
    assert code == 1
    assert err.getvalue() == ("trigger-tui serve: needs the textual-serve package "
                              "(pip install textual-serve)\n")
