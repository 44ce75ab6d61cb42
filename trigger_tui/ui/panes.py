"""The panes the console can jump to, and what `:` understands.

A pane is a Textual mode with its own screen stack (the runs pane keeps its run detail screens
under it while another pane is shown). Number keys and `:name` both come from this table, so a
new pane is one entry here. `:` also takes k9s-style shortcuts: a run id opens that run,
`:failed` jumps to the runs pane filtered on failures, `:q` quits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True, slots=True)
class Pane:
    name: str
    title: str
    aliases: tuple[str, ...]
    key: str  # the number key that shows it
    factory: Callable[[], Screen[None]]
    help: str


def _runs() -> Screen[None]:
    from trigger_tui.ui.screens.runs import RunsScreen

    return RunsScreen()


def _queues() -> Screen[None]:
    from trigger_tui.ui.screens.queues import QueuesScreen

    return QueuesScreen()


def _schedules() -> Screen[None]:
    from trigger_tui.ui.screens.schedules import SchedulesScreen

    return SchedulesScreen()


def _deployments() -> Screen[None]:
    from trigger_tui.ui.screens.deployments import DeploymentsScreen

    return DeploymentsScreen()


def _tokens() -> Screen[None]:
    from trigger_tui.ui.screens.tokens import TokensScreen

    return TokensScreen()


def _envvars() -> Screen[None]:
    from trigger_tui.ui.screens.envvars import EnvVarsScreen

    return EnvVarsScreen()


def _query() -> Screen[None]:
    from trigger_tui.ui.screens.query import QueryScreen

    return QueryScreen()


def _errors() -> Screen[None]:
    from trigger_tui.ui.screens.errors import ErrorsScreen

    return ErrorsScreen()


def _batches() -> Screen[None]:
    from trigger_tui.ui.screens.batches import BatchesScreen

    return BatchesScreen()


def _health() -> Screen[None]:
    from trigger_tui.ui.screens.health import HealthScreen

    return HealthScreen()


PANES: tuple[Pane, ...] = (
    Pane("runs", "Runs", ("r", "run", "runs", "rn"), "1", _runs,
         "live runs: filter, sort, open, select, cancel, replay"),
    Pane("queues", "Queues", ("queue", "qu", "qs"), "2", _queues,
         "queues: waiting and running runs, limits, pause and resume"),
    Pane("schedules", "Schedules", ("schedule", "sc", "cron", "crons"), "3", _schedules,
         "schedules: cron in words, next runs in their zone and yours; create, edit, activate, "
         "delete"),
    Pane("tokens", "Waitpoint tokens", ("token", "waitpoint", "waitpoints", "wp", "tok"), "4",
         _tokens, "waitpoint tokens: status/tag filters, create, complete with JSON, copy URL"),
    Pane("deployments", "Deployments", ("deployment", "deploy", "deploys", "dp"), "5",
         _deployments, "deployments: versions, the current one, detail; promote or roll back"),
    Pane("errors", "Errors", ("error", "err", "errs"), "6", _errors,
         "error groups: count, last seen, sample run; resolve, ignore, unresolve"),
    Pane("envvars", "Env vars", ("env", "envs", "envvar", "vars", "ev"), "7", _envvars,
         "env vars: masked values, reveal, create/edit/delete, .env import, diff environments"),
    Pane("batches", "Batches", ("batch", "bt"), "8", _batches,
         "batches of the runs in view, any batch by id: statuses and runs"),
    Pane("health", "Health", ("hl", "report"), "9", _health,
         "is work flowing, your code or the platform, is the data fresh"),
    Pane("query", "Query", ("query", "trql", "sql"), "0", _query,
         "TRQL console: queries, history, saved and stock queries, charts, export, dashboards"),
)

# `:failed` and friends: the runs pane with a status filter (names as RunFilter statuses).
STATUS_SHORTCUTS: dict[str, tuple[str, ...]] = {
    "failed": ("FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT", "INTERRUPTED"),
    "running": ("EXECUTING", "DEQUEUED", "REATTEMPTING"),
    "queued": ("QUEUED", "DELAYED", "PENDING_VERSION"),
    "waiting": ("WAITING",),
    "completed": ("COMPLETED",),
    "canceled": ("CANCELED",),
}
QUIT_WORDS = frozenset({"q", "q!", "quit", "exit"})
HELP_WORDS = frozenset({"?", "h", "help"})


def pane_named(word: str) -> Pane | None:
    w = word.strip().lower()
    for pane in PANES:
        if w == pane.name or w in pane.aliases or w == pane.key:
            return pane
    return None


@dataclass(frozen=True, slots=True)
class Jump:
    """What a `:` command asks for (exactly one of the fields is meaningful, by `kind`)."""

    kind: str  # "pane" | "run" | "statuses" | "quit" | "help" | "unknown"
    pane: Pane | None = None
    run_id: str = ""
    statuses: tuple[str, ...] = ()
    text: str = ""


def parse_jump(text: str) -> Jump:
    """`runs`, `1`, `run run_abc`, `run_abc`, `failed`, `q` → what to do."""
    words = text.strip().removeprefix(":").split()
    if not words:
        return Jump("unknown", text=text)
    head = words[0].lower()
    if head in QUIT_WORDS:
        return Jump("quit")
    if head in HELP_WORDS:
        return Jump("help")
    if words[0].startswith("run_"):
        return Jump("run", run_id=words[0])
    if head in ("run", "r") and len(words) > 1:
        return Jump("run", run_id=words[1])
    if head in STATUS_SHORTCUTS:
        return Jump("statuses", pane=pane_named("runs"), statuses=STATUS_SHORTCUTS[head])
    pane = pane_named(head)
    if pane is not None:
        return Jump("pane", pane=pane)
    return Jump("unknown", text=text)


def suggestions() -> list[str]:
    """Words `:` completes, for the prompt's suggester."""
    words = [p.name for p in PANES] + list(STATUS_SHORTCUTS) + ["run ", "quit", "help"]
    return sorted(set(words))
