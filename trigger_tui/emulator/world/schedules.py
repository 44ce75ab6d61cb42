"""Schedules: cron generators that trigger runs in their timezone.

Each schedule keeps exactly one pending fire event on the environment's loop. Anything that
changes when it should fire (deactivate, delete, a new cron, timezone or window, a move to
another environment) bumps `gen`, which turns the pending event into a no-op, the same trick
`Run.gen` plays for runs. Fires happen whatever the simulated workload does: schedules are user
configuration. Only the seeded ones depend on `world.workload`, so a quiet world stays quiet.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trigger_tui.emulator import cron
from trigger_tui.emulator.timefmt import iso
from trigger_tui.emulator.world.catalog import BY_ID
from trigger_tui.emulator.world.options import TriggerOptions

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld

UPCOMING = 5
MAX_WINDOW_S = 24 * 3600
_WINDOW_DURATION = re.compile(r"(0|[1-9]\d*)([mh])")
_WINDOW_PERCENT = re.compile(r"(0|[1-9]\d?|100)%")
# The phase is a fraction of the window, as the engine derives it: HMAC of env and key, 31 bits.
PHASE_DENOMINATOR = 2**31
_PHASE_SECRET = b"trigger-tui-emulator"
# A few customer schedules next to the declarative ones, so the console has both kinds.
# (task, externalId, cron, timezone, window, deduplication key stem)
SEEDED_IMPERATIVE = (
    ("sync-stripe-payments", "acme", "0 * * * *", "Europe/London", None, "acme-stripe-sync"),
    ("nightly-report", "globex", "30 6 * * 1-5", "Asia/Tokyo", "15m", "globex-weekday-report"),
)


@dataclass(slots=True)
class Schedule:
    id: str
    type: str  # IMPERATIVE | DECLARATIVE
    task: str
    cron: str
    timezone: str
    dedup_key: str
    user_dedup: bool  # the key is only shown when the user chose it
    created_at: float
    phase: int
    external_id: str | None = None
    window: str | None = None  # "30m", "2h" or "50%"
    active: bool = True
    gen: int = 0
    last_fired: float | None = None  # nominal time of the last fire: the next `lastTimestamp`
    next_nominal: float | None = None  # armed fire, when active
    next_effective: float | None = None

    @property
    def description(self) -> str:
        return cron.describe(self.cron)


def window_problem(window: str) -> str | None:
    """Why a `window` is rejected (the core `ScheduleWindow` check), or None when valid."""
    duration = _WINDOW_DURATION.fullmatch(window)
    if duration:
        seconds = int(duration.group(1)) * (60 if duration.group(2) == "m" else 3600)
        if seconds > MAX_WINDOW_S:
            return "Schedule window duration cannot exceed 24 hours"
        return None
    if _WINDOW_PERCENT.fullmatch(window):
        return None
    return ('Schedule window must be a whole duration such as "0m", "30m", or "24h", or a '
            'percentage such as "30%"')


def window_seconds(window: str | None, interval: float) -> float:
    """How wide the jitter range is for one occurrence: a duration, or a share of the interval."""
    if not window:
        return 0.0
    amount = int(window[:-1])
    if window.endswith("%"):
        return interval * amount / 100
    return float(amount * (60 if window.endswith("m") else 3600))


def phase_for(env_id: str, dedup_key: str) -> int:
    message = json.dumps(["cron-phase-v1", env_id, dedup_key]).encode()
    digest = hmac.new(_PHASE_SECRET, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") & (PHASE_DENOMINATOR - 1)


class ScheduleBook:
    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, Schedule] = {}  # id -> schedule, in creation order
        if env.world.workload:
            self._seed()

    # ------------------------------------------------------------------ seeding
    def _seed(self) -> None:
        env = self.env
        deployed_at = env.start - 86400.0
        for spec in BY_ID.values():
            if spec.cron is not None and env.deployments.knows_task(spec.id):
                expression, timezone = spec.cron
                self._add(Schedule(
                    id=env.ids.make("sched_"), type="DECLARATIVE", task=spec.id, cron=expression,
                    timezone=timezone, dedup_key=f"{env.internal_id}-{spec.id}",
                    user_dedup=False, created_at=deployed_at,
                    phase=phase_for(env.internal_id, f"{env.internal_id}-{spec.id}")))
        for i, (task, external_id, expression, timezone, window, stem) in enumerate(
                SEEDED_IMPERATIVE):
            if env.deployments.knows_task(task):
                key = f"{stem}-{env.slug}"
                self._add(Schedule(
                    id=env.ids.make("sched_"), type="IMPERATIVE", task=task, cron=expression,
                    timezone=timezone, dedup_key=key, user_dedup=True,
                    created_at=deployed_at + 3600.0 * (i + 1),
                    phase=phase_for(env.internal_id, key), external_id=external_id,
                    window=window))

    def _add(self, s: Schedule) -> None:
        self.items[s.id] = s

    def start(self) -> None:
        """Arm the first fire event of every active schedule."""
        for s in self.items.values():
            if s.active:
                self._arm(s, self.env.now)

    # ------------------------------------------------------------------ firing
    def _arm(self, s: Schedule, after: float) -> None:
        """Forget any pending fire and schedule the first occurrence after `after`."""
        s.gen += 1
        nominal, effective = self.occurrence_after(s, after)
        s.next_nominal, s.next_effective = nominal, effective
        self.env.at(effective, self._fire, s, s.gen)

    def _disarm(self, s: Schedule) -> None:
        s.gen += 1
        s.next_nominal = s.next_effective = None

    def occurrence_after(self, s: Schedule, after: float) -> tuple[float, float]:
        """(nominal, effective) of the next occurrence: effective = nominal + phase × range,
        the range being the window capped at the gap to the following occurrence."""
        nominal = cron.next_after(s.cron, s.timezone, after)
        if not s.window:
            return nominal, nominal
        interval = cron.next_after(s.cron, s.timezone, nominal) - nominal
        span = min(interval, window_seconds(s.window, interval))
        offset = int(s.phase * int(span * 1000) // PHASE_DENOMINATOR) / 1000
        return nominal, nominal + offset

    def _fire(self, s: Schedule, gen: int) -> None:
        if s.gen != gen or not s.active:
            return
        nominal = s.next_nominal
        assert nominal is not None
        payload: dict[str, Any] = {"scheduleId": s.id, "type": s.type, "timestamp": iso(nominal)}
        if s.last_fired is not None:
            payload["lastTimestamp"] = iso(s.last_fired)
        if s.external_id is not None:
            payload["externalId"] = s.external_id
        payload["timezone"] = s.timezone
        payload["upcoming"] = [iso(t) for t in cron.upcoming(s.cron, s.timezone, nominal,
                                                             UPCOMING)]
        self.env.trigger(s.task, payload, "application/json", TriggerOptions(),
                         schedule_id=s.id)
        s.last_fired = nominal
        self._arm(s, nominal)

    # ------------------------------------------------------------------ user actions
    def get(self, schedule_id: str) -> Schedule | None:
        return self.items.get(schedule_id)

    def by_dedup_key(self, key: str) -> Schedule | None:
        return next((s for s in self.items.values() if s.dedup_key == key), None)

    def newest_first(self) -> list[Schedule]:
        return sorted(self.items.values(), key=lambda s: s.created_at, reverse=True)

    def create(self, task: str, expression: str, timezone: str, *, dedup_key: str | None,
               external_id: str | None, window: str | None) -> Schedule:
        """A new active IMPERATIVE schedule; without a key it gets a hidden random one."""
        env = self.env
        key = dedup_key or env.ids.make("", 24)
        s = Schedule(
            id=env.ids.make("sched_"), type="IMPERATIVE", task=task, cron=expression,
            timezone=timezone, dedup_key=key, user_dedup=bool(dedup_key), created_at=env.now,
            phase=phase_for(env.internal_id, key), external_id=external_id, window=window)
        self._add(s)
        self._arm(s, env.now)
        return s

    def update(self, s: Schedule, task: str, expression: str, timezone: str, *,
               external_id: str | None, window: str | None) -> None:
        """Replace the generator; a new timing re-arms it (an inactive one stays disarmed)."""
        timing_changed = (s.cron, s.timezone, s.window) != (expression, timezone, window)
        s.task, s.cron, s.timezone = task, expression, timezone
        s.external_id, s.window = external_id, window
        if s.active and timing_changed:
            self._arm(s, self.env.now)

    def adopt(self, s: Schedule, other: ScheduleBook) -> None:
        """Move a schedule upserted from another environment of the project here (same id):
        the server keeps one instance, the caller's."""
        other._disarm(s)
        del other.items[s.id]
        s.phase = phase_for(self.env.internal_id, s.dedup_key)
        self._add(s)
        if s.active:
            self._arm(s, self.env.now)

    def set_active(self, s: Schedule, active: bool) -> None:
        if active == s.active:
            return
        s.active = active
        if active:
            self._arm(s, self.env.now)
        else:
            self._disarm(s)

    def delete(self, s: Schedule) -> None:
        self._disarm(s)
        del self.items[s.id]

    # ------------------------------------------------------------------ reading
    def next_run(self, s: Schedule, *, even_inactive: bool = False) -> tuple[float, float] | None:
        """(nominal, effective) of the next fire; None for an inactive schedule unless asked."""
        if s.active and s.next_nominal is not None and s.next_effective is not None:
            return s.next_nominal, s.next_effective
        if even_inactive:
            return self.occurrence_after(s, self.env.now)
        return None

    def describe_for_run(self, schedule_id: str) -> dict[str, Any] | None:
        """The `schedule` object of a run retrieve: id, externalId?, deduplicationKey?,
        generator."""
        s = self.items.get(schedule_id)
        if s is None:
            return None
        out: dict[str, Any] = {"id": s.id}
        if s.external_id is not None:
            out["externalId"] = s.external_id
        if s.user_dedup:
            out["deduplicationKey"] = s.dedup_key
        out["generator"] = generator_json(s)
        return out


def generator_json(s: Schedule) -> dict[str, str]:
    return {"type": "CRON", "expression": s.cron, "description": s.description}
