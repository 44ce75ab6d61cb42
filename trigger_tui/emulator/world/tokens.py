"""Waitpoint tokens: they hold WAITING runs until completed or timed out.

Two sources make tokens: the API (`POST /api/v1/waitpoints/tokens`) and the simulated
`approve-refund` task, whose runs wait on a token that a simulated human approver usually
completes within minutes. Completing a token resumes every run waiting on it, exactly like the
engine's completion fan-out.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from trigger_tui.emulator.timefmt import iso

if TYPE_CHECKING:
    from trigger_tui.emulator.world.env import EnvWorld
    from trigger_tui.emulator.world.model import Run

WAITING = "WAITING"
COMPLETED = "COMPLETED"
TIMED_OUT = "TIMED_OUT"
STATUSES = (WAITING, COMPLETED, TIMED_OUT)

SIMULATED_TIMEOUT_S = 3600.0
APPROVER_MEAN_DELAY_S = 180.0
TIMEOUT_CODE = "TRIGGER_WAITPOINT_TIMEOUT"
IDLE_WAITING_GRACE_S = 7 * 86400.0


@dataclass(slots=True)
class Token:
    id: str
    created_at: float
    internal_id: str = ""
    seq: int = 0
    status: str = WAITING
    run_ids: list[str] = field(default_factory=list)
    # Every token has a key; a generated one is not shown on list items.
    idempotency_key: str = ""
    user_key: bool = False
    idempotency_expires_at: float | None = None
    inactive_idempotency_key: str | None = None
    timeout_at: float | None = None
    completed_at: float | None = None
    output: str | None = None  # serialised, as stored by the engine
    output_type: str = "application/json"
    output_is_error: bool = False
    tags: list[str] = field(default_factory=list)


class _JsonNull:
    """Marks an explicit JSON `null` (which is data) apart from an absent value."""


JSON_NULL: Any = _JsonNull()


def stringify_io(value: Any) -> tuple[str | None, str]:
    """The SDK's `stringifyIO`: strings stay text, anything else becomes SuperJSON.

    `None` means "no data"; an explicit JSON null is passed as `JSON_NULL`.
    """
    if value is None:
        return None, "application/json"
    if value is JSON_NULL:
        value = None
    elif isinstance(value, str):
        return value, "text/plain"
    return json.dumps({"json": value}, separators=(",", ":")), "application/super+json"


class TokenBook:
    # Tests lower this to keep the simulated approver out of the way.
    APPROVE_PROBABILITY = 0.85

    def __init__(self, env: EnvWorld) -> None:
        self.env = env
        self.items: dict[str, Token] = {}
        self.keys: dict[str, str] = {}  # idempotency key → token id
        self._seq = 0

    # ------------------------------------------------------------------ creation
    def _new(self, *, key: str | None, key_expires_at: float | None, timeout_at: float | None,
             tags: list[str]) -> Token:
        self._seq += 1
        ids = self.env.ids
        token = Token(
            id=ids.make("waitpoint_"), created_at=self.env.now, internal_id=ids.make("", 25),
            seq=self._seq, idempotency_key=key or ids.make("", 24), user_key=key is not None,
            idempotency_expires_at=key_expires_at, timeout_at=timeout_at, tags=tags,
        )
        self.items[token.id] = token
        self.keys[token.idempotency_key] = token.id
        if timeout_at is not None:
            self.env.at(timeout_at, self._time_out, token.id)
        return token

    def create(self, *, key: str | None = None, key_ttl_s: float | None = None,
               timeout_at: float | None = None, tags: list[str] | None = None
               ) -> tuple[Token, bool]:
        """An API token, or the live one holding `key` (then `True`: cached, even if done)."""
        if key is not None:
            existing = self.items.get(self.keys.get(key, ""))
            if existing is not None:
                expires = existing.idempotency_expires_at
                if expires is None or expires > self.env.now:
                    return existing, True
                self._retire_key(existing)
        expires_at = self.env.now + key_ttl_s if key is not None and key_ttl_s is not None \
            else None
        return self._new(key=key, key_expires_at=expires_at, timeout_at=timeout_at,
                         tags=list(tags or [])), False

    def _retire_key(self, token: Token) -> None:
        """An expired key moves aside so the same key can make a new token."""
        self.keys.pop(token.idempotency_key, None)
        token.inactive_idempotency_key = token.idempotency_key
        token.idempotency_key = self.env.ids.make("", 24)
        self.keys[token.idempotency_key] = token.id

    def create_for_run(self, run: Run) -> Token:
        """The token `approve-refund` waits on; an approver usually completes it in minutes."""
        env = self.env
        refund = run.payload.get("refundId") if isinstance(run.payload, dict) else None
        tags = ["approval"] + ([f"refund:{refund}"] if refund else [])
        token = self._new(key=None, key_expires_at=None,
                          timeout_at=env.now + SIMULATED_TIMEOUT_S, tags=tags)
        token.run_ids.append(run.id)
        if env.rng.random() < self.APPROVE_PROBABILITY:
            delay = env.rng.expovariate(1 / APPROVER_MEAN_DELAY_S)
            if delay < SIMULATED_TIMEOUT_S:
                env.at(env.now + delay, self._approve, token.id)
        return token

    # ------------------------------------------------------------------ completion
    def complete(self, token: Token, data: Any) -> None:
        """Store `data` as the output (SDK serialisation) and resume the waiting runs.

        A token that is already done is left alone: completing twice is a no-op.
        """
        output, output_type = stringify_io(data)
        if not output:  # the engine stores no output for empty data
            output, output_type = None, "application/json"
        self._finish(token, output, output_type, is_error=False)

    def _finish(self, token: Token, output: str | None, output_type: str, *,
                is_error: bool) -> None:
        if token.status != WAITING:
            return
        token.status = TIMED_OUT if is_error else COMPLETED
        token.completed_at = self.env.now
        token.output, token.output_type, token.output_is_error = output, output_type, is_error
        for run_id in token.run_ids:
            run = self.env.runs.get(run_id)
            if run is not None and run.waiting_on == token.id:
                self.env.resume(run, wait_failed=is_error)

    def _time_out(self, token_id: str) -> None:
        token = self.items.get(token_id)
        if token is None or token.status != WAITING:
            return
        message = f"Waitpoint timed out at {iso(token.timeout_at or self.env.now)}"
        output = json.dumps({"code": TIMEOUT_CODE, "message": message}, separators=(",", ":"))
        self._finish(token, output, "application/json", is_error=True)

    def _approve(self, token_id: str) -> None:
        token = self.items.get(token_id)
        if token is not None:
            self.complete(token, {"approved": True})

    # ------------------------------------------------------------------ lookups
    def url(self, token: Token) -> str:
        """The HTTP callback URL; its hash signs the internal id with the env's API key."""
        return (f"{self.env.world.api_origin}/api/v1/waitpoints/tokens/{token.id}"
                f"/callback/{self.callback_hash(token)}")

    def callback_hash(self, token: Token) -> str:
        key = self.env.api_key.encode()
        return hmac.new(key, token.internal_id.encode(), hashlib.sha256).hexdigest()

    # ------------------------------------------------------------------ retention
    def prune(self, cutoff: float) -> None:
        """Forget finished tokens created before `cutoff`.

        A waiting token nobody waits on lingers a week longer (an API token without a
        timeout may still be completed), then goes too so memory stays bounded.
        """
        idle_cutoff = cutoff - IDLE_WAITING_GRACE_S
        doomed = [t for t in self.items.values() if t.created_at < cutoff and (
            t.status != WAITING or (t.created_at < idle_cutoff and not self._holds_a_run(t)))]
        for token in doomed:
            del self.items[token.id]
            if self.keys.get(token.idempotency_key) == token.id:
                del self.keys[token.idempotency_key]

    def _holds_a_run(self, token: Token) -> bool:
        runs = self.env.runs
        return any(r in runs and runs[r].waiting_on == token.id for r in token.run_ids)
