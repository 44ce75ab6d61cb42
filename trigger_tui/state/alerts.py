"""Alert rules and watches, evaluated over one environment's Store.

`Alerts` subscribes to what its rules read (metrics, queues, health, run details) and re-checks
every rule whenever one of them changes: a firing is recorded in `store["alerts"]` (keyed by its
sequence number, with `since` and, once it ends, `cleared`), announced once through the
`Notifier` (desktop, webhook) and shown by the UI (tile flash, header badge, bell). A rule that
needs figures that are not there yet, or are stale, keeps its state: missing data neither fires
nor clears an alert (the connection rule speaks for the data itself).

Watches are one-off rules an operator sets from the console: a run (told when it ends), a task
(told on each new failure) or a queue (told when its oldest wait passes a threshold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from trigger_tui.humanize import count, duration
from trigger_tui.rules import Alerting, Rule, span_text
from trigger_tui.state.metrics import Metrics, metrics_of
from trigger_tui.state.queues import oldest_wait_s, runs_name
from trigger_tui.state.store import Store

if TYPE_CHECKING:
    from trigger_tui.state.notify import Notifier

MAX_RECORDS = 100  # alert lines kept (firing ones are never dropped)
METRIC_RULES = frozenset({"failure_rate", "status", "no_completions"})
DEFAULT_QUEUE_WATCH_S = 300.0


@dataclass(frozen=True, slots=True)
class Alert:
    """One firing of a rule or a watch; `cleared` is set when it ends."""

    seq: int
    rule: str
    environment: str
    message: str
    since: float
    cleared: float | None = None
    kind: str = "rule"  # rule | watch
    bell: bool = False
    subject: str = ""  # what it is about: a task, a queue, a run id (tiles flash by it)

    @property
    def firing(self) -> bool:
        return self.cleared is None

    def to_json(self, project: str | None) -> dict[str, Any]:
        """The webhook body: what fired, where and since when; never a key or a value."""
        return {"source": "trigger-tui", "kind": self.kind, "rule": self.rule,
                "environment": self.environment, "project": project, "message": self.message,
                "subject": self.subject, "since": self.since, "state": "firing"}


@dataclass(frozen=True, slots=True)
class Watch:
    """Something the operator asked to be told about (`w` in the console)."""

    key: str  # run:<id> | task:<id> | queue:<name>
    label: str
    since: float
    threshold_s: float = 0.0

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def target(self) -> str:
        return self.key.split(":", 1)[1]


Verdict = tuple[bool, str, str] | None  # (firing, message, subject); None: no data, keep state


class Alerts:
    """The rules and watches of one environment (see the module docstring)."""

    def __init__(self, store: Store, rules: tuple[Rule, ...] | list[Rule], *, environment: str,
                 settings: Alerting | None = None, notifier: Notifier | None = None,
                 clock: Callable[[], float], project: str | None = None,
                 stale_after: Callable[[], float] = lambda: 10.0) -> None:
        self.store = store
        self.environment = environment
        self.rules = tuple(r for r in rules if r.applies_to(environment))
        self.settings = settings or Alerting()
        self.notifier = notifier
        self.clock = clock
        self.project = project
        self.stale_after = stale_after  # seconds after which metrics no longer count
        self._firing: dict[str, Alert] = {}  # rule name (or watch key) -> open alert
        self._seen_failures: dict[str, set[str]] = {}  # task watch -> run ids told
        self._seq = 0
        self._unsubscribe: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ lifetime
    def attach(self) -> None:
        # Not "queues": the queues poller writes the list before the oldest-wait ages, and a
        # queue judged by the new list and the old ages can fire for an instant. Its ages (or
        # the health record, when they did not change) arrive once both are in.
        for kind in ("metrics", "queue_waits", "health", "run_detail"):
            self._unsubscribe.append(self.store.subscribe(kind, self._changed))

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def _changed(self, _: frozenset[str]) -> None:
        self.evaluate()

    @property
    def windows(self) -> tuple[float, ...]:
        """The windows the metrics poller must count for these rules."""
        return tuple(sorted({r.window_s for r in self.rules if r.when in METRIC_RULES}))

    @property
    def needs_metrics(self) -> bool:
        return any(r.when in METRIC_RULES for r in self.rules) or any(
            w.kind == "task" for w in self.watches())

    # ------------------------------------------------------------------ reading
    def firing(self) -> list[Alert]:
        return sorted(self._firing.values(), key=lambda a: a.since)

    def records(self) -> list[Alert]:
        """Every alert line kept, newest first."""
        return sorted(self.store.collection("alerts").values(), key=lambda a: -a.seq)

    def watches(self) -> list[Watch]:
        return sorted(self.store.collection("watches").values(), key=lambda w: w.since)

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        metrics = metrics_of(self.store)
        fresh = metrics is not None and now - metrics.at <= self.stale_after()
        for rule in self.rules:
            if rule.when in METRIC_RULES and not fresh:
                continue
            verdict = self._judge(rule, metrics, now)
            if verdict is not None:
                self._set(rule.name, verdict, now, bell=self._bell(rule), kind="rule",
                          notify_desktop=self._desktop(rule),
                          webhook=rule.webhook is not False)
        for watch in self.watches():
            self._check_watch(watch, metrics if fresh else None, now)

    def _judge(self, rule: Rule, m: Metrics | None, now: float) -> Verdict:
        if rule.when == "connection":
            return self._connection(rule, now)
        if rule.when == "queue_wait":
            return self._queue_wait(rule.queue, rule.threshold, now)
        assert m is not None
        counts = m.counts.get(rule.window_s)
        if counts is None:  # not counted (yet): "nothing finished" would be a false verdict
            return None
        window = span_text(rule.window_s)
        if rule.when == "failure_rate":
            finished, failed = counts.finished(rule.task), counts.failed(rule.task)
            rate = failed / finished if finished else 0.0
            who = rule.task or "all tasks"
            return (finished >= rule.min_runs and rate > rule.threshold,
                    f"{who}: {rate:.0%} failed ({failed} of {finished}) over {window}",
                    rule.task or "")
        if rule.when == "status":
            n = counts.with_status(rule.statuses)
            latest = next((f for f in m.failures if f.status in rule.statuses), None)
            tail = f"; latest {latest.task}: {latest.message}" if latest else ""
            what = f"{count(n, 'run')} {'/'.join(rule.statuses)} in the last {window}{tail}"
            return (n > 0, what, latest.task if latest else "")
        completed = counts.completed()
        return (completed == 0, f"no run completed in the last {window}", "")

    def _connection(self, rule: Rule, now: float) -> Verdict:
        failing = [h for name, h in self.store.health.items()
                   if not name.startswith(("run:", "watch:")) and h.failing_since is not None]
        if not failing:
            return False, "the API answers again", ""
        worst = min(failing, key=lambda h: h.failing_since or now)
        since = worst.failing_since or now
        return (now - since >= rule.window_s,
                f"the API has failed for {duration((now - since) * 1000)}: {worst.last_error}",
                "")

    def _queue_wait(self, queue: str | None, threshold_s: float, now: float) -> Verdict:
        queues = list(self.store.collection("queues").values())
        if not queues:
            return None
        worst: tuple[float, str] | None = None
        for q in queues:
            name = runs_name(q)
            if queue is not None and queue not in (name, q.name):
                continue
            wait = oldest_wait_s(self.store, q, now)
            if wait is None:
                continue
            if worst is None or wait > worst[0]:
                worst = (wait, name)
        if worst is None:
            return False, f"{queue or 'every queue'}: nothing waits", queue or ""
        wait, name = worst
        return (wait > threshold_s, f"queue {name}: oldest run waiting "
                f"{duration(wait * 1000)} (more than {span_text(threshold_s)})", name)

    # ------------------------------------------------------------------ watches
    def watch_run(self, run_id: str, label: str = "") -> Watch:
        return self._add_watch(Watch(f"run:{run_id}", label or run_id, self.clock()))

    def watch_task(self, task: str) -> Watch:
        return self._add_watch(Watch(f"task:{task}", f"task {task}", self.clock()))

    def watch_queue(self, name: str, threshold_s: float = DEFAULT_QUEUE_WATCH_S) -> Watch:
        return self._add_watch(Watch(f"queue:{name}", f"queue {name}", self.clock(),
                                     threshold_s))

    def unwatch(self, key: str) -> bool:
        self._seen_failures.pop(key, None)
        open_alert = self._firing.pop(key, None)
        if open_alert is not None:
            self._record(replace(open_alert, cleared=self.clock()))
        return bool(self.store.remove("watches", [key]))

    def is_watched(self, key: str) -> bool:
        return key in self.store.collection("watches").items

    def _add_watch(self, watch: Watch) -> Watch:
        existing = self.store.collection("watches").get(watch.key)
        if existing is not None:
            return existing
        self.store.upsert("watches", [watch], key="key")
        self.evaluate()
        return watch

    def _check_watch(self, watch: Watch, m: Metrics | None, now: float) -> None:
        if watch.kind == "run":
            run: Any = self.store.collection("run_detail").get(watch.target)
            if run is not None and bool(getattr(run, "is_final", False)):
                status = str(getattr(run, "status", ""))
                task = str(getattr(run, "task_identifier", "") or "")
                message = str(getattr(getattr(run, "error", None), "message", "") or "")
                reason = f": {message}" if message else ""
                self._event(watch, f"run {watch.target} ({task}) ended {status}{reason}",
                            now, subject=watch.target)
                self.store.remove("watches", [watch.key])
        elif watch.kind == "task" and m is not None:
            seen = self._seen_failures.setdefault(watch.key, set())
            new = [f for f in m.failures if f.task == watch.target and f.at >= watch.since
                   and f.run_id not in seen]
            if new:
                seen.update(f.run_id for f in new)
                latest = new[0]
                more = f" (+{len(new) - 1} more)" if len(new) > 1 else ""
                self._event(watch, f"task {watch.target} failed: {latest.status} "
                                   f"{latest.message}{more}", now, subject=watch.target)
            if len(seen) > 1000:  # bounded: only ids still in the ticker matter
                seen.intersection_update(f.run_id for f in m.failures)
        elif watch.kind == "queue":
            verdict = self._queue_wait(watch.target, watch.threshold_s, now)
            if verdict is not None:
                self._set(watch.key, verdict, now, bell=True, kind="watch",
                          notify_desktop=self.settings.desktop, webhook=True)

    def _event(self, watch: Watch, message: str, now: float, *, subject: str) -> None:
        """A watch that tells once: recorded already cleared, announced like a firing."""
        alert = self._new(watch.key, message, now, kind="watch", bell=True, subject=subject)
        self._record(replace(alert, cleared=now))
        self._announce(alert, desktop=self.settings.desktop, webhook=True)

    # ------------------------------------------------------------------ state changes
    def _bell(self, rule: Rule) -> bool:
        return self.settings.bell if rule.bell is None else rule.bell

    def _desktop(self, rule: Rule) -> bool:
        return self.settings.desktop if rule.desktop is None else rule.desktop

    def _set(self, name: str, verdict: tuple[bool, str, str], now: float, *, bell: bool,
             kind: str, notify_desktop: bool, webhook: bool) -> None:
        firing, message, subject = verdict
        current = self._firing.get(name)
        if firing and current is None:
            alert = self._new(name, message, now, kind=kind, bell=bell, subject=subject)
            self._firing[name] = alert
            self._record(alert)
            self._announce(alert, desktop=notify_desktop, webhook=webhook)
        elif firing and current is not None and (current.message, current.subject) != \
                (message, subject):
            updated = replace(current, message=message, subject=subject)
            self._firing[name] = updated
            self._record(updated)
        elif not firing and current is not None:
            del self._firing[name]
            self._record(replace(current, cleared=now))

    def _new(self, name: str, message: str, now: float, *, kind: str, bell: bool,
             subject: str) -> Alert:
        self._seq += 1
        return Alert(self._seq, name, self.environment, message, now, kind=kind, bell=bell,
                     subject=subject)

    def _record(self, alert: Alert) -> None:
        alerts = self.store.collection("alerts")
        alerts.items[str(alert.seq)] = alert
        if len(alerts.items) > MAX_RECORDS:
            old = sorted((a for a in alerts.items.values() if not a.firing),
                         key=lambda a: a.seq)[: len(alerts.items) - MAX_RECORDS]
            for a in old:
                del alerts.items[str(a.seq)]
        self.store.notify("alerts", (str(alert.seq),))

    def _announce(self, alert: Alert, *, desktop: bool, webhook: bool) -> None:
        if self.notifier is not None:
            self.notifier.announce(alert, desktop=desktop,
                                   webhook=self.settings.webhook if webhook else None,
                                   timeout_s=self.settings.webhook_timeout_s,
                                   project=self.project)
