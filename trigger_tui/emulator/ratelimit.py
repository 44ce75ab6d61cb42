"""The API rate limiter: a token bucket per environment, signalled as the real middleware does.

Headers on every limited response: `x-ratelimit-limit`, `x-ratelimit-remaining` and
`x-ratelimit-reset` (Unix epoch **milliseconds**); when empty, a 429 problem+json body and no
`Retry-After`.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

from trigger_tui.emulator.clock import Clock
from trigger_tui.emulator.timefmt import parse_duration

# Paths the real middleware leaves alone.
EXEMPT = (
    re.compile(r"^/api/v1/timezones/?$"),
    re.compile(r"^/api/v1/waitpoints/tokens/[^/]+/callback/[^/]+/?$"),
    re.compile(r"^/api/v1/deployments/current/?$"),
    re.compile(r"^/api/v[12]/packets/"),
    re.compile(r"^/api/v1/token/?$"),
)


def is_limited(path: str, method: str) -> bool:
    if method == "OPTIONS" or not path.startswith("/api"):
        return False
    return not any(p.match(path) for p in EXEMPT)


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    clock: Clock
    max_tokens: int = 750
    refill: int = 250
    interval_s: float = 10.0
    buckets: dict[str, Bucket] = field(default_factory=dict)

    @staticmethod
    def bucket_key(authorization: str, env_id: str | None) -> str:
        if env_id is not None:
            return env_id
        return hashlib.sha256(authorization.encode()).hexdigest()

    def take(self, key: str) -> tuple[bool, dict[str, str], float]:
        """Spend one token. Returns (allowed, headers, seconds until the next refill)."""
        now = self.clock.now()
        b = self.buckets.get(key)
        if b is None:
            b = self.buckets[key] = Bucket(float(self.max_tokens), now)
        intervals = math.floor((now - b.updated) / self.interval_s)
        if intervals > 0:
            b.tokens = min(self.max_tokens, b.tokens + intervals * self.refill)
            b.updated += intervals * self.interval_s
        allowed = b.tokens >= 1
        if allowed:
            b.tokens -= 1
        reset_at = b.updated + self.interval_s
        headers = {
            "x-ratelimit-limit": str(self.max_tokens),
            "x-ratelimit-remaining": str(max(0, int(b.tokens))),
            "x-ratelimit-reset": str(int(reset_at * 1000)),
        }
        return allowed, headers, max(0.0, reset_at - now)


def parse_budget(spec: str) -> tuple[int, int, float]:
    """`MAX,REFILL,INTERVAL` (e.g. `750,250,10s`) → bucket size, refill tokens, seconds."""
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise ValueError(f"'{spec}' is not MAX,REFILL,INTERVAL such as 750,250,10s")
    interval = parse_duration(parts[2])
    max_tokens, refill = int(parts[0]), int(parts[1])
    if interval is None or interval <= 0 or max_tokens < 1 or refill < 1:
        raise ValueError(f"'{spec}': the sizes must be positive and the interval a duration "
                         "such as 10s")
    return max_tokens, refill, interval


def exceeded_body(headers: dict[str, str], seconds: float) -> dict[str, object]:
    limit = int(headers["x-ratelimit-limit"])
    remaining = int(headers["x-ratelimit-remaining"])
    detail = (f"Rate limit exceeded {remaining}/{limit} requests remaining. "
              f"Retry in {math.ceil(seconds)} seconds.")
    return {
        "title": "Rate Limit Exceeded",
        "status": 429,
        "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/429",
        "detail": detail,
        "reset": int(headers["x-ratelimit-reset"]),
        "limit": limit,
        "remaining": remaining,
        "secondsUntilReset": round(seconds, 3),
        "error": detail,
    }


NO_AUTH_BODY = {
    "title": "Unauthorized",
    "status": 401,
    "type": "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/401",
    "detail": "No authorization header provided",
    "error": "No authorization header provided",
}
