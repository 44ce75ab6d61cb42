"""Schedules and deployments: their pollers, their actions, and the cron arithmetic the form needs.

The panes render from the Store like every other pane: `SchedulesPoller` keeps the
`schedules` collection, `DeploymentsPoller` the `deployments` one plus which version is current
(`store.collection("deployments_meta")["current"]`). A server without one of these routes (an
older self-hosted one answers the web app's HTML 404, which the client raises as
`NotSupportedError`) is recorded under `store.collection("unsupported")[<kind>]`, so the pane can
say so in place of its table instead of showing an error.

Cron helpers live here rather than being imported from the emulator: the emulator is the server's
stand-in and the console must not depend on it. They are deliberately lenient: the server is the
judge, the form only catches what would surely be refused (and shows the server's 422 otherwise).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cron_descriptor import ExpressionDescriptor, Options
from croniter import CroniterBadDateError, croniter

from trigger_tui.api import errors as E
from trigger_tui.state.actions import ActionResult, failed_result, read_only_result
from trigger_tui.state.pollers import Poller
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

UNSUPPORTED = "unsupported"
NOT_SUPPORTED = "not supported by this server"
DEPLOYMENTS_LIMIT = 50  # newest first; an older one is promoted from the headless CLI


# --------------------------------------------------------------------------- cron
def cron_error(expression: str) -> str | None:
    """Why the server would refuse `expression` (None if it looks valid). Five fields only:
    the server rejects seconds."""
    fields = expression.split()
    if not fields:
        return "a cron expression is required"
    if len(fields) != 5:
        return f"a cron expression has 5 fields (minute hour day month weekday), not {len(fields)}"
    if not croniter.is_valid(" ".join(fields)):
        return f"'{expression.strip()}' is not a valid cron expression"
    try:  # every field valid, yet no date matches (`0 0 31 2 *`): it would never fire
        croniter(" ".join(fields), datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except CroniterBadDateError:
        return f"'{expression.strip()}' never fires (no date matches every field)"
    return None


@lru_cache(maxsize=256)
def describe_cron(expression: str) -> str:
    """The expression in words, as the dashboard's cronstrue says it (12-hour clock)."""
    options = Options()
    options.use_24hour_time_format = False
    options.day_of_week_start_index_zero = True
    options.verbose = False
    try:
        return str(ExpressionDescriptor(expression, options).get_description())
    except Exception:  # cron-descriptor raises on odd but accepted expressions
        return expression


def zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # `America` is a directory of zones
        return None


def next_fires(expression: str, timezone: str, after: float, count: int = 5) -> list[datetime]:
    """The next `count` fire times after `after` (epoch seconds), aware in `timezone`; [] when
    the expression or the zone is invalid."""
    tz = zone(timezone)
    if tz is None or cron_error(expression) is not None:
        return []
    walk = croniter(expression, datetime.fromtimestamp(after, tz=tz))
    return [walk.get_next(datetime) for _ in range(count)]


# --------------------------------------------------------------------------- pollers
def _mark_supported(store: Store, kind: str, message: str | None) -> None:
    unsupported = store.collection(UNSUPPORTED)
    if unsupported.get(kind) != message:
        if message is None:
            store.remove(UNSUPPORTED, [kind])
        else:
            store.put(UNSUPPORTED, kind, message)


class SchedulesPoller(Poller):
    """Every imperative and declarative schedule of the environment, keyed by schedule id."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 10.0,
                 name: str = "schedules", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)

    async def _poll(self) -> None:
        try:
            schedules = [s async for s in self.client.schedules.list()]
        except E.NotSupportedError:
            _mark_supported(self.store, "schedules", f"schedules are {NOT_SUPPORTED}")
            self.store.upsert("schedules", [], replace_all=True)
            return
        _mark_supported(self.store, "schedules", None)
        now = self.clock()
        self.store.reconcile("schedules", schedules, now=now, replace_all=True)
        self.store.expire(now, "schedules")


class DeploymentsPoller(Poller):
    """The newest deployments, keyed by deployment id, and the current one's id."""

    def __init__(self, client: TriggerClient, store: Store, *, interval_s: float = 15.0,
                 name: str = "deployments", **kw: Any) -> None:
        super().__init__(client, store, name=name, interval_s=interval_s, **kw)

    async def _poll(self) -> None:
        try:
            deployments = [d async for d in
                           self.client.deployments.list(limit=DEPLOYMENTS_LIMIT)]
        except E.NotSupportedError:
            _mark_supported(self.store, "deployments", f"deployments are {NOT_SUPPORTED}")
            self.store.upsert("deployments", [], replace_all=True)
            return
        _mark_supported(self.store, "deployments", None)
        current: str | None = None
        if deployments:
            try:
                current = (await self.client.deployments.current()).id
            except E.NotFoundError:  # none deployed yet (or no `current` route)
                current = None
        self.store.put("deployments_meta", "current", current)
        self.store.upsert("deployments", deployments, replace_all=True)


