"""SDK-shaped namespaces, attached to every TriggerClient."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient


def attach(client: TriggerClient) -> None:
    """Give the client its namespaces (client.runs, client.queues, …)."""
