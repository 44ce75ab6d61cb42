"""How runs read on screen: status symbols and labels, relative times, durations, money.

Pure functions (no Textual) so the table, the header and the detail screen agree, and so they
can be tested without an app. Time is always passed in (`now`): the console shows times relative
to the session clock, which a test freezes, so nothing rendered depends on the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from trigger_tui.humanize import duration as duration


@dataclass(frozen=True, slots=True)
class StatusLook:
    """A status as the operator sees it: a symbol (reads on monochrome), a short label, and the
    tone whose theme color paints it (`success`, `error`, `warning`, `running`, `muted`)."""

    symbol: str
    label: str
    tone: str


# API statuses (current and legacy vocabulary) and TRQL's friendly names, normalised to
# UPPER_SNAKE. Unknown statuses fall back to `?` with their own name: the API grows.
_LOOKS: dict[str, StatusLook] = {
    "QUEUED": StatusLook("◌", "Queued", "muted"),
    "PENDING": StatusLook("◌", "Queued", "muted"),
    "DELAYED": StatusLook("◷", "Delayed", "muted"),
    "PENDING_VERSION": StatusLook("◇", "No deploy", "warning"),
    "WAITING_FOR_DEPLOY": StatusLook("◇", "No deploy", "warning"),
    "DEQUEUED": StatusLook("○", "Dequeued", "running"),
    "EXECUTING": StatusLook("●", "Running", "running"),
    "REATTEMPTING": StatusLook("↻", "Retrying", "warning"),
    "WAITING": StatusLook("⏸", "Waiting", "muted"),
    "FROZEN": StatusLook("⏸", "Waiting", "muted"),
    "PAUSED": StatusLook("⏸", "Paused", "warning"),
    "COMPLETED": StatusLook("✓", "Completed", "success"),
    "CANCELED": StatusLook("⊘", "Canceled", "muted"),
    "FAILED": StatusLook("✗", "Failed", "error"),
    "INTERRUPTED": StatusLook("✗", "Interrupt", "error"),
    "CRASHED": StatusLook("⊗", "Crashed", "error"),
    "SYSTEM_FAILURE": StatusLook("⊠", "Sys fail", "error"),
    "EXPIRED": StatusLook("⊖", "Expired", "muted"),
    "TIMED_OUT": StatusLook("⧗", "Timed out", "error"),
}
_ALIASES = {"DEQUEUED": "DEQUEUED", "EXECUTING": "EXECUTING", "RUNNING": "EXECUTING",
            "COMPLETED_SUCCESSFULLY": "COMPLETED", "COMPLETED_WITH_ERRORS": "FAILED",
            "WAITING_TO_RESUME": "WAITING", "RETRYING_AFTER_FAILURE": "REATTEMPTING"}

# Display order when sorting by status: what needs attention first.
STATUS_RANK: dict[str, int] = {name: rank for rank, name in enumerate((
    "CRASHED", "SYSTEM_FAILURE", "FAILED", "INTERRUPTED", "TIMED_OUT", "REATTEMPTING",
    "EXECUTING", "DEQUEUED", "WAITING", "FROZEN", "PAUSED", "PENDING_VERSION",
    "WAITING_FOR_DEPLOY", "QUEUED", "PENDING", "DELAYED", "EXPIRED", "CANCELED", "COMPLETED"))}

TONES = ("success", "error", "warning", "running", "muted")


def normalise_status(status: str) -> str:
    """`Timed out`, `timed_out` and `TIMED_OUT` are one status."""
    key = status.strip().upper().replace(" ", "_")
    return _ALIASES.get(key, key)


def status_look(status: str) -> StatusLook:
    key = normalise_status(status)
    look = _LOOKS.get(key)
    if look is None:
        return StatusLook("?", status.strip().title()[:9] or "?", "muted")
    return look


def status_rank(status: str) -> int:
    return STATUS_RANK.get(normalise_status(status), len(STATUS_RANK))


def ago(then: float | None, now: float) -> str:
    """`12s ago`, `5m ago`, `3h ago`, `2d ago`; a time ahead of `now` reads `in 5m`."""
    if then is None:
        return "—"
    delta = now - then
    text = span(abs(delta))
    return f"in {text}" if delta < -1 else f"{text} ago"


def span(seconds: float) -> str:
    """The coarsest single unit that still says something: `45s`, `12m`, `5h`, `3d`."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def money(usd: float) -> str:
    """Run costs are fractions of a cent: enough decimals to tell runs apart, and always as
    many, so a right-aligned cost column lines up on the point."""
    if usd <= 0:
        return "—"
    if usd < 0.01:
        return f"${usd:.5f}"
    return f"${usd:.4f}" if usd < 1 else f"${usd:,.2f}"


def absolute(ts: float | None) -> str:
    """The instant in the user's local zone (the absolute time shown on demand)."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, tz=UTC).astimezone().strftime("%m-%d %H:%M:%S")


def clip(text: str, width: int) -> str:
    """`text` cut to `width` cells with an ellipsis when it does not fit."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…" if width > 1 else "…"


# C0 and C1 controls (ESC, BEL, CSI …) move the cursor, recolor, set the clipboard (OSC 52);
# bidi controls reorder everything after them on the line (U+202E makes `exe.txt` read
# `txt.exe`); line and paragraph separators break a line that the layout thinks is one.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))
            if c not in (0x09, 0x0A)}
_CONTROL.update({c: f"\\u{c:04x}" for c in (*_BIDI, 0x2028, 0x2029)})
_CONTROL_AND_LAYOUT = {**_CONTROL, 0x09: "\\t", 0x0A: "\\n"}


def printable(text: str, *, multiline: bool = False) -> str:
    """`text` with every control character made visible, so that run data (error messages,
    log lines, JSON strings) can never move the cursor, change colors, set the clipboard or
    reorder the line. Tabs become spaces and, unless `multiline`, newlines become `\\n`."""
    if multiline:
        return text.translate(_CONTROL).replace("\t", "    ")
    return text.translate(_CONTROL_AND_LAYOUT)