# --------------------------------------------------------------------------- actions
def _refused(what: str, exc: Exception) -> ActionResult:
    """The server's own words for a refusal (400/409/422), so a wrong cron or a refused
    promote reads exactly as the API put it."""
    if isinstance(exc, E.ApiError) and not isinstance(exc, E.NotSupportedError) \
            and exc.status in (400, 409, 422) and exc.server_message:
        return ActionResult(False, f"{what} refused: {exc.server_message}")
    if isinstance(exc, E.NotSupportedError):
        return ActionResult(False, f"{what}: {NOT_SUPPORTED}")
    return failed_result(what, exc, repeatable=True)


class ScheduleActions:
    """Mutations of schedules and deployments. Every method returns an ActionResult."""

    def __init__(self, client: TriggerClient, store: Store, *,
                 clock: Callable[[], float]) -> None:
        self.client = client
        self.store = store
        self.clock = clock

    @property
    def read_only(self) -> bool:
        return self.client.read_only

    async def timezones(self) -> list[str]:
        """The zones the server accepts, asked once per session (kept in the Store)."""
        meta = self.store.collection("schedules_meta")
        cached = meta.get("timezones")
        if cached is None:
            cached = tuple(await self.client.schedules.timezones())
            self.store.put("schedules_meta", "timezones", cached)
        return list(cached)

    async def _call(self, what: str, call: Callable[[], Awaitable[Any]],
                    done: Callable[[Any], str]) -> ActionResult:
        if self.read_only:
            return read_only_result(what)
        try:
            result = await call()
        except Exception as exc:
            return _refused(what, exc)
        return ActionResult(True, done(result))

    async def save(self, schedule_id: str | None, *, task: str, cron: str, timezone: str,
                   external_id: str | None, dedup_key: str | None = None) -> ActionResult:
        """Create (no id) or update a schedule; the cron is checked before anything is sent."""
        what = f"update schedule {schedule_id}" if schedule_id else f"create schedule for {task}"
        problem = cron_error(cron) or (None if task.strip() else "a task is required")
        if problem is not None:
            return ActionResult(False, f"{what}: {problem}; nothing was sent")
        cron = " ".join(cron.split())
        ext = external_id or None

        def stored(s: Any) -> str:
            self.store.reconcile("schedules", [s], now=self.clock())
            return f"schedule {s.id} saved ({s.cron}, {s.timezone})"

        if schedule_id:
            return await self._call(what, lambda: self.client.schedules.update(
                schedule_id, task.strip(), cron, external_id=ext, timezone=timezone), stored)
        return await self._call(what, lambda: self.client.schedules.create(
            task.strip(), cron, dedup_key or "", external_id=ext, timezone=timezone), stored)

    async def set_active(self, schedule_id: str, active: bool) -> ActionResult:
        verb = "activate" if active else "deactivate"
        call = self.client.schedules.activate if active else self.client.schedules.deactivate

        def stored(s: Any) -> str:
            self.store.reconcile("schedules", [s], now=self.clock())
            return f"schedule {schedule_id} {verb}d"

        return await self._call(f"{verb} schedule {schedule_id}",
                                lambda: call(schedule_id), stored)

    async def delete(self, schedule_id: str) -> ActionResult:
        def gone(_: Any) -> str:
            self.store.remove("schedules", [schedule_id])
            return f"schedule {schedule_id} deleted"

        return await self._call(f"delete schedule {schedule_id}",
                                lambda: self.client.schedules.delete(schedule_id), gone)

    async def promote(self, version: str, *, rollback: bool) -> ActionResult:
        """Make `version` current; `rollback` (an older version) sends `allowRollbacks`, which
        the server otherwise refuses. Never repeated: see `Deployments.promote`."""
        what = f"promote {version}"
        if self.read_only:
            return read_only_result(what)
        try:
            result = await self.client.deployments.promote(version, allow_rollbacks=rollback)
        except Exception as exc:
            if isinstance(exc, E.ApiConnectionError):
                return failed_result(what, exc, repeatable=False,
                               unknown="unknown outcome: check the deployments list")
            return _refused(what, exc)
        self.store.put("deployments_meta", "current", result.id)
        return ActionResult(True, f"{result.version} is now the current deployment")

    async def deployment_detail(self, deployment_id: str) -> Any:
        """The retrieve of one deployment (worker tasks, image, error), or an ActionResult
        when it could not be read."""
        try:
            return await self.client.deployments.retrieve(deployment_id)
        except Exception as exc:
            return _refused(f"read deployment {deployment_id}", exc)
