"""Run statuses: the internal (database) set, and the public vocabularies the API speaks.

The public name depends on the `x-trigger-api-version` request header, exactly as the server
maps it; the helper booleans are computed from the public name, as the server computes them.
"""

from __future__ import annotations

API_VERSION_CURRENT = "2025-07-16"

# Internal statuses, as stored by the real service.
DELAYED = "DELAYED"
PENDING_VERSION = "PENDING_VERSION"
PENDING = "PENDING"
DEQUEUED = "DEQUEUED"
EXECUTING = "EXECUTING"
RETRYING_AFTER_FAILURE = "RETRYING_AFTER_FAILURE"
WAITING_TO_RESUME = "WAITING_TO_RESUME"
COMPLETED_SUCCESSFULLY = "COMPLETED_SUCCESSFULLY"
CANCELED = "CANCELED"
COMPLETED_WITH_ERRORS = "COMPLETED_WITH_ERRORS"
INTERRUPTED = "INTERRUPTED"
CRASHED = "CRASHED"
SYSTEM_FAILURE = "SYSTEM_FAILURE"
EXPIRED = "EXPIRED"
TIMED_OUT = "TIMED_OUT"

FINAL = frozenset(
    {CANCELED, INTERRUPTED, COMPLETED_SUCCESSFULLY, COMPLETED_WITH_ERRORS, SYSTEM_FAILURE,
     CRASHED, EXPIRED, TIMED_OUT}
)
FAILED_FINAL = frozenset({COMPLETED_WITH_ERRORS, CRASHED, SYSTEM_FAILURE, TIMED_OUT, INTERRUPTED})

_CURRENT = {
    DELAYED: "DELAYED",
    PENDING_VERSION: "PENDING_VERSION",
    "WAITING_FOR_DEPLOY": "PENDING_VERSION",
    PENDING: "QUEUED",
    DEQUEUED: "DEQUEUED",
    EXECUTING: "EXECUTING",
    RETRYING_AFTER_FAILURE: "EXECUTING",
    "PAUSED": "WAITING",
    WAITING_TO_RESUME: "WAITING",
    COMPLETED_SUCCESSFULLY: "COMPLETED",
    CANCELED: "CANCELED",
    COMPLETED_WITH_ERRORS: "FAILED",
    INTERRUPTED: "FAILED",
    CRASHED: "CRASHED",
    SYSTEM_FAILURE: "SYSTEM_FAILURE",
    EXPIRED: "EXPIRED",
    TIMED_OUT: "TIMED_OUT",
}
_LEGACY = {
    **_CURRENT,
    "WAITING_FOR_DEPLOY": "WAITING_FOR_DEPLOY",
    DEQUEUED: "EXECUTING",
    RETRYING_AFTER_FAILURE: "REATTEMPTING",
    "PAUSED": "FROZEN",
    WAITING_TO_RESUME: "FROZEN",
    INTERRUPTED: "INTERRUPTED",
}

CURRENT_PUBLIC = (
    "PENDING_VERSION", "QUEUED", "DEQUEUED", "EXECUTING", "WAITING", "COMPLETED", "CANCELED",
    "FAILED", "CRASHED", "SYSTEM_FAILURE", "DELAYED", "EXPIRED", "TIMED_OUT",
)
LEGACY_PUBLIC = (
    "PENDING_VERSION", "WAITING_FOR_DEPLOY", "QUEUED", "EXECUTING", "REATTEMPTING", "FROZEN",
    "COMPLETED", "CANCELED", "FAILED", "CRASHED", "INTERRUPTED", "SYSTEM_FAILURE", "DELAYED",
    "EXPIRED", "TIMED_OUT",
)

# `filter[status]` accepts either vocabulary regardless of the header.
FILTER_TO_INTERNAL: dict[str, frozenset[str]] = {
    "PENDING_VERSION": frozenset({PENDING_VERSION, "WAITING_FOR_DEPLOY"}),
    "WAITING_FOR_DEPLOY": frozenset({"WAITING_FOR_DEPLOY"}),
    "DELAYED": frozenset({DELAYED}),
    "QUEUED": frozenset({PENDING}),
    "DEQUEUED": frozenset({DEQUEUED}),
    "EXECUTING": frozenset({EXECUTING}),
    "REATTEMPTING": frozenset({RETRYING_AFTER_FAILURE}),
    "FROZEN": frozenset({"PAUSED", WAITING_TO_RESUME}),
    "WAITING": frozenset({WAITING_TO_RESUME}),
    "COMPLETED": frozenset({COMPLETED_SUCCESSFULLY}),
    "CANCELED": frozenset({CANCELED}),
    "FAILED": frozenset({COMPLETED_WITH_ERRORS}),
    "INTERRUPTED": frozenset({INTERRUPTED}),
    "CRASHED": frozenset({CRASHED}),
    "SYSTEM_FAILURE": frozenset({SYSTEM_FAILURE}),
    "EXPIRED": frozenset({EXPIRED}),
    "TIMED_OUT": frozenset({TIMED_OUT}),
}


def public_status(internal: str, api_version: str | None) -> str:
    table = _CURRENT if api_version == API_VERSION_CURRENT else _LEGACY
    return table[internal]


def helper_flags(public: str) -> dict[str, bool]:
    """The `is*` booleans as the server computes them (EXPIRED/TIMED_OUT are not "completed")."""
    completed = public in {"COMPLETED", "CANCELED", "FAILED", "CRASHED", "INTERRUPTED",
                           "SYSTEM_FAILURE"}
    return {
        "isQueued": public in {"QUEUED", "WAITING_FOR_DEPLOY", "DELAYED", "PENDING_VERSION"},
        "isExecuting": public in {"EXECUTING", "REATTEMPTING", "FROZEN", "DEQUEUED"},
        "isWaiting": public == "WAITING",
        "isCompleted": completed,
        "isSuccess": completed and public == "COMPLETED",
        "isFailed": completed and public != "COMPLETED",
        "isCancelled": public == "CANCELED",
    }
