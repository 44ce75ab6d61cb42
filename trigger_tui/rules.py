"""Alert rules as the config file states them, validated at start with messages a person can act on.

A rule is one table in `[[alerts]]`; `when` says what it watches:

- `failure_rate`: failed runs / finished runs over `over` (optionally one `task`) is `above` a
  percentage, counted only once `min_runs` finished (one failure out of two is not an incident);
- `queue_wait`: the oldest run waiting in a queue (any, or `queue`) has waited longer than `above`;
- `status`: any run finished with one of `statuses` (default SYSTEM_FAILURE and CRASHED) in the
  last `over`;
- `no_completions`: no run completed in the last `over`;
- `connection`: the API has been failing for `over`.

Durations are `90s`, `10m`, `2h` or plain seconds; percentages `5%` or a fraction `0.05`. The same
models carry the notification settings (`[alerting]`): bell, desktop notification, webhook.
This module is plain pydantic so `trigger_tui.config` can load it without the state layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

RULE_KINDS = ("failure_rate", "queue_wait", "status", "no_completions", "connection")
RuleKind = Literal["failure_rate", "queue_wait", "status", "no_completions", "connection"]
RUN_STATUSES = ("COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED",
                "TIMED_OUT", "INTERRUPTED")
DEFAULT_STATUSES = ("SYSTEM_FAILURE", "CRASHED")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}
MAX_WINDOW_S = 86_400.0


def parse_duration(value: str | float | int) -> float:
    """`"10m"` → 600.0; a bare number is seconds. Raises ValueError saying what is accepted."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '90s', '10m', '2h'")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(f"{value!r} is not a duration: use e.g. '90s', '10m' or '2h'")
        seconds = float(m[1]) * _UNIT_S[(m[2] or "s").lower()]
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return seconds


def parse_percent(value: str | float | int) -> float:
    """`"5%"` or `0.05` → 0.05 (a fraction); anything outside 0–100 % is refused."""
    if isinstance(value, bool):
        raise ValueError("a percentage is text like '5%' or a fraction like 0.05")
    if isinstance(value, str):
        text = value.strip()
        try:
            fraction = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
        except ValueError:
            raise ValueError(f"{value!r} is not a percentage: use e.g. '5%' or 0.05") from None
    else:
        fraction = float(value)
    if not 0 <= fraction <= 1:
        if isinstance(value, str) and value.strip().endswith("%"):
            raise ValueError(f"{value!r} is outside 0–100 %")
        raise ValueError(f"{value!r} without '%' is a fraction, {fraction:.0%}: write "
                         f"'{_plain(fraction)}%' for {_plain(fraction)} percent, or a fraction "
                         "between 0 and 1 such as 0.05")
    return fraction


def _plain(number: float) -> str:
    return f"{number:g}"


def span_text(seconds: float) -> str:
    """600 → `10m`; for messages, so a rule reads back as it was written."""
    s = int(seconds)
    if s % 3600 == 0 and s >= 3600:
        return f"{s // 3600}h"
    if s % 60 == 0 and s >= 60:
        return f"{s // 60}m"
    return f"{s}s"


