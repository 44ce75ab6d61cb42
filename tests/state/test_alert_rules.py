"""Alert rules and watches over a Session on the emulator's fake clock, driven poll by poll.

Each rule kind must fire at the poll where its condition first holds and clear at the poll
where it stops holding, with `since` / `cleared` equal to the clock at that poll; figures that
are missing or stale must neither fire nor clear a rule. The world is quiet (no workload):
every run is one the test triggers, and its outcome is scripted once it has started.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from tests.state.conftest import StateHarness, make_state, quiet_world
from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.world.model import Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.rules import Alerting, Rule
from trigger_tui.state.alerts import Alert, Alerts
from trigger_tui.state.metrics import Counts, Metrics, MetricsPoller
from trigger_tui.state.pollers import QueuesPoller
from trigger_tui.state.session import Session
from trigger_tui.state.store import Store


async def never(seconds: float) -> None:
    """A poller's wait that never ends on its own: tests poll with `poll_once`."""
    await asyncio.Event().wait()


@dataclass
class Rig:
    """A Session without a runs view (like the wall), its alerts, and the world under it."""

    h: StateHarness
    session: Session
    alerts: Alerts

    @property
    def now(self) -> float:
        return self.h.clock.now()

    @property
    def store(self) -> Store:
        return self.session.store

    @property
    def metrics(self) -> MetricsPoller:
        poller = self.session.pollers["metrics"]
        assert isinstance(poller, MetricsPoller)
        return poller

    @property
    def queues(self) -> QueuesPoller:
        poller = self.session.pollers["queues"]
        assert isinstance(poller, QueuesPoller)
        return poller

    async def poll(self, seconds: float = 0.0) -> float:
        """Move the clock, then one queues poll and one metrics poll; returns the clock."""
        self.h.advance(seconds)
        await self.queues.poll_once()
        await self.metrics.poll_once()
        return self.now

    def lines(self, rule: str) -> list[Alert]:
        """The alert lines of one rule (or watch key), oldest first."""
        return sorted((a for a in self.alerts.records() if a.rule == rule), key=lambda a: a.seq)

    def firing(self, rule: str) -> bool:
        return any(a.rule == rule for a in self.alerts.firing())

    async def close(self) -> None:
        await self.session.stop()


def make_rig(rules: list[Rule], *, settings: Alerting | None = None,
             transport: httpx.AsyncBaseTransport | None = None, window_s: float = 600.0,
             h: StateHarness | None = None) -> Rig:
    h = h or make_state(**quiet_world())
    session = Session.connect(h.client, clock=h.clock.now, sleep=never, timer=h.clock.now,
                              runs=False)
    session.world, session.emulator = h.world, h.app
    session.enable_metrics(window_s=window_s, interval_s=60.0)  # stale after 120 s
    alerts = session.enable_alerts(rules, settings, transport=transport, environment="prod")
    return Rig(h, session, alerts)


def start(h: StateHarness, task: str = "send-email", outcome: str = "success",
          n: int = 1) -> list[Run]:
    """`n` runs of `task` that have started (1 s later) and will end with `outcome`:
    success, error (FAILED, no retry), crash (CRASHED) or system (SYSTEM_FAILURE)."""
    runs = [h.env.trigger(task, {"to": "a@b.c"}, "application/json",
                          TriggerOptions(max_attempts=1))[0] for _ in range(n)]
    h.advance(1.0)
    for run in runs:
        assert run.status == S.EXECUTING, run.status
        run.plan_outcome, run.plan_failure = outcome, 0 if outcome == "error" else -1
    return runs


def ended(runs: list[Run]) -> float:
    """When the last of `runs` finished (they all must have)."""
    assert all(r.status in S.FINAL for r in runs)
    return max(r.finished_at or 0.0 for r in runs)


# --------------------------------------------------------------------------- failure_rate
async def test_failure_rate_fires_once_min_runs_finished_and_clears_when_the_rate_drops() -> None:
    rig = make_rig([
        Rule(name="all failing", when="failure_rate", above="20%", over="10m", min_runs=5),
        Rule(name="email failing", when="failure_rate", above="40%", over="10m", task="send-email",
             min_runs=3),
    ])
    first = start(rig.h, "send-email", "error", n=2)
    await rig.poll(30)
    assert ended(first) and not rig.alerts.firing()  # 2 of 2 failed, but 2 < min_runs

    start(rig.h, "send-email", "error")
    at = await rig.poll(30)
    [email] = rig.lines("email failing")
    assert email.firing and email.since == at and email.subject == "send-email"
    assert "send-email: 100% failed (3 of 3) over 10m" in email.message
    assert not rig.firing("all failing")  # 3 finished < 5

    start(rig.h, "resize-image", "success", n=2)
    at2 = await rig.poll(30)
    [every] = rig.lines("all failing")
    assert every.since == at2 and "all tasks: 60% failed (3 of 5)" in every.message
    assert rig.lines("email failing")[0].since == at  # still the same firing

    start(rig.h, "send-email", "success", n=5)  # 3 of 8 = 37.5 % for send-email
    at3 = await rig.poll(30)
    assert rig.lines("email failing")[-1].cleared == at3 and not rig.firing("email failing")
    assert rig.firing("all failing")  # 3 of 10 = 30 % is still above 20 %
    await rig.close()


