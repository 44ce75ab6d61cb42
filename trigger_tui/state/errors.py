"""Error groups: their poller, their lifecycle actions and the runs behind a group.

Groups are few (one per failure fingerprint), so each poll reads the whole list of the last day
and replaces the `errors` collection. A server without the errors API (an older self-hosted one)
answers NotSupportedError: the poller records that once (`unsupported`) and stops, so the pane
says "not supported by this server" instead of a failing connection.

The runs of a group are read through the REST runs list (`filter[error]`), which the TRQL-backed
runs pane cannot express; the client's `runs.list` has no such filter either, so the query is
built here with the same pagination helper.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trigger_tui.api import errors as E
from trigger_tui.api.models.error_groups import ErrorGroup
from trigger_tui.api.models.runs import RunListItem
from trigger_tui.api.pagination import cursor_items
from trigger_tui.api.resources._base import item_parser
from trigger_tui.api.resources.runs import LIST_PATH
from trigger_tui.state.actions import ActionResult, failed_result, read_only_result
from trigger_tui.state.health import UNSUPPORTED_KIND, mark_unsupported
from trigger_tui.state.pollers import Poller
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

KIND = "errors"
MAX_GROUPS = 500
# What "ignore" offers: a label and the duration in milliseconds (None: until unignored).
IGNORE_CHOICES: tuple[tuple[str, int | None], ...] = (
    ("1 hour", 3_600_000), ("1 day", 86_400_000), ("1 week", 604_800_000), ("forever", None))


class ErrorsPoller(Poller):
    """Every error group of the last day into `store.collection("errors")`, keyed by id."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 10.0,
                 name: str = KIND, **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)

    async def _poll(self) -> None:
        try:
            groups = [g async for g in self.client.errors.list(limit=MAX_GROUPS)]
        except E.NotSupportedError as exc:
            mark_unsupported(self, str(exc))
            return
        now = self.clock()
        self.store.reconcile(KIND, groups, now=now, replace_all=True)
        self.store.expire(now, KIND)


def unsupported(store: Store) -> str | None:
    """The message to show instead of the pane when the server lacks the errors API."""
    message: str | None = store.collection(UNSUPPORTED_KIND).get(KIND)
    return message


async def group_runs(client: TriggerClient, error_id: str, *,
                     limit: int = 50) -> list[RunListItem]:
    """The newest runs of one error group (the first is the group's sample run)."""
    params = {"filter[error]": error_id}
    return [r async for r in cursor_items(client, LIST_PATH, params,
                                          item_parser(RunListItem, f"GET {LIST_PATH}"),
                                          limit=limit, page_size=min(limit, 100))]


def headless_command(error_id: str) -> str:
    """What lists a group's runs outside the console (the runs pane cannot filter on it)."""
    return f"GET {LIST_PATH}?filter[error]={error_id}"


class ErrorActions:
    """Resolve, ignore and unresolve a group; each shows the new status at once."""

    def __init__(self, client: TriggerClient, store: Store, *,
                 clock: Callable[[], float] = time.time, confirm_within_s: float = 30.0) -> None:
        self.client = client
        self.store = store
        self.clock = clock
        self.confirm_within_s = confirm_within_s

    async def resolve(self, error_id: str) -> ActionResult:
        return await self._change(error_id, "resolved", f"resolve {error_id}",
                                  lambda: self.client.errors.resolve(error_id))

    async def ignore(self, error_id: str, duration_ms: int | None) -> ActionResult:
        return await self._change(error_id, "ignored", f"ignore {error_id}",
                                  lambda: self.client.errors.ignore(error_id,
                                                                    duration_ms=duration_ms))

    async def unresolve(self, error_id: str) -> ActionResult:
        return await self._change(error_id, "unresolved", f"unresolve {error_id}",
                                  lambda: self.client.errors.unresolve(error_id))

    async def _change(self, error_id: str, status: str, what: str,
                      call: Callable[[], Any]) -> ActionResult:
        if self.client.read_only:
            return read_only_result(what)
        known = self.store.collection(KIND).get(error_id) is not None
        if known:
            self.store.expect(KIND, error_id, {"status": status},
                              confirmed=lambda g: g.status == status,
                              until=self.clock() + self.confirm_within_s, label=what)
        try:
            fresh: ErrorGroup = await call()
        except Exception as exc:
            if known:
                self.store.drop_expectation(KIND, error_id, restore=True)
            return failed_result(what, exc, repeatable=True)
        if known:  # the full object's count is all-time: keep the window's count of the list
            current = self.store.collection(KIND).get(error_id)
            count = current.count if current is not None else fresh.count
            self.store.reconcile(KIND, [fresh.model_copy(update={"count": count})],
                                 now=self.clock())
        return ActionResult(True, f"error {error_id} is now {fresh.status}")
