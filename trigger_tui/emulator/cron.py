"""Cron expressions the way the schedule engine reads them.

Three jobs: validate an expression with the server's wording (its zod refine over `cron-parser`),
describe it like `cronstrue` does (12-hour clock, "At 12:00 AM"), and find the next fire time in
an IANA timezone with cron-parser's daylight-saving rules:

* a wall time skipped by a spring-forward gap fires in the landing hour at the same minute
  (02:30 on a New York spring-forward day fires at 03:30 EDT);
* the hour repeated by a fall-back fires once, in its first occurrence.

Both rules fall out of mapping each wall-clock match with `fold=0`, which is why the search walks
naive wall times and converts afterwards instead of letting croniter handle the timezone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from cron_descriptor import ExpressionDescriptor, Options
from croniter import croniter

# (low, high, aliases, value of the first alias) per field: minute, hour, day of month, month,
# day of week.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS: tuple[tuple[int, int, tuple[str, ...], int], ...] = (
    (0, 59, (), 0), (0, 23, (), 0), (1, 31, (), 0), (1, 12, _MONTHS, 1), (0, 7, _DAYS, 0),
)
_VALID_CHARS = re.compile(r"^[?,*\dLW#/-]+$")
_NUMBER = re.compile(r"\d+")
# The regions of IANA's geographic zones; aliases such as `US/Eastern`, `Etc/*`, `GMT`,
# `localtime`, `posixrules` and `Factory` are not in the list the server validates against.
_REGIONS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
                      "Australia", "Europe", "Indian", "Pacific"})
# Far enough back to catch a wall time a spring-forward gap pushed past the search start.
_GAP_LOOKBACK = timedelta(hours=3)


class CronError(ValueError):
    """An invalid expression; the message is what follows `Invalid cron expression: `."""


def validate(expression: str) -> None:
    """Raise `CronError` worded like the server's `CronPattern` refine."""
    if len(expression.split(" ")) > 5:
        raise CronError("CRON expressions with seconds are not allowed")
    if expression == "":
        raise CronError("CRON expression is required")
    fields = expression.split()
    if len(fields) != 5:
        raise CronError("Invalid cron expression")
    for text, (low, high, names, base) in zip(fields, _FIELDS, strict=True):
        _check_field(text, low, high, names, base)
    if not croniter.is_valid(expression):
        raise CronError("Invalid cron expression")


def _check_field(text: str, low: int, high: int, names: tuple[str, ...], base: int) -> None:
    value = text
    for i, name in enumerate(names):
        value = re.sub(name, str(i + base), value, flags=re.IGNORECASE)
    if not _VALID_CHARS.match(value):
        raise CronError(f"Invalid characters, got value: {value}")
    for part in value.split(","):
        head, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise CronError(f"Constraint error, cannot repeat at every {step} time.")
        for number in _NUMBER.findall(head.split("#")[0]):
            if not low <= int(number) <= high:
                raise CronError(
                    f"Constraint error, got value {number} expected range {low}-{high}")


@lru_cache(maxsize=512)
def describe(expression: str) -> str:
    """Plain-English text as `cronstrue.toString` gives it (12-hour clock, Sunday = 0)."""
    options = Options()
    options.use_24hour_time_format = False
    options.day_of_week_start_index_zero = True
    options.verbose = False
    try:
        return str(ExpressionDescriptor(expression, options).get_description())
    except Exception:  # an odd but accepted expression keeps its raw text
        return expression


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """The canonical geographic IANA zones, sorted (`UTC` is added by the caller)."""
    return tuple(sorted(z for z in available_timezones() if z.split("/")[0] in _REGIONS))


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(timezones()) | {"UTC"}


def is_timezone(name: str) -> bool:
    return name in _zone_set()


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def next_after(expression: str, timezone: str, after: float) -> float:
    """The first fire time strictly after `after` (epoch seconds), evaluated in `timezone`."""
    tz = _zone(timezone)
    moment = datetime.fromtimestamp(after, tz=tz)
    start = moment.replace(tzinfo=None)
    # A gap in the last few hours may have pushed an earlier wall time past `after`.
    if moment.utcoffset() != (moment - _GAP_LOOKBACK).astimezone(tz).utcoffset():
        start -= _GAP_LOOKBACK
    walk = croniter(expression, start)
    while True:
        wall: datetime = walk.get_next(datetime)
        # fold=0: a skipped time lands in the next hour, a repeated one maps to its first pass.
        when = wall.replace(tzinfo=tz).timestamp()
        if when > after:
            return when


def upcoming(expression: str, timezone: str, after: float, count: int) -> list[float]:
    """The next `count` fire times after `after`."""
    out: list[float] = []
    for _ in range(count):
        after = next_after(expression, timezone, after)
        out.append(after)
    return out