async def test_failures_leaving_the_window_clear_the_rule_at_that_poll() -> None:
    rig = make_rig([Rule(name="failing", when="failure_rate", above="50%", over="10m",
                         min_runs=2)])
    runs = start(rig.h, "send-email", "error", n=2)
    await rig.poll(30)
    last = ended(runs)
    assert rig.firing("failing")
    # The window is `completed_at >= now - 10m`: still inside at +600 s, outside just after.
    await rig.poll(last + 599.0 - rig.now)
    assert rig.firing("failing")
    at = await rig.poll(2.0)
    assert rig.lines("failing")[-1].cleared == at
    await rig.close()


# --------------------------------------------------------------------------- queue_wait
async def test_queue_wait_fires_past_the_threshold_of_a_paused_queue_and_clears_on_resume(
) -> None:
    rig = make_rig([Rule(name="email stuck", when="queue_wait", above="5m", queue="email"),
                    Rule(name="any stuck", when="queue_wait", above="10m")])
    await rig.h.client.queues.pause("email", type="custom")
    t0 = rig.now
    for _ in range(3):
        rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await rig.poll(1.0)
    assert not rig.alerts.firing()
    await rig.poll(t0 + 300.0 - rig.now)  # waited exactly 5m: not more than 5m
    assert not rig.firing("email stuck")
    at = await rig.poll(1.0)
    [line] = rig.lines("email stuck")
    assert line.since == at and line.subject == "email" and "queue email" in line.message
    assert not rig.firing("any stuck")
    await rig.poll(t0 + 600.0 - rig.now)
    assert not rig.firing("any stuck")
    at2 = await rig.poll(1.0)
    assert rig.lines("any stuck")[0].since == at2

    await rig.h.client.queues.resume("email", type="custom")
    at3 = await rig.poll(30.0)  # the runs start and finish: nothing waits
    assert rig.lines("email stuck")[-1].cleared == at3
    assert rig.lines("any stuck")[-1].cleared == at3
    assert len(rig.lines("email stuck")) == 1  # one firing, updated in place, never re-fired
    await rig.close()


# --------------------------------------------------------------------------- status
async def test_a_crashed_run_fires_the_status_rule_until_it_leaves_the_window() -> None:
    rig = make_rig([Rule(name="platform", when="status", over="10m"),
                    Rule(name="timeouts", when="status", over="10m", statuses=("TIMED_OUT",))])
    ok = start(rig.h, "send-email")
    await rig.poll(30)
    assert ended(ok) and not rig.alerts.firing()  # a failure-free run fires nothing
    crashed = start(rig.h, "send-email", "crash")
    at = await rig.poll(30)
    finished = ended(crashed)
    assert crashed[0].status == S.CRASHED
    [line] = rig.lines("platform")
    assert line.since == at and "1 run SYSTEM_FAILURE/CRASHED in the last 10m" in line.message
    assert line.subject == "send-email" and not rig.firing("timeouts")

    system = start(rig.h, "resize-image", "system")
    await rig.poll(60)
    assert system[0].status == S.SYSTEM_FAILURE
    assert "2 runs SYSTEM_FAILURE" in rig.lines("platform")[0].message
    last = ended(system)
    await rig.poll(finished + 600.0 - rig.now)
    assert rig.firing("platform")
    await rig.poll(last + 599.0 - rig.now)
    assert rig.firing("platform")  # the system failure is still inside the window
    at2 = await rig.poll(2.0)
    assert rig.lines("platform")[-1].cleared == at2
    await rig.close()


# --------------------------------------------------------------------------- no_completions
async def test_no_completions_fires_after_the_window_and_clears_when_a_run_completes() -> None:
    rig = make_rig([Rule(name="silent", when="no_completions", over="10m")])
    runs = start(rig.h, "send-email")
    await rig.poll(30)
    done = ended(runs)
    assert not rig.alerts.firing()
    # Everything stops: the queue is paused and what arrives waits.
    await rig.h.client.queues.pause("email", type="custom")
    rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await rig.poll(done + 599.0 - rig.now)
    assert not rig.firing("silent")
    at = await rig.poll(2.0)
    [line] = rig.lines("silent")
    assert line.since == at and line.message == "no run completed in the last 10m"
    await rig.poll(120)
    assert rig.firing("silent") and len(rig.lines("silent")) == 1  # not re-announced
    await rig.h.client.queues.resume("email", type="custom")
    at2 = await rig.poll(30)
    assert rig.lines("silent")[-1].cleared == at2
    await rig.close()