class Rule(BaseModel):
    """One `[[alerts]]` table. Unknown settings are errors: a typo must not silence an alert."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="how the alert list and notifications name it")
    when: RuleKind = Field(description="failure_rate, queue_wait, status, no_completions or "
                           "connection")
    above: str | float | None = Field(
        default=None, description="failure_rate: a percentage ('5%'); queue_wait: a duration")
    over: str | float | None = Field(
        default=None, description="the window looked at (failure_rate, status, no_completions; "
        "status: 15m when unset) or how long the connection must fail (connection)")
    task: str | None = Field(default=None, description="failure_rate: one task only")
    queue: str | None = Field(default=None, description="queue_wait: one queue only")
    statuses: tuple[str, ...] = Field(default=DEFAULT_STATUSES,
                                      description="status: the final statuses that fire it")
    min_runs: int = Field(default=5, ge=1, description="failure_rate: finished runs needed")
    environments: tuple[str, ...] = Field(
        default=(), description="environments it applies to (dev, stg, prod, preview); all "
        "when empty")
    bell: bool | None = Field(default=None, description="override [alerting].bell")
    desktop: bool | None = Field(default=None, description="override [alerting].desktop")
    webhook: bool | None = Field(default=None, description="false: never POST this rule")

    @field_validator("when", mode="before")
    @classmethod
    def _kind(cls, value: object, info: ValidationInfo) -> object:
        """Name the rule and the kinds there are: pydantic's literal error names neither."""
        if isinstance(value, str) and value.strip() in RULE_KINDS:
            return value.strip()
        name = info.data.get("name")
        who = f"rule {name!r}: " if name else ""
        raise ValueError(f"{who}unknown `when` {value!r}: write one of " + ", ".join(RULE_KINDS))

    @field_validator("statuses")
    @classmethod
    def _statuses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(s.strip().upper().replace(" ", "_") for s in value)
        unknown = [s for s in out if s not in RUN_STATUSES]
        if unknown:
            raise ValueError(f"unknown run status {unknown[0]!r}: use final statuses such as "
                             + ", ".join(RUN_STATUSES))
        if not out:
            raise ValueError("statuses is empty: name at least one, e.g. ['CRASHED']")
        return out

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from trigger_tui.config import normalise_environment

        return tuple(normalise_environment(v) for v in value)

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        need = {"failure_rate": ("above", "over"), "queue_wait": ("above",),
                "status": (), "no_completions": ("over",), "connection": ("over",)}[self.when]
        for name in need:
            if getattr(self, name) is None:
                example = {"above": "'5%'" if self.when == "failure_rate" else "'5m'",
                           "over": "'10m'"}[name]
                raise ValueError(f"rule {self.name!r} ({self.when}) needs `{name}`, e.g. "
                                 f"{name} = {example}")
        if self.when == "failure_rate":
            self._parsed("above", parse_percent)
        elif self.above is not None:
            if self.when != "queue_wait":
                raise ValueError(f"rule {self.name!r} ({self.when}) takes no `above`")
            self._parsed("above", parse_duration)
        if self.over is not None:
            if self.when == "queue_wait":
                raise ValueError(f"rule {self.name!r} (queue_wait) takes no `over`: `above` "
                                 "is how long the oldest run may wait")
            if self._parsed("over", parse_duration) > MAX_WINDOW_S:
                raise ValueError(f"rule {self.name!r}: `over` is at most 24h")
        if self.task is not None and self.when != "failure_rate":
            raise ValueError(f"rule {self.name!r}: `task` applies to failure_rate rules only")
        if self.queue is not None and self.when != "queue_wait":
            raise ValueError(f"rule {self.name!r}: `queue` applies to queue_wait rules only")
        if "min_runs" in self.model_fields_set and self.when != "failure_rate":
            raise ValueError(f"rule {self.name!r}: `min_runs` applies to failure_rate rules only")
        if "statuses" in self.model_fields_set and self.when != "status":
            raise ValueError(f"rule {self.name!r}: `statuses` applies to status rules only")
        return self

    def _parsed(self, field: str, parse: Callable[[str | float | int], float]) -> float:
        """`parse` the field, its error prefixed by the rule and the setting it is about."""
        value = getattr(self, field)
        try:
            return parse(value)
        except ValueError as exc:
            raise ValueError(f"rule {self.name!r}: {field} = {value!r}: {exc}") from None

    # ------------------------------------------------------------------ parsed values
    @property
    def threshold(self) -> float:
        """`above` as a fraction (failure_rate) or seconds (queue_wait); 0 for the others."""
        if self.above is None:
            return 0.0
        if self.when == "failure_rate":
            return parse_percent(self.above)
        return parse_duration(self.above)

    @property
    def window_s(self) -> float:
        """`over` in seconds (15 minutes for a status rule that does not say)."""
        return parse_duration(self.over) if self.over is not None else 900.0

    def applies_to(self, environment: str) -> bool:
        return not self.environments or environment in self.environments

    def describe(self) -> str:
        """The rule in words, for the alert list and `--check`-style messages."""
        if self.when == "failure_rate":
            who = f"task {self.task}" if self.task else "all tasks"
            return (f"failure rate of {who} above {self.threshold:.0%} over "
                    f"{span_text(self.window_s)}")
        if self.when == "queue_wait":
            who = f"queue {self.queue}" if self.queue else "any queue"
            return f"oldest wait in {who} above {span_text(self.threshold)}"
        if self.when == "status":
            return f"any run {'/'.join(self.statuses)} in the last {span_text(self.window_s)}"
        if self.when == "no_completions":
            return f"no run completed for {span_text(self.window_s)}"
        return f"the API failing for {span_text(self.window_s)}"


class Alerting(BaseModel):
    """`[alerting]`: where firing rules (and watches) are announced besides the screen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bell: bool = Field(default=False, description="ring the terminal bell when a rule fires")
    desktop: bool = Field(default=False,
                          description="a desktop notification (notify-send) when a rule fires")
    webhook: str | None = Field(default=None,
                                description="POST a JSON body here once per firing")
    webhook_timeout_s: float = Field(default=5.0, gt=0, le=60,
                                     description="give up on the webhook after this long")

    @field_validator("webhook")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme, sep, rest = value.strip().partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        if not sep or scheme.lower() not in ("http", "https") or not host or " " in value.strip():
            raise ValueError(f"webhook {value!r} is not a URL: write it in full, e.g. "
                             "'https://hooks.example.com/trigger-tui'")
        return value.strip()


def demo_rules() -> tuple[Rule, ...]:
    """What `--demo` watches when the config file has no rules, so the demo shows alerting."""
    return (
        Rule(name="task failure rate", when="failure_rate", above="20%", over="10m"),
        Rule(name="queue stuck", when="queue_wait", above="5m"),
        Rule(name="platform failures", when="status", over="15m", environments=("prod",)),
        Rule(name="no completions", when="no_completions", over="15m"),
        Rule(name="API unreachable", when="connection", over="2m"),
    )


def check_unique(rules: tuple[Rule, ...] | list[Rule]) -> None:
    """Two rules with one name would share one alert line: refuse it."""
    seen: dict[str, int] = {}
    for number, rule in enumerate(rules, start=1):
        if rule.name in seen:
            raise ValueError(f"two alert rules are named {rule.name!r} (the {_nth(seen[rule.name])}"
                             f" and the {_nth(number)} [[alerts]] table): names must differ")
        seen[rule.name] = number


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
