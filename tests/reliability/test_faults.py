"""An hour of the console and of the wall against a faulty API, on a FakeClock.

Every fault the emulator can inject is run for one simulated hour in both modes: twenty minutes
with every request faulted, twenty with a realistic share, twenty with none. Pollers are driven
on the schedule they would keep themselves (a poller in backoff is not polled before its delay
is over), the client retries with its real policy and the retries' waits move the FakeClock, so
nothing sleeps on wall time. Throughout: the app keeps running, nothing unhandled escapes, no
traceback reaches the screen, the health badge tells the truth, backoff grows to its cap and
resets, and requests stay under the API's rate limit.

The `Wire` transport between client and emulator stamps each request with the FakeClock, plays
DNS failure and refused connections, and applies the body faults the gateway does not inject
yet (`trigger_tui.emulator.faults.rewrite`).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from textual.app import App

from tests.ui.conftest import FROZEN_AT, SEED, Harness, make_app, never, settle
from tests.ui.test_wall import settle_wall
from trigger_tui.api.client import ClientOptions, TriggerClient
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import KINDS, UNKNOWN_STATUS, Faults, rewrite
from trigger_tui.emulator.world import DEMO_KEYS, World
from trigger_tui.rules import Alerting, demo_rules
from trigger_tui.state.pollers import MAX_BACKOFF_S
from trigger_tui.state.session import Session
from trigger_tui.ui.app import ConnectionLabel
from trigger_tui.ui.wall.app import WallApp
from trigger_tui.ui.wall.panel import WallOptions, WallPanel
from trigger_tui.ui.widgets.header import ConsoleHeader

GATEWAY_KINDS = frozenset({"5xx", "429", "drop", "malformed", "html"})  # the gateway injects
RATE_BUDGET = 250  # the emulator's (and the API's) refill: 250 requests per 10 s
STEP_S = 60.0
PHASE_S = 1200.0
# What the fault does to every request at 100 %: the poll fails, or the console copes.
COPES = frozenset({"unknown"})
PARTIAL = 0.2  # the share of 5xx; every kind is run at it
RATE_SPAN_S = 3600.0
KEY = DEMO_KEYS["prod"]
ACTIVITY = 0.2  # a quieter project than the demo's: the emulator's TRQL work is the cost


class Wire(httpx.AsyncBaseTransport):
    """The network between client and emulator: what left when, and what can go wrong."""

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: FakeClock) -> None:
        self.inner = inner
        self.clock = clock
        self.faults = Faults(seed=SEED + 1)
        self.times: list[float] = []
        self.unreachable: str | None = None  # the ConnectError text while the host is gone
        self.first_try: str | None = None  # a fault for the first try of each distinct request
        self.seen: set[bytes] = set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(self.clock.now())
        if self.unreachable is not None:
            raise httpx.ConnectError(self.unreachable, request=request)
        kind = self.faults.draw() if self.faults.active else None
        if self.first_try is not None and request.content not in self.seen:
            self.seen.add(request.content)
            kind = self.first_try
            if kind == "drop":
                raise ConnectionResetError("connection dropped (injected fault)")
            if kind in ("5xx", "429"):
                status = 503 if kind == "5xx" else 429
                reset = str(int((self.clock.now() + 5) * 1000))
                return httpx.Response(status, json={"error": "injected"}, request=request,
                                      headers={"x-ratelimit-reset": reset})
        response = await self.inner.handle_async_request(request)
        if kind is None or not response.is_success:
            return response
        body = await response.aread()
        status, body, content_type = rewrite(kind, response.status_code, body,
                                             response.headers.get("content-type", ""))
        headers = [(k, v) for k, v in response.headers.items()
                   if k.lower() not in ("content-length", "content-type", "content-encoding")]
        headers.append(("content-type", content_type))
        return httpx.Response(status, headers=headers, content=body, request=request)

    def max_per_window(self, window_s: float = 10.0) -> int:
        """The most requests that left within any `window_s` (times are in order)."""
        times = self.times
        return max((bisect.bisect_left(times, t + window_s) - i for i, t in enumerate(times)),
                   default=0)


@dataclass
class Rig:
    clock: FakeClock
    world: World
    emulator: Any
    wire: Wire
    session: Session
    due: dict[str, float] = field(default_factory=dict)

    @property
    def gateway(self) -> Faults:
        faults: Faults = self.emulator.state.faults
        return faults

    def inject(self, kind: str, ratio: float) -> None:
        """`kind` at `ratio` of requests (0 to clear); latency is always 2 s when on."""
        if kind == "latency":
            self.gateway.latency_s = 2.0 if ratio else 0.0
        elif kind in GATEWAY_KINDS:
            self.gateway.ratios[kind] = ratio
        else:
            self.wire.faults.ratios[kind] = ratio

    def harness(self) -> Harness:
        return Harness(self.clock, self.world, self.emulator, self.session)


def make_rig(*, wall: bool = False, workload: bool = True) -> Rig:
    """The console's (or the wall's) session as the launcher builds it, with the client's real
    retry policy: its waits, and the injected latency, move the FakeClock."""
    clock = FakeClock(FROZEN_AT)

    async def elapse(seconds: float) -> None:
        clock.advance(seconds)

    world = World(clock, seed=SEED, history_s=1800.0 if wall else 900.0, workload=workload,
                  activity=ACTIVITY)
    emulator = create_app(world, faults=Faults(seed=SEED, sleep=elapse))
    wire = Wire(httpx.ASGITransport(app=emulator), clock)
    client = TriggerClient(ClientOptions(
        base_url=world.api_origin, key=KEY, project_ref=world.project_ref, read_only=wall,
        transport=wire, now=clock.now, sleep=elapse, rng=random.Random(SEED)))
    session = Session.connect(client, clock=clock.now, sleep=never, timer=clock.now,
                              runs=not wall)
    session.world = world
    session.emulator = emulator
    if wall:
        session.enable_alerts(demo_rules(), Alerting())
        session.enable_metrics(window_s=3600)
    return Rig(clock, world, emulator, wire, session)


def make_wall_app(rig: Rig) -> WallApp:
    label = ConnectionLabel(project=rig.session.project_ref, environment="prod", demo=True)
    app = WallApp([WallPanel(rig.session, label)], WallOptions(window_s=3600))
    app.blink = False
    return app


# ---------------------------------------------------------------------- what the screen says
def shown_health(app: App[Any]) -> str:
    """The connection state as the screen words it: live, stale, failing or connecting."""
    if isinstance(app, WallApp):
        app._tick()
        text = str(app.views[0].query_one(".wall-fresh").render())
    else:
        text = app.screen.query_one(ConsoleHeader).render().plain
    for word in ("failing", "no data", "stale", "connecting", "live"):
        if word in text:
            return "failing" if word == "no data" else word
    raise AssertionError(f"no health badge in {text!r}")


def screen_text(app: App[Any]) -> str:
    return app.export_screenshot()


def assert_sane_screen(app: App[Any]) -> None:
    text = screen_text(app)
    assert "Traceback" not in text
    assert KEY not in text
    assert app.is_running and app._exception is None


# ---------------------------------------------------------------------- the schedule
async def run_for(pilot: Any, rig: Rig, seconds: float, *,
                  after_poll: Callable[[], None] | None = None) -> list[str]:
    """Drive every poller on its own schedule for `seconds` of FakeClock, STEP_S at a time;
    returns the health shown after each step."""
    app = pilot.app
    clock, session = rig.clock, rig.session
    end = clock.now() + seconds
    shown: list[str] = []
    steps = 0
    while clock.now() < end:
        clock.advance(STEP_S)
        rig.world.advance()
        for poller in list(session.pollers.values()):
            if poller.finished or clock.now() < rig.due.get(poller.name, 0.0):
                continue
            await poller.poll_once()
            rig.due[poller.name] = clock.now() + poller.next_delay_s * poller.clock_rate
            if after_poll is not None:
                after_poll()
        steps += 1
        if steps % 5 == 0:  # let the screen catch up now and then: painting is the cost
            await pilot.pause()
        shown.append(shown_health(app))
        if steps % 30 == 0:
            assert_sane_screen(app)
    return shown


@dataclass
class Hour:
    """What one simulated hour under a fault showed."""

    full: list[str]  # the health shown after each step, with every request faulted
    partial: list[str]  # … with PARTIAL of them
    clear: list[str]  # … with none
    delays: dict[str, list[float]]  # each poller's wait after each of its failed polls
    after: dict[str, tuple[float, float]]  # each poller's (wait, interval) at the end
    errors: set[str]  # every health message seen
    max_per_10s: int
    injected: int  # faults the gateway and the wire injected
    requests: int


async def faulty_hour(pilot: Any, rig: Rig, kind: str) -> Hour:
    session = rig.session
    delays: dict[str, list[float]] = {}
    errors: set[str] = set()
    seen: dict[str, int] = {}

    def note() -> None:
        for name, p in session.pollers.items():
            h = p.health
            if h.last_error:
                errors.add(h.last_error)
            if h.consecutive_failures and seen.get(name) != h.consecutive_failures:
                delays.setdefault(name, []).append(p.next_delay_s)
            seen[name] = h.consecutive_failures

    rig.inject(kind, 1.0)
    full = await run_for(pilot, rig, PHASE_S, after_poll=note)
    rig.inject(kind, PARTIAL)
    partial = await run_for(pilot, rig, PHASE_S, after_poll=note)
    rig.inject(kind, 0.0)
    clear = await run_for(pilot, rig, PHASE_S, after_poll=note)
    assert_sane_screen(pilot.app)
    after = {n: (p.next_delay_s, p.interval_s) for n, p in session.pollers.items()}
    injected = sum(rig.gateway.injected.values()) + sum(rig.wire.faults.injected.values())
    return Hour(full, partial, clear, delays, after, errors, rig.wire.max_per_window(),
                injected, len(rig.wire.times))


FIGURES: dict[str, int] = {}


def check_hour(hour: Hour, kind: str, mode: str) -> None:
    FIGURES[f"{mode}:{kind}"] = hour.max_per_10s
    tail = hour.full[-10:]
    if kind in COPES or kind == "latency":
        assert all(s == "live" for s in tail), tail
    else:
        assert all(s == "failing" for s in tail), tail
        persistent = [d for d in hour.delays.values() if len(d) >= 6]
        assert persistent, hour.delays
        for run in persistent:
            first = run[:6]
            assert first == sorted(first) and first[0] < first[-1], run  # backoff grows …
            assert max(run) == MAX_BACKOFF_S, run  # … up to its cap
    fresh = hour.partial.count("live") / len(hour.partial)
    print(f"{mode} {kind}: {hour.injected} faults in {hour.requests} requests, live "
          f"{fresh:.0%} at {PARTIAL:.0%}, at most {hour.max_per_10s} requests in 10 s")
    assert fresh >= 0.5, f"{kind} at {PARTIAL:.0%}: live only {fresh:.0%} of the time"
    recovered = hour.clear.index("live")
    assert recovered * STEP_S <= MAX_BACKOFF_S + 2 * STEP_S, hour.clear[:12]
    assert all(s == "live" for s in hour.clear[recovered:]), hour.clear
    for wait, interval in hour.after.values():
        assert wait == interval  # backoff reset after success
    for error in hour.errors:
        assert KEY not in error and "Traceback" not in error
        assert "unexpected" not in error, error  # every failure is one the code expects
    assert hour.max_per_10s <= RATE_BUDGET


FAULT_KINDS = ("latency", *KINDS)


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_an_hour_of_the_console_under_each_fault(kind: str) -> None:
    rig = make_rig()
    app = make_app(rig.harness())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        hour = await faulty_hour(pilot, rig, kind)
        assert app.is_running
    assert app._exception is None and app.return_code in (None, 0)
    check_hour(hour, kind, "console")


@pytest.mark.parametrize("kind", FAULT_KINDS)
async def test_an_hour_of_the_wall_under_each_fault(kind: str) -> None:
    rig = make_rig(wall=True)
    app = make_wall_app(rig)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle_wall(pilot)
        hour = await faulty_hour(pilot, rig, kind)
        assert app.is_running
    assert app._exception is None and app.return_code in (None, 0)
    check_hour(hour, kind, "wall")


# ---------------------------------------------------------------------- the host is gone
@pytest.mark.parametrize("reason", ["[Errno -2] Name or service not known",
                                    "[Errno 111] Connection refused"])
async def test_an_unreachable_host_shows_failing_in_words_and_recovers(reason: str) -> None:
    rig = make_rig()
    app = make_app(rig.harness())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rig.wire.unreachable = reason
        shown = await run_for(pilot, rig, 300.0)
        runs = rig.session.store.health["runs"]
        assert shown[-1] == "failing"
        assert runs.last_error is not None
        assert runs.last_error.startswith(f"cannot reach {rig.world.api_origin}")
        assert reason in runs.last_error and KEY not in runs.last_error
        assert_sane_screen(app)
        rig.wire.unreachable = None
        shown = await run_for(pilot, rig, 120.0)
        assert shown[-1] == "live" and runs.last_error is None
        assert app.is_running


# ---------------------------------------------------------------------- a newer server
async def test_unknown_fields_and_statuses_are_shown_not_dropped() -> None:
    rig = make_rig()
    app = make_app(rig.harness())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        rig.session.set_filter(rig.session.runs.filter)  # reload the view under the fault
        rig.inject("unknown", 1.0)
        await run_for(pilot, rig, 60.0)
        await pilot.pause()
        store = rig.session.store
        assert len(store.runs) > 0
        assert {r.status for r in store.runs.values()} == {UNKNOWN_STATUS}
        queues = list(store.collection("queues").values())
        assert queues and all(q.type == "quantum" for q in queues)
        assert all(h.last_error is None for h in store.health.values())
        text = screen_text(app)
        assert UNKNOWN_STATUS.title()[:9] in text  # the status badge: its own name, muted
        assert shown_health(app) == "live"
        detail = rig.session.watch_run(next(iter(store.runs.items)), start=False)
        assert await detail.poll_once(), detail.health.last_error
        run = store.collection("run_detail").get(detail.run_id)
        assert run is not None and run.status == UNKNOWN_STATUS


# ---------------------------------------------------------------------- bodies a person reads
WORDING = {
    "missing": "missing",
    "truncated": "truncated",
    "malformed": "truncated",
    "html": "HTML page (502 Bad Gateway)",
}


@pytest.mark.parametrize("kind", sorted(WORDING))
async def test_a_bad_body_fails_the_poll_in_words_without_the_body_or_the_key(
        kind: str) -> None:
    rig = make_rig()
    app = make_app(rig.harness())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        rig.inject(kind, 1.0)
        await run_for(pilot, rig, 60.0)
        for name in ("runs", "queues"):
            error = rig.session.store.health[name].last_error
            assert error is not None, name
            assert WORDING[kind] in error, error
            assert KEY not in error and "Traceback" not in error
            assert "pydantic" not in error and "errors.pydantic.dev" not in error
            assert '"' not in error and "{" not in error, error  # no body quoted back
            assert len(error) < 300, error
        assert shown_health(app) == "failing"
        assert_sane_screen(app)


# ---------------------------------------------------------------------- the rate limit
MIX = {"5xx": 0.2, "429": 0.1, "latency": 1.0, "drop": 0.05, "malformed": 0.05, "html": 0.05,
       "truncated": 0.05, "missing": 0.05, "unknown": 0.05}  # the issue's, and the rest


async def on_schedule(rig: Rig, seconds: float) -> int:
    """Every poller polled exactly when its own loop would (the end of its last poll plus
    its interval or backoff), event by event; returns the number of polls."""
    clock, pollers = rig.clock, rig.session.pollers
    due = {name: clock.now() for name in pollers}
    end = clock.now() + seconds
    polls = 0
    while True:
        name = min(due, key=lambda n: due[n])
        if due[name] >= end:
            return polls
        if due[name] > clock.now():
            clock.advance(due[name] - clock.now())
        poller = pollers[name]
        await poller.poll_once()
        polls += 1
        due[name] = clock.now() + poller.next_delay_s * poller.clock_rate


@pytest.mark.parametrize("wall", [False, True], ids=["console", "wall"])
async def test_at_full_cadence_under_every_fault_requests_stay_under_the_limit(
        wall: bool) -> None:
    rig = make_rig(wall=wall)
    for kind, ratio in MIX.items():
        rig.inject(kind, ratio)
    polls = await on_schedule(rig, RATE_SPAN_S)
    busiest = rig.wire.max_per_window()
    FIGURES[f"{'wall' if wall else 'console'}:full-cadence"] = busiest
    print(f"{'wall' if wall else 'console'}: {polls} polls, {len(rig.wire.times)} requests "
          f"in {RATE_SPAN_S:.0f} s, at most {busiest} in 10 s (budget {RATE_BUDGET})")
    assert polls > RATE_SPAN_S / 60  # it kept polling through the faults
    assert busiest <= RATE_BUDGET
    limiter_429 = sum(1 for r in rig.emulator.state.log if r.status == 429)
    assert limiter_429 <= rig.gateway.injected.get("429", 0)  # the bucket itself never ran dry


# ---------------------------------------------------------------------- regressions, one by one
def test_every_fault_kind_parses_and_the_body_faults_keep_json_where_they_should() -> None:
    f = Faults.parse("5xx=0.1,429=0.1,drop=0.1,malformed=0.1,html=0.1,truncated=0.1,"
                     "missing=0.1,unknown=0.1,latency=2s")
    assert set(f.ratios) == set(KINDS) and f.latency_s == 2.0
    body = (b'{"data":[{"id":"q_1","type":"task","status":"QUEUED"},'
            b'{"id":"q_2","type":"custom","status":"QUEUED","name":"a-longer-second-record"}],'
            b'"next":null}')
    _, cut, _ = rewrite("truncated", 200, body, "application/json")
    assert cut == b'{"data":[{"id":"q_1","type":"task","status":"QUEUED"}'
    _, gone, _ = rewrite("missing", 200, body, "application/json")
    assert b'"id"' not in gone and b'"type"' in gone
    _, newer, _ = rewrite("unknown", 200, body, "application/json")
    assert b'"HIBERNATING"' in newer and b'"quantum"' in newer and b'"futureField"' in newer
    status, page, content_type = rewrite("html", 200, body, "application/json")
    assert (status, content_type) == (502, "text/html") and b"502 Bad Gateway" in page
    assert rewrite("missing", 200, b"not json", "text/plain") == (200, b"not json",
                                                                  "text/plain")


def test_a_runs_row_without_its_id_is_a_schema_error_not_a_key_error() -> None:
    from trigger_tui.api import errors as E
    from trigger_tui.state.pollers import read_run

    with pytest.raises(E.SchemaError, match="missing field"):
        read_run({"status": "Completed", "task_identifier": "t"})
    with pytest.raises(E.SchemaError):
        read_run(["not", "a", "row"])


def test_a_proxy_page_is_named_by_its_title_not_dumped() -> None:
    from trigger_tui.api import errors as E
    from trigger_tui.emulator.faults import PROXY_ERROR_PAGE

    message = E.describe(502, None, PROXY_ERROR_PAGE)
    assert "HTML page (502 Bad Gateway)" in message and "<" not in message
    assert "HTML page (no title)" in E.describe(503, None, "<!DOCTYPE html><p>down</p>")
    assert E.describe(503, {"error": "Service Unavailable"}, "") == \
        "the API failed with 503 (Service Unavailable); it may be retried"
    assert E.html_title('{"error": "<html>"}') is None
    assert E.html_title("<html><title>\x1b[2Jgone\x07</title>") == "[2Jgone"


@pytest.mark.parametrize(("body", "content_type", "words"), [
    (b'{"format":"json","results":[{"run_id":"run_1"', "application/json",
     "JSON cut short or garbled"),
    (b"<html><head><title>Sign in</title></head></html>", "text/html",
     "an HTML page (Sign in), not JSON"),
    (b"\x00\x01binary", "application/octet-stream", "not JSON (application/octet-stream"),
])
def test_a_body_that_is_not_json_says_what_it_is(body: bytes, content_type: str,
                                                words: str) -> None:
    from trigger_tui.api import errors as E
    from trigger_tui.api.client import parse_json

    request = httpx.Request("POST", "https://api.test/api/v1/query")
    response = httpx.Response(200, content=body, headers={"content-type": content_type},
                              request=request)
    with pytest.raises(E.SchemaError) as info:
        parse_json(response)
    assert str(info.value).startswith("POST /api/v1/query: the API answered 200 with ")
    assert words in str(info.value)


async def test_one_transient_failure_does_not_fail_a_whole_metrics_poll() -> None:
    rig = make_rig(wall=True)
    metrics = rig.session.pollers["metrics"]
    for kind in ("5xx", "drop", "malformed", "truncated", "html"):
        rig.wire.first_try = kind  # each query fails once, then answers
        rig.wire.seen.clear()
        assert await metrics.poll_once(), (kind, metrics.health.last_error)
        assert len(rig.wire.seen) >= 3  # several queries, each tried twice
    rig.wire.first_try = "429"  # a 429 is waited out (its reset), then tried again
    rig.wire.seen.clear()
    assert await metrics.poll_once(), metrics.health.last_error
    await rig.session.client.aclose()


async def test_a_failed_poll_leaves_no_request_in_flight() -> None:
    import asyncio

    rig = make_rig(wall=True)
    metrics = rig.session.pollers["metrics"]
    rig.inject("5xx", 1.0)
    assert not await metrics.poll_once()
    here = asyncio.current_task()
    assert [t for t in asyncio.all_tasks() if t is not here and not t.done()] == []
    sent = len(rig.wire.times)
    for _ in range(3):
        await asyncio.sleep(0)
    assert len(rig.wire.times) == sent  # nothing of the failed poll went on asking
    await rig.session.client.aclose()
