"""Fault injection for reliability tests: latency, 5xx, 429, dropped connections, bad bodies.

Off by default. The spec string is the command line's: `5xx=0.2,429=0.1,latency=2s,drop=0.05,
malformed=0.05,truncated=0.05,html=0.05,missing=0.05,unknown=0.05`. Each ratio is the share of
requests that get that fault (at most one fault per request; the ratios add up to at most 1):

- `5xx` answers 503; `429` answers a rate-limit 429 whose reset is five seconds ahead;
- `drop` closes the connection without an answer (in-process clients see the
  `ConnectionResetError` the app raises; under uvicorn the socket is closed);
- `malformed` cuts the JSON body in half; `truncated` cuts it after the last complete object
  before its middle, as a transfer that stopped between two records;
- `html` answers a proxy's 502 HTML error page;
- `missing` removes the identifier fields (`id`, `run_id`, `friendlyId`) from every object of
  the body, a server that breaks its own contract;
- `unknown` adds fields this client has never seen to every object and replaces every `status`
  and `type` with a value it does not know, a newer server;
- `latency=2s` (or `500ms`) delays every request.

The body faults are made by `rewrite` from the route's own answer.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from trigger_tui.emulator.timefmt import parse_duration

KINDS = ("5xx", "429", "drop", "malformed", "html", "truncated", "missing", "unknown")
BODY_KINDS = frozenset({"malformed", "html", "truncated", "missing", "unknown"})
"""Faults that let the route answer and then change what it said."""

PROXY_ERROR_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center>" \
    "<h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
MISSING_KEYS = frozenset({"id", "run_id", "friendlyId"})
UNKNOWN_STATUS = "HIBERNATING"
UNKNOWN_TYPE = "quantum"
UNKNOWN_FIELD = "futureField"


class FaultSpecError(ValueError):
    pass


@dataclass
class Faults:
    ratios: dict[str, float] = field(default_factory=dict)
    latency_s: float = 0.0
    seed: int = 0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @property
    def active(self) -> bool:
        return self.latency_s > 0 or any(v > 0 for v in self.ratios.values())

    def draw(self) -> str | None:
        """Pick at most one fault for this request."""
        roll = self._rng.random()
        for kind in KINDS:
            ratio = self.ratios.get(kind, 0.0)
            if roll < ratio:
                self.injected[kind] = self.injected.get(kind, 0) + 1
                return kind
            roll -= ratio
        return None

    @classmethod
    def parse(cls, spec: str, *, seed: int = 0) -> Faults:
        faults = cls(seed=seed)
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, value = part.partition("=")
            if not sep:
                raise FaultSpecError(f"'{part}' is not name=value")
            if name == "latency":
                seconds = parse_duration(value) if not value.endswith("ms") else (
                    float(value[:-2]) / 1000 if value[:-2].replace(".", "", 1).isdigit() else None)
                if seconds is None:
                    try:
                        seconds = float(value)
                    except ValueError:
                        raise FaultSpecError(
                            f"latency '{value}' is not a duration such as 2s or 500ms") from None
                faults.latency_s = seconds
                continue
            if name not in KINDS:
                raise FaultSpecError(
                    f"unknown fault '{name}'; known: latency, {', '.join(KINDS)}")
            try:
                ratio = float(value)
            except ValueError:
                raise FaultSpecError(f"{name}={value}: the ratio must be a number") from None
            if not 0.0 <= ratio <= 1.0:
                raise FaultSpecError(f"{name}={value}: the ratio must be between 0 and 1")
            faults.ratios[name] = ratio
        if sum(faults.ratios.values()) > 1.0:
            raise FaultSpecError("the fault ratios add up to more than 1")
        return faults


def rewrite(kind: str, status: int, body: bytes, content_type: str) -> tuple[int, bytes, str]:
    """What a body fault makes of the route's answer: (status, body, content type).

    `missing` and `unknown` change only JSON bodies; anything else passes through unchanged."""
    if kind == "html":
        return 502, PROXY_ERROR_PAGE.encode(), "text/html"
    if kind == "malformed":
        return status, body[: max(1, len(body) // 2)], content_type
    if kind == "truncated":
        return status, _cut_after_an_object(body), content_type
    if kind in ("missing", "unknown"):
        try:
            data = json.loads(body)
        except ValueError:
            return status, body, content_type
        data = _without_ids(data) if kind == "missing" else _from_the_future(data)
        return status, json.dumps(data).encode(), content_type
    return status, body, content_type


def _cut_after_an_object(body: bytes) -> bytes:
    """The body up to the last `}` before its middle: valid JSON up to there, then nothing."""
    middle = max(1, len(body) // 2)
    cut = body.rfind(b"}", 0, middle)
    return body[: cut + 1] if cut > 0 else body[:middle]


def _without_ids(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_ids(v) for k, v in data.items() if k not in MISSING_KEYS}
    if isinstance(data, list):
        return [_without_ids(v) for v in data]
    return data


def _from_the_future(data: Any) -> Any:
    if isinstance(data, dict):
        out = {k: _from_the_future(v) for k, v in data.items()}
        if isinstance(out.get("status"), str):
            out["status"] = UNKNOWN_STATUS
        if isinstance(out.get("type"), str):
            out["type"] = UNKNOWN_TYPE
        out[UNKNOWN_FIELD] = {"since": "a newer server", "values": [1, 2, 3]}
        return out
    if isinstance(data, list):
        return [_from_the_future(v) for v in data]
    return data
