"""Error groups: failed runs fingerprinted by task, error type and normalised message.

The real service hashes the error after replacing its dynamic parts (ids, numbers, urls, dates)
with placeholders, so "Order ord_7781 failed" and "Order ord_9120 failed" land in one group. It
counts occurrences per minute (so a list can say how often a group fired in any window) and
keeps a lifecycle state per group: resolved groups that recur and ignored groups whose ignore
condition lapses come back as unresolved.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run

UNRESOLVED, RESOLVED, IGNORED = "unresolved", "resolved", "ignored"
STATUSES = (UNRESOLVED, RESOLVED, IGNORED)
MAX_BUCKETS = 2000  # per group: (minute, version) occurrence counters
MAX_VERSIONS = 20  # per group: versions remembered for filters and affectedVersions
RATE_WINDOW_S = 300.0  # the product re-evaluates ignore thresholds every five minutes

_A = re.ASCII
# The service's normalisation rules, in its order (specific patterns before generic ones).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I | _A),
     "<uuid>"),
    (re.compile(r"run_[a-zA-Z0-9]+", _A), "<run-id>"),
    (re.compile(r"\b[a-z]+_[a-zA-Z0-9]{8,}\b", _A), "<id>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?", _A), "<timestamp>"),
    (re.compile(r"\b\d{10,13}\b", _A), "<timestamp>"),
    (re.compile(r"https?://[^\s]+", _A), "<url>"),
    (re.compile(r"\b\d{4,}\b", _A), "<id>"),
    # Emulator addition: short prefixed numeric ids (`ord_1234`) that the rules above miss
    # because `_` is a word character; without it every failed order would be its own group.
    (re.compile(r"\b[a-z]+_\d{3,}\b", _A), "<id>"),
    (re.compile(r"(?:/[^/\s]+){2,}", _A), "<path>"),
    (re.compile(r"[A-Z]:\\(?:[^\\]+\\)+[^\\]+", _A), "<path>"),
    (re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b", _A), "<email>"),
    (re.compile(r"0x[0-9a-fA-F]{8,}", _A), "<addr>"),
    (re.compile(r'"[^"]{20,}"', _A), '"<string>"'),
    (re.compile(r"'[^']{20,}'", _A), "'<string>'"),
)


def normalise(message: str) -> str:
    for pattern, placeholder in _RULES:
        message = pattern.sub(placeholder, message)
    return message


def describe(error: dict[str, Any]) -> tuple[str, str]:
    """(error type, raw message) of an internal TaskRunError."""
    kind = error.get("type")
    if kind == "BUILT_IN_ERROR":
        return str(error.get("name") or "Error"), str(error.get("message") or "")
    if kind == "INTERNAL_ERROR":
        code = str(error.get("code") or "INTERNAL_ERROR")
        return code, str(error.get("message") or code)
    return "Error", str(error.get("raw") or error.get("message") or "")


def version_key(version: str) -> tuple[int, ...]:
    """`20250228.12` sorts after `20250228.9`: compare the dotted parts as numbers."""
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


@dataclass(slots=True)
class ErrorGroup:
    id: str
    fingerprint: str
    task: str
    error_type: str
    message: str
    first_seen: float
    last_seen: float
    count: int = 0
    buckets: dict[tuple[int, str], int] = field(default_factory=dict)  # (minute, version)
    versions: dict[str, float] = field(default_factory=dict)  # version -> last seen
    status: str = UNRESOLVED
    resolved_at: float | None = None
    resolved_in_version: str | None = None
    ignored_at: float | None = None
    ignored_until: float | None = None
    ignored_reason: str | None = None
    ignored_rate: float | None = None
    ignored_total: int | None = None
    ignored_at_count: int | None = None

    def affected_versions(self) -> list[str]:
        return sorted(self.versions, key=version_key, reverse=True)[:5]

    def count_between(self, start: float, end: float,
                      versions: frozenset[str] | None = None) -> int:
        lo, hi = int(start // 60), int(end // 60)
        return sum(n for (minute, version), n in self.buckets.items()
                   if lo <= minute <= hi and (versions is None or version in versions))

    def clear_state(self, status: str) -> None:
        self.status = status
        self.resolved_at = self.resolved_in_version = None
        self.ignored_at = self.ignored_until = self.ignored_reason = None
        self.ignored_rate = None
        self.ignored_total = self.ignored_at_count = None


GROUP_RETENTION_S = 30 * 86400.0


class ErrorBook:
    """The error groups of one environment, and which group each failed run belongs to."""

    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.groups: dict[str, ErrorGroup] = {}
        self.by_run: dict[str, str] = {}

    # ------------------------------------------------------------------ recording
    def record(self, run: Run) -> None:
        """Called once when a run ends in a failed status."""
        if not run.error:
            return
        error_type, raw = describe(run.error)
        message = normalise(raw)
        digest = hashlib.sha256(f"{run.task}:{error_type}:{message}".encode()).hexdigest()[:16]
        group_id = "error_" + digest
        now = self.env.now
        group = self.groups.get(group_id)
        if group is None:
            group = self.groups[group_id] = ErrorGroup(
                group_id, digest, run.task, error_type, message, now, now)
        self.refresh(group)
        group.count += 1
        group.last_seen = now
        version = run.version or ""
        key = (int(now // 60), version)
        group.buckets[key] = group.buckets.get(key, 0) + 1
        if len(group.buckets) > MAX_BUCKETS:
            del group.buckets[next(iter(group.buckets))]
        if version:
            group.versions[version] = now
            if len(group.versions) > MAX_VERSIONS:
                del group.versions[min(group.versions, key=version_key)]
        self.by_run[run.id] = group_id
        self._resurface(group)

    def _resurface(self, group: ErrorGroup) -> None:
        """After a new occurrence: a resolved group has regressed; an ignored one is back once
        its threshold is crossed."""
        now = self.env.now
        if group.status == RESOLVED:
            group.clear_state(UNRESOLVED)
        elif group.status == IGNORED and self._ignore_breached(group, now):
            group.clear_state(UNRESOLVED)

    def _ignore_breached(self, group: ErrorGroup, now: float) -> bool:
        if group.ignored_until is not None and group.ignored_until <= now:
            return True
        if group.ignored_rate is not None and group.ignored_at is not None:
            start = max(group.ignored_at, now - RATE_WINDOW_S)
            window_min = max((now - start) / 60.0, 1.0)
            if group.count_between(start, now) / window_min > group.ignored_rate:
                return True
        if group.ignored_total is not None and group.ignored_at_count is not None:
            return group.count - group.ignored_at_count >= group.ignored_total
        return False

    def refresh(self, group: ErrorGroup) -> ErrorGroup:
        """Apply a lapsed `ignoredUntil`; reads call this so the status is never stale."""
        if group.status == IGNORED and group.ignored_until is not None \
                and group.ignored_until <= self.env.now:
            group.clear_state(UNRESOLVED)
        return group

    # ------------------------------------------------------------------ reads
    def group_of(self, run: Run) -> str | None:
        """The error group id of a failed run (for `filter[error]`)."""
        return self.by_run.get(run.id)

    def get(self, group_id: str) -> ErrorGroup | None:
        group = self.groups.get(group_id)
        return self.refresh(group) if group is not None else None

    def all(self) -> list[ErrorGroup]:
        return [self.refresh(g) for g in self.groups.values()]

    # ------------------------------------------------------------------ lifecycle
    def resolve(self, group: ErrorGroup, version: str | None) -> None:
        group.clear_state(RESOLVED)
        group.resolved_at = self.env.now
        group.resolved_in_version = version

    def ignore(self, group: ErrorGroup, *, duration_ms: int | None = None,
               rate: float | None = None, total: int | None = None,
               reason: str | None = None) -> None:
        group.clear_state(IGNORED)
        now = self.env.now
        group.ignored_at = now
        group.ignored_until = now + duration_ms / 1000.0 if duration_ms else None
        group.ignored_rate = rate
        group.ignored_total = total
        group.ignored_at_count = group.count if total else None
        group.ignored_reason = reason

    def unresolve(self, group: ErrorGroup) -> None:
        group.clear_state(UNRESOLVED)

    # ------------------------------------------------------------------ retention
    def prune(self, cutoff: float) -> None:
        """Forget runs that are gone, minute counters before `cutoff`, and silent groups."""
        runs = self.env.runs
        self.by_run = {r: g for r, g in self.by_run.items() if r in runs}
        lo = int(cutoff // 60)
        # Groups are few (one per distinct failure) and carry operator state (ignored,
        # resolved): keep them for a month of silence, far longer than the runs themselves.
        forget_before = self.env.now - GROUP_RETENTION_S
        for group_id in list(self.groups):
            group = self.groups[group_id]
            if group.last_seen < forget_before:
                del self.groups[group_id]
                continue
            group.buckets = {k: n for k, n in group.buckets.items() if k[0] >= lo}
