"""Headless commands: the console's client, from a shell (`trigger-tui runs list --json | jq`).

Each module registers one resource group's subcommands; `context.run` executes a handler with
an open client and turns its outcome into an exit code. Nothing here imports Textual, the
console's state or its UI; the emulator is imported only when `--demo` asks for it.
"""

from __future__ import annotations

import argparse
from typing import Any

from trigger_tui.commands import (
    bulk,
    config_cmd,
    deployments,
    envvars,
    error_groups,
    query,
    queues,
    runs,
    schedules,
    tokens,
    trigger,
)
from trigger_tui.commands.context import EXIT_CODES_HELP, run

GROUPS = (runs, query, queues, schedules, envvars, tokens, deployments, trigger, bulk,
          error_groups, config_cmd)

__all__ = ["EXIT_CODES_HELP", "dispatch", "register"]


def register(sub: Any) -> None:
    """Add every headless command to the `trigger-tui` subparsers."""
    for module in GROUPS:
        module.register(sub)


def dispatch(args: argparse.Namespace) -> int:
    """Run the parsed command; returns its exit code."""
    if getattr(args, "local", False):  # config commands: no client, no network
        return int(args.handler(args))
    return run(args, args.handler)
