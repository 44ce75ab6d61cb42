"""Bad input everywhere an operator types or a file is read: no unhandled exception, and every
rejection says why.

Each target gets random input from hypothesis (thousands of cases in all, `CASES` below) and
must either accept it or refuse it with its documented error type and a message that names the
problem. The targets: the runs filter's TRQL, the JSON payload editors, cron and timezone
fields, queue concurrency limits, the config file (random TOML), `.env` imports, and the command
line (parsing, and the headless commands end to end on the emulator). Inputs that broke a target
are kept as explicit regression tests next to its fuzz test.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import random
import string
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import tomli_w
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from trigger_tui import cli, config
from trigger_tui.api.client import NO_RETRY, ClientOptions, TriggerClient
from trigger_tui.api.trql import TrqlFilterError
from trigger_tui.commands import context
from trigger_tui.commands.inputs import UsageError, read_json
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.ratelimit import RateLimiter
from trigger_tui.emulator.trql.engine import parse as parse_trql
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.state import batches, tokens
from trigger_tui.state.actions import MAX_QUEUE_LIMIT, Actions
from trigger_tui.state.envvars import DotenvError, parse_dotenv
from trigger_tui.state.filters import RunFilter
from trigger_tui.state.schedules import cron_error, describe_cron, next_fires, zone
from trigger_tui.state.store import Store

FUZZ = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.function_scoped_fixture])
# Cases per target (the closing note reports the sum).
CASES = {"trql": 1500, "json": 2000, "cron": 1500, "zone": 1000, "limit": 300, "toml": 1200,
         "dotenv": 2500, "argv": 1500, "cli": 250}

PRINTABLE = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
                    max_size=40)
WORDS = st.one_of(PRINTABLE, st.sampled_from([
    "'", "\\", "\\'", "%", "_", "') OR 1=1 --", "'; DROP TABLE runs; --", "\x00", "\n",
    "run_", "run_abc'", "a\\", "${x}", "`", "\"", "*/", "/*", "?", "{", "}", "[bold]x[/]"]))


# --------------------------------------------------------------------------- TRQL
def string_literals(sql: str) -> list[str]:
    tree = parse_trql(sql)
    assert isinstance(tree, exp.Select), sql  # one SELECT, nothing appended
    return [lit.this for lit in tree.find_all(exp.Literal) if lit.is_string]


@settings(FUZZ, max_examples=CASES["trql"])
@given(text=WORDS, tasks=st.lists(WORDS, max_size=3), tags=st.lists(WORDS, max_size=3),
       statuses=st.lists(st.one_of(WORDS, st.sampled_from(
           ["FAILED", "Completed", "timed out", "EXECUTING", "System failure"])), max_size=3),
       queue=st.none() | WORDS, version=st.none() | WORDS,
       period=st.none() | st.sampled_from(["24h", "7d", "90m", "1y", "-1h", "0s", "h", "7 d"]))
def test_the_runs_filter_quotes_every_value(text: str, tasks: list[str], tags: list[str],
                                            statuses: list[str], queue: str | None,
                                            version: str | None, period: str | None) -> None:
    try:
        f = RunFilter(text=text, tasks=frozenset(tasks), tags=frozenset(tags),
                      statuses=frozenset(statuses), queue=queue, version=version, period=period)
    except TrqlFilterError as exc:  # an unknown status or a bad period, named
        assert str(exc).strip()
        assert any(w in str(exc).lower() for w in ("status", "period", "duration")), str(exc)
        return
    sql = f.to_trql()
    literals = string_literals(sql)
    for value in (*f.tasks, *f.tags, *(v for v in (f.queue, f.version) if v)):
        assert value in literals, (value, sql)


# --------------------------------------------------------------------------- JSON editors
JSONISH = st.one_of(
    st.text(alphabet='{}[]":,0123456789.eE+-tfnrulasNIify \n\\', max_size=80),
    st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers()
                 | PRINTABLE, lambda c: st.lists(c, max_size=3)
                 | st.dictionaries(PRINTABLE, c, max_size=3), max_leaves=8
                 ).map(lambda v: json.dumps(v, ensure_ascii=False)),
    PRINTABLE)


@settings(FUZZ, max_examples=CASES["json"])
@given(text=JSONISH)
def test_the_payload_editors_accept_json_or_say_where_it_broke(text: str) -> None:
    from trigger_tui.ui.screens.run_detail import json_error

    try:
        value = batches.parse_payload(text)
    except batches.FormError as exc:
        assert "invalid JSON at line" in str(exc) and str(exc).startswith("payload: ")
        value = exc
    token = tokens.parse_payload(text)
    assert token.ok == (not isinstance(value, Exception))
    if not token.ok:
        assert "invalid JSON at line" in token.error
    if text.strip():
        complaint = json_error(text)
        assert (complaint is None) == token.ok
        assert complaint is None or "Invalid JSON at line" in complaint
    try:
        read_json(text, "--payload") if text and text[0] not in "-@" else None
    except UsageError as exc:
        assert "--payload is not valid JSON" in str(exc)


DEEP = "[" * 100_000


# Defect: json.loads raises RecursionError (not a JSONDecodeError) on deeply nested input, and
# the editors only catch JSONDecodeError: an unhandled exception from a pasted payload. Fixed in
# state/batches.py, state/tokens.py and ui/screens/run_detail.py (owned elsewhere: diffs in the
# notes) by catching RecursionError with "nested too deeply".
def test_a_payload_nested_too_deeply_is_refused_with_a_reason() -> None:
    from trigger_tui.ui.screens.run_detail import json_error

    with pytest.raises(batches.FormError, match="nested too deeply"):
        batches.parse_payload(DEEP)
    assert "nested too deeply" in tokens.parse_payload(DEEP).error
    assert "nested too deeply" in (json_error(DEEP) or "")


def test_the_command_line_refuses_a_payload_nested_too_deeply() -> None:
    """Found by the fuzzer: `--payload '[[[[…'` ended as "unexpected RecursionError"."""
    with pytest.raises(UsageError, match="--payload is not valid JSON .nested too deeply"):
        read_json(DEEP, "--payload")


# --------------------------------------------------------------------------- cron and zones
CRON_FIELD = st.one_of(
    st.sampled_from(["*", "*/5", "0", "59", "60", "1-5", "5-1", "1,2,3", "L", "W", "?", "#",
                     "MON", "mon-fri", "JAN", "31", "30", "29", "2", "*/0", "-1", "1/2",
                     "7", "8", "24", "13", "0-59/15", "1#2", "5L", "15W"]),
    st.text(alphabet="0123456789*/,-LW#?", min_size=1, max_size=6))
CRON = st.one_of(st.lists(CRON_FIELD, min_size=0, max_size=7).map(" ".join), PRINTABLE)


@settings(FUZZ, max_examples=CASES["cron"])
@example("0 0 31 2 *")  # valid fields, but no date ever matches
@example("0 0 30 2 *")
@given(expression=CRON)
def test_cron_is_accepted_or_refused_with_a_reason(expression: str) -> None:
    why = cron_error(expression)
    assert why is None or (why.strip() and ("cron" in why or "field" in why)), why
    assert isinstance(describe_cron(expression), str)
    fires = next_fires(expression, "UTC", 1_767_225_600.0, count=3)
    if why is not None:
        assert fires == []


# Defect: `cron_error` passes "0 0 31 2 *" (every field is valid) and `next_fires` then raises
# CroniterBadDateError from the schedule form. Fixed in state/schedules.py (owned elsewhere:
# diff in the notes): cron_error says "never fires", next_fires returns [].
def test_a_cron_that_never_fires_is_refused_with_a_reason() -> None:
    assert next_fires("0 0 31 2 *", "UTC", 1_767_225_600.0) == []
    assert "never" in (cron_error("0 0 31 2 *") or "")


ZONES = sorted(__import__("zoneinfo").available_timezones())
ZONE_NAME = st.one_of(
    st.sampled_from(ZONES),
    st.sampled_from([z.split("/")[0] for z in ZONES if "/" in z]),  # an area: a directory
    st.text(alphabet=string.ascii_letters + "/_-+.0123456789 \x00", max_size=300),
    PRINTABLE)


@settings(FUZZ, max_examples=CASES["zone"])
@example("America")
@example("a" * 300)
@given(name=ZONE_NAME)
def test_a_timezone_is_a_zone_or_none(name: str) -> None:
    tz = zone(name)
    assert tz is None or tz.key == name
    fires = next_fires("0 9 * * 1-5", name, 1_767_225_600.0, count=1)
    assert (fires == []) == (tz is None)


# Defect: `zone("America")` raised IsADirectoryError and a 300-letter name OSError (file name
# too long), both unhandled in the schedule form. Fixed in state/schedules.py (owned
# elsewhere: diff in the notes) by treating any OSError as "no such zone".
def test_an_area_or_an_overlong_name_is_not_a_zone() -> None:
    assert zone("America") is None and zone("a" * 300) is None


# --------------------------------------------------------------------------- concurrency
@pytest.fixture(scope="module")
def world_app() -> Any:
    clock = FakeClock()
    world = World(clock, workload=False)
    limiter = RateLimiter(clock, max_tokens=10**9, refill=10**9)
    return world, create_app(world, rate_limiter=limiter)


@settings(FUZZ, max_examples=CASES["limit"])
@given(limit=st.one_of(st.integers(-10, MAX_QUEUE_LIMIT + 10),
                       st.integers(-(2**70), 2**70), st.sampled_from([0, MAX_QUEUE_LIMIT])))
def test_a_queue_limit_is_sent_or_refused_with_the_bounds(world_app: Any, limit: int) -> None:
    world, app = world_app
    queue = next(q for q in world.envs["prod"].queues.values() if q.type == "task")

    async def attempt() -> Any:
        client = TriggerClient(ClientOptions(
            base_url=world.api_origin, key=DEMO_KEYS["prod"], project_ref=world.project_ref,
            retry=NO_RETRY, transport=httpx.ASGITransport(app=app), rng=random.Random(1)))
        try:
            return await Actions(client, Store()).override_queue(queue.id, limit)
        finally:
            await client.aclose()

    result = asyncio.run(attempt())
    if 0 <= limit <= MAX_QUEUE_LIMIT:  # sent: the server may still refuse, and says why
        assert result.ok or "concurrency" in result.message.lower(), result.message
    else:
        assert not result.ok
        assert f"between 0 and {MAX_QUEUE_LIMIT:,}" in result.message


# --------------------------------------------------------------------------- config file
SETTING_KEYS = ["profile", "profiles", "theme", "read_only", "intervals", "alerts", "wall",
                "queries", "key", "key_env", "project_ref", "api_url", "environments", "runs",
                "name", "when", "above", "window", "task", "prod", "dev", "x"]
TOML_VALUE = st.recursive(
    st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False),
              PRINTABLE, st.sampled_from(["prod", "tr_prod_x", "5m", "dark", "failures"])),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(
        st.one_of(st.sampled_from(SETTING_KEYS), PRINTABLE), c, max_size=4),
    max_leaves=10)
TOML_DOC = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(SETTING_KEYS), PRINTABLE), TOML_VALUE,
                    max_size=5).map(lambda d: _toml(d)),
    st.text(alphabet=string.printable + "é€\x00", max_size=120),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")))


def _toml(doc: dict[str, Any]) -> str:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # a list mixing tables and values, for one
        return "x = 1\n"


@contextlib.contextmanager
def config_file(text: str | bytes) -> Iterator[Path]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "config.toml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        path.chmod(0o600)
        yield path


@settings(FUZZ, max_examples=CASES["toml"])
@example("[[alerts]]\nname = 'x'\nwhen = 'nope'\n")
@example('profile = "missing"\n')
@example("[profiles.a]\nkey = 1\n")
@given(text=TOML_DOC)
def test_a_config_file_loads_or_says_where_it_is_broken(text: str) -> None:
    with config_file(text) as path:
        try:
            loaded = config.load(path)
        except config.ConfigError as exc:
            message = str(exc)
            assert message.startswith(f"broken config file {path}"), message
            assert len(message) > len(f"broken config file {path}: ")
            return
        assert isinstance(loaded.settings, config.Settings)
        try:
            config.resolve(loaded.settings, config.Flags(), {})
        except (config.ConfigError, ValueError) as exc:
            assert str(exc).strip()


def test_a_config_file_that_is_not_utf8_says_so() -> None:
    with config_file(b"theme = '\xff'\n") as path, pytest.raises(config.ConfigError,
                                                                  match="not UTF-8"):
        config.load(path)


# --------------------------------------------------------------------------- .env files
DOTENV_LINE = st.one_of(
    st.builds(lambda n, v: f"{n}={v}", st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}",
                                                     fullmatch=True), PRINTABLE),
    st.builds(lambda n, q, v: f"export {n}={q}{v}{q}", st.sampled_from(["A", "B_2", "x"]),
              st.sampled_from(["'", '"', ""]), PRINTABLE),
    st.sampled_from(["", "# comment", "=value", "A", "A =", " A = 'unterminated", 'B="x\\ny"',
                     "1A=x", "A-B=x", "export", "export =1", "A=x #c", "\ufeffA=1"]),
    PRINTABLE)


@settings(FUZZ, max_examples=CASES["dotenv"])
@given(lines=st.lists(DOTENV_LINE, max_size=8), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_a_dotenv_file_parses_or_names_the_line(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    try:
        parsed = parse_dotenv(text)
    except DotenvError as exc:
        message = str(exc)
        assert message.startswith("line ") and ": " in message, message
        number = int(message.split(":")[0].removeprefix("line "))
        assert 1 <= number <= max(1, len(text.splitlines()))
        # The message never repeats a value from the file (it may be a secret).
        assert all(len(v) < 6 or v not in message for v in _values(text))
        return
    assert all(isinstance(k, str) and k for k in parsed)


def _values(text: str) -> list[str]:
    return [line.partition("=")[2].strip() for line in text.splitlines() if "=" in line]


# --------------------------------------------------------------------------- command line
COMMANDS = [
    ["runs", "list"], ["runs", "get"], ["runs", "cancel"], ["runs", "replay"],
    ["runs", "reschedule"], ["runs", "tag"], ["query"], ["queues", "list"], ["queues", "get"],
    ["queues", "pause"], ["queues", "resume"], ["queues", "override"], ["queues", "reset"],
    ["schedules", "list"], ["schedules", "get"], ["schedules", "create"],
    ["schedules", "update"], ["schedules", "delete"], ["schedules", "activate"],
    ["envvars", "list"], ["envvars", "get"], ["envvars", "set"], ["envvars", "unset"],
    ["envvars", "import"], ["tokens", "list"], ["tokens", "get"], ["tokens", "create"],
    ["tokens", "complete"], ["deployments", "list"], ["deployments", "get"],
    ["deployments", "current"], ["deployments", "promote"], ["trigger"], ["bulk", "cancel"],
    ["bulk", "replay"], ["errors", "list"], ["errors", "get"], ["errors", "resolve"],
    ["errors", "ignore"], ["config", "path"], ["config", "show"], ["config", "use"],
    ["config", "remove-profile"],
]
FLAGS = ["--json", "--format", "--status", "--task", "--tag", "--limit", "--period", "--from",
         "--to", "--payload", "--cron", "--timezone", "--type", "--env", "--project-ref",
         "--api-url", "--read-only", "--delay", "--ttl", "--timeout", "--data", "--filter",
         "--ids", "--for", "--until-rate", "--scope", "--reveal", "--secret", "--priority",
         "--max-attempts", "--metadata", "--idempotency-key-ttl", "--queue", "--version",
         "--poll-interval", "--search", "--in-version", "--override", "--no-wait", "-h"]
VALUES = st.one_of(WORDS, st.sampled_from([
    "table", "json", "csv", "yaml", "-1", "0", "1", "99999999999999999999", "1e309", "nan",
    "7d", "1h", "-5m", "2026-01-01", "2026-13-45", "not a date", "* * * * *", "0 0 31 2 *",
    "America", "Europe/Paris", "prod", "staging", "nope", "task", "custom", '{"a": 1}',
    "{", "[1, 2", "@/nonexistent", "status=FAILED", "x=", "run_abc", "SELECT 1", "::", "http://",
    "tr_prod_x", "5m"]))
ARGV = st.builds(lambda cmd, rest: [*cmd, *rest], st.sampled_from(COMMANDS),
                 st.lists(st.one_of(st.sampled_from(FLAGS), VALUES), max_size=6))

PARSER = cli._build_parser()


@settings(FUZZ, max_examples=CASES["argv"])
@given(argv=st.one_of(ARGV, st.lists(st.one_of(st.sampled_from(FLAGS + ["runs", "wall",
                                                                          "--demo"]),
                                                VALUES), max_size=6)))
def test_any_argv_parses_or_is_a_usage_error_with_a_message(argv: list[str]) -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            PARSER.parse_args(argv)
        except SystemExit as exc:
            if exc.code != 0:  # --help and --version exit 0
                assert exc.code == 2
                assert "error:" in err.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_world() -> Iterator[None]:
    """One emulator world on a fake clock behind every connection the commands open."""
    clock = FakeClock()
    world = World(clock)
    limiter = RateLimiter(clock, max_tokens=10**9, refill=10**9)
    app = create_app(world, rate_limiter=limiter)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    saved = context.hooks
    context.hooks = context.Hooks(
        demo_app=lambda: app, transport=lambda: httpx.ASGITransport(app=app), sleep=sleep,
        now=lambda: datetime.fromtimestamp(clock.now(), tz=UTC))
    yield
    context.hooks = saved


@settings(FUZZ, max_examples=CASES["cli"])
@given(argv=ARGV)
def test_a_headless_command_exits_with_a_code_and_a_reason(
        demo_world: None, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    for name in ("TRIGGER_SECRET_KEY", "TRIGGER_ACCESS_TOKEN", "TRIGGER_API_URL",
                 "TRIGGER_PREVIEW_BRANCH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    argv = [*argv, "--demo"] if "--api-url" not in argv else argv
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: usage errors and --help
            code = int(exc.code or 0)
            assert code in (0, 2)
    assert isinstance(code, int) and 0 <= code <= 130
    assert "unexpected" not in err.getvalue(), (argv, err.getvalue())
    assert "Traceback" not in err.getvalue()
    if code != 0:
        assert err.getvalue().strip(), (argv, code)


# Defect: ids typed on the command line go into the URL path unencoded: `runs get $'\x1f'`
# ended as "unexpected InvalidURL", and `runs get ../../v1/…` reached another endpoint. Fixed
# by `component()` on every id segment in api/resources .
@pytest.mark.parametrize("run_id", ["\x1f", "../../v1/queues", "run_x?limit=1", "a#b"])
def test_an_id_with_url_syntax_stays_one_path_segment(world_app: Any, run_id: str) -> None:
    world, app = world_app
    seen: list[str] = []

    async def spy(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen.append(scope["raw_path"].decode())
            seen.append(scope["query_string"].decode())
        await app(scope, receive, send)

    async def attempt() -> None:
        client = TriggerClient(ClientOptions(
            base_url=world.api_origin, key=DEMO_KEYS["prod"], retry=NO_RETRY,
            transport=httpx.ASGITransport(app=spy), rng=random.Random(1)))
        try:
            with contextlib.suppress(Exception):
                await client.runs.retrieve(run_id)
        finally:
            await client.aclose()

    asyncio.run(attempt())
    assert len(seen) == 2 and seen[0].startswith("/api/v3/runs/"), seen
    assert unquote(seen[0].removeprefix("/api/v3/runs/")) == run_id and not seen[1], seen


def test_toml_round_trip_of_the_fuzzer_documents_is_valid_toml() -> None:
    """The generator's documents are TOML the loader can read (else the fuzz tests little)."""
    doc = {"profile": "a", "profiles": {"a": {"key_env": "K"}}}
    assert tomllib.loads(_toml(doc)) == doc
