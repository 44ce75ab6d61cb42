"""What sits in front of every route: rate limiting, fault injection, unknown routes, the log."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.conftest import PROD, Emu
from trigger_tui.emulator.app import create_app
from trigger_tui.emulator.clock import FakeClock
from trigger_tui.emulator.faults import Faults, FaultSpecError
from trigger_tui.emulator.ratelimit import RateLimiter
from trigger_tui.emulator.world import DEMO_KEYS, World


def _client(**kw: object) -> tuple[FakeClock, httpx.AsyncClient, object]:
    clock = FakeClock()
    world = World(clock, workload=False, history_s=0)
    app = create_app(world, **kw)  # type: ignore[arg-type]
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e.test")
    return clock, client, app


async def test_token_bucket_headers_429_and_refill() -> None:
    limiter_clock = FakeClock()
    _, client, _ = _client(rate_limiter=RateLimiter(limiter_clock, max_tokens=5, refill=2,
                                                        interval_s=10))
    h = {"authorization": f"Bearer {PROD}"}
    remaining = []
    for _ in range(5):
        r = await client.get("/api/v1/queues", headers=h)
        assert r.status_code == 200
        remaining.append(int(r.headers["x-ratelimit-remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    r = await client.get("/api/v1/queues", headers=h)
    assert r.status_code == 429
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "retry-after" not in r.headers
    body = r.json()
    reset_ms = int(r.headers["x-ratelimit-reset"])
    assert reset_ms == int((limiter_clock.now() + 10) * 1000)
    assert body["error"] == body["detail"] and body["status"] == 429
    assert body["detail"].startswith("Rate limit exceeded 0/5 requests remaining. Retry in 10")
    # another environment has its own bucket
    other = await client.get("/api/v1/queues",
                             headers={"authorization": f"Bearer {DEMO_KEYS['dev']}"})
    assert other.status_code == 200
    limiter_clock.advance(10)
    r = await client.get("/api/v1/queues", headers=h)
    assert r.status_code == 200 and r.headers["x-ratelimit-remaining"] == "1"
    # exempt paths carry no rate-limit headers and need no key
    r = await client.get("/api/v1/timezones")
    assert "x-ratelimit-limit" not in r.headers


async def test_unknown_route_is_an_html_404_and_wrong_method_a_405(emu: Emu) -> None:
    r = await emu.get("/api/v1/not-a-route")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    r = await emu.client.delete("/api/v1/runs", headers=emu.headers())
    assert r.status_code == 405 and r.json() == {"error": "Method not allowed"}
    assert "GET" in r.headers["allow"]


async def test_request_log_records_method_path_status(emu: Emu) -> None:
    await emu.get("/api/v1/runs")
    await emu.post("/api/v2/runs/run_nope/cancel")
    log = list(emu.app.state.log)[-2:]
    assert [(e.method, e.path, e.status) for e in log] == [
        ("GET", "/api/v1/runs", 200), ("POST", "/api/v2/runs/run_nope/cancel", 404)]


def test_fault_spec_parsing() -> None:
    f = Faults.parse("5xx=0.2,429=0.1,latency=2s,drop=0.05,malformed=0.05")
    assert f.ratios == {"5xx": 0.2, "429": 0.1, "drop": 0.05, "malformed": 0.05}
    assert f.latency_s == 2.0
    assert Faults.parse("latency=250ms").latency_s == 0.25
    assert not Faults.parse("").active
    for bad, words in (("5xx", "name=value"), ("boom=0.1", "unknown fault"),
                       ("5xx=lots", "must be a number"), ("5xx=2", "between 0 and 1"),
                       ("5xx=0.7,429=0.7", "more than 1"), ("latency=soon", "duration")):
        with pytest.raises(FaultSpecError, match=words):
            Faults.parse(bad)


async def test_injected_faults_reach_the_client_as_real_failures() -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    faults = Faults.parse("5xx=0.25,429=0.25,drop=0.15,malformed=0.15,html=0.1,latency=2s",
                          seed=1)
    faults.sleep = fake_sleep
    _, client, _ = _client(faults=faults)
    h = {"authorization": f"Bearer {PROD}"}
    seen: dict[str, int] = {}
    for _ in range(200):
        try:
            r = await client.get("/api/v1/queues", headers=h)
        except ConnectionResetError:
            seen["drop"] = seen.get("drop", 0) + 1
            continue
        if r.status_code == 503:
            seen["5xx"] = seen.get("5xx", 0) + 1
        elif r.status_code == 429:
            assert int(r.headers["x-ratelimit-reset"]) > 0
            seen["429"] = seen.get("429", 0) + 1
        elif r.status_code == 502:
            assert r.headers["content-type"] == "text/html"
            seen["html"] = seen.get("html", 0) + 1
        else:
            try:
                r.json()
                seen["ok"] = seen.get("ok", 0) + 1
            except ValueError:
                seen["malformed"] = seen.get("malformed", 0) + 1
    assert set(seen) == {"5xx", "429", "drop", "malformed", "html", "ok"}
    assert seen == {**faults.injected, "ok": seen["ok"]}
    assert slept == [2.0] * 200


async def test_faults_are_off_by_default(emu: Emu) -> None:
    for _ in range(50):
        assert (await emu.get("/api/v1/queues")).status_code == 200
