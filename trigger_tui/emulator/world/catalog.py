"""The simulated project's tasks: what they do, how long they take and how they fail.

Numbers are chosen so the demo reads like a real production project: mostly green, a steady
trickle of webhook and rate-limit failures, rare crashes and platform failures, a human-approval
flow that waits on tokens, and parents whose children make the traces trees.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Failure:
    """One way a task fails. `kind` is error (retried), crash, system or timeout."""

    weight: float
    kind: str
    name: str
    message: str
    stack: str = ""
    internal_code: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A child span the task's code emits during an attempt (fraction of the attempt's time)."""

    message: str
    start: float
    length: float
    kind: str = "INTERNAL"
    icon: str = ""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    id: str
    file_path: str
    export_name: str
    per_minute: float  # arrival rate in production; 0 for child-only or scheduled tasks
    median_s: float
    sigma: float = 0.5
    queue: str | None = None  # a custom queue name; None means the task's own queue
    concurrency: int | None = None
    machine: str = "small-1x"
    max_attempts: int = 3
    max_duration: int | None = None
    ttl: str | None = None
    failures: tuple[Failure, ...] = ()
    spans: tuple[Span, ...] = ()
    logs: tuple[str, ...] = ()
    children: tuple[str, ...] = ()  # triggered with triggerAndWait mid-attempt
    waits_token: bool = False
    cron: tuple[str, str] | None = None  # (expression, timezone) for a declarative schedule
    payload: Callable[[random.Random], Any] = field(default=lambda r: {})
    output: Callable[[random.Random], Any] = field(default=lambda r: {"ok": True})
    tags: Callable[[random.Random], list[str]] = field(default=lambda r: [])


def _stack(fn: str, file: str, line: int) -> str:
    return (
        f"    at {fn} (file:///src/{file}:{line}:15)\n"
        f"    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
        f"    at async run (file:///node_modules/@trigger.dev/core/dist/esm/v3/workers/"
        f"taskExecutor.js:412:24)"
    )


_CUSTOMERS = ["acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"]
_PLANS = ["free", "hobby", "pro", "enterprise"]


def _customer(r: random.Random) -> str:
    return r.choice(_CUSTOMERS)


def _email_payload(r: random.Random) -> dict[str, Any]:
    return {"to": f"user{r.randint(1000, 99999)}@{_customer(r)}.com",
            "template": r.choice(["welcome", "receipt", "password-reset", "digest"]),
            "userId": f"user_{r.randint(10000, 99999)}"}


OOM = Failure(0.0, "system", "OutOfMemoryError",
              "Task ran out of memory and was killed", internal_code="TASK_PROCESS_OOM_KILLED")
CRASH = Failure(0.0, "crash", "Error", "Worker process exited with code 137 (SIGKILL)",
                internal_code="TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE")

TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        id="send-email", file_path="src/trigger/email.ts", export_name="sendEmail",
        per_minute=9.0, median_s=0.9, sigma=0.4, queue="email", concurrency=10, machine="micro",
        failures=(
            Failure(0.02, "error", "ResendError", "Rate limit exceeded: 10 requests per second",
                    _stack("sendEmail", "trigger/email.ts", 31)),
            Failure(0.004, "error", "ValidationError",
                    "Invalid `to` field: domain has no MX record",
                    _stack("sendEmail", "trigger/email.ts", 22)),
        ),
        spans=(Span("POST https://api.resend.com/emails", 0.2, 0.7, "CLIENT", "http"),),
        logs=("Rendering template", "Email accepted by provider"),
        payload=_email_payload,
        output=lambda r: {"messageId": f"msg_{r.getrandbits(48):012x}"},
        tags=lambda r: [f"customer:{_customer(r)}"],
    ),
    TaskSpec(
        id="deliver-webhook", file_path="src/trigger/webhooks.ts", export_name="deliverWebhook",
        per_minute=12.0, median_s=0.6, sigma=0.8, queue="webhooks", concurrency=25,
        machine="micro", max_attempts=5,
        failures=(
            Failure(0.06, "error", "FetchError",
                    "request to https://hooks.{c}.io/trigger failed, reason: ECONNRESET",
                    _stack("deliverWebhook", "trigger/webhooks.ts", 48)),
            Failure(0.03, "error", "WebhookDeliveryError",
                    "Endpoint responded with 503 Service Unavailable",
                    _stack("deliverWebhook", "trigger/webhooks.ts", 57)),
        ),
        spans=(Span("POST https://hooks.example.io/trigger", 0.05, 0.9, "CLIENT", "http"),),
        logs=("Signing payload", "Delivered"),
        payload=lambda r: {"endpoint": f"https://hooks.{_customer(r)}.io/trigger",
                           "event": r.choice(["order.created", "invoice.paid", "user.deleted"]),
                           "attempt": 1},
        output=lambda r: {"status": 200, "latencyMs": r.randint(40, 900)},
        tags=lambda r: [f"customer:{_customer(r)}"],
    ),
    TaskSpec(
        id="resize-image", file_path="src/trigger/images.ts", export_name="resizeImage",
        per_minute=4.0, median_s=3.5, sigma=0.6, concurrency=5, machine="medium-1x",
        failures=(
            Failure(0.015, "error", "Error", "Input buffer contains unsupported image format",
                    _stack("resizeImage", "trigger/images.ts", 19)),
            Failure(0.004, "system", OOM.name, OOM.message, internal_code=OOM.internal_code),
        ),
        spans=(Span("s3.getObject uploads/", 0.0, 0.2, "CLIENT", "aws"),
               Span("sharp.resize 3 sizes", 0.22, 0.6),
               Span("s3.putObject thumbnails/", 0.84, 0.15, "CLIENT", "aws")),
        logs=("Downloaded original", "Generated 3 variants"),
        payload=lambda r: {"key": f"uploads/{r.getrandbits(40):010x}.jpg",
                           "sizes": [128, 512, 1024]},
        output=lambda r: {"variants": 3, "bytes": r.randint(80_000, 2_000_000)},
    ),
    TaskSpec(
        id="summarize-document", file_path="src/trigger/llm.ts", export_name="summarizeDocument",
        per_minute=2.5, median_s=9.0, sigma=0.6, queue="openai", concurrency=4,
        machine="small-2x", max_attempts=4, max_duration=120,
        failures=(
            Failure(0.05, "error", "RateLimitError",
                    "429 You exceeded your current quota, please check your plan and billing "
                    "details.", _stack("summarizeDocument", "trigger/llm.ts", 64)),
            Failure(0.01, "timeout", "MaxDurationExceededError",
                    "Run exceeded maximum compute time (maxDuration) of 120 seconds"),
        ),
        spans=(Span("openai.chat.completions gpt-4o-mini", 0.35, 0.6, "CLIENT", "openai"),),
        logs=("Fetched document", "Prompt tokens: 3812", "Summary stored"),
        children=("embed-chunks",),
        payload=lambda r: {"documentId": f"doc_{r.getrandbits(40):010x}",
                           "model": "gpt-4o-mini"},
        output=lambda r: {"summary": "Quarterly revenue grew 12% on enterprise expansion.",
                          "tokens": {"prompt": r.randint(800, 6000),
                                     "completion": r.randint(80, 400)}},
        tags=lambda r: ["llm", f"customer:{_customer(r)}"],
    ),
    TaskSpec(
        id="embed-chunks", file_path="src/trigger/llm.ts", export_name="embedChunks",
        per_minute=0.0, median_s=1.8, sigma=0.4, queue="openai", machine="small-1x",
        failures=(Failure(0.01, "error", "APIConnectionError", "Connection error.",
                          _stack("embedChunks", "trigger/llm.ts", 101)),),
        spans=(Span("openai.embeddings text-embedding-3-small", 0.1, 0.8, "CLIENT", "openai"),),
        logs=("Embedding 24 chunks",),
        payload=lambda r: {"chunks": r.randint(4, 40)},
        output=lambda r: {"vectors": r.randint(4, 40)},
    ),
    TaskSpec(
        id="process-order", file_path="src/trigger/orders.ts", export_name="processOrder",
        per_minute=5.0, median_s=2.0, sigma=0.5, machine="small-1x",
        failures=(Failure(0.01, "error", "OrderStateError",
                          "Order ord_{n} is already fulfilled",
                          _stack("processOrder", "trigger/orders.ts", 88)),),
        spans=(Span("db.query SELECT orders", 0.0, 0.1, "CLIENT", "postgres"),),
        logs=("Order validated", "Fulfilment requested"),
        children=("charge-card", "send-email"),
        payload=lambda r: {"orderId": f"ord_{r.randint(100000, 999999)}",
                           "amount": r.randint(500, 50000), "currency": "usd"},
        output=lambda r: {"fulfilled": True},
        tags=lambda r: [f"customer:{_customer(r)}", f"plan:{r.choice(_PLANS)}"],
    ),
    TaskSpec(
        id="charge-card", file_path="src/trigger/payments.ts", export_name="chargeCard",
        per_minute=0.0, median_s=1.2, sigma=0.5, queue="payments", concurrency=5,
        machine="micro", max_attempts=2,
        failures=(Failure(0.03, "error", "StripeCardError", "Your card was declined.",
                          _stack("chargeCard", "trigger/payments.ts", 27)),),
        spans=(Span("POST https://api.stripe.com/v1/payment_intents", 0.1, 0.8, "CLIENT",
                    "stripe"),),
        logs=("Creating payment intent",),
        payload=lambda r: {"amount": r.randint(500, 50000), "currency": "usd"},
        output=lambda r: {"paymentIntent": f"pi_{r.getrandbits(64):016x}"},
    ),
    TaskSpec(
        id="sync-stripe-payments", file_path="src/trigger/payments.ts",
        export_name="syncStripePayments", per_minute=0.0, median_s=18.0, sigma=0.4,
        machine="small-1x", cron=("*/15 * * * *", "UTC"),
        failures=(Failure(0.04, "error", "StripeConnectionError",
                          "An error occurred with our connection to Stripe. Request was retried "
                          "2 times.", _stack("syncStripePayments", "trigger/payments.ts", 140)),),
        spans=(Span("stripe.balanceTransactions.list", 0.05, 0.7, "CLIENT", "stripe"),),
        logs=("Fetched 250 balance transactions", "Upserted ledger rows"),
        output=lambda r: {"synced": r.randint(20, 400)},
    ),
    TaskSpec(
        id="nightly-report", file_path="src/trigger/reports.ts", export_name="nightlyReport",
        per_minute=0.0, median_s=75.0, sigma=0.3, machine="large-1x", max_duration=600,
        cron=("0 2 * * *", "America/New_York"),
        failures=(Failure(0.05, "error", "QueryTimeoutError",
                          "canceling statement due to statement timeout",
                          _stack("nightlyReport", "trigger/reports.ts", 77)),),
        spans=(Span("clickhouse.query daily_revenue", 0.05, 0.5, "CLIENT", "clickhouse"),
               Span("render report.pdf", 0.6, 0.3)),
        logs=("Aggregating 24h of orders", "Report uploaded"),
        output=lambda r: {"rows": r.randint(10_000, 90_000), "url": "s3://reports/daily.pdf"},
    ),
    TaskSpec(
        id="cleanup-sessions", file_path="src/trigger/maintenance.ts",
        export_name="cleanupSessions", per_minute=0.0, median_s=4.0, sigma=0.3,
        machine="micro", cron=("0 * * * *", "UTC"),
        spans=(Span("db.query DELETE sessions", 0.1, 0.8, "CLIENT", "postgres"),),
        logs=("Deleted expired sessions",),
        output=lambda r: {"deleted": r.randint(0, 5000)},
    ),
    TaskSpec(
        id="approve-refund", file_path="src/trigger/refunds.ts", export_name="approveRefund",
        per_minute=0.6, median_s=1.5, sigma=0.3, machine="micro", waits_token=True,
        failures=(),
        spans=(Span("wait.forToken refund-approval", 0.3, 0.4),),
        logs=("Refund requested, waiting for approval",),
        payload=lambda r: {"refundId": f"re_{r.randint(10000, 99999)}",
                           "amount": r.randint(1000, 20000)},
        output=lambda r: {"approved": True},
        tags=lambda r: ["refund", f"customer:{_customer(r)}"],
    ),
    TaskSpec(
        id="import-csv", file_path="src/trigger/imports.ts", export_name="importCsv",
        per_minute=0.4, median_s=40.0, sigma=0.7, queue="imports", concurrency=2,
        machine="medium-2x", max_duration=180, ttl="30m",
        failures=(
            Failure(0.04, "error", "CsvParseError", "Unexpected quote at line {n}, column 14",
                    _stack("importCsv", "trigger/imports.ts", 52)),
            Failure(0.01, "crash", CRASH.name, CRASH.message, internal_code=CRASH.internal_code),
        ),
        spans=(Span("s3.getObject imports/", 0.0, 0.1, "CLIENT", "aws"),
               Span("parse + upsert rows", 0.12, 0.85)),
        logs=("Parsing file", "Upserted rows"),
        payload=lambda r: {"file": f"imports/{r.getrandbits(32):08x}.csv",
                           "rows": r.randint(1000, 200000)},
        output=lambda r: {"imported": r.randint(1000, 200000)},
        tags=lambda r: [f"customer:{_customer(r)}"],
    ),
)

# Exists only in the newest, not yet promoted, staging deploy (and in dev).
NEXT_TASK = "generate-invoice-pdf"
TASKS = (*TASKS, TaskSpec(
    id=NEXT_TASK, file_path="src/trigger/invoices.ts", export_name="generateInvoicePdf",
    per_minute=0.5, median_s=5.0, sigma=0.4, machine="small-2x",
    spans=(Span("render invoice.pdf", 0.1, 0.8),),
    logs=("Rendering invoice",),
    payload=lambda r: {"invoiceId": f"in_{r.randint(100000, 999999)}"},
    output=lambda r: {"url": "s3://invoices/in.pdf"},
))

BY_ID: dict[str, TaskSpec] = {t.id: t for t in TASKS}

MACHINE_CENTS_PER_SECOND = {
    "micro": 0.00169, "small-1x": 0.00338, "small-2x": 0.00675, "medium-1x": 0.0085,
    "medium-2x": 0.017, "large-1x": 0.034, "large-2x": 0.068,
}
MACHINES = tuple(MACHINE_CENTS_PER_SECOND)
BASE_COST_CENTS = 0.0025