# --------------------------------------------------------------------------- connection
async def test_connection_fires_after_over_of_continuous_failure_and_clears_on_recovery(
) -> None:
    rig = make_rig([Rule(name="api down", when="connection", over="2m"),
                    Rule(name="failing", when="failure_rate", above="40%", over="10m",
                         min_runs=1),
                    Rule(name="silent", when="no_completions", over="10m")])
    start(rig.h, "send-email", "error")
    start(rig.h, "send-email", "success")
    await rig.poll(30)
    assert rig.firing("failing") and not rig.firing("api down") and not rig.firing("silent")
    faults = rig.h.app.state.faults
    faults.ratios["5xx"] = 1.0
    await rig.poll(60)
    health = rig.store.health["metrics"]
    # Since the failing poll began (its queries are retried once, which takes time).
    since = health.failing_since
    assert since is not None and since == health.last_attempt
    at = rig.h.clock.now()
    while at - since < 120:  # evaluated at the end of each poll: never before 2 minutes
        assert not rig.firing("api down"), f"fired after {at - since:.1f} s"
        # Stale figures: the failures leave the window and nothing completes, yet neither
        # rule moves while the API cannot say so.
        assert rig.firing("failing") and not rig.firing("silent")
        at = await rig.poll(10)
    [line] = rig.lines("api down")  # the first evaluation at or past 2 minutes fires it
    assert 120 <= line.since - since and line.since <= at
    assert "the API has failed for 2m" in line.message
    await rig.poll(600)
    assert rig.firing("failing") and not rig.firing("silent")
    faults.ratios["5xx"] = 0.0
    at2 = await rig.poll(30)
    assert rig.lines("api down")[-1].cleared == at2
    assert rig.lines("failing")[-1].cleared == at2  # fresh figures: the window is empty now
    assert rig.lines("silent")[0].since == at2
    await rig.close()


async def test_one_failed_poll_between_successes_does_not_fire_the_connection_rule() -> None:
    rig = make_rig([Rule(name="api down", when="connection", over="2m")])
    faults = rig.h.app.state.faults
    for _ in range(4):
        faults.ratios["5xx"] = 1.0
        await rig.poll(100)
        faults.ratios["5xx"] = 0.0
        await rig.poll(100)
    assert not rig.lines("api down")  # never 2 minutes of continuous failure
    await rig.close()


# --------------------------------------------------------------------------- missing figures
def _metrics(at: float, counts: dict[float, Counts]) -> Metrics:
    return Metrics(at=at, window_s=3600.0, minutes=(), gauges=(), counts=counts, failures=(),
                   queues=())


def test_missing_stale_or_uncounted_figures_neither_fire_nor_clear() -> None:
    store = Store()
    now = [1000.0]
    alerts = Alerts(store, [Rule(name="silent", when="no_completions", over="10m"),
                            Rule(name="failing", when="failure_rate", above="10%", over="10m",
                                 min_runs=1)],
                    environment="prod", clock=lambda: now[0], stale_after=lambda: 10.0)
    alerts.attach()
    alerts.evaluate()
    assert not alerts.records()  # no figures at all
    # Figures that do not count the rules' window (900 s only) must not read as "nothing".
    store.put("metrics", "now", _metrics(now[0], {900.0: Counts(900.0)}))
    assert not alerts.records()
    failed = Counts(600.0, {"send-email": {"FAILED": 2}})
    store.put("metrics", "now", _metrics(now[0], {600.0: failed}))
    assert {a.rule for a in alerts.firing()} == {"silent", "failing"}
    now[0] += 11.0  # stale now: a fresh empty window would clear both, a stale one may not
    store.put("metrics", "now", _metrics(now[0] - 11.0, {600.0: Counts(600.0)}))
    assert {a.rule for a in alerts.firing()} == {"silent", "failing"}
    store.put("metrics", "now", _metrics(now[0], {600.0: Counts(600.0)}))
    assert {a.rule for a in alerts.firing()} == {"silent"}
    assert [a.cleared for a in alerts.records() if a.rule == "failing"] == [now[0]]


def test_rules_for_other_environments_are_left_out() -> None:
    rules = [Rule(name="prod only", when="connection", over="2m", environments=("production",)),
             Rule(name="everywhere", when="connection", over="2m")]
    alerts = Alerts(Store(), rules, environment="stg", clock=lambda: 0.0)
    assert [r.name for r in alerts.rules] == ["everywhere"]


