"""One environment's simulated state machine: runs, queues and the event loop that moves them.

The world advances lazily: every request first calls `advance_to(now)`, which replays the
pending events in time order. Nothing runs in the background, so a given seed and a given
sequence of requests always produce the same world, whatever the wall clock did.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trigger_tui.emulator import statuses as S
from trigger_tui.emulator.ids import IdMaker
from trigger_tui.emulator.timefmt import parse_duration
from trigger_tui.emulator.world.batches import BatchBook, BatchItem, BulkBook
from trigger_tui.emulator.world.catalog import (
    BASE_COST_CENTS,
    BY_ID,
    MACHINE_CENTS_PER_SECOND,
    TaskSpec,
)
from trigger_tui.emulator.world.deployments import DeploymentBook
from trigger_tui.emulator.world.envvars import EnvVarBook
from trigger_tui.emulator.world.errors import ErrorBook
from trigger_tui.emulator.world.model import Attempt, Queue, Run
from trigger_tui.emulator.world.options import TriggerOptions
from trigger_tui.emulator.world.schedules import ScheduleBook
from trigger_tui.emulator.world.tokens import TokenBook

if TYPE_CHECKING:
    from trigger_tui.emulator.world.world import World

REGIONS = ("us-east-1", "eu-central-1")
PRUNE_EVERY_S = 300.0
# The batch workload (World(batch_workload=True)): about one batch every five minutes in
# production, each (task, fewest items, most items).
BATCHES_PER_MINUTE = 0.2
BATCH_SHAPES = (("send-email", 20, 60), ("embed-chunks", 8, 32))


class EnvWorld:
    """The state of one environment (dev, staging or prod) of the demo project."""

    def __init__(
        self,
        world: World,
        *,
        slug: str,
        env_type: str,
        api_key: str,
        seed: int,
        start: float,
        activity: float,
        max_concurrency: int,
    ) -> None:
        self.world = world
        self.slug = slug
        self.type = env_type
        self.api_key = api_key
        self.internal_id = "cl" + IdMaker(random.Random(seed * 31 + 5)).make("", 23)
        self.rng = random.Random(seed)
        self.ids = IdMaker(random.Random(seed * 7919 + 1))
        self.now = start
        self.start = start
        self.activity = activity
        self.max_concurrency = max_concurrency
        self.running = 0
        self._events: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._seq = 0
        self._run_seq = 0
        self.runs: dict[str, Run] = {}
        self.queues: dict[str, Queue] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        # Answers to requests carrying x-trigger-request-idempotency-key: (expiry, response).
        self.request_cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self.incident: tuple[str, float, float] | None = None  # (task, until, failure boost)
        # An upstream outage that a configuration fix ends: every attempt of `task` fails while
        # env var `name` holds `bad_value` (task, name, bad_value). Scripted by tests and demos.
        self.outage: tuple[str, str, str] | None = None
        self.pending_version: set[str] = set()
        self.deployments = DeploymentBook(self)
        self.schedules = ScheduleBook(self)
        self.tokens = TokenBook(self)
        self.batches = BatchBook(self)
        self.bulk = BulkBook(self)
        self.errors = ErrorBook(self)
        self.envvars = EnvVarBook(self)
        for spec in BY_ID.values():
            if self.deployments.knows_task(spec.id):
                self.queue_for(spec.id, spec)
        if world.workload:
            for spec in BY_ID.values():
                if spec.per_minute > 0 and self.deployments.knows_task(spec.id):
                    self._next_arrival(spec.id)
            if self.type != "DEVELOPMENT":
                self.at(start + self.rng.expovariate(1 / 1800), self._incident)
        # Its own random stream, so a world without batches draws exactly what it always did.
        self._batch_rng = random.Random(seed * 104_729 + 3)
        if world.batch_workload:
            self._next_batch()
        self.schedules.start()
        self.at(start + PRUNE_EVERY_S, self._prune)

    # ------------------------------------------------------------------ event loop
    def at(self, when: float, fn: Callable[..., None], *args: Any) -> None:
        """Run `fn(*args)` when simulated time reaches `when` (never in the past)."""
        self._seq += 1
        heapq.heappush(self._events, (max(when, self.now), self._seq, fn, args))

    def advance_to(self, t: float) -> None:
        events = self._events
        while events and events[0][0] <= t:
            when, _, fn, args = heapq.heappop(events)
            self.now = when
            fn(*args)
        if t > self.now:
            self.now = t

    @property
    def pending_events(self) -> int:
        return len(self._events)

    # ------------------------------------------------------------------ queues
    def queue_for(self, task: str, spec: TaskSpec | None = None, name: str | None = None) -> Queue:
        """The queue a run of `task` goes to: an explicit custom name, the task's, or its own."""
        if name is None and spec is not None and spec.queue:
            name = spec.queue
        if name is not None:
            key = name
            q = self.queues.get(key)
            if q is None:
                limit = spec.concurrency if spec is not None and spec.queue == name else None
                q = self.queues[key] = Queue(self.ids.make("queue_"), key, "custom", limit)
            return q
        key = f"task/{task}"
        q = self.queues.get(key)
        if q is None:
            limit = spec.concurrency if spec is not None else None
            q = self.queues[key] = Queue(self.ids.make("queue_"), key, "task", limit)
        return q

    def find_queue(self, param: str, kind: str) -> Queue | None:
        if kind == "id":
            return next((q for q in self.queues.values() if q.id == param), None)
        if kind == "task":
            q = self.queues.get(f"task/{param}")
            return q if q is not None and q.type == "task" else None
        q = self.queues.get(param)
        return q if q is not None and q.type == "custom" else None

    def set_paused(self, q: Queue, paused: bool) -> None:
        q.paused = paused
        self._dispatch()

    def override_limit(self, q: Queue, limit: int | None) -> None:
        q.override = limit
        q.overridden_at = self.now if limit is not None else None
        self._dispatch()

    # ------------------------------------------------------------------ triggering
    def trigger(
        self,
        task: str,
        payload: Any,
        payload_type: str,
        opts: TriggerOptions,
        *,
        parent: Run | None = None,
        trigger_function: str = "trigger",
        batch_id: str | None = None,
        schedule_id: str | None = None,
    ) -> tuple[Run, bool]:
        """Create a run (or return the cached one for a live idempotency key)."""
        if opts.idempotency_key:
            cached = self._idempotent_hit(task, opts.idempotency_key)
            if cached is not None:
                return cached, True
        spec = BY_ID.get(task)
        now = self.now
        self._run_seq += 1
        queue = self.queue_for(task, spec, opts.queue)
        ttl = opts.ttl
        ttl_s = opts.ttl_s
        if ttl is None and spec is not None and spec.ttl:
            ttl, ttl_s = spec.ttl, parse_duration(spec.ttl)
        if ttl is None and self.type == "DEVELOPMENT":
            ttl, ttl_s = "10m", 600.0
        dev = self.type == "DEVELOPMENT"
        run = Run(
            id=self.ids.make("run_"),
            seq=self._run_seq,
            task=task,
            status=S.PENDING,
            created_at=now,
            updated_at=now,
            queue=queue.name,
            machine=opts.machine or (spec.machine if spec else "small-1x"),
            payload=payload,
            payload_type=payload_type,
            tags=sorted(set(opts.tags))[:10],
            metadata=opts.metadata,
            idempotency_key=opts.idempotency_key,
            idempotency_key_user=opts.idempotency_key_user,
            ttl=ttl,
            concurrency_key=opts.concurrency_key,
            max_attempts=opts.max_attempts or (spec.max_attempts if spec else 3),
            max_duration=opts.max_duration or (spec.max_duration if spec else None),
            priority=opts.priority,
            is_test=opts.test,
            region=opts.region or (None if dev else REGIONS[self.rng.random() < 0.2]),
            base_cost_cents=0.0 if dev else BASE_COST_CENTS,
            trigger_function=trigger_function,
            batch_id=batch_id,
            schedule_id=schedule_id,
            trace_seed=self.rng.getrandbits(32),
        )
        run.ttl_s = ttl_s
        if opts.idempotency_key:
            ttl_key = opts.idempotency_ttl_s if opts.idempotency_ttl_s is not None else 30 * 86400
            run.idempotency_expires_at = now + ttl_key
            self.idempotency[(task, opts.idempotency_key)] = run.id
        if parent is not None:
            run.parent_id = parent.id
            run.root_id = parent.root_id or parent.id
            run.depth = parent.depth + 1
            parent.children.append(run.id)
        self.runs[run.id] = run
        version = self.deployments.version_for(task, opts.lock_to_version)
        if version is None:
            run.status = S.PENDING_VERSION
            self.pending_version.add(run.id)
        else:
            run.version = version
            if opts.delay_until is not None and opts.delay_until > now:
                run.status = S.DELAYED
                run.delayed_until = opts.delay_until
                self.at(opts.delay_until, self._undelay, run, run.gen)
            else:
                self._enqueue(run)
        self._dispatch()
        return run, False

    def _idempotent_hit(self, task: str, key: str) -> Run | None:
        run_id = self.idempotency.get((task, key))
        run = self.runs.get(run_id) if run_id else None
        if run is None:
            return None
        expired = run.idempotency_expires_at is not None and run.idempotency_expires_at <= self.now
        retryable = run.status in S.FAILED_FINAL or run.status == S.EXPIRED
        if expired or retryable:
            del self.idempotency[(task, key)]
            return None
        return run

    def reset_idempotency(self, task: str, key: str) -> bool:
        return self.idempotency.pop((task, key), None) is not None

    def release_pending_versions(self) -> None:
        """After a promote: runs that waited for a version holding their task may now go."""
        for run_id in sorted(self.pending_version, key=lambda r: self.runs[r].seq):
            run = self.runs[run_id]
            version = self.deployments.version_for(run.task, None)
            if version is not None and run.status == S.PENDING_VERSION:
                run.version = version
                self.pending_version.discard(run_id)
                self._enqueue(run)
        self._dispatch()

    # ------------------------------------------------------------------ run lifecycle
    def _touch(self, run: Run, status: str) -> None:
        run.status = status
        run.updated_at = self.now

    def _enqueue(self, run: Run, *, front: bool = False) -> None:
        q = self.queues[run.queue]
        if run.status in (S.PENDING, S.DELAYED, S.PENDING_VERSION):
            self._touch(run, S.PENDING)
            run.queued_at = self.now
            if run.ttl_s:
                self.at(self.now + run.ttl_s, self._expire, run, run.gen)
        key = (run.created_at - 1e10) if front else (self.now - run.priority)
        heapq.heappush(q.waiting, (key, run.seq, run.id, run.gen))
        q.members.add(run.id)

    def _undelay(self, run: Run, gen: int) -> None:
        if run.gen == gen and run.status == S.DELAYED:
            self._enqueue(run)
            self._dispatch()

    def _expire(self, run: Run, gen: int) -> None:
        if run.gen != gen or run.status != S.PENDING:
            return
        self.queues[run.queue].members.discard(run.id)
        run.gen += 1
        self._touch(run, S.EXPIRED)
        run.expired_at = self.now
        run.finished_at = self.now
        self._on_final(run)

    def _dispatch(self) -> None:
        """Start queued runs while their queue and the environment have free slots."""
        while self.running < self.max_concurrency:
            best: Queue | None = None
            best_key: tuple[float, int] | None = None
            for q in self.queues.values():
                if not q.members or q.paused or q.running >= q.limit(self.max_concurrency):
                    continue
                head = self._head(q)
                if head is not None and (best_key is None or head < best_key):
                    best, best_key = q, head
            if best is None:
                return
            _, _, run_id, _ = heapq.heappop(best.waiting)
            best.members.discard(run_id)
            self._start(self.runs[run_id], best)

    def _head(self, q: Queue) -> tuple[float, int] | None:
        while q.waiting:
            key, seq, run_id, gen = q.waiting[0]
            run = self.runs.get(run_id)
            if run is not None and run.gen == gen and run_id in q.members:
                return (key, seq)
            heapq.heappop(q.waiting)
        q.members.clear()
        return None

    def _start(self, run: Run, q: Queue) -> None:
        run.gen += 1
        run.holding = True
        q.running += 1
        self.running += 1
        self._touch(run, S.DEQUEUED)
        self.at(self.now + self.rng.uniform(0.15, 0.9), self._begin, run, run.gen)

    def _release(self, run: Run) -> None:
        if run.holding:
            run.holding = False
            self.queues[run.queue].running -= 1
            self.running -= 1

    def _begin(self, run: Run, gen: int) -> None:
        if run.gen != gen:
            return
        if run.started_at is None:
            run.started_at = self.now
        if run.phase == 0 and run.plan_done == 0.0:
            self._plan_attempt(run)
        self._touch(run, S.EXECUTING)
        run.segment_started = self.now
        end = run.plan_total
        if run.phase == 0 and run.plan_wait_at >= 0:
            end = run.plan_wait_at
        self.at(self.now + max(0.01, end - run.plan_done), self._segment_end, run, run.gen)

    def _plan_attempt(self, run: Run) -> None:
        spec = BY_ID.get(run.task)
        run.attempts.append(Attempt(len(run.attempts) + 1, self.now))
        median = spec.median_s if spec else 2.0
        sigma = spec.sigma if spec else 0.5
        duration = median * math.exp(self.rng.gauss(0.0, sigma))
        run.plan_outcome, run.plan_failure = "success", -1
        failures = spec.failures if spec else ()
        boost = 1.0
        if self.incident and spec and self.incident[0] == spec.id and self.now < self.incident[1]:
            boost = self.incident[2]
        if self.outage and spec and self.outage[0] == spec.id:
            var = self.envvars.get(self.outage[1])
            if var is not None and var.value == self.outage[2]:
                boost = 1e12  # the first failure mode, every attempt
        roll = self.rng.random()
        for i, failure in enumerate(failures):
            roll -= failure.weight * boost
            if roll < 0:
                run.plan_outcome, run.plan_failure = failure.kind, i
                if failure.kind == "error":
                    duration *= self.rng.uniform(0.2, 1.0)
                break
        if run.max_duration and (duration > run.max_duration or run.plan_outcome == "timeout"):
            run.plan_outcome = "timeout"
            duration = float(run.max_duration)
        run.plan_total = duration
        run.plan_done = 0.0
        waits = spec is not None and (spec.waits_token or (spec.children and run.depth < 2))
        run.plan_wait_at = duration * self.rng.uniform(0.2, 0.5) if waits else -1.0

    def _accrue(self, run: Run) -> None:
        if run.status == S.EXECUTING:
            spent = self.now - run.segment_started
            run.plan_done += spent
            run.usage_ms += int(spent * 1000)
            run.segment_started = self.now
            if self.type != "DEVELOPMENT":
                rate = MACHINE_CENTS_PER_SECOND.get(run.machine, 0.00338)
                run.cost_cents = run.usage_ms / 1000.0 * rate

    def _segment_end(self, run: Run, gen: int) -> None:
        if run.gen != gen or run.status != S.EXECUTING:
            return
        self._accrue(run)
        spec = BY_ID.get(run.task)
        if run.phase == 0 and run.plan_wait_at >= 0 and spec is not None:
            run.phase = 1
            run.gen += 1
            self._release(run)
            self._touch(run, S.WAITING_TO_RESUME)
            if spec.waits_token:
                token = self.tokens.create_for_run(run)
                run.waiting_on = token.id
            else:
                run.waiting_on = "children"
                for child_task in spec.children:
                    child_spec = BY_ID[child_task]
                    self.trigger(
                        child_task, child_spec.payload(self.rng), "application/json",
                        TriggerOptions(tags=list(run.tags)), parent=run,
                        trigger_function="triggerAndWait",
                    )
            self._dispatch()
            return
        self._finish_attempt(run)

    def resume(self, run: Run, *, wait_failed: bool = False) -> None:
        """A token completed or the last child finished: the run continues where it left off."""
        if run.status != S.WAITING_TO_RESUME:
            return
        run.waiting_on = None
        if wait_failed:
            run.plan_outcome = "wait_timeout"
        self._enqueue(run, front=True)
        self._dispatch()

    def _finish_attempt(self, run: Run) -> None:
        spec = BY_ID.get(run.task)
        attempt = run.attempts[-1]
        attempt.ended_at = self.now
        outcome = run.plan_outcome
        run.gen += 1
        self._release(run)
        if outcome == "success":
            run.output = spec.output(self.rng) if spec else {"ok": True}
            self._final(run, S.COMPLETED_SUCCESSFULLY)
        elif outcome in ("error", "wait_timeout"):
            if outcome == "wait_timeout":
                error = {"type": "BUILT_IN_ERROR", "name": "WaitpointTimeoutError",
                         "message": "Waitpoint timed out: refund was not approved within 1h",
                         "stackTrace": "    at approveRefund (file:///src/trigger/refunds.ts:41:11)"}
            else:
                assert spec is not None
                error = self._builtin_error(spec, run.plan_failure)
            attempt.error = error
            if outcome == "error" and attempt.number < run.max_attempts:
                run.error = None
                run.phase, run.plan_done = 0, 0.0
                self._touch(run, S.RETRYING_AFTER_FAILURE)
                delay = min(30.0, 1.0 * 2 ** (attempt.number - 1)) * self.rng.uniform(1.0, 2.0)
                self.at(self.now + delay, self._retry, run, run.gen)
            else:
                run.error = error
                self._final(run, S.COMPLETED_WITH_ERRORS)
        else:
            assert spec is not None
            failure = spec.failures[run.plan_failure] if run.plan_failure >= 0 else None
            if outcome == "timeout":
                code = "MAX_DURATION_EXCEEDED"
                status = S.TIMED_OUT
            elif outcome == "crash":
                code = failure.internal_code if failure else "TASK_RUN_CRASHED"
                status = S.CRASHED
            else:
                code = failure.internal_code if failure else "TASK_RUN_HEARTBEAT_TIMEOUT"
                status = S.SYSTEM_FAILURE
            message = failure.message if failure else "Run exceeded its maximum duration"
            if outcome == "timeout":
                message = (f"Run exceeded maximum compute time (maxDuration) of "
                           f"{run.max_duration} seconds")
            error = {"type": "INTERNAL_ERROR", "code": code, "message": message}
            attempt.error = error
            run.error = error
            self._final(run, status)
        self._dispatch()

    def _builtin_error(self, spec: TaskSpec, index: int) -> dict[str, Any]:
        failure = spec.failures[index]
        message = failure.message.replace("{n}", str(self.rng.randint(100, 99999))).replace(
            "{c}", self.rng.choice(["acme", "globex", "initech", "hooli"])
        )
        stack = f"{failure.name}: {message}\n{failure.stack}" if failure.stack else ""
        return {"type": "BUILT_IN_ERROR", "name": failure.name, "message": message,
                "stackTrace": stack}

    def _retry(self, run: Run, gen: int) -> None:
        if run.gen == gen and run.status == S.RETRYING_AFTER_FAILURE:
            self._enqueue(run, front=True)
            self._dispatch()

    def _final(self, run: Run, status: str) -> None:
        self._touch(run, status)
        run.finished_at = self.now
        self._on_final(run)

    def _on_final(self, run: Run) -> None:
        self.pending_version.discard(run.id)
        if run.status in S.FAILED_FINAL:
            self.errors.record(run)
        if run.parent_id is not None:
            parent = self.runs.get(run.parent_id)
            if parent is not None and parent.waiting_on == "children":
                if all(
                    self.runs[c].status in S.FINAL for c in parent.children if c in self.runs
                ):
                    self.resume(parent)
        if run.batch_id is not None:
            self.batches.run_finished(run)

    # ------------------------------------------------------------------ operator actions
    def cancel(self, run: Run) -> bool:
        """Cancel a run and its unfinished descendants. A finished run is left alone."""
        if run.status in S.FINAL:
            return False
        self._accrue(run)
        run.gen += 1
        self._release(run)
        self.queues[run.queue].members.discard(run.id)
        if run.attempts and run.attempts[-1].ended_at is None:
            run.attempts[-1].ended_at = self.now
        run.waiting_on = None
        self._final(run, S.CANCELED)
        for child_id in list(run.children):
            child = self.runs.get(child_id)
            if child is not None:
                self.cancel(child)
        self._dispatch()
        return True

    def replay(self, run: Run, overrides: dict[str, Any] | None = None) -> Run:
        o = overrides or {}
        opts = TriggerOptions(
            tags=list(o.get("tags", run.tags)),
            metadata=o.get("metadata", run.metadata),
            queue=o.get("queue") or (None if run.queue.startswith("task/") else run.queue),
            concurrency_key=o.get("concurrencyKey", run.concurrency_key),
            machine=o.get("machine", run.machine),
            delay_until=o.get("delay_until"),
            ttl=o.get("ttl"),
            ttl_s=o.get("ttl_s"),
            lock_to_version=o.get("version"),
            region=o.get("region", run.region),
            max_attempts=o.get("maxAttempts"),
            max_duration=o.get("maxDuration"),
            priority=float(o.get("priority", 0) or 0),
            idempotency_key=o.get("idempotencyKey"),
            test=run.is_test,
        )
        payload = o["payload"] if "payload" in o else run.payload
        new, _ = self.trigger(run.task, payload, o.get("payloadType", run.payload_type), opts)
        return new

    def reschedule(self, run: Run, until: float) -> None:
        run.gen += 1
        run.delayed_until = until
        run.updated_at = self.now
        self.at(until, self._undelay, run, run.gen)

    def usage_ms(self, run: Run) -> int:
        if run.status == S.EXECUTING:
            return run.usage_ms + int((self.now - run.segment_started) * 1000)
        return run.usage_ms

    def cost_cents(self, run: Run) -> float:
        if self.type == "DEVELOPMENT":
            return 0.0
        rate = MACHINE_CENTS_PER_SECOND.get(run.machine, 0.00338)
        return self.usage_ms(run) / 1000.0 * rate

    # ------------------------------------------------------------------ simulated workload
    def _next_arrival(self, task: str) -> None:
        spec = BY_ID[task]
        rate = spec.per_minute * self.activity / 60.0
        if rate > 0:
            self.at(self.now + self.rng.expovariate(rate), self._arrive, task)

    def _arrive(self, task: str) -> None:
        spec = BY_ID[task]
        r = self.rng
        opts = TriggerOptions(tags=spec.tags(r))
        if r.random() < 0.04:
            opts.delay_until = self.now + r.choice([60, 300, 600, 1800])
        if r.random() < 0.01:
            opts.test = True
        self.trigger(task, spec.payload(r), "application/json", opts)
        self._next_arrival(task)

    def _next_batch(self) -> None:
        rate = BATCHES_PER_MINUTE * self.activity / 60.0
        if rate > 0:
            self.at(self.now + self._batch_rng.expovariate(rate), self._arrive_batch)

    def _arrive_batch(self) -> None:
        """A batchTrigger from the project's code: one task, a few dozen items."""
        r = self._batch_rng
        task, low, high = r.choice(BATCH_SHAPES)
        spec = BY_ID[task]
        count = r.randint(low, high)
        batch = self.batches.create(count)
        for index in range(count):
            opts = TriggerOptions(tags=spec.tags(r))
            self.batches.receive(batch, BatchItem(index, task, spec.payload(r), opts=opts))
        self.batches.seal(batch)
        self._next_batch()

    def _incident(self) -> None:
        candidates = [t for t in BY_ID.values() if t.failures and t.per_minute > 0]
        spec = self.rng.choice(candidates)
        self.incident = (spec.id, self.now + self.rng.uniform(300, 900), self.rng.uniform(6, 12))
        self.at(self.now + self.rng.expovariate(1 / 2400), self._incident)

    # ------------------------------------------------------------------ retention
    def _prune(self) -> None:
        """Forget finished runs past the retention window, so a week-long demo stays bounded."""
        cutoff = self.now - self.world.retention_s
        excess = len(self.runs) - self.world.max_runs
        doomed: list[str] = []
        for run in self.runs.values():
            if run.created_at >= cutoff and excess <= len(doomed):
                break
            if run.status in S.FINAL and (run.finished_at or 0) < self.now - 60:
                doomed.append(run.id)
        for run_id in doomed:
            run = self.runs.pop(run_id)
            if run.idempotency_key:
                key = (run.task, run.idempotency_key)
                if self.idempotency.get(key) == run_id:
                    del self.idempotency[key]
        self.request_cache = {k: v for k, v in self.request_cache.items() if v[0] > self.now}
        self.batches.prune(cutoff)
        self.bulk.prune(cutoff)
        self.tokens.prune(cutoff)
        self.errors.prune(cutoff)
        self.at(self.now + PRUNE_EVERY_S, self._prune)
