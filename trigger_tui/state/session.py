"""A Session: one connection's client, Store, pollers and actions, and their lifetime.

The UI gets a Session and nothing else: it renders `session.store`, calls `session.actions`,
and controls polling through `pause`/`resume`/`refresh_now`. `start()` runs every poller as an
asyncio task on the running loop (Textual's, inside the app) and `stop()` cancels and awaits
them all, so nothing outlives the app. An app that prefers Textual workers can instead run
`poller.run()` for each of `session.pollers` with `run_worker` and not call `start()`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from trigger_tui.rules import Alerting, Rule
from trigger_tui.state.actions import Actions
from trigger_tui.state.alerts import DEFAULT_QUEUE_WATCH_S, Alerts, Watch
from trigger_tui.state.filters import DEFAULT_VIEW_ROWS, RunFilter
from trigger_tui.state.metrics import DEFAULT_WINDOW_S, MetricsPoller
from trigger_tui.state.notify import Notifier
from trigger_tui.state.pollers import DetailPoller, Poller, QueuesPoller, RunsPoller
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

Sleep = Callable[[float], Awaitable[None]]
HEALTH_ORDER = ("failing", "stale", "connecting", "fresh")  # worst first


class Session:
    """Client + Store + pollers + actions for one environment of one project."""

    def __init__(self, client: TriggerClient, store: Store, pollers: Iterable[Poller],
                 actions: Actions, *, clock: Callable[[], float] = time.time,
                 close_client: bool = True, detail_interval_s: float = 2.0,
                 poller_options: dict[str, Any] | None = None) -> None:
        self.client = client
        self.store = store
        self.actions = actions
        self.clock = clock
        self.pollers: dict[str, Poller] = {p.name: p for p in pollers}
        self.detail_interval_s = detail_interval_s
        self.world: Any = None  # the emulator's World and app, for a demo session
        self.emulator: Any = None
        self._close_client = close_client
        self._poller_options = dict(poller_options or {})
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._closing: set[asyncio.Task[None]] = set()  # cancelled, awaited by stop()
        self._details: dict[str, DetailPoller] = {}
        self._paused = False
        self._started = False
        self.alerts: Alerts | None = None
        self.notifier: Notifier | None = None
        self._runs_interval_s = 2.0
        self._unsub_watches: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------ what the UI reads
    @property
    def runs(self) -> RunsPoller:
        poller = self.pollers["runs"]
        assert isinstance(poller, RunsPoller)
        return poller

    @property
    def read_only(self) -> bool:
        return self.client.read_only

    @property
    def environment(self) -> str | None:
        """The environment slug of the key (dev, stg, prod, preview), None for a PAT."""
        return self.client.environment

    @property
    def project_ref(self) -> str | None:
        return self.client.options.project_ref

    @property
    def paused(self) -> bool:
        return self._paused

    def connection_state(self) -> str:
        """The worst health of the pollers: failing, stale, connecting or fresh."""
        now = self.clock()
        states = {p.health.state(now) for p in self._all_pollers()}
        return next((s for s in HEALTH_ORDER if s in states), "connecting")

    # ------------------------------------------------------------------ lifetime
    def start(self) -> None:
        """Run every poller as a task on the running loop (call from inside it)."""
        self._started = True
        for poller in self._all_pollers():
            self._spawn(poller)

    async def stop(self) -> None:
        """Stop and await every poller task; close the client if the session owns it."""
        self._started = False
        if self.alerts is not None:
            self.alerts.detach()
            self._unsub_watches()
        if self.notifier is not None:
            await self.notifier.aclose()
        for poller in self._all_pollers():
            poller.stop()
        tasks = [*self._tasks.values(), *self._closing]
        self._tasks.clear()
        self._closing.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._close_client:
            await self.client.aclose()

    def _spawn(self, poller: Poller) -> None:
        task = self._tasks.get(poller.name)
        if task is not None and not task.done():
            return
        self._tasks[poller.name] = asyncio.get_running_loop().create_task(
            poller.run(), name=f"poller:{poller.name}")

    def _all_pollers(self) -> list[Poller]:
        return [*self.pollers.values(), *self._details.values()]

    # ------------------------------------------------------------------ controls
    def pause(self) -> None:
        """Freeze every view (the header shows "paused"); actions still work."""
        self._paused = True
        for poller in self._all_pollers():
            poller.pause()

    def resume(self) -> None:
        self._paused = False
        for poller in self._all_pollers():
            poller.resume()

    def refresh_now(self) -> None:
        """Poll everything once now, paused or not."""
        for poller in self._all_pollers():
            poller.refresh_now()

    def set_filter(self, f: RunFilter) -> None:
        self.runs.set_filter(f)

    # ------------------------------------------------------------------ more resources
    def ensure_poller(self, name: str, make: Callable[..., Poller]) -> Poller:
        """The session's poller called `name`, created once with
        `make(client, store, **options)` and started when the session runs. Panes for other
        resources (schedules, tokens, …) add theirs this way when first shown."""
        poller = self.pollers.get(name)
        if poller is None:
            poller = make(self.client, self.store, **self._poller_options)
            if poller.name != name:
                raise ValueError(f"ensure_poller({name!r}) made a poller named {poller.name!r}")
            self.pollers[name] = poller
            if self._paused:
                poller.pause()
                poller.refresh_now()
            if self._started:
                self._spawn(poller)
        return poller

    # ------------------------------------------------------------------ alerting
    def enable_metrics(self, *, window_s: float = DEFAULT_WINDOW_S,
                       interval_s: float | None = None) -> MetricsPoller:
        """The environment's figures (wall tiles, alert rules), polled from now on."""
        windows = self.alerts.windows if self.alerts is not None else ()
        interval = interval_s if interval_s is not None else self.runs_interval_s
        poller = self.ensure_poller("metrics", lambda client, store, **kw: MetricsPoller(
            client, store, interval_s=interval, window_s=window_s, windows=windows, **kw))
        assert isinstance(poller, MetricsPoller)
        return poller

    def enable_alerts(self, rules: tuple[Rule, ...] | list[Rule],
                      settings: Alerting | None = None, *,
                      transport: Any = None, environment: str | None = None) -> Alerts:
        """Evaluate `rules` (those for this environment) from now on; watches work as well.
        The metrics poller starts when a rule or a task watch needs it."""
        self.notifier = Notifier(self.store, transport=transport, clock=self.clock)
        alerts = Alerts(self.store, rules, environment=environment or self.environment or "prod",
                        settings=settings, notifier=self.notifier, clock=self.clock,
                        project=self.project_ref, stale_after=self._metrics_stale_after)
        self.alerts = alerts
        alerts.attach()
        metrics = self.pollers.get("metrics")
        if isinstance(metrics, MetricsPoller):
            metrics.windows = tuple(sorted({*metrics.windows, *alerts.windows}))
        elif alerts.needs_metrics:
            self.enable_metrics(interval_s=self.pollers["queues"].interval_s)
        self._unsub_watches = self.store.subscribe("watches", self._watches_changed)
        return alerts

    # ------------------------------------------------------------------ watches
    def watch(self, key: str, *, label: str = "", threshold_s: float | None = None) -> Watch:
        """Tell the operator when `run:<id>` ends, `task:<id>` fails or `queue:<name>`'s
        oldest wait passes `threshold_s`, whatever pane is on screen."""
        alerts = self.alerts or self.enable_alerts(())
        kind, _, target = key.partition(":")
        if kind == "run":
            name = f"watch:{target}"
            self.ensure_poller(name, lambda client, store, **kw: DetailPoller(
                client, store, target, name=name, interval_s=self.detail_interval_s, **kw))
            return alerts.watch_run(target, label)
        if kind == "task":
            self.enable_metrics(interval_s=self.pollers["queues"].interval_s)
            return alerts.watch_task(target)
        if kind == "queue":
            return alerts.watch_queue(target, threshold_s or DEFAULT_QUEUE_WATCH_S)
        raise ValueError(f"cannot watch {key!r}: watch run:<id>, task:<id> or queue:<name>")

    def unwatch(self, key: str) -> None:
        if self.alerts is not None:
            self.alerts.unwatch(key)

    def _watches_changed(self, _: frozenset[str]) -> None:
        """A run watch that fired (or was dropped) no longer needs its run polled."""
        watched = self.store.collection("watches").items
        for name in [n for n in self.pollers if n.startswith("watch:")]:
            if f"run:{name.removeprefix('watch:')}" not in watched:
                self._drop_poller(name)

    def _drop_poller(self, name: str) -> None:
        poller = self.pollers.pop(name, None)
        if poller is not None:
            self._retire(poller)

    def _retire(self, poller: Poller) -> None:
        """Stop a poller for good: its task is cancelled (awaited by `stop`) and its health
        record leaves the Store (one record per run once watched would pile up)."""
        poller.stop()
        self.store.health.pop(poller.name, None)
        self.store.notify("health", (poller.name,))
        task = self._tasks.pop(poller.name, None)
        if task is not None and not task.done():
            task.cancel()
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _metrics_stale_after(self) -> float:
        h = self.store.health.get("metrics")
        return 2 * h.interval_s if h is not None else 10.0

    @property
    def runs_interval_s(self) -> float:
        return self._runs_interval_s

    # ------------------------------------------------------------------ one run
    def watch_run(self, run_id: str, *, start: bool = True) -> DetailPoller:
        """The detail poller of one run (created once). With `start`, it runs as a session
        task; without, the caller runs `poller.run()` itself (e.g. as a Textual worker)."""
        poller = self._details.get(run_id)
        if poller is None:
            poller = DetailPoller(self.client, self.store, run_id,
                                  interval_s=self.detail_interval_s, **self._poller_options)
            self._details[run_id] = poller
            if self._paused:
                poller.pause()
                poller.refresh_now()  # a screen just opened needs its data once
        if start:
            self._spawn(poller)
        return poller

    def unwatch_run(self, run_id: str) -> None:
        poller = self._details.pop(run_id, None)
        if poller is not None:
            self._retire(poller)

    # ------------------------------------------------------------------ factories
    @classmethod
    def connect(cls, client: TriggerClient, *, store: Store | None = None,
                filter: RunFilter | None = None, intervals: Any = None,
                clock: Callable[[], float] = time.time, sleep: Sleep = asyncio.sleep,
                timer: Callable[[], float] = time.perf_counter,
                close_client: bool = True, clock_rate: float = 1.0,
                runs: bool = True) -> Session:
        """A session over a real connection. `intervals` is the config's PollIntervals
        (`runs_s`, `queues_s`, `run_detail_s`); pollers never go below 1 s. Without `runs`
        (the wall monitor) there is no runs view to poll."""
        store = store or Store(max_runs=DEFAULT_VIEW_ROWS)  # the view: the newest N runs
        options: dict[str, Any] = {"clock": clock, "sleep": sleep, "timer": timer,
                                   "clock_rate": clock_rate}
        runs_s = float(getattr(intervals, "runs_s", 2.0))
        queues_s = float(getattr(intervals, "queues_s", 5.0))
        detail_s = float(getattr(intervals, "run_detail_s", 2.0))
        pollers: list[Poller] = [QueuesPoller(client, store, interval_s=queues_s, **options)]
        if runs:
            pollers.insert(0, RunsPoller(client, store, interval_s=runs_s, filter=filter,
                                         **options))
        actions = Actions(client, store, clock=clock, sleep=sleep, clock_rate=clock_rate)
        session = cls(client, store, pollers, actions, clock=clock, close_client=close_client,
                      detail_interval_s=detail_s, poller_options=options)
        session._runs_interval_s = runs_s
        return session

    @classmethod
    def for_demo(cls, speed: float = 5.0, seed: int = 7, clock: Any = None, *,
                 read_only: bool = False, filter: RunFilter | None = None,
                 intervals: Any = None, sleep: Sleep = asyncio.sleep,
                 history_s: float = 7200.0, environment: str = "prod",
                 beside: Session | None = None, runs: bool = True,
                 batches: bool = False) -> Session:
        """A session on the in-process emulator: one environment (prod by default) of the
        demo project. A session `beside` another shares its world and emulator (several
        environments of one demo project). `batches` adds the world's batch workload (the
        demo's batches pane has something to show; tests' frozen worlds leave it off).

        With no `clock` the world runs on a RealClock `speed` times faster than wall time; a
        test passes a FakeClock, and then latency is measured on it too, so nothing rendered
        depends on the wall clock. `session.world` and `session.emulator` (the ASGI app,
        `emulator.state.log` lists every request) are there for tests.
        """
        import httpx

        from trigger_tui.api.client import ClientOptions, TriggerClient
        from trigger_tui.emulator.app import create_app
        from trigger_tui.emulator.clock import RealClock
        from trigger_tui.emulator.world import DEMO_KEYS, World

        if beside is not None:
            world, app = beside.world, beside.emulator
            world_clock = world.clock
        else:
            world_clock = clock if clock is not None else RealClock(speed)
            world = World(world_clock, seed=seed, history_s=history_s, batch_workload=batches)
            app = create_app(world)
        options = ClientOptions(
            base_url=world.api_origin, key=DEMO_KEYS[environment], project_ref=world.project_ref,
            read_only=read_only, transport=httpx.ASGITransport(app=app), now=world_clock.now)
        if beside is not None:  # one project: one query budget
            options.query_slots = beside.client.options.query_slots
        client = TriggerClient(options)
        fake = not hasattr(world_clock, "speed")
        timer = world_clock.now if fake else time.perf_counter
        session = cls.connect(client, filter=filter, intervals=intervals,
                              clock=world_clock.now, sleep=sleep, timer=timer,
                              clock_rate=1.0 if fake else world_clock.speed, runs=runs)
        session.world = world
        session.emulator = app
        return session
