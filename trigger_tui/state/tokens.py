"""Waitpoint tokens: the poller, create and complete, and the payload check before sending.

The API does not say which runs wait on a token (the token has no run field and the runs API
has no waitpoint filter), so nothing here guesses: the pane leaves that column out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trigger_tui.api import errors as E
from trigger_tui.api.models.tokens import TOKEN_STATUSES
from trigger_tui.state.actions import ActionResult, failed_result, read_only_result
from trigger_tui.state.envvars import SUPPORT
from trigger_tui.state.pollers import Poller
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

KIND = "tokens"
MAX_TOKENS = 200  # newest first; a pane shows a screenful, the filter narrows the rest
STATUS_CYCLE: tuple[str | None, ...] = (None, *TOKEN_STATUSES)


class TokensPoller(Poller):
    """The newest `MAX_TOKENS` tokens matching `status` and `tags` into
    `store.collection("tokens")`, keyed by id, replacing what was there (a filter change
    must drop the tokens it excludes)."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 5.0,
                 name: str = "tokens", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)
        self.status: str | None = None
        self.tags: tuple[str, ...] = ()

    def set_filter(self, status: str | None, tags: tuple[str, ...]) -> None:
        self.status, self.tags = status, tags
        self.refresh_now()

    async def _poll(self) -> None:
        try:
            tokens = [t async for t in self.client.tokens.list(
                status=self.status, tags=list(self.tags) or None, limit=MAX_TOKENS)]
        except E.NotSupportedError:
            self.store.put(SUPPORT, self.name, True)
            return
        self.store.upsert(KIND, tokens, replace_all=True)


@dataclass(frozen=True, slots=True)
class Payload:
    """A parsed completion payload, or where it stopped parsing."""

    value: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def parse_payload(text: str) -> Payload:
    """Empty text completes with no data; anything else must be JSON."""
    if not text.strip():
        return Payload(None)
    try:
        return Payload(json.loads(text))
    except json.JSONDecodeError as exc:
        return Payload(error=f"invalid JSON at line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}")
    except RecursionError:  # the decoder recurses per level: `[[[[…` exhausts the stack
        return Payload(error="invalid JSON: nested too deeply")


def parse_tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class TokenActions:
    def __init__(self, client: TriggerClient, store: Store) -> None:
        self.client = client
        self.store = store

    async def create(self, *, timeout: str | None,  # noqa: ASYNC109 (the token's own)
                     tags: list[str]) -> ActionResult:
        what = "create a token"
        if self.client.read_only:
            return read_only_result(what)
        try:
            created = await self.client.tokens.create(timeout=timeout or None,
                                                      tags=tags or None)
        except Exception as exc:
            return failed_result(what, exc, repeatable=False,
                           unknown="unknown outcome: check the tokens list before retrying")
        return ActionResult(True, f"token {created.id} created")

    async def complete(self, token_id: str, text: str) -> ActionResult:
        """Complete with the JSON in `text`; invalid JSON is refused before anything is sent."""
        what = f"complete token {token_id}"
        payload = parse_payload(text)
        if not payload.ok:
            return ActionResult(False, f"{what}: {payload.error}; nothing was sent")
        if self.client.read_only:
            return read_only_result(what)
        try:
            await self.client.tokens.complete(token_id, payload.value)
        except Exception as exc:
            return failed_result(what, exc, repeatable=True)
        return ActionResult(True, f"token {token_id} completed")
