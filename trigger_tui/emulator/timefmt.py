"""Time parsing and formatting as the Management API does it (ISO-8601 with milliseconds, `Z`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_DURATION_PART = re.compile(r"(\d+)(w|d|hr|h|m|s)")
DURATION_RE = re.compile(r"^(\d+(w|d|hr|h|m|s))+$")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "hr": 3600, "h": 3600, "m": 60, "s": 1}
# parse-duration style periods used by `filter[createdAt][period]` and TRQL `period`.
_PERIOD_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|hr|d|w|mo|y)\s*$")
_PERIOD_SECONDS = {
    "ms": 0.001, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400,
    "w": 604800, "mo": 2_592_000, "y": 31_536_000,
}


def iso(ts: float) -> str:
    """Format like JavaScript's `Date.toISOString()`."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_duration(text: str) -> float | None:
    """`1h30m`, `2w`, `60s` → seconds; None when it does not match the API's duration grammar."""
    if not DURATION_RE.match(text):
        return None
    return float(sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text)))


def parse_period(text: str) -> float | None:
    m = _PERIOD_RE.match(text)
    if not m:
        return None
    return float(m.group(1)) * _PERIOD_SECONDS[m.group(2)]


def parse_instant(value: str | int | float) -> float | None:
    """Epoch milliseconds (number or numeric string) or an ISO date → epoch seconds."""
    if isinstance(value, int | float):
        return float(value) / 1000.0
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text) / 1000.0
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def parse_delay(value: object, now: float) -> float | None:
    """A `delay`/`timeout` value → absolute epoch seconds; None when invalid.

    The API takes either a duration string or an ISO date; a date in the past means "no delay".
    """
    if not isinstance(value, str) or not value:
        return None
    seconds = parse_duration(value)
    if seconds is not None:
        return now + seconds
    when = parse_instant(value)
    if when is None or re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        return None
    return when