# --------------------------------------------------------------------------- watches
async def test_watch_run_tells_once_when_the_run_ends() -> None:
    rig = make_rig([])
    run = rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())[0]
    watch = rig.alerts.watch_run(run.id, "the email")
    assert rig.alerts.is_watched(watch.key)
    detail = rig.session.watch_run(run.id, start=False)
    assert await detail.poll_once()
    assert not rig.alerts.records()
    rig.h.advance(60)
    assert run.status in S.FINAL
    assert await detail.poll_once()
    at = rig.now
    [line] = rig.lines(watch.key)
    assert line.kind == "watch" and line.since == at and line.cleared == at
    assert f"run {run.id} (send-email) ended COMPLETED" in line.message
    assert not rig.alerts.is_watched(watch.key)
    rig.store.put("run_detail", run.id, rig.store.collection("run_detail").get(run.id))
    await rig.poll(10)
    assert len(rig.lines(watch.key)) == 1
    rig.session.unwatch_run(run.id)
    await rig.close()


async def test_watch_task_tells_each_new_failure_of_that_task_once() -> None:
    rig = make_rig([])
    start(rig.h, "send-email", "error")  # before the watch: not news
    await rig.poll(30)
    watch = rig.alerts.watch_task("send-email")
    await rig.poll(10)
    assert not rig.lines(watch.key)
    start(rig.h, "resize-image", "error")  # another task
    await rig.poll(30)
    assert not rig.lines(watch.key)
    failed = start(rig.h, "send-email", "error")
    at = await rig.poll(30)
    [line] = rig.lines(watch.key)
    assert line.since == at == line.cleared and line.subject == "send-email"
    assert line.message.startswith("task send-email failed: FAILED")
    await rig.poll(30)
    await rig.poll(30)
    assert len(rig.lines(watch.key)) == 1  # the same failure is not told again
    start(rig.h, "send-email", "error", n=2)
    await rig.poll(30)
    lines = rig.lines(watch.key)
    assert len(lines) == 2 and lines[1].message.endswith("(+1 more)")
    assert failed[0].id not in lines[1].message
    assert rig.alerts.unwatch(watch.key) and not rig.alerts.is_watched(watch.key)
    start(rig.h, "send-email", "error")
    await rig.poll(30)
    assert len(rig.lines(watch.key)) == 2
    await rig.close()


async def test_watch_queue_fires_past_its_threshold_clears_and_unwatch_removes_it() -> None:
    rig = make_rig([])
    watch = rig.alerts.watch_queue("email", threshold_s=120.0)
    await rig.h.client.queues.pause("email", type="custom")
    t0 = rig.now
    rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await rig.poll(t0 + 120.0 - rig.now)
    assert not rig.lines(watch.key)
    at = await rig.poll(1.0)
    [line] = rig.lines(watch.key)
    assert line.firing and line.since == at and line.kind == "watch" and line.bell
    await rig.h.client.queues.resume("email", type="custom")
    at2 = await rig.poll(30)
    assert rig.lines(watch.key)[-1].cleared == at2
    await rig.h.client.queues.pause("email", type="custom")
    t1 = rig.now
    rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    at3 = await rig.poll(t1 + 121.0 - rig.now)
    assert len(rig.lines(watch.key)) == 2 and rig.lines(watch.key)[-1].since == at3
    rig.h.advance(5)
    assert rig.alerts.unwatch(watch.key)
    assert rig.lines(watch.key)[-1].cleared == rig.now  # closed by unwatch
    assert not rig.alerts.is_watched(watch.key) and not rig.alerts.firing()
    await rig.poll(300)
    assert len(rig.lines(watch.key)) == 2 and not rig.alerts.firing()
    await rig.close()


async def test_a_queue_that_drained_and_refilled_is_not_judged_by_its_old_oldest_run() -> None:
    # Between two polls the queue empties and a new run waits: the queue list arrives before
    # the new oldest-wait ages, and the old age must not fire the rule in between.
    rig = make_rig([Rule(name="email stuck", when="queue_wait", above="5m", queue="email")])
    await rig.h.client.queues.pause("email", type="custom")
    t0 = rig.now
    rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await rig.poll(10.0)
    await rig.h.client.queues.resume("email", type="custom")
    rig.h.advance(30.0)
    await rig.h.client.queues.pause("email", type="custom")
    rig.h.advance(t0 + 290.0 - rig.now)
    for _ in range(2):
        rig.h.env.trigger("send-email", {}, "application/json", TriggerOptions())
    await rig.poll(20.0)  # the old oldest run would have waited 310 s; the new one 20 s
    assert not rig.lines("email stuck")
    await rig.poll(281.0)
    assert rig.firing("email stuck")
    await rig.close()
